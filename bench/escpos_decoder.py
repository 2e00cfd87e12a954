"""Benchmark: ESC/POS decoding is linear in time and bounded in memory (issue 10, item 4).

For each kind of job, the same pattern is decoded at a small and a large size, in this run,
through ``Decoder.feed`` in 4 KiB chunks (as a printer receives them) and ``finish``:

- time per byte at the large size / time per byte at the small size — a linear decoder
  stays near 1.0 (the quadratic one grew with the size: ``ab\\r`` repeated);
- peak traced memory per input byte at the large size (tracemalloc; the job's own bytes not
  counted) — bounded by the receipt's limits, not by the input (``ESC d 255`` repeated cost
  ~4.8 KB per byte before).

Not a test: numbers only. The receipts are dropped as they come, as the emulated printer's
writer does, so what is measured is the decoder.

    python bench/escpos_decoder.py [--small 10000] [--large 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc
from collections.abc import Callable

from posdiag.drivers.escpos import Decoder, build_test_receipt

CHUNK = 4096


def _random_job(size: int) -> bytes:
    pieces = [b"\x1c&", b"\x1c.", b"\x81\x30", b"\xd6\xd0", b"\x1dV\x00", b"\x1bd\xff", b"\n",
              b"\x1b!\x38", b"\x1d!\x77", b"ab\r", b"\x1bt\x0f\x85", b"\x07", b"\x1bE\x01"]
    rng = random.Random(1)
    out = bytearray()
    while len(out) < size:
        out += rng.choice(pieces) if rng.random() < 0.7 else rng.randbytes(4)
    return bytes(out[:size])


def _repeat(pattern: bytes) -> Callable[[int], bytes]:
    return lambda size: (pattern * (size // len(pattern) + 1))[:size]


JOBS: dict[str, Callable[[int], bytes]] = {
    "ab\\r repeated": _repeat(b"ab\r"),
    "ESC d 255 repeated": _repeat(b"\x1bd\xff"),
    "text lines": _repeat(b"Total EUR 12.50 Visa ****1234 approved\n"),
    "Chinese text (FS &)": _repeat(b"\x1c&" + "合计 ￥12.50 刷卡".encode("gb18030") + b"\n"),
    "test receipts": _repeat(build_test_receipt()),
    "random commands": _random_job,
}


def _decode(job: bytes) -> None:
    decoder = Decoder()
    for start in range(0, len(job), CHUNK):
        decoder.feed(job[start:start + CHUNK])
    decoder.finish()


def seconds_per_byte(job: bytes, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        _decode(job)
        best = min(best, time.perf_counter() - start)
    return best / len(job)


def memory_per_byte(job: bytes) -> float:
    tracemalloc.start()
    try:
        _decode(job)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak / len(job)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"ESC/POS decoder: time per byte at {args.large} B / at {args.small} B "
          "(same run), peak memory per input byte at the large size")
    print(f"{'job':<22} {'us/B small':>10} {'us/B large':>10} {'ratio':>6} {'mem B/B':>8}")
    for name, make in JOBS.items():
        small, large = make(args.small), make(args.large)
        t_small = seconds_per_byte(small, args.repeat)
        t_large = seconds_per_byte(large, args.repeat)
        mem = memory_per_byte(large)
        print(f"{name:<22} {t_small * 1e6:>10.2f} {t_large * 1e6:>10.2f} "
              f"{t_large / t_small:>6.2f} {mem:>8.2f}")


if __name__ == "__main__":
    main()
