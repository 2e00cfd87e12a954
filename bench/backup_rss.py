"""Benchmark: peak memory (RSS) of `posdiag backup` for a large and a small journal.

For each size the emulated terminal runs in its own process (``posdiag simulate --tcp
127.0.0.1:0 --journal N``, so its memory is not counted); ``posdiag backup`` then runs as a
child of this script and its peak RSS comes from ``os.wait4`` (that child alone). Targets
from the issue: a 1 GiB journal's backup within 64 MB, and within 10 MB of a 1 MiB
journal's. Also prints how long the emulator took to generate the journal, the dump rate and
the ratios. Not a test: numbers only.

    python bench/backup_rss.py             # 1 GiB against 1 MiB (slow: docs/performance.md)
    python bench/backup_rss.py --mib 64    # a quicker run: 64 MiB against 1 MiB
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

RECORD_BYTES = 246  # average size of an emulator journal record (docs/journal.md format)
LARGE_LIMIT = 64 * 10**6
DELTA_LIMIT = 10 * 10**6


def posdiag_exe() -> str:
    return str(Path(sys.executable).with_name("posdiag"))


def start_emulator(records: int) -> tuple[subprocess.Popen[str], str, float]:
    start = time.perf_counter()
    child = subprocess.Popen([posdiag_exe(), "simulate", "--tcp", "127.0.0.1:0", "--journal",
                              str(records), "--seed", "1"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert child.stdout is not None
    url = child.stdout.readline().strip()  # printed once the journal is generated
    if not url.startswith("tcp://"):
        child.kill()
        raise SystemExit(f"the emulator did not print its address (got {url!r})")
    return child, url, time.perf_counter() - start


def run_backup_measured(mib: float, workdir: Path, recipient: str) -> dict[str, float]:
    """Back up a journal of about ``mib`` MiB; the child is reaped with wait4 for its own peak."""
    records = max(1, int(mib * 2**20 / RECORD_BYTES))
    emulator, url, generated = start_emulator(records)
    try:
        out_path = workdir / f"out-{mib:g}.json"
        err_path = workdir / f"err-{mib:g}.txt"
        start = time.perf_counter()
        with open(out_path, "w") as out, open(err_path, "w") as err:
            child = subprocess.Popen([posdiag_exe(), "backup", "--port", url, "--to",
                                      str(workdir / f"set-{mib:g}"), "-r", recipient, "--json"],
                                     stdout=out, stderr=err)
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
    finally:
        emulator.terminate()
        emulator.wait()
    if child.returncode != 0:
        raise SystemExit(f"posdiag backup failed ({child.returncode}): "
                         f"{err_path.read_text().strip()}")
    summary = json.loads(out_path.read_text())
    return {"records": summary["records"], "bytes": summary["journal_bytes"],
            "peak_rss": usage.ru_maxrss * 1024, "wall": wall, "generate": generated}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=float, default=1024, help="large journal size in MiB")
    parser.add_argument("--small-mib", type=float, default=1, help="small journal size in MiB")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where the sets are written (default: a temp dir; needs the space)")
    args = parser.parse_args()
    from posdiag.crypto.age import generate_identity

    recipient = generate_identity()[1]  # throw-away bench key: the sets are deleted afterwards
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="posdiag-rss-") as tmp:
        workdir = Path(tmp)
        os.environ["POSDIAG_CONFIG_DIR"] = str(workdir / "config")
        rows = {}
        for mib in (args.small_mib, args.mib):
            rows[mib] = run_backup_measured(mib, workdir, recipient)
            row = rows[mib]
            print(f"{row['bytes'] / 2**20:9.1f} MiB journal, {row['records']:>8} records: "
                  f"peak RSS {row['peak_rss'] / 1e6:6.1f} MB, backup {row['wall']:7.1f} s "
                  f"({row['bytes'] / 2**20 / row['wall']:.1f} MiB/s), emulator generated it "
                  f"in {row['generate']:.1f} s")
    small, large = rows[args.small_mib], rows[args.mib]
    delta = large["peak_rss"] - small["peak_rss"]
    print(f"large peak {large['peak_rss'] / 1e6:.1f} MB (limit {LARGE_LIMIT / 1e6:.0f} MB: "
          f"ratio {large['peak_rss'] / LARGE_LIMIT:.2f}); growth over the small journal "
          f"{delta / 1e6:+.1f} MB (limit {DELTA_LIMIT / 1e6:.0f} MB: ratio "
          f"{max(delta, 0) / DELTA_LIMIT:.2f})")


if __name__ == "__main__":
    main()
