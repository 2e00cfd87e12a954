"""Benchmark: a whole backup of a terminal left at 9600 baud, with and without Change Baudrate.

The emulated terminal runs in its own process (``posdiag simulate --serial --baud 9600``), set
to 9600 baud as terminals leave the factory, pacing its pty at 10 bits per byte at whatever rate
the line runs (it follows 08 40 as PA00P015 §2.57 says: 80 00 at the old rate, the new rate
2 s later). This process is the ECR; it counts every byte on the link and the rate it went at,
while it runs a whole ``run_backup`` (identify, dump, encrypt, write, read back, snapshots,
manifests) twice against fresh emulators, in the same run:

1. as `posdiag backup` does it: switching to 115200 when it opens the terminal (and back
   when it closes);
2. staying at 9600 throughout (max_baud 9600), the reference.

It prints wall time / wire time at 115200 (the issue's target: <= 1.15), where wire time at
115200 = all bytes both ways x 10 / 115200 — what the same exchange would take if the whole
session ran at 115200 — and the speed-up of 1 over 2. Not a test: numbers only.

    python bench/backup_rate_switch.py --records 1000 [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BITS_PER_BYTE = 10
FAST = 115200
SLOW = 9600


class RateCountingLink:
    """Wraps the ECR's serial link; counts bytes each way and the line time at each rate."""

    def __init__(self, link: Any) -> None:
        self._link = link
        self.description = link.description
        self.bytes = 0
        self.line_seconds = 0.0

    def _count(self, n: int) -> None:
        self.bytes += n
        self.line_seconds += n * BITS_PER_BYTE / self._link.baudrate

    def read(self, size: int, timeout: float) -> bytes:
        data = self._link.read(size, timeout)
        self._count(len(data))
        return data

    def write(self, data: bytes) -> None:
        self._link.write(data)
        self._count(len(data))

    def close(self) -> None:
        self._link.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._link, name)


def start_emulator(records: int, seed: int) -> tuple[subprocess.Popen[str], str]:
    exe = Path(sys.executable).with_name("posdiag")
    child = subprocess.Popen([str(exe), "simulate", "--serial", "--baud", str(SLOW),
                              "--journal", str(records), "--seed", str(seed)],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert child.stdout is not None
    path = child.stdout.readline().strip()
    if not path.startswith("/dev/"):
        child.kill()
        raise SystemExit(f"the emulator did not print its pty path (got {path!r})")
    return child, path


def backup_once(records: int, seed: int, max_baud: int) -> tuple[float, RateCountingLink, int]:
    from posdiag.backup.kitkey import load_or_create_kit_key
    from posdiag.backup.service import run_backup
    from posdiag.crypto.age import generate_identity, parse_recipient
    from posdiag.drivers.zvt.terminal import ZvtTerminal
    from posdiag.link.ports import PortSpec

    child, path = start_emulator(records, seed)
    try:
        start = time.perf_counter()
        terminal = ZvtTerminal.open(PortSpec("serial", url=path), baud=SLOW, max_baud=max_baud,
                                    fast_line=True)  # as `posdiag backup` opens it
        counter = RateCountingLink(terminal.transport.link)
        terminal.transport.link = counter  # type: ignore[attr-defined]
        with tempfile.TemporaryDirectory() as tmp:
            kit = load_or_create_kit_key(Path(tmp) / "config")
            recipient = parse_recipient(generate_identity()[1])  # throw-away bench key
            result = run_backup(terminal, Path(tmp) / "set", [recipient], kit)
        terminal.close()  # switches the terminal back to 9600: part of the job
        wall = time.perf_counter() - start
        return wall, counter, result.journal_bytes
    finally:
        child.terminate()
        child.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000, help="journal transactions")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3,
                        help="switching runs (median reported; a shared machine is noisy)")
    args = parser.parse_args()
    os.environ.setdefault("POSDIAG_CONFIG_DIR", tempfile.mkdtemp(prefix="posdiag-bench-"))
    print(f"{args.records} records; terminal configured to {SLOW} baud; "
          f"{BITS_PER_BYTE} bits per byte")
    ratios = []
    walls = []
    for run in range(1, args.runs + 1):
        fast_wall, fast, journal = backup_once(args.records, args.seed, FAST)
        at_fast = fast.bytes * BITS_PER_BYTE / FAST
        ratios.append(fast_wall / at_fast)
        walls.append(fast_wall)
        print(f"switching to {FAST}, run {run}: journal {journal} B, wire {fast.bytes} B both "
              f"ways, wall {fast_wall:.2f} s, line time {fast.line_seconds:.2f} s, wire time "
              f"at {FAST} {at_fast:.2f} s, ratio {ratios[-1]:.3f}; load {os.getloadavg()[0]:.1f}")
    fast_wall = statistics.median(walls)
    print(f"  ratio wall / wire time at {FAST}, median of {args.runs}: "
          f"{statistics.median(ratios):.3f} (target <= 1.15)")
    slow_wall, slow, _ = backup_once(args.records, args.seed, SLOW)
    print(f"staying at {SLOW}: wire {slow.bytes} B, wall {slow_wall:.2f} s, "
          f"line time {slow.line_seconds:.2f} s; load {os.getloadavg()[0]:.1f}")
    print(f"  speed-up of switching (median wall): {slow_wall / fast_wall:.2f} x")


if __name__ == "__main__":
    main()
