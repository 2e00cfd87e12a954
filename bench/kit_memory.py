"""Benchmark: peak memory (RSS) of one field-kit cycle on a 100 MiB journal (target: 80 MB).

A Pi Zero 2 has 512 MB, so a kit cycle must stay small whatever the journal
size. The emulated terminal runs in its own `posdiag simulate --tcp` process,
so only the `posdiag kit once` process is measured: its peak RSS comes from
wait4(2) for exactly that child. The cycle backs up, verifies and "ejects" a
temporary folder standing in for the stick. Not a test: numbers only; exit 1
when the peak passes the limit.

    python bench/kit_memory.py                 # ~420000 records ≈ 100 MiB (takes minutes)
    python bench/kit_memory.py --records 20000 # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMIT_BYTES = 80 * 1000 * 1000  # "within 80 MB RSS"


def start_simulator(records: int) -> tuple[subprocess.Popen[str], str]:
    sim = subprocess.Popen([sys.executable, "-m", "posdiag", "simulate", "--tcp", "127.0.0.1:0",
                            "--journal", str(records), "--seed", "1"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert sim.stdout is not None
    port = sim.stdout.readline().strip()
    if not port.startswith("tcp://"):
        sim.kill()
        raise SystemExit(f"the simulator did not start (printed {port!r})")
    return sim, port


def run_measured(argv: list[str], out: Path, err: Path) -> tuple[int, int]:
    """Run a command; (exit code, its own peak RSS in bytes) from wait4(2)."""
    with open(out, "w") as stdout, open(err, "w") as stderr:
        child = subprocess.Popen(argv, stdout=stdout, stderr=stderr)
        _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)  # already reaped: tell Popen
    return child.returncode, usage.ru_maxrss * 1024  # Linux reports KiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=420_000,
                        help="journal records in the emulated terminal (~250 bytes each)")
    args = parser.parse_args()
    from posdiag.crypto.age import generate_identity

    with tempfile.TemporaryDirectory(prefix="posdiag-kit-bench-") as scratch:
        root = Path(scratch)
        (root / "stick").mkdir()
        config = root / "kit.toml"
        config.write_text(f'recipients = ["{generate_identity()[1]}"]\n')  # throwaway key
        sim, port = start_simulator(args.records)
        try:
            started = time.monotonic()
            code, peak = run_measured(
                [sys.executable, "-m", "posdiag", "kit", "once", "--port", port, "--media",
                 str(root / "stick"), "--config", str(config), "--state-dir",
                 str(root / "state"), "--json"], root / "out.json", root / "err.txt")
            seconds = time.monotonic() - started
        finally:
            sim.terminate()
            sim.wait()
        out, err = (root / "out.json").read_text(), (root / "err.txt").read_text()
    if code != 0:
        print(err, file=sys.stderr)
        print(f"kit once failed with exit code {code}")
        return 1
    summary = json.loads(out)
    mib = summary["journal_bytes"] / 2**20
    print(f"journal          {summary['records']} records, {mib:.1f} MiB")
    print(f"kit cycle        {seconds:.0f} s ({mib / seconds:.2f} MiB/s: backup, verify, sync)")
    print(f"peak RSS         {peak / 2**20:.1f} MiB = {peak / 1e6:.1f} MB "
          f"(limit {LIMIT_BYTES / 1e6:.0f} MB): {'ok' if peak <= LIMIT_BYTES else 'TOO MUCH'}")
    return 0 if peak <= LIMIT_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
