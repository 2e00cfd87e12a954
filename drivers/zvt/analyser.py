"""Protocol analyser for captured ZVT traffic (`posdiag zvt decode`). Pure: text in, reports out.

A capture is one message per line: a serial frame (10 02 ... 10 03 crc crc), a
transport ACK/NAK byte (06 / 15) or a bare APDU (TCP). A line may start with
`>` (ECR to PT) or `<` (PT to ECR); spaces are free; blank lines and `#`
comments are skipped. The analyser remembers the last ECR command, so the
Completion of a Status Enquiry and the 80 00 answer of 06 E7 decode correctly.

Bad hex is the user's mistake (BadInput). Bad protocol bytes are what the
analyser is for: they become an `error` in the report, never an exception.
Card data is masked by the codec (bmp.py / tlv.py); undecoded data is never
shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from posdiag.drivers.zvt import serial_framing, tlv
from posdiag.drivers.zvt.apdu import decode_apdu
from posdiag.drivers.zvt.codes import command_name
from posdiag.drivers.zvt.messages import Message, decode_message, message_name
from posdiag.drivers.zvt.messages_base import TEXT_CODEC, FieldView
from posdiag.errors import BadInput, ProtocolError

TO_PT, TO_ECR = ">", "<"
TRANSPORT = {serial_framing.ACK: "transport ACK", serial_framing.NAK: "transport NAK"}
# Commands only the PT sends: they never set the "answering" context.
_PT_COMMANDS = {0x04, 0x80, 0x84}
_PT_INSTR_06 = {0x0F, 0x1E, 0xD1, 0xD3, 0xD0, 0xD8, 0xD9, 0xDA, 0xDB, 0xDD, 0xE4}


@dataclass(frozen=True)
class FrameReport:
    """What one captured line holds, ready to print as text or JSON."""

    kind: str  # "apdu", "serial", "transport"
    name: str
    cls: int | None = None
    instr: int | None = None
    fields: tuple[FieldView, ...] = ()
    tlv: tuple[tlv.TlvNode, ...] = ()
    direction: str | None = None
    crc_ok: bool | None = None
    error: str | None = None
    line: int | None = None
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.line is not None:
            out["line"] = self.line
        if self.direction is not None:
            out["direction"] = self.direction
        out["class"] = None if self.cls is None else f"{self.cls:02X}"
        out["instr"] = None if self.instr is None else f"{self.instr:02X}"
        out["name"] = self.name
        out["fields"] = [{"id": f.id, "name": f.name, "value": f.value} for f in self.fields]
        out["tlv"] = tlv.tree_json(self.tlv)
        if self.kind == "serial":
            out["crc_ok"] = self.crc_ok
        if self.error is not None:
            out["error"] = self.error
        return out

    def render(self) -> str:
        """Human-readable: a header line, one line per field, the TLV tree indented."""
        head = []
        if self.line is not None:
            head.append(f"{self.line}:")
        if self.direction:
            head.append("ECR->PT" if self.direction == TO_PT else "PT->ECR")
        if self.cls is not None and self.instr is not None:
            head.append(f"{self.cls:02X} {self.instr:02X}")
        head.append(self.name)
        if self.kind == "serial":
            head.append("[serial frame, CRC ok]" if self.crc_ok else "[serial frame, CRC BAD]")
        lines = [" ".join(head)]
        for f in self.fields:
            label = f"{f.id} {f.name}" if f.id else f.name
            lines.append(f"    {label}: {f.value}")
            if f.id == "06":
                lines += ["        " + t for t in tlv.render_tree(self.tlv)]
        if self.tlv and not any(f.id == "06" for f in self.fields):
            lines += ["    TLV:"] + ["        " + t for t in tlv.render_tree(self.tlv)]
        lines += [f"    note: {n}" for n in self.notes]
        if self.error:
            lines.append(f"    error: {self.error}")
        return "\n".join(lines)


# --- input ----------------------------------------------------------------------------------


def parse_hex(text: str, line: int | None = None) -> tuple[str | None, bytes]:
    """(direction, bytes) of one capture line; BadInput names the bad byte and its position."""
    where = f"line {line}: " if line is not None else ""
    body = text.strip()
    direction = None
    if body[:1] in (TO_PT, TO_ECR):
        direction, body = body[0], body[1:]
    out = bytearray()
    for token in body.split():
        for i in range(0, len(token), 2):
            pair = token[i : i + 2]
            try:
                if len(pair) != 2:
                    raise ValueError(pair)
                out.append(int(pair, 16))
            except ValueError:
                raise BadInput(
                    f"{where}{pair!r} at position {len(out) + 1} is not a hex byte; "
                    "write bytes as pairs of hex digits, e.g. 06 0F 00."
                ) from None
    if not out:
        raise BadInput(f"{where}no bytes given; write bytes as hex, e.g. 06 0F 00.")
    return direction, bytes(out)


def parse_command(text: str) -> tuple[int, int]:
    """`--answering 0501` -> (0x05, 0x01)."""
    _, raw = parse_hex(text)
    if len(raw) != 2:
        raise BadInput(f"--answering takes CLASS INSTR as 4 hex digits (e.g. 0501), got {text!r}.")
    return raw[0], raw[1]


# --- analysis -------------------------------------------------------------------------------


def _unstuff_leniently(data: bytes) -> tuple[bytes, bool]:
    """Best-effort APDU out of a damaged frame: body up to the last DLE ETX, DLE DLE halved."""
    body = data[2:]
    end = body.rfind(b"\x10\x03")
    crc_bytes = body[end + 2 : end + 4] if end >= 0 else b""
    if end >= 0:
        body = body[:end]
    apdu = body.replace(b"\x10\x10", b"\x10")
    crc_ok = len(crc_bytes) == 2 and int.from_bytes(crc_bytes, "little") == (
        serial_framing.crc16_kermit(apdu + b"\x03")
    )
    return apdu, crc_ok


def _unframe(data: bytes) -> tuple[bytes, bool, list[str]]:
    """(APDU, CRC ok, problems) for bytes starting with DLE STX."""
    events = serial_framing.FrameReceiver().feed(data)
    frames = [e for e in events if isinstance(e, serial_framing.FrameReceived)]
    problems = [e.reason for e in events if isinstance(e, serial_framing.FrameError)]
    if any(isinstance(e, serial_framing.Noise) for e in events):
        problems.append("bytes outside the frame")
    if len(frames) == 1 and not problems:
        return frames[0].apdu, frames[0].crc_ok, []
    if not frames and not problems:
        problems.append("frame incomplete: no DLE ETX and two CRC bytes at the end")
    if len(frames) > 1:
        problems.append(f"{len(frames)} frames on one line; decoding the first")
        return frames[0].apdu, frames[0].crc_ok, problems
    apdu, crc_ok = _unstuff_leniently(data)
    return apdu, crc_ok, problems


def analyse(
    data: bytes,
    direction: str | None = None,
    answering: tuple[int, int] | None = None,
    line: int | None = None,
    charset: str = TEXT_CODEC,
) -> tuple[FrameReport, Message | None]:
    """Report on one captured message, and the decoded message when there is one."""
    if len(data) == 1 and data[0] in TRANSPORT:
        return FrameReport("transport", TRANSPORT[data[0]], direction=direction, line=line), None
    kind, crc_ok = "apdu", None
    problems: list[str] = []
    if data[:2] == b"\x10\x02":
        kind = "serial"
        data, crc_ok, problems = _unframe(data)
        if not crc_ok:
            problems.append("CRC mismatch")
    base = partial(FrameReport, kind=kind, direction=direction, crc_ok=crc_ok, line=line)
    cls, instr = (data[0], data[1]) if len(data) >= 2 else (None, None)
    name = command_name(cls, instr) if cls is not None and instr is not None else "unreadable"
    try:
        apdu = decode_apdu(data)
        message = decode_message(apdu, answering)
    except ProtocolError as err:
        problems.append(str(err))
        return base(name=name, cls=cls, instr=instr, error="; ".join(problems)), None
    return base(
        name=message_name(message), cls=cls, instr=instr,
        fields=tuple(message.fields(charset)), tlv=message.tlv,
        error="; ".join(problems) or None,
    ), message  # fmt: skip


def _starts_dialog(command: tuple[int, int], direction: str | None) -> bool:
    """True for an ECR command, which the following PT messages answer."""
    cls, instr = command
    if cls in (0x80, 0x84):  # acknowledgements, in either direction, answer; never ask
        return False
    if direction is not None:
        return direction == TO_PT
    return cls not in _PT_COMMANDS and not (cls == 0x06 and instr in _PT_INSTR_06)


@dataclass
class CaptureAnalyser:
    """Decodes a capture line by line, remembering the last ECR command for context."""

    charset: str = TEXT_CODEC
    answering: tuple[int, int] | None = None

    def feed(self, text: str, line: int | None = None) -> FrameReport | None:
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            return None
        direction, data = parse_hex(stripped, line)
        report, message = analyse(data, direction, self.answering, line, self.charset)
        if message is not None and _starts_dialog(message.command, direction):
            self.answering = message.command
        return report


def analyse_capture(lines: Iterable[str], charset: str = TEXT_CODEC) -> list[FrameReport]:
    analyser = CaptureAnalyser(charset)
    reports = (analyser.feed(text, number) for number, text in enumerate(lines, start=1))
    return [r for r in reports if r is not None]
