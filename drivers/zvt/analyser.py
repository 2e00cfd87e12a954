"""Protocol analyser for captured ZVT traffic (`posdiag zvt decode`). Pure: text in, reports out.

A capture is one message per line: a serial frame (10 02 ... 10 03 crc crc), a
transport ACK/NAK byte (06 / 15) or a bare APDU (TCP). A line may start with
`>` (ECR to PT) or `<` (PT to ECR); spaces are free; blank lines and `#`
comments are skipped.

Context a capture carries, and the analyser follows (capture.py):
* the command a response answers (80 00 after 06 E1 holds a key code, 84 9D after
  a Status-Information an amount) and the command a Completion completes;
* the character set the PT accepted in its Registration Completion (TLV 27{14}),
  which applies to every later print and display text until Log-Off.

Bad hex is the user's mistake (BadInput). Bad protocol bytes are what the analyser
is for: a damaged frame, a truncated APDU or a field that breaks its format is
decoded as far as its bytes go and each problem is reported; nothing raises.
Card data is masked or withheld by the codec, and every string of a report is
masked again on the way out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from posdiag.cards import mask_text
from posdiag.drivers.zvt import charsets, serial_framing, tlv_render
from posdiag.drivers.zvt.apdu import EXTENDED, Apdu
from posdiag.drivers.zvt.bmp import partial_decoding
from posdiag.drivers.zvt.codes import command_name
from posdiag.drivers.zvt.messages import Message, decode_message, message_name
from posdiag.drivers.zvt.messages_base import FieldView
from posdiag.errors import BadInput, ProtocolError
from posdiag.i18n import _

TO_PT, TO_ECR = ">", "<"
TRANSPORT = {serial_framing.ACK: "transport ACK", serial_framing.NAK: "transport NAK"}


@dataclass(frozen=True)
class FrameReport:
    """What one captured line holds, ready to print as text or JSON.

    ``problems`` say what is wrong with the bytes (a report with none decoded completely);
    ``notes`` say what the analyser inferred (a character set now in force)."""

    kind: str  # "apdu", "serial", "transport"
    name: str
    cls: int | None = None
    instr: int | None = None
    fields: tuple[FieldView, ...] = ()
    tlv: tuple[tlv_render.TreeItem, ...] = ()
    direction: str | None = None
    crc_ok: bool | None = None
    problems: tuple[str, ...] = ()
    line: int | None = None
    notes: tuple[str, ...] = field(default=())
    decoded: bool = True  # False when not even the message type could be decoded

    @property
    def error(self) -> str | None:
        return "; ".join(self.problems) or None

    @property
    def complete(self) -> bool:
        return self.decoded and not self.problems

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
        out["tlv"] = tlv_render.tree_json(self.tlv)
        if self.kind == "serial":
            out["crc_ok"] = self.crc_ok
        out["complete"] = self.complete
        if self.error is not None:
            out["error"] = self.error
        if self.notes:
            out["notes"] = list(self.notes)
        return _masked(out)

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
            head.append(_("[serial frame, CRC ok]") if self.crc_ok else
                        _("[serial frame, CRC BAD]"))  # fmt: skip
        lines = [" ".join(head)]
        tree = ["        " + t for t in tlv_render.text_lines(self.tlv)]
        for f in self.fields:
            label = f"{f.id} {f.name}" if f.id else f.name
            lines.append(f"    {label}: {f.value}")
            if f.id == "06":
                lines += tree
        if self.tlv and not any(f.id == "06" for f in self.fields):
            lines += ["    TLV:", *tree]
        lines += ["    " + _("note: {text}").format(text=n) for n in self.notes]
        if self.error:
            lines.append("    " + _("error: {text}").format(text=self.error))
        return mask_text("\n".join(lines))


def _masked(value: Any) -> Any:
    """Every string in a JSON-ready structure masked once more (defence in depth)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    return value


# --- input ----------------------------------------------------------------------------------


def _byte_tokens(body: str) -> list[str]:
    """The hex tokens of a capture line: runs of hex digits split by white space, or bytes
    written as C does (``0x06, 0x0F, 0x00``): a comma ends a token only where every token
    is 0x-prefixed, so a comma never joins or splits digits of the plain notation."""
    tokens = body.replace(",", " ").split()
    if "," in body and not all(t[:2] in ("0x", "0X") for t in tokens):
        return body.split()  # a comma elsewhere is reported as the non-hex it is
    return tokens


def parse_hex(text: str, line: int | None = None) -> tuple[str | None, bytes]:
    """(direction, bytes) of one capture line; BadInput names the bad byte and its position."""
    where = _("line {n}: ").format(n=line) if line is not None else ""
    body = text.strip()
    direction = None
    if body[:1] in (TO_PT, TO_ECR):
        direction, body = body[0], body[1:]
    out = bytearray()
    for token in _byte_tokens(body):
        if token[:2] in ("0x", "0X") and 3 <= len(token) <= 4:  # 0x6, 0x0F: one byte each
            token = token[2:].rjust(2, "0")
        for i in range(0, len(token), 2):
            pair = token[i : i + 2]
            try:
                if len(pair) != 2:
                    raise ValueError(pair)
                out.append(int(pair, 16))
            except ValueError:
                raise BadInput(
                    where + _("{pair!r} at position {n} is not a hex byte; write bytes as pairs "
                              "of hex digits, e.g. 06 0F 00.").format(pair=pair, n=len(out) + 1)
                ) from None
    if not out:
        raise BadInput(where + _("no bytes given; write bytes as hex, e.g. 06 0F 00."))
    return direction, bytes(out)


