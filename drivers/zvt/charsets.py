"""Text in ZVT messages: the character sets of PA00P015 §15 and TLV 14, and safe display.

Which bytes mean which letters depends on the field and on the session:

* Without a character set agreed in the Registration, printed text (06 D1, 06 D3, TLV 07)
  is in the 8-bit ZVT character set, which is CP437 (TLV 14 value FF, the default).
* Display texts (BMP F1-F8, E1-E8, the old 06 85/86/87/88 texts, the SW version and the
  dial-up data) are in the 7-bit ZVT character set: ASCII with Ä Ö Ü ä ö ü ß at 5B-5D and
  7B-7E; codes above 7F are CP437 (§2.26, §15.1).
* Once the ECR asked for another set with TLV 14 in the Registration and the PT echoed it
  in TLV 27 of its Completion, "all print and display commands" use that set (§9.4.2,
  tag 27): ISO 8859-1..16 (01-10, no 8859-12), UTF-8 (FE) or 7-bit ASCII (00).

A session set is applied to every text field; when the bytes are not valid in it (a PT
that switched only some fields), the field's own default is used and the caller is told.

Every decoded text that reaches a screen goes through ``shown``: card numbers masked
(posdiag.cards.mask_text, first 6 / last 4) and control characters escaped, so a hostile
or damaged capture can neither leak a PAN nor drive the technician's terminal.
"""

from __future__ import annotations

import codecs
import re
from typing import TYPE_CHECKING

from posdiag.cards import luhn_valid, mask_text
from posdiag.drivers.zvt import tlv
from posdiag.errors import BadInput
from posdiag.i18n import _

if TYPE_CHECKING:
    from posdiag.drivers.zvt.tlv import TlvNode

CP437 = "cp437"
ZVT7 = "zvt7"  # not a Python codec: decoded here
UTF8 = "utf-8"

# TLV 14 value -> Python codec name.
CODES: dict[int, str] = {
    0x00: "ascii",
    **{n: f"iso8859-{n}" for n in range(1, 0x11) if n != 12},
    0xFE: UTF8,
    0xFF: CP437,
}

_ZVT7_UMLAUTS = {0x5B: "Ä", 0x5C: "Ö", 0x5D: "Ü", 0x7B: "ä", 0x7C: "ö", 0x7D: "ü", 0x7E: "ß"}


def codec_of(code: int) -> str | None:
    """The Python codec of a TLV 14 value, or None for a value the spec does not define."""
    return CODES.get(code)


def code_of(codec: str) -> int | None:
    """The TLV 14 value of a Python codec ("latin-1", "iso8859_1" and "iso-8859-1" alike)."""
    try:
        wanted = codecs.lookup(codec).name
    except LookupError:
        return None
    return next((code for code, name in CODES.items() if codecs.lookup(name).name == wanted),
                None)


def announced_codec(nodes: tuple[TlvNode, ...]) -> str | None:
    """The codec a PT announced in TLV 27 {14 xx} of its Registration Completion (the set
    it uses for print and display texts from now on); None when it announced none or
    several."""
    box = tlv.find(nodes, 0x27)
    if box is None or not isinstance(box.value, tuple):
        return None
    codes = [n.value[0] for n in box.value
             if n.tag == 0x14 and isinstance(n.value, bytes) and len(n.value) == 1]
    return codec_of(codes[0]) if len(codes) == 1 else None


def normalise(name: str) -> str:
    """A --charset argument as a codec name: cp437, zvt7, utf-8, latin-1, iso8859-15 ...

    Raises BadInput for a name that is neither a Python codec nor "zvt7".
    """
    wanted = name.strip().lower().replace("_", "-")
    if wanted in ("zvt7", "zvt-7", "zvt-7bit"):
        return ZVT7
    try:
        info = codecs.lookup(wanted)
    except LookupError:
        raise BadInput(
            _("unknown character set {name!r}; try cp437, zvt7, latin-1, iso8859-15 or utf-8.")
            .format(name=name)
        ) from None
    try:
        "".encode(info.name)
    except (LookupError, TypeError):  # bytes-to-bytes codecs such as hex or base64
        raise BadInput(
            _("{name!r} is not a character set; try cp437, latin-1 or utf-8.").format(name=name)
        ) from None
    return info.name


