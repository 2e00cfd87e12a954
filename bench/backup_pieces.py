"""Benchmark: what 56 KiB pieces (a kill loses < 64 KiB) cost against one file per segment.

The same whole ``run_backup`` of the emulated terminal (``sim:`` over TCP, so the link is
fast and the storage side shows) runs with the default pieces and, as the reference in the
same run, with one piece per 8 MiB segment - the layout before pieces, where a kill lost up
to a segment. Runs alternate; medians are compared. The storage calls are counted (files,
fsyncs), and the extra time is also put against the wire time of the same journal at
115200 baud, the rate a serial terminal delivers at best. Not a test: numbers only.

    python bench/backup_pieces.py                 # 20 000 transactions (about 5 MiB), 3 runs
    python bench/backup_pieces.py --records 4000 --runs 5 --dir /media/pi/STICK
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

from posdiag.backup.medium import Medium

WIRE_BYTES_PER_JOURNAL_BYTE = 1.04  # ZVT serial framing and block headers (performance.md)


class CountingMedium(Medium):
    """The real file-system calls, counted."""

    def __init__(self) -> None:
        self.files = self.file_syncs = self.dir_syncs = 0

    def create(self, path: Path) -> BinaryIO:
        self.files += 1
        return super().create(path)

    def sync_file(self, file: BinaryIO) -> None:
        self.file_syncs += 1
        super().sync_file(file)

    def sync_dir(self, path: Path) -> None:
        self.dir_syncs += 1
        super().sync_dir(path)


def one_run(records: int, piece_bytes: int, workdir: Path, recipient: str) -> tuple[float, int,
                                                                                   CountingMedium]:
    from posdiag.backup.kitkey import load_or_create_kit_key
    from posdiag.backup.service import run_backup
    from posdiag.crypto.age import parse_recipient
    from posdiag.terminals import open_terminal

    medium = CountingMedium()
    with tempfile.TemporaryDirectory(dir=workdir) as tmp, \
            open_terminal(f"sim:journal={records},seed=1,transport=tcp") as terminal:
        kit = load_or_create_kit_key(Path(tmp) / "kit")
        start = time.perf_counter()
        result = run_backup(terminal, Path(tmp) / "set", [parse_recipient(recipient)], kit,
                            medium=medium, piece_bytes=piece_bytes)
        return time.perf_counter() - start, result.journal_bytes, medium


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="where the sets are written")
    args = parser.parse_args()
    from posdiag.backup.pieces import PIECE_BYTES
    from posdiag.backup.service import DEFAULT_SEGMENT_BYTES
    from posdiag.crypto.age import generate_identity

    recipient = generate_identity()[1]  # throw-away bench key
    variants = {"pieces (56 KiB)": PIECE_BYTES, "reference: one file per segment":
                DEFAULT_SEGMENT_BYTES}
    walls: dict[str, list[float]] = {name: [] for name in variants}
    counts: dict[str, CountingMedium] = {}
    size = 0
    for _ in range(args.runs):
        for name, piece_bytes in variants.items():
            wall, size, medium = one_run(args.records, piece_bytes, args.dir or Path(
                tempfile.gettempdir()), recipient)
            walls[name].append(wall)
            counts[name] = medium
    wire = size * WIRE_BYTES_PER_JOURNAL_BYTE * 10 / 115200
    for name in variants:
        medium = counts[name]
        print(f"{name:34} median {statistics.median(walls[name]):7.2f} s of {args.runs} "
              f"(min {min(walls[name]):.2f}); {medium.files} files, {medium.file_syncs} file "
              f"and {medium.dir_syncs} folder fsyncs")
    pieces, reference = (statistics.median(walls[n]) for n in variants)
    print(f"journal {size / 2**20:.2f} MiB: pieces / reference = {pieces / reference:.2f}; "
          f"extra {pieces - reference:+.2f} s = {100 * (pieces - reference) / wire:+.2f} % of "
          f"its {wire / 60:.1f} min on the wire at 115200 baud")


if __name__ == "__main__":
    main()
