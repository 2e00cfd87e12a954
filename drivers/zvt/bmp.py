"""ZVT bitmaps (BMPs, PA00P015 §13): a one-byte id, then a value of known form. Pure, no I/O.

Forms: fixed binary, fixed BCD, fixed ASCII, LLVAR (F x F y = xy bytes follow),
LLLVAR (F x F y F z) and BMP 06, the TLV container with a BER length. An
unknown id is a protocol error: its length cannot be known, so nothing after
it can be read.

A `Bmp` keeps the raw value bytes (so re-encoding reproduces the input) and a
decoded value that is a pure function of them. Card data never survives
decoding in clear: the PAN's value is the masked PAN, tracks, CVV and PIN
data are replaced by a "withheld" note, and `repr` never shows raw bytes.

Only structure is checked when decoding (a known id, a well-formed length, enough
bytes): a field whose content breaks its format (a non-BCD nibble in a trace number)
decodes to the value None and keeps its bytes, so one bad field does not hide the rest;
bmp_render.py says what is wrong with it.

Inside ``partial_decoding()`` (the analyser's mode) a BMP list that cannot be read to
its end yields the BMPs before the problem, a truncated TLV container or variable-length
field yields what is there, and each problem is recorded instead of raised.

Rendering is in bmp_render.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from posdiag.drivers.zvt import bcd, tlv
from posdiag.errors import ProtocolError
from posdiag.i18n import _

TLV_BMP = 0x06


class Form(Enum):
    BINARY = "binary"  # fixed size, raw bytes
    BCD = "bcd"  # fixed size, packed BCD
    ASCII = "ascii"  # fixed size, text
    LLVAR = "llvar"
    LLLVAR = "lllvar"
    TLV = "tlv"


class Kind(Enum):
    """What the value means, which decides its Python type and its rendering."""

    INT = "int"  # binary unsigned integer (big-endian)
    FLAGS = "flags"  # 1-byte bit field, shown in hex
    BYTES = "bytes"
    AMOUNT = "amount"  # int, minor units
    NUMBER = "number"  # BCD as int (trace, receipt number, currency)
    DIGITS = "digits"  # BCD as digit string (TID, password)
    TIME = "time"  # digits HHMMSS
    DATE_MMDD = "date_mmdd"
    DATE_YYMMDD = "date_yymmdd"
    EXPIRY = "expiry"  # digits YYMM
    RESULT = "result"  # result code
    CARD_TYPE = "card_type"
    CURRENCY = "currency"
    TEXT = "text"  # str, cp437
    PAN = "pan"  # masked on decode
    WITHHELD = "withheld"  # tracks, CVV, PIN data: never decoded
    TOTALS = "totals"
    TLV = "tlv"  # tuple[TlvNode, ...]


@dataclass(frozen=True, slots=True)
class BmpSpec:
    id: int
    name: str
    form: Form
    kind: Kind
    size: int = 0  # fixed forms only
    pad: bytes = b" "  # fixed ASCII: what shorter builder input is padded with


def _s(id_: int, name: str, form: Form, kind: Kind, size: int = 0, pad: bytes = b" ") -> BmpSpec:
    return BmpSpec(id_, name, form, kind, size, pad)


B, D, A, LL, LLL = Form.BINARY, Form.BCD, Form.ASCII, Form.LLVAR, Form.LLLVAR
_SPECS = [
    _s(0x01, "timeout (s)", B, Kind.INT, 1),
    _s(0x02, "max. number of status informations", B, Kind.INT, 1),
    _s(0x03, "service byte", B, Kind.FLAGS, 1),
    _s(0x04, "amount", D, Kind.AMOUNT, 6),
    _s(0x05, "pump number", B, Kind.INT, 1),
    _s(0x06, "TLV container", Form.TLV, Kind.TLV),
    _s(0x0B, "trace number", D, Kind.NUMBER, 3),
    _s(0x0C, "time", D, Kind.TIME, 3),
    _s(0x0D, "date (MMDD)", D, Kind.DATE_MMDD, 2),
    _s(0x0E, "expiry date", D, Kind.EXPIRY, 2),
    _s(0x17, "card sequence number", D, Kind.NUMBER, 2),
    _s(0x19, "status/payment/card type byte", B, Kind.FLAGS, 1),
    _s(0x22, "PAN / EF_ID", LL, Kind.PAN),
    _s(0x23, "track 2 data", LL, Kind.WITHHELD),
    _s(0x24, "track 3 data", LLL, Kind.WITHHELD),
    _s(0x27, "result code", B, Kind.RESULT, 1),
    _s(0x29, "terminal ID", D, Kind.DIGITS, 4),
    _s(0x2A, "VU number", A, Kind.TEXT, 15),
    _s(0x2D, "track 1 data", LL, Kind.WITHHELD),
    _s(0x2E, "synchronous chip data", LLL, Kind.WITHHELD),
    _s(0x37, "original trace number", D, Kind.NUMBER, 3),
    _s(0x3A, "CVV/CVC", D, Kind.WITHHELD, 2),
    _s(0x3B, "authorisation attribute (AID)", A, Kind.TEXT, 8, b"\x00"),
    _s(0x3C, "additional data/text", LLL, Kind.TEXT),
    _s(0x3D, "password", D, Kind.DIGITS, 3),
    _s(0x49, "currency code", D, Kind.CURRENCY, 2),
    _s(0x4C, "blocked goods groups", LL, Kind.BYTES),
    _s(0x60, "individual totals", LLL, Kind.TOTALS),
    _s(0x70, "display image request ID", B, Kind.INT, 4),
    _s(0x71, "display image size", B, Kind.INT, 4),
    _s(0x72, "display image MIME type", B, Kind.INT, 1),
    _s(0x73, "display image encoding", B, Kind.INT, 1),
    _s(0x74, "display image chunk count", B, Kind.INT, 1),
    _s(0x75, "display image chunk index", B, Kind.INT, 1),
    _s(0x87, "receipt number", D, Kind.NUMBER, 2),
    _s(0x88, "turnover record number", D, Kind.NUMBER, 3),
    _s(0x8A, "card type (ZVT)", B, Kind.CARD_TYPE, 1),
    _s(0x8B, "card name", LL, Kind.TEXT),
    _s(0x8C, "card type (network operator)", B, Kind.INT, 1),
    _s(0x92, "ec-cash chip offline data", LLL, Kind.BYTES),
    _s(0x9A, "GeldKarte records", LLL, Kind.BYTES),
    _s(0xA0, "result code AS", B, Kind.RESULT, 1),
    _s(0xA7, "chip data EF_ID", LL, Kind.WITHHELD),
    _s(0xAA, "date (YYMMDD)", D, Kind.DATE_YYMMDD, 3),
    _s(0xAF, "EF_Info", LLL, Kind.BYTES),
    _s(0xBA, "AID parameter", B, Kind.BYTES, 5),
    _s(0xD0, "algorithm key", B, Kind.INT, 1),
    _s(0xD1, "card offset/PIN data", LL, Kind.WITHHELD),
    _s(0xD2, "card output direction", B, Kind.INT, 1),
    _s(0xD3, "DUKPT key identifier", B, Kind.INT, 1),
    _s(0xE0, "min. input length", B, Kind.INT, 1),
    *(_s(0xE0 + n, f"text2 line {n}", LL, Kind.TEXT) for n in range(1, 9)),
    _s(0xE9, "max. input length", B, Kind.INT, 1),
    _s(0xEA, "echo input", B, Kind.FLAGS, 1),
    _s(0xEB, "MAC over texts", B, Kind.BYTES, 8),
    _s(0xF0, "display duration (s)", B, Kind.INT, 1),
    *(_s(0xF0 + n, f"text1 line {n}", LL, Kind.TEXT) for n in range(1, 9)),
    _s(0xF9, "beep tones", B, Kind.INT, 1),
    _s(0xFA, "card reader activation", B, Kind.FLAGS, 1),
    _s(0xFB, "confirmation with OK required", B, Kind.FLAGS, 1),
    _s(0xFC, "dialog control", B, Kind.FLAGS, 1),
    _s(0xFD, "display device", B, Kind.INT, 1),
]
BMP_SPECS: dict[int, BmpSpec] = {spec.id: spec for spec in _SPECS}

_WITHHELD_WHAT = {0x23: "track 2 data", 0x24: "track 3 data", 0x2D: "track 1 data",
                  0x2E: "synchronous chip data", 0x3A: "CVV", 0xA7: "chip data EF_ID",
                  0xD1: "PIN data"}  # fmt: skip
_TEXT_CODEC = "cp437"  # ZVT's 8-bit character set; decodes every byte, so text is lossless
TOTALS_BRANDS = ("girocard", "JCB", "Eurocard/Mastercard", "American Express", "VISA",
                 "Diners", "others")  # fmt: skip


def spec_for(bmp_id: int) -> BmpSpec:
    spec = BMP_SPECS.get(bmp_id)
    if spec is None:
        raise ProtocolError(_("unknown BMP {bmp_id:02X}: its length is not known, "
                              "cannot go on").format(bmp_id=bmp_id))
    return spec


def bmp_name(bmp_id: int) -> str:
    spec = BMP_SPECS.get(bmp_id)
    return spec.name if spec else f"unknown BMP {bmp_id:02X}"


@dataclass(frozen=True, slots=True)
class Bmp:
    """One bitmap field: id, the value bytes as sent (without length prefix) and their meaning."""

    id: int
    raw: bytes = field(repr=False)
    value: Any = None
    # BMP 06 only: the BER length bytes when the sender did not use the shortest form.
    length_form: bytes | None = field(default=None, repr=False)

    @classmethod
    def from_raw(cls, bmp_id: int, raw: bytes, length_form: bytes | None = None) -> Bmp:
        spec = spec_for(bmp_id)
        _check_size(spec, raw)
        return cls(bmp_id, bytes(raw), _decode_value(spec, bytes(raw)), length_form)

    @classmethod
    def of(cls, bmp_id: int, value: Any) -> Bmp:
        """Build from a Python value (digits for PAN/track fields, nodes for BMP 06)."""
        return cls.from_raw(bmp_id, _encode_value(spec_for(bmp_id), value))

    @property
    def name(self) -> str:
        return bmp_name(self.id)

    def encode(self) -> bytes:
        spec = spec_for(self.id)
        if spec.form is Form.LLVAR:
            prefix = _var_prefix(len(self.raw), 2)
        elif spec.form is Form.LLLVAR:
            prefix = _var_prefix(len(self.raw), 3)
        elif spec.form is Form.TLV:
            prefix = self.length_form or tlv.encode_length(len(self.raw))
        else:
            prefix = b""
        return bytes((self.id,)) + prefix + self.raw


# --- parse / encode -------------------------------------------------------------------------


def _var_prefix(n: int, digits: int) -> bytes:
    if n >= 10**digits:
        raise ProtocolError(_("{n} bytes do not fit a {value}VAR field").format(
                                n=n, value='L' * digits))
    return bytes(0xF0 | int(d) for d in str(n).rjust(digits, "0"))


def _var_length(data: bytes, pos: int, digits: int, bmp_id: int) -> int:
    prefix = data[pos : pos + digits]
    if len(prefix) < digits:
        raise ProtocolError(_("BMP {bmp_id:02X}: length prefix truncated").format(bmp_id=bmp_id))
    if any(b >> 4 != 0xF or b & 0xF > 9 for b in prefix):
        raise ProtocolError(_("BMP {bmp_id:02X}: bad {value}VAR prefix {value2}").format(
                                bmp_id=bmp_id, value='L' * digits, value2=prefix.hex(' ')))
    return int("".join(str(b & 0xF) for b in prefix))


def parse_bmp(data: bytes, pos: int = 0) -> tuple[Bmp, int]:
    """The BMP at data[pos]; returns it and the position after it."""
    if pos >= len(data):
        raise ProtocolError(_("BMP expected, data ended"))
    bmp_id = data[pos]
    spec = spec_for(bmp_id)
    pos += 1
    length_form = None
    if spec.form is Form.LLVAR:
        size, pos = _var_length(data, pos, 2, bmp_id), pos + 2
    elif spec.form is Form.LLLVAR:
        size, pos = _var_length(data, pos, 3, bmp_id), pos + 3
    elif spec.form is Form.TLV:
        size, after = tlv.parse_length(data, pos)
        if data[pos:after] != tlv.encode_length(size):
            length_form = bytes(data[pos:after])
        pos = after
    else:
        size = spec.size
    end = pos + size
    if end > len(data):
        raise ProtocolError(_("BMP {bmp_id:02X} needs {size} bytes, only {value} left").format(
                                bmp_id=bmp_id, size=size, value=len(data) - pos))
    return Bmp.from_raw(bmp_id, data[pos:end], length_form), end


_problems: ContextVar[list[str] | None] = ContextVar("zvt_partial_decoding", default=None)


@contextmanager
def partial_decoding() -> Iterator[list[str]]:
    """Decode BMP lists as far as they go; yields the list the problems are recorded in."""
    problems: list[str] = []
    token = _problems.set(problems)
    try:
        yield problems
    finally:
        _problems.reset(token)


@contextmanager
def strict_decoding() -> Iterator[None]:
    """Decode strictly even inside partial_decoding(): for trying one layout, then another."""
    token = _problems.set(None)
    try:
        yield
    finally:
        _problems.reset(token)


def decoding_partially() -> bool:
    return _problems.get() is not None


def decode_bmps(data: bytes) -> list[Bmp]:
    """All BMPs of a data block, in the order sent."""
    bmps: list[Bmp] = []
    pos = 0
    while pos < len(data):
        try:
            bmp, pos = parse_bmp(data, pos)
        except ProtocolError as err:
            problems = _problems.get()
            if problems is None:
                raise
            salvaged = _salvage(data, pos, problems)
            if salvaged is not None:
                bmps.append(salvaged)
            else:
                problems.append(_("{error} (at offset {offset}; {count} byte(s) not "
                                  "decoded)").format(error=err, offset=pos,
                                                     count=len(data) - pos))
            break
        bmps.append(bmp)
    return bmps


def _salvage(data: bytes, pos: int, problems: list[str]) -> Bmp | None:
    """What a damaged BMP still holds: a TLV container or variable field cut short, or a
    TLV container whose content is partly malformed. None when nothing is recoverable."""
    bmp_id = data[pos]
    spec = BMP_SPECS.get(bmp_id)
    if spec is None or spec.form in (Form.BINARY, Form.BCD, Form.ASCII):
        return None
    start = pos + 1
    try:
        if spec.form is Form.TLV:
            size, start = tlv.parse_length(data, start)
        else:
            digits = 2 if spec.form is Form.LLVAR else 3
            size, start = _var_length(data, start, digits, bmp_id), start + digits
    except ProtocolError:
        return None
    raw = bytes(data[start : start + size])
    if len(raw) < size:
        problems.append(_("BMP {bmp:02X} says {size} bytes, only {present} follow "
                          "(truncated)").format(bmp=bmp_id, size=size, present=len(raw)))
    if spec.form is not Form.TLV:
        return Bmp(bmp_id, raw, _decode_value(spec, raw))
    nodes, tlv_problems = tlv.decode_tlv_partial(raw)
    problems.extend(tlv_problems)
    if start + size < len(data):
        problems.append(_("{count} byte(s) after BMP 06 not decoded").format(
            count=len(data) - start - size))
    return Bmp(bmp_id, raw, nodes)


def encode_bmps(bmps: list[Bmp] | tuple[Bmp, ...]) -> bytes:
    return b"".join(b.encode() for b in bmps)


def _check_size(spec: BmpSpec, raw: bytes) -> None:
    if spec.size and len(raw) != spec.size:
        raise ProtocolError(_("BMP {id:02X} must be {size} bytes, got {raw_length}").format(
                                id=spec.id, size=spec.size, raw_length=len(raw)))


def _decode_value(spec: BmpSpec, raw: bytes) -> Any:
    """The value of a well-delimited field; None when its content breaks the format.

    A TLV container is structure, not content: a malformed one still raises."""
    if spec.kind is Kind.TLV:
        return tlv.decode_tlv(raw)
    try:
        return _decode_content(spec, raw)
    except ProtocolError:
        return None


def _decode_content(spec: BmpSpec, raw: bytes) -> Any:
    kind = spec.kind
    if kind in (Kind.INT, Kind.FLAGS, Kind.RESULT, Kind.CARD_TYPE):
        return int.from_bytes(raw, "big")
    if kind is Kind.NUMBER and raw and raw == b"\xff" * len(raw):
        return None  # e.g. receipt number FFFF = "none" in the 06 23 enquiry
    if kind in (Kind.AMOUNT, Kind.NUMBER, Kind.CURRENCY):
        return bcd.bcd_to_int(raw)
    if kind is Kind.EXPIRY:
        return _expiry_digits(raw)
    if kind in (Kind.DIGITS, Kind.TIME, Kind.DATE_MMDD, Kind.DATE_YYMMDD):
        return bcd.unpack_bcd(raw)
    if kind is Kind.TEXT:
        return raw.decode(_TEXT_CODEC)
    if kind is Kind.PAN:
        return bcd.mask_pan(bcd.unpack_card_digits(raw))
    if kind is Kind.WITHHELD:
        return _withheld_note(spec.id, raw)
    if kind is Kind.TLV:
        return tlv.decode_tlv(raw)
    return raw  # BYTES, TOTALS


def _expiry_digits(raw: bytes) -> str:
    """YYMM; a digit the PT masked (nibble E, card complete §3.3.1.1) becomes '*'."""
    text = raw.hex().upper()
    if any(c not in "0123456789E" for c in text):
        raise ProtocolError(_("not a BCD expiry date: {value}").format(value=raw.hex(' ').upper()))
    return text.replace("E", "*")


def _withheld_note(bmp_id: int, raw: bytes) -> str:
    what = _WITHHELD_WHAT.get(bmp_id, "card data")
    if bmp_id in (0x23, 0x24):
        return f"<{what}, {len(bcd.unpack_card_digits(raw))} digits, withheld>"
    if bmp_id == 0x2D:
        return f"<{what}, {len(raw)} characters, withheld>"
    if bmp_id == 0x3A:
        return f"<{what}, withheld>"
    return f"<{what}, {len(raw)} bytes, withheld>"


def _encode_value(spec: BmpSpec, value: Any) -> bytes:
    kind = spec.kind
    try:
        if kind in (Kind.INT, Kind.FLAGS, Kind.RESULT, Kind.CARD_TYPE):
            return int(value).to_bytes(spec.size, "big")
        if kind in (Kind.AMOUNT, Kind.NUMBER, Kind.CURRENCY):
            return bcd.int_to_bcd(int(value), spec.size)
        if kind in (Kind.DIGITS, Kind.TIME, Kind.DATE_MMDD, Kind.DATE_YYMMDD, Kind.EXPIRY):
            return bcd.pack_bcd(str(value), spec.size)
        if kind is Kind.TEXT:
            raw = str(value).encode(_TEXT_CODEC)
            return raw.ljust(spec.size, spec.pad) if spec.size else raw
        if kind is Kind.PAN or spec.id in (0x23, 0x24):
            return bcd.pack_card_digits(str(value))
        if spec.id == 0x3A:
            return bytes.fromhex(str(value).ljust(4, "F"))
        if spec.id == 0x2D:
            return str(value).encode("ascii")
        if kind is Kind.TLV:
            return tlv.encode_tlv(tuple(value))
        return bytes(value)
    except (ValueError, OverflowError, UnicodeError, TypeError) as err:
        raise ProtocolError(_("BMP {id:02X}: cannot encode this value ({err})").format(
                                id=spec.id, err=err)) from err