def _decode_zvt7(raw: bytes) -> str:
    return "".join(_ZVT7_UMLAUTS.get(b) or bytes((b,)).decode(CP437) for b in raw)


def decode_strict(raw: bytes, charset: str) -> str:
    """Decode in one set; raises UnicodeDecodeError when the bytes are not valid in it."""
    if charset == ZVT7:
        return _decode_zvt7(raw)
    return raw.decode(charset)


def decode(raw: bytes, charset: str | None, default: str = CP437) -> tuple[str, bool]:
    """(text, True) in the session set ``charset`` when one is in force and the bytes fit it;
    else (text in the field's ``default`` set, False if a session set was tried and failed).

    CP437 and the 7-bit ZVT set decode every byte, so this never raises for them.
    """
    if charset is not None:
        try:
            return decode_strict(raw, charset), True
        except (UnicodeDecodeError, LookupError):
            fallback = default if default in (CP437, ZVT7) else CP437
            return decode_strict(raw, fallback), False
    try:
        return decode_strict(raw, default), True
    except (UnicodeDecodeError, LookupError):
        return decode_strict(raw, CP437), True


def escape_controls(text: str) -> str:
    """``text`` quoted as a Python literal: control, format and other invisible characters
    escaped (\\x1b, \\u202e ...), so they show as what they are instead of acting."""
    return repr(text)


def shown(text: str) -> str:
    """``text`` ready for the screen: PANs masked, control characters escaped, quoted.

    Masks before escaping (so a PAN is found as the terminal sent it) and again after
    (an escape such as \\x01 ends in digits that could join the digits after it).
    """
    return mask_text(escape_controls(mask_text(text)))


def show_bytes(raw: bytes, charset: str | None, default: str = CP437,
               strip_nul: bool = False) -> str:  # fmt: skip
    """Text bytes decoded (``decode``) and ``shown``; says so when the session set did not
    fit them and the field's default set was used instead."""
    text, fits = decode(raw, charset, default)
    result = shown(text.rstrip("\x00") if strip_nul else text)
    if not fits and charset is not None:
        result += " " + _("(not valid {charset}; shown as {default})").format(
            charset=name_of(charset), default=name_of(default))
    return result


_DIGIT_RUNS = re.compile(r"[0-9]{13,}")


def _holds_luhn_window(text: str) -> bool:
    """Any 13-19 digit window of any digit run passes Luhn (a PAN glued to other digits
    still counts: in hex the nibbles of neighbouring bytes join it)."""
    for match in _DIGIT_RUNS.finditer(text):
        run = match.group()
        if len(run) > 64:
            return True
        for size in range(13, min(19, len(run)) + 1):
            if any(luhn_valid(run[i : i + size]) for i in range(len(run) - size + 1)):
                return True
    return False


def may_hold_pan(raw: bytes) -> bool:
    """True if bytes hold a card number as packed BCD or as ASCII digits.

    Hex shown to a person is readable as digits: "41 11 11 11 ..." is a PAN in packed BCD.
    """
    return _holds_luhn_window(raw.hex()) or _holds_luhn_window(raw.decode("latin-1"))


def hex_view(raw: bytes) -> str:
    """Bytes as spaced hex, or a size note when they may hold a card number."""
    if not raw:
        return _("(empty)")
    if may_hold_pan(raw):
        return _("<{n} bytes, withheld: may hold a card number>").format(n=len(raw))
    return raw.hex(" ").upper()


def printable_ascii(raw: bytes) -> bool:
    return bool(raw) and all(0x20 <= b < 0x7F for b in raw)


def name_of(charset: str) -> str:
    """A set's name as people know it, for notes ("UTF-8", "ISO 8859-15", "CP437")."""
    if charset == ZVT7:
        return "ZVT 7-bit"
    if charset == CP437:
        return "CP437"
    if charset == UTF8:
        return "UTF-8"
    if charset.startswith("iso8859-"):
        return "ISO 8859-" + charset.split("-", 1)[1]
    return charset


__all__ = [
    "CODES",
    "CP437",
    "UTF8",
    "ZVT7",
    "announced_codec",
    "code_of",
    "codec_of",
    "decode",
    "decode_strict",
    "escape_controls",
    "hex_view",
    "may_hold_pan",
    "name_of",
    "normalise",
    "printable_ascii",
    "show_bytes",
    "shown",
]