def parse_command(text: str) -> tuple[int, int]:
    """`--answering 0501` -> (0x05, 0x01)."""
    _direction, raw = parse_hex(text)
    if len(raw) != 2:
        raise BadInput(_("--answering takes CLASS INSTR as 4 hex digits (e.g. 0501), got "
                         "{text!r}.").format(text=text))  # fmt: skip
    return raw[0], raw[1]


# --- one message ----------------------------------------------------------------------------


def split_apdu(data: bytes) -> tuple[Apdu | None, list[str]]:
    """The APDU at the start of ``data`` as far as it is there, and what is wrong with it.

    A length larger than the bytes present gives the APDU with the bytes present (reported
    as truncated); bytes after the APDU are reported and left out."""
    if len(data) < 3 or (data[2] == EXTENDED and len(data) < 5):
        return None, [_("APDU header incomplete: {n} byte(s)").format(n=len(data))]
    head = 5 if data[2] == EXTENDED else 3
    length = data[2] if head == 3 else data[3] | (data[4] << 8)
    body = data[head : head + length]
    problems = []
    if len(body) < length:
        problems.append(_("APDU truncated: its length says {n} data bytes, {m} are present")
                        .format(n=length, m=len(body)))  # fmt: skip
    elif len(data) > head + length:
        problems.append(_("{n} byte(s) after the end of the APDU not decoded").format(
            n=len(data) - head - length))
    long_form = head == 5 and length < EXTENDED
    return Apdu(data[0], data[1], bytes(body), long_length=long_form), problems


def decode_leniently(
    apdu: Apdu, answering: tuple[int, int] | None, strict_first: bool = True
) -> tuple[Message, list[str]]:
    """The message, strictly decoded if it can be, else decoded as far as it goes with the
    problems that stopped it. Raises ProtocolError only when not even that is possible."""
    if strict_first:
        try:
            return decode_message(apdu, answering), []
        except ProtocolError as strict_error:
            first = str(strict_error)
    else:
        first = ""
    with partial_decoding() as problems:
        try:
            message = decode_message(apdu, answering)
        except ProtocolError as err:
            raise ProtocolError(first if first else str(err)) from None
    if not problems and first:
        problems.append(first)
    return message, list(problems)


def analyse(
    data: bytes,
    direction: str | None = None,
    answering: tuple[int, int] | None = None,
    line: int | None = None,
    charset: str | None = None,
    fixed: bool = False,
) -> tuple[FrameReport, Message | None]:
    """Report on one captured message, and the decoded message when there is one.

    ``charset``: the session character set (None: each field's spec default); ``fixed``:
    the user chose it, so a tag 14 inside a message does not override it. Never raises."""
    if len(data) == 1 and data[0] in TRANSPORT:
        return FrameReport("transport", TRANSPORT[data[0]], direction=direction, line=line), None
    kind, crc_ok = "apdu", None
    problems: list[str] = []
    if data[:2] == b"\x10\x02":
        kind = "serial"
        unframed = serial_framing.unframe_leniently(data)
        data, crc_ok = unframed.apdu, unframed.crc_ok
        problems += unframed.problems
        if not crc_ok:
            problems.append(_("CRC mismatch"))
    cls, instr = (data[0], data[1]) if len(data) >= 2 else (None, None)
    name = command_name(cls, instr) if cls is not None and instr is not None else _("unreadable")
    report = FrameReport(kind, name, cls, instr, direction=direction, crc_ok=crc_ok, line=line)
    apdu, apdu_problems = split_apdu(data)
    problems += apdu_problems
    if apdu is None:
        return _with(report, problems, decoded=False), None
    try:
        message, decode_problems = decode_leniently(apdu, answering, strict_first=not apdu_problems)
    except ProtocolError as err:
        return _with(report, [*problems, str(err)], decoded=False), None
    problems += decode_problems
    fields = tuple(message.fields(charset if fixed else _declared_charset(message, charset)))
    tree = tlv_render.render(message.tlv, charset, fixed)
    report = FrameReport(kind, message_name(message), cls, instr, fields, tree, direction, crc_ok,
                         line=line)  # fmt: skip
    return _with(report, problems), message


def _declared_charset(message: Message, session: str | None) -> str | None:
    """The set a tag 14 at the top of the message's TLV container names (§9.4.2: the PT
    sends it in the Status-Information), for the BMP texts of that message; else the
    session's. tlv_render applies the same tag to the container's own texts."""
    for node in message.tlv:
        if node.tag == 0x14 and isinstance(node.value, bytes) and node.value:
            declared = charsets.codec_of(node.value[-1])
            if declared is not None:
                return declared
    return session


def _with(report: FrameReport, problems: list[str], decoded: bool = True) -> FrameReport:
    return FrameReport(report.kind, report.name, report.cls, report.instr, report.fields,
                       report.tlv, report.direction, report.crc_ok, tuple(problems), report.line,
                       report.notes, decoded)  # fmt: skip


def with_notes(report: FrameReport, notes: Iterable[str]) -> FrameReport:
    return FrameReport(report.kind, report.name, report.cls, report.instr, report.fields,
                       report.tlv, report.direction, report.crc_ok, report.problems, report.line,
                       (*report.notes, *notes), report.decoded)  # fmt: skip
