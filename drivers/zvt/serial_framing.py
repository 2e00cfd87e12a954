"""ZVT serial framing (PA00P016 §3): a pure framer, no I/O.

    DLE STX <APDU, every DLE doubled> DLE ETX CRC-lo CRC-hi

The CRC is CRC-16/KERMIT (reflected CCITT, init 0, no final XOR) over the
unstuffed APDU plus the ETX byte, sent low byte first and *not* stuffed.
Between frames the only legal bytes are the transport ACK (06) and NAK (15);
anything else is line noise that the receiver skips to resynchronise.

``FrameReceiver.feed`` turns received bytes into events, so the link code only
reads and feeds (h11 style), and tests drive it without a port.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from posdiag.errors import ProtocolError

DLE = 0x10
STX = 0x02
ETX = 0x03
ACK = 0x06
NAK = 0x15


def _make_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _make_table()


def crc16_kermit(data: bytes | bytearray, crc: int = 0) -> int:
    """CRC-16/KERMIT; check value for b"123456789" is 0x2189."""
    for byte in data:
        crc = (crc >> 8) ^ _CRC_TABLE[(crc ^ byte) & 0xFF]
    return crc


def frame(apdu: bytes) -> bytes:
    """Wrap APDU bytes into one serial frame."""
    crc = crc16_kermit(apdu + bytes((ETX,)))
    body = apdu.replace(b"\x10", b"\x10\x10")
    return bytes((DLE, STX)) + body + bytes((DLE, ETX, crc & 0xFF, crc >> 8))


def unframe(data: bytes) -> tuple[bytes, bool]:
    """Unwrap exactly one complete serial frame: (APDU bytes, CRC correct).

    Raises ProtocolError when the bytes are anything else: a damaged frame, a frame
    that does not end, or any byte before or after it (even an ACK).
    """
    result = unframe_leniently(data)
    if result.problems:
        raise ProtocolError(result.problems[0])
    return result.apdu, result.crc_ok


@dataclass(frozen=True, slots=True)
class Unframed:
    """What one captured serial line holds: the APDU, whether its CRC matched, what was wrong.

    ``problems`` is empty exactly when the bytes were one well-formed frame and nothing else.
    """

    apdu: bytes = field(repr=False)
    crc_ok: bool
    problems: tuple[str, ...] = ()


def unframe_leniently(data: bytes) -> Unframed:
    """The best APDU a damaged capture line yields, with every problem named; never raises.

    Well-formed: one frame, nothing before or after. Otherwise the first complete frame
    is used if there is one; else the body is cut at the last DLE ETX and un-stuffed by
    halving DLE DLE, which is what a frame whose stuffing or end was damaged still holds.
    """
    receiver = FrameReceiver()
    events = receiver.feed(data)
    frames = [e for e in events if isinstance(e, FrameReceived)]
    problems = [e.reason for e in events if isinstance(e, FrameError)]
    if any(isinstance(e, Noise | AckReceived | NakReceived) for e in events):
        problems.append("bytes outside the frame")
    if receiver.in_frame:
        problems.append("frame incomplete: no DLE ETX and two CRC bytes at the end")
    if len(frames) > 1:
        problems.append(f"{len(frames)} frames on one line; decoding the first")
    if frames:
        return Unframed(frames[0].apdu, frames[0].crc_ok, tuple(problems))
    if not problems:
        problems.append("not a serial frame (expected DLE STX ... DLE ETX CRC CRC)")
    apdu, crc_ok = _unstuff_leniently(data)
    return Unframed(apdu, crc_ok, tuple(problems))


def split_line(data: bytes) -> list[bytes] | None:
    """A captured line holding several complete frames (and ACK/NAK bytes) cut into one
    piece per frame or byte, in order; None unless the line is exactly that."""
    receiver = FrameReceiver()
    pieces: list[bytes] = []
    start = 0
    for end in range(1, len(data) + 1):
        events = receiver.feed(data[end - 1 : end])
        if not events:
            continue
        if any(isinstance(e, Noise | FrameError) for e in events) or len(events) > 1:
            return None
        pieces.append(data[start:end])
        start = end
    if receiver.in_frame or start != len(data):
        return None
    return pieces


def _unstuff_leniently(data: bytes) -> tuple[bytes, bool]:
    """Body after DLE STX up to the last DLE ETX, DLE DLE halved; CRC checked if present."""
    start = data.find(b"\x10\x02")
    body = data[start + 2 :] if start >= 0 else data
    end = body.rfind(b"\x10\x03")
    crc_bytes = body[end + 2 : end + 4] if end >= 0 else b""
    if end >= 0:
        body = body[:end]
    apdu = body.replace(b"\x10\x10", b"\x10")
    crc_ok = len(crc_bytes) == 2 and int.from_bytes(crc_bytes, "little") == crc16_kermit(
        apdu + bytes((ETX,))
    )
    return apdu, crc_ok


# --- receiver events ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FrameReceived:
    apdu: bytes = field(repr=False)
    crc_ok: bool
    received_crc: int
    computed_crc: int


@dataclass(frozen=True, slots=True)
class AckReceived:
    pass


@dataclass(frozen=True, slots=True)
class NakReceived:
    pass


@dataclass(frozen=True, slots=True)
class Noise:
    """Bytes between frames that are neither ACK, NAK nor a frame start."""

    data: bytes = field(repr=False)  # may be a damaged frame holding card data


@dataclass(frozen=True, slots=True)
class FrameError:
    """A frame started but was malformed (bad DLE sequence); the receiver resynchronised."""

    reason: str
    data: bytes = field(repr=False)


Event = FrameReceived | AckReceived | NakReceived | Noise | FrameError

# Receiver states.
_IDLE, _START, _BODY, _BODY_DLE, _CRC_LO, _CRC_HI = range(6)


class FrameReceiver:
    """Byte-at-a-time state machine: DLE STX, body with DLE doubling, DLE ETX, two CRC bytes."""

    def __init__(self) -> None:
        self._state = _IDLE
        self._body = bytearray()
        self._raw = bytearray()
        self._noise = bytearray()
        self._crc_lo = 0

    @property
    def in_frame(self) -> bool:
        """True while a frame has started but not ended (T1 applies between its bytes)."""
        return self._state != _IDLE

    def reset(self) -> None:
        """Drop a partial frame (T1 expired)."""
        self._state = _IDLE
        self._body.clear()
        self._raw.clear()

    def feed(self, data: bytes | bytearray) -> list[Event]:
        events: list[Event] = []
        for byte in data:
            self._step(byte, events)
        if self._noise and self._state == _IDLE:
            events.append(Noise(bytes(self._noise)))
            self._noise.clear()
        return events

    def _flush_noise(self, events: list[Event]) -> None:
        if self._noise:
            events.append(Noise(bytes(self._noise)))
            self._noise.clear()

    def _step(self, byte: int, events: list[Event]) -> None:
        state = self._state
        if state == _IDLE:
            if byte == DLE:
                self._state = _START
            elif byte == ACK:
                self._flush_noise(events)
                events.append(AckReceived())
            elif byte == NAK:
                self._flush_noise(events)
                events.append(NakReceived())
            else:
                self._noise.append(byte)
        elif state == _START:
            if byte == STX:
                self._flush_noise(events)
                self._state = _BODY
                self._body.clear()
                self._raw = bytearray((DLE, STX))
            else:
                # A lone DLE between frames is noise; the byte after it starts afresh.
                self._noise.append(DLE)
                self._state = _IDLE
                self._step(byte, events)
        elif state == _BODY:
            self._raw.append(byte)
            if byte == DLE:
                self._state = _BODY_DLE
            else:
                self._body.append(byte)
        elif state == _BODY_DLE:
            self._raw.append(byte)
            if byte == DLE:
                self._body.append(DLE)
                self._state = _BODY
            elif byte == ETX:
                self._state = _CRC_LO
            elif byte == STX:
                # A new frame start inside a frame: the sender gave up and restarted.
                events.append(FrameError("frame restarted before DLE ETX", bytes(self._raw[:-2])))
                self._body.clear()
                self._raw = bytearray((DLE, STX))
                self._state = _BODY
            else:
                reason = f"DLE followed by {byte:02X} inside a frame (bad stuffing)"
                events.append(FrameError(reason, bytes(self._raw)))
                self.reset()
        elif state == _CRC_LO:
            self._raw.append(byte)
            self._crc_lo = byte
            self._state = _CRC_HI
        else:  # _CRC_HI
            self._raw.append(byte)
            received = self._crc_lo | (byte << 8)
            body = bytes(self._body)
            computed = crc16_kermit(body + bytes((ETX,)))
            events.append(FrameReceived(body, received == computed, received, computed))
            self.reset()
