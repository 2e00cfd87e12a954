"""Benchmark: a journal dump through the emulator at 115200 baud, against the wire's own time.

The emulated terminal runs in its own process (``posdiag simulate --serial --baud B``), pacing
its pty at B baud (10 bits per byte, both directions). This process is the ECR: it counts
every byte it writes and reads on the link (frames, DLE stuffing, CRCs, ACKs, the 80 00 00
answers) while it

1. dumps the merchant journal with Read File (``terminal.read_file(1)``), and
2. runs a whole ``run_backup`` (identify, dump, encrypt, write, read back, snapshots, manifests)
   of the same journal against a fresh emulator process,

and prints wall time / wire time (the issue's target: <= 1.10, i.e. >= 90 % line utilisation).
Wire time = bytes both ways x 10 / baud: ZVT serial is stop-and-wait (every frame waits for its
ACK), so the two directions take turns and their times add. The PT->ECR-only figure is shown too.
Not a test: numbers only.

    python bench/backup_line_rate.py --records 1000 --baud 115200 [--max-apdu 1024]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BITS_PER_BYTE = 10


class CountingLink:
    """Wraps the ECR's ByteLink and counts the bytes each way."""

    def __init__(self, link: Any) -> None:
        self._link = link
        self.description = link.description
        self.written = 0
        self.read_bytes = 0

    def read(self, size: int, timeout: float) -> bytes:
        data = self._link.read(size, timeout)
        self.read_bytes += len(data)
        return data

    def write(self, data: bytes) -> None:
        self._link.write(data)
        self.written += len(data)

    def close(self) -> None:
        self._link.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._link, name)


def start_emulator(records: int, baud: int, seed: int) -> tuple[subprocess.Popen[str], str]:
    exe = Path(sys.executable).with_name("posdiag")
    child = subprocess.Popen([str(exe), "simulate", "--serial", "--baud", str(baud),
                              "--journal", str(records), "--seed", str(seed)],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert child.stdout is not None
    path = child.stdout.readline().strip()
    if not path.startswith("/dev/"):
        child.kill()
        raise SystemExit(f"the emulator did not print its pty path (got {path!r})")
    return child, path


def counted_terminal(path: str, baud: int, max_apdu: int | None) -> Any:
    from posdiag.drivers.zvt.terminal import ZvtTerminal
    from posdiag.link.ports import PortSpec

    options: dict[str, Any] = {"baud": baud}
    if max_apdu:
        options["max_apdu"] = max_apdu
    terminal = ZvtTerminal.open(PortSpec("serial", url=path), **options)
    counter = CountingLink(terminal.transport.link)
    terminal.transport.link = counter
    return terminal, counter


def report(label: str, wall: float, counter: CountingLink, baud: int, payload: int) -> None:
    both = (counter.written + counter.read_bytes) * BITS_PER_BYTE / baud
    inbound = counter.read_bytes * BITS_PER_BYTE / baud
    # For the whole backup the wire also carries the log, the configuration printout and the
    # totals, so "beyond the journal" is more than framing there.
    print(f"{label}: {payload} journal bytes, wire {counter.read_bytes} in + {counter.written} "
          f"out bytes ({counter.read_bytes / max(payload, 1) - 1:.1%} beyond the journal)")
    print(f"  wall {wall:.2f} s, wire time {both:.2f} s both ways ({inbound:.2f} s PT->ECR)")
    print(f"  ratio wall/wire {wall / both:.3f} (target <= 1.10), utilisation {both / wall:.1%}; "
          f"wall/inbound {wall / inbound:.3f}")


def dump_journal(args: argparse.Namespace) -> None:
    from posdiag.devices import FILE_MERCHANT_JOURNAL

    child, path = start_emulator(args.records, args.baud, args.seed)
    try:
        terminal, counter = counted_terminal(path, args.baud, args.max_apdu)
        terminal.ensure_registered()  # registration is not part of the dump
        counter.written = counter.read_bytes = 0
        start = time.perf_counter()
        size = 0
        blocks = 0
        for block in terminal.read_file(FILE_MERCHANT_JOURNAL):
            size += len(block.data)
            blocks += 1
        wall = time.perf_counter() - start
        terminal.close()
        print(f"block size {size // max(blocks, 1)} bytes average over {blocks} blocks "
              f"(ECR max_apdu {terminal.max_apdu})")
        report("Read File dump", wall, counter, args.baud, size)
    finally:
        child.terminate()
        child.wait()


def whole_backup(args: argparse.Namespace) -> None:
    from posdiag.backup.kitkey import load_or_create_kit_key
    from posdiag.backup.service import run_backup
    from posdiag.crypto.age import generate_identity, parse_recipient

    child, path = start_emulator(args.records, args.baud, args.seed)
    try:
        terminal, counter = counted_terminal(path, args.baud, args.max_apdu)
        with tempfile.TemporaryDirectory() as tmp:
            kit = load_or_create_kit_key(Path(tmp) / "config")
            recipient = parse_recipient(generate_identity()[1])  # throw-away bench key
            start = time.perf_counter()
            result = run_backup(terminal, Path(tmp) / "set", [recipient], kit)
            wall = time.perf_counter() - start
        terminal.close()
        report("posdiag backup (run_backup, all segments)", wall, counter, args.baud,
               result.journal_bytes)
    finally:
        child.terminate()
        child.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000, help="journal transactions")
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-apdu", type=int, default=None,
                        help="ECR's announced max APDU (default: the driver's)")
    parser.add_argument("--only", choices=("dump", "backup"), default=None)
    args = parser.parse_args()
    os.environ.setdefault("POSDIAG_CONFIG_DIR", tempfile.mkdtemp(prefix="posdiag-bench-"))
    print(f"{args.records} records at {args.baud} baud, {BITS_PER_BYTE} bits per byte")
    if args.only in (None, "dump"):
        dump_journal(args)
    if args.only in (None, "backup"):
        whole_backup(args)


if __name__ == "__main__":
    main()
