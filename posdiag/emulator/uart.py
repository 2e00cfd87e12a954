"""What a UART receives when the two ends of a serial line disagree on the baud rate. Pure.

ZVT serial is 8N2 (PA00P016 §2.1): a start bit (0), eight data bits, least significant
first, two stop bits (1); the line idles at 1. A receiver set to another rate waits for a
falling edge, samples the middle of each of *its* bit periods, and takes what it hears as a
byte — so a terminal still at 9600 hears an ECR at 115200 as a few bytes of garbage, and the
other way round as many. That is what a real cable does, and what makes a forgotten or
mismatched rate change fail in the emulator as it fails in the field.

The bytes of one call are taken as sent back to back; the line is idle before and after.
"""

from __future__ import annotations

DATA_BITS = 8
STOP_BITS = 2
FRAME_BITS = 1 + DATA_BITS + STOP_BITS


def resample(data: bytes, sent_at: int, read_at: int) -> bytes:
    """The bytes a receiver at ``read_at`` baud takes from ``data`` sent at ``sent_at`` baud."""
    if sent_at == read_at or not data:
        return data
    levels = _levels(data)
    sender_bit = 1.0 / sent_at
    duration = len(levels) * sender_bit

    def level(t: float) -> int:
        index = int(t / sender_bit)
        return levels[index] if 0 <= index < len(levels) else 1  # idle before and after

    received = bytearray()
    bit = 1.0 / read_at
    edges = _falling_edges(levels, sender_bit)
    t = 0.0
    for edge in edges:
        if edge < t:
            continue  # inside the byte the receiver is still taking
        if level(edge + bit / 2) != 0:
            continue  # a glitch, not a start bit: keep hunting
        value = 0
        for n in range(DATA_BITS):
            value |= level(edge + (1.5 + n) * bit) << n
        received.append(value)
        # A missing stop bit is a framing error; the UART still hands the byte over (raw mode)
        # and hunts for the next start bit after the stop bit's sample point.
        t = edge + (1 + DATA_BITS + 0.5) * bit
        if t >= duration:
            break
    return bytes(received)


def _levels(data: bytes) -> list[int]:
    """The line level in each of the sender's bit periods."""
    levels: list[int] = []
    for byte in data:
        levels.append(0)
        levels.extend((byte >> n) & 1 for n in range(DATA_BITS))
        levels.extend([1] * STOP_BITS)
    return levels


def _falling_edges(levels: list[int], bit: float) -> list[float]:
    """Times at which the line goes from 1 to 0."""
    edges = []
    previous = 1
    for index, value in enumerate(levels):
        if previous == 1 and value == 0:
            edges.append(index * bit)
        previous = value
    return edges
