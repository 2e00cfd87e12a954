"""ZVT APDU: CLASS INSTR LEN [data] (PA00P016 §5.2). Pure, no I/O.

LEN is one byte 00..FE, or FF followed by a two-byte length, low byte first,
for 255 bytes of data and more. The length counts the data block only.
"""

from __future__ import annotations

from dataclasses import dataclass

from posdiag.errors import ProtocolError
from posdiag.i18n import _

MAX_DATA = 0xFFFF
EXTENDED = 0xFF


@dataclass(frozen=True, slots=True)
class Apdu:
    """One application message: command (CLASS, INSTR) or response (CCRC, APRC)."""

    cls: int
    instr: int
    data: bytes = b""
    # Some senders use the FF form for short data; kept so re-encoding gives the same bytes.
    long_length: bool = False

    def __post_init__(self) -> None:
        if not (0 <= self.cls <= 0xFF and 0 <= self.instr <= 0xFF):
            raise ProtocolError(_("APDU class/instruction out of range: {value}, "
                                  "{instr}").format(value=self.cls, instr=self.instr))
        if len(self.data) > MAX_DATA:
            raise ProtocolError(_("APDU data of {data_length} bytes exceeds "
                                  "{max_data}").format(
                                    data_length=len(self.data), max_data=MAX_DATA))

    @property
    def command(self) -> tuple[int, int]:
        return (self.cls, self.instr)

    def encode(self) -> bytes:
        length = encode_length(len(self.data), self.long_length)
        return bytes((self.cls, self.instr)) + length + self.data

    def __str__(self) -> str:
        # Only the header: the data can be card data (tracks in 04 0F, PAN in 06 01).
        return f"{self.cls:02X} {self.instr:02X} [{len(self.data)} bytes]"

    def __repr__(self) -> str:
        return f"Apdu({self.cls:#04x}, {self.instr:#04x}, <{len(self.data)} bytes>)"


def encode_length(n: int, long_form: bool = False) -> bytes:
    if n < EXTENDED and not long_form:
        return bytes((n,))
    if n > MAX_DATA:
        raise ProtocolError(_("APDU data of {n} bytes exceeds {max_data}").format(
                                n=n, max_data=MAX_DATA))
    return bytes((EXTENDED, n & 0xFF, n >> 8))


def header_size(buf: bytes | bytearray) -> int | None:
    """Bytes of CLASS INSTR LEN[ext] at the start of buf, or None if more are needed."""
    if len(buf) < 3:
        return None
    return 5 if buf[2] == EXTENDED else 3


def total_size(buf: bytes | bytearray) -> int | None:
    """Full size of the APDU starting at buf[0], or None if the header is incomplete.

    This is what a TCP reader needs to reassemble APDUs split across reads.
    """
    head = header_size(buf)
    if head is None or len(buf) < head:
        return None
    length = buf[2] if head == 3 else buf[3] | (buf[4] << 8)
    return head + length


def parse_apdu(buf: bytes | bytearray) -> tuple[Apdu, int]:
    """Decode one APDU from the start of buf; return it and the bytes it used."""
    size = total_size(buf)
    if size is None:
        raise ProtocolError(_("APDU header incomplete: {buf_length} byte(s), need at "
                              "least 3").format(buf_length=len(buf)))
    if len(buf) < size:
        raise ProtocolError(_("APDU truncated: length says {size} bytes, only "
                              "{buf_length} present").format(size=size, buf_length=len(buf)))
    head = header_size(buf)
    assert head is not None
    long_form = head == 5 and size - 5 < EXTENDED
    return Apdu(buf[0], buf[1], bytes(buf[head:size]), long_length=long_form), size


def decode_apdu(buf: bytes | bytearray) -> Apdu:
    """Decode exactly one APDU; trailing bytes are an error."""
    apdu, used = parse_apdu(buf)
    if used != len(buf):
        raise ProtocolError(_("{value} byte(s) after the end of the APDU").format(
                                value=len(buf) - used))
    return apdu


def split_apdus(buf: bytes) -> list[bytes] | None:
    """Bytes that are exactly two or more complete APDUs back to back (a TCP read can hold
    several), cut into one piece each; None otherwise."""
    pieces = []
    pos = 0
    while pos < len(buf):
        size = total_size(buf[pos:])
        if size is None or pos + size > len(buf):
            return None
        pieces.append(bytes(buf[pos : pos + size]))
        pos += size
    return pieces if len(pieces) > 1 else None
