"""Cost of the card-number guard on `inspect` output, against making the same output unmasked.

Every line a command prints passes posdiag.cli.streams.MaskingTextStream (card numbers masked,
control characters escaped), and `inspect` masks each line itself as well. The reference,
measured in the same run: formatting the same journal records the way `inspect` does (table
line, or the canonical JSON line) and writing them to an in-memory stream, unmasked. Also a
hex dump of BCD bytes (every line one long digit run: the worst ordinary case), against
formatting it. Prints records per second and the ratio guarded / reference.

    .venv/bin/python bench/pan_mask.py [RECORDS]
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable

from posdiag.backup.reconcile import format_amount
from posdiag.cards import mask_text
from posdiag.cli.streams import MaskingTextStream
from posdiag.journal import JournalRecord, encode_record


def _records(count: int) -> list[JournalRecord]:
    return [JournalRecord(seq=n, receipt=n % 10_000, trace=n % 1_000_000, type="payment",
                          result=0, amount=n * 7 % 100_000, currency=978,
                          time="2026-11-25T10:15:00", tid="52500001", card_type=10,
                          brand="VISA", pan="476173******0010", aid="A0000000031010",
                          auth="123456") for n in range(1, count + 1)]


def _table(r: JournalRecord) -> str:
    return (f"{r.seq:>7} {r.time:19} {r.type:8} {r.result:>3} {format_amount(r.amount):>12} "
            f"{(r.brand or '-')[:12]:12} {r.pan or '-':19} {r.receipt:>7}\n")


def _json(r: JournalRecord) -> str:
    return encode_record(r).decode("utf-8")


def _hexdump(n: int) -> str:
    return " ".join(f"{(n * 37 + i) % 100:02d}" for i in range(24)) + "\n"


def _run(items: list, make: Callable[[object], str], guarded: bool) -> float:
    target: io.StringIO | MaskingTextStream = io.StringIO()
    if guarded:
        target = MaskingTextStream(io.StringIO())
    start = time.perf_counter()
    for item in items:
        line = make(item)
        target.write(mask_text(line) if guarded else line)  # inspect masks, then the stream
    if isinstance(target, MaskingTextStream):
        target.drain()
    return time.perf_counter() - start


def main(count: int = 50_000) -> None:
    records = _records(count)
    cases: list[tuple[str, list, Callable]] = [
        ("table", records, _table), ("json", records, _json),
        ("hexdump", list(range(count)), _hexdump)]
    for name, items, make in cases:
        plain = min(_run(items, make, False) for _ in range(3))
        guarded = min(_run(items, make, True) for _ in range(3))
        print(f"{name:8} {count} lines: unmasked {count / plain:9,.0f}/s, guarded "
              f"{count / guarded:9,.0f}/s, ratio guarded/unmasked {guarded / plain:5.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
