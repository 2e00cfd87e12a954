"""TLV data objects in words: each value by its tag's type (tlv_tags.py). Pure.

Text is decoded in the session character set (or one named by a tag 14 in the same
container), card numbers are masked, card data and secrets withheld, and every string
passes through charsets.shown / hex_view, so nothing from a capture reaches the screen
unmasked or with live control characters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from posdiag.drivers.zvt import bcd, charsets
from posdiag.drivers.zvt.codes import card_type_name, command_name, currency_alpha
from posdiag.drivers.zvt.tlv import TlvNode, feig_primitive, is_constructed, parse_tag, tag_hex
from posdiag.drivers.zvt.tlv_tags import TAG_NAMES, WITHHELD_WHAT, Kind, TagSpec, spec_of
from posdiag.drivers.zvt.values import (
    Bits,
    enum_text,
    multi_byte_flags_text,
    print_attribute_text,
)
from posdiag.errors import ProtocolError
from posdiag.i18n import N_, _


@dataclass(frozen=True, slots=True)
class TreeItem:
    """One data object as shown: a value for a primitive, children for a constructed one."""

    tag: str
    name: str
    value: str | None = None
    children: tuple[TreeItem, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {"tag": self.tag, "name": self.name}
        if self.children is not None:
            item["children"] = [c.to_json() for c in self.children]
        else:
            item["value"] = self.value
        return item


@dataclass(frozen=True, slots=True)
class Context:
    """What a value's rendering may depend on besides its own bytes."""

    charset: str | None = None  # session set; None = each field's default (CP437)
    fixed: bool = False  # the user named the set: a tag 14 in the message does not change it
    siblings: Mapping[int, bytes] | None = None  # primitive neighbours in the same container


def display_name(tag: int) -> str:
    spec = spec_of(tag)
    if spec is None:
        return _("unknown tag")
    name = _(TAG_NAMES[tag])
    if spec.vendor:
        name += " " + _("[vendor-specific: {vendor}]").format(vendor=spec.vendor)
    return name


def render(nodes: Sequence[TlvNode], charset: str | None = None,
           fixed: bool = False) -> tuple[TreeItem, ...]:  # fmt: skip
    """The data objects of a container as TreeItems."""
    return _render_level(nodes, Context(charset, fixed))


def _render_level(nodes: Sequence[TlvNode], context: Context) -> tuple[TreeItem, ...]:
    siblings = {n.tag: n.value for n in nodes if isinstance(n.value, bytes)}
    local = context
    declared = siblings.get(0x14)
    if declared and not context.fixed and charsets.codec_of(declared[-1]) is not None:
        local = Context(charsets.codec_of(declared[-1]), False)
    local = Context(local.charset, local.fixed, siblings)
    items = []
    for node in nodes:
        name = display_name(node.tag)
        if isinstance(node.value, tuple):
            items.append(TreeItem(tag_hex(node.tag), name,
                                  children=_render_level(node.value, Context(local.charset,
                                                                             local.fixed))))
        elif is_constructed(node.tag) and _spec_kind(node.tag) in (None, Kind.CONSTRUCTED):
            if feig_primitive(node.tag):
                items.append(TreeItem(tag_hex(node.tag), name, _feig_primitive(node.value)))
            else:
                items.append(TreeItem(tag_hex(node.tag), name, _not_objects(node.value)))
        else:
            items.append(TreeItem(tag_hex(node.tag), name, render_value(node.tag, node.value,
                                                                        local)))
    return tuple(items)


def _spec_kind(tag: int) -> Kind | None:
    spec = spec_of(tag)
    return None if spec is None else spec.kind


def _feig_primitive(raw: bytes) -> str:
    return charsets.hex_view(raw) + " " + _(
        "(a primitive, as Feig cVEND sends FFxx tags) [vendor-specific: Feig]")


def _not_objects(raw: bytes) -> str:
    return _("{view} (not data objects)").format(view=charsets.hex_view(raw))


def render_value(tag: int, value: bytes, context: Context | None = None) -> str:
    """A primitive value in words; never raises."""
    context = context or Context()
    spec = spec_of(tag)
    if spec is None:
        return charsets.hex_view(value)
    if spec.kind is Kind.WITHHELD:
        what = _(WITHHELD_WHAT[tag]) if tag in WITHHELD_WHAT else _(TAG_NAMES[tag])
        return _("<{what}, {n} bytes, withheld>").format(what=what, n=len(value))
    if spec.kind is Kind.FILE_DATA:
        return _("<{n} bytes of file data>").format(n=len(value))
    if spec.kind is Kind.CONSTRUCTED:
        return _not_objects(value)
    if not value and spec.kind is not Kind.COLUMNS_LINES:
        return _("(empty)")
    try:
        return _RENDERERS[spec.kind](spec, value, context)
    except (ProtocolError, ValueError, IndexError, KeyError):
        return _("{view} (not the documented format)").format(view=charsets.hex_view(value))


# --- one function per kind -----------------------------------------------------------------


def _text(spec: TagSpec, raw: bytes, context: Context) -> str:
    return charsets.show_bytes(raw, context.charset, strip_nul=True)


def _error_text(spec: TagSpec, raw: bytes, context: Context) -> str:
    """§9.4.2: ZVT 8-bit set (CP437). Feig terminals send UTF-8 here (ecrterm's feig_zvt
    TLV dictionary): valid UTF-8 with non-ASCII characters is shown as such and labelled."""
    if context.charset is None and any(b >= 0x80 for b in raw):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return charsets.shown(text.rstrip("\x00")) + " " + _(
                "(UTF-8, as Feig terminals send it) [vendor-specific: Feig]")
    return _text(spec, raw, context)


def _number(spec: TagSpec, raw: bytes, context: Context) -> str:
    return str(bcd.bcd_to_int(raw))


def _digits(spec: TagSpec, raw: bytes, context: Context) -> str:
    return bcd.unpack_bcd(raw)


def _serial(spec: TagSpec, raw: bytes, context: Context) -> str:
    try:
        return bcd.unpack_bcd(raw)
    except ProtocolError:
        if charsets.printable_ascii(raw):
            return charsets.shown(raw.decode("ascii")) + " " + _("(ASCII; the spec says BCD)")
        raise


def amount_text(raw: bytes, currency: int | None = None, decimals: int = 2) -> str:
    """BCD minor units; a 'D' first nibble marks a negative sum (1F6A, fleet goods data)."""
    negative = bool(raw) and raw[0] >> 4 == 0xD
    digits = bcd.unpack_bcd(bytes((raw[0] & 0x0F,)) + raw[1:]) if negative else \
        bcd.unpack_bcd(raw)  # fmt: skip
    units = int(digits or "0")
    if decimals:
        whole, part = divmod(units, 10**decimals)
        text = f"{whole}.{part:0{decimals}d}"
    else:
        text = str(units)
    if negative:
        text = "-" + text
    return f"{text} {currency_alpha(currency)}" if currency else text


def _amount(spec: TagSpec, raw: bytes, context: Context) -> str:
    siblings = context.siblings or {}
    currency = decimals = None
    if 0x1F21 in siblings:
        try:
            currency = bcd.bcd_to_int(siblings[0x1F21])
        except ProtocolError:
            currency = None
    if siblings.get(0x1F1E):
        decimals = int.from_bytes(siblings[0x1F1E], "big")
    return amount_text(raw, currency, 2 if decimals is None or decimals > 12 else decimals)


def _currency(spec: TagSpec, raw: bytes, context: Context) -> str:
    code = bcd.bcd_to_int(raw)
    return f"{code:03d} ({currency_alpha(code)})"


def _percent(spec: TagSpec, raw: bytes, context: Context) -> str:
    value = bcd.bcd_to_int(raw)
    return f"{value // 100}.{value % 100:02d} %"


def _uint(spec: TagSpec, raw: bytes, context: Context) -> str:
    return str(int.from_bytes(raw, "big"))


def _seconds(spec: TagSpec, raw: bytes, context: Context) -> str:
    n = int.from_bytes(raw, "big")
    return _("0 (infinite)") if n == 0 else _("{n} s").format(n=n)


def _error_code(spec: TagSpec, raw: bytes, context: Context) -> str:
    n = int.from_bytes(raw, "big")
    return f"0x{raw.hex().upper()} ({n})"


def _enum(spec: TagSpec, raw: bytes, context: Context) -> str:
    table = cast(Mapping[int, str], spec.table)
    return enum_text(int.from_bytes(raw, "big"), table, 2 * len(raw))


def _flags(spec: TagSpec, raw: bytes, context: Context) -> str:
    return multi_byte_flags_text(raw, cast(Sequence[Bits], spec.table))


def _hex(spec: TagSpec, raw: bytes, context: Context) -> str:
    return charsets.hex_view(raw)


def _opaque(spec: TagSpec, raw: bytes, context: Context) -> str:
    if charsets.printable_ascii(raw):
        return charsets.shown(raw.decode("ascii"))
    return charsets.hex_view(raw)


def _date(spec: TagSpec, raw: bytes, context: Context) -> str:
    if len(raw) != 4:
        raise ValueError(_("date is 4 bytes"))
    return bcd.format_date_yyyymmdd(bcd.unpack_bcd(raw))


def _time(spec: TagSpec, raw: bytes, context: Context) -> str:
    if len(raw) != 3:
        raise ValueError(_("time is 3 bytes"))
    return bcd.format_time(bcd.unpack_bcd(raw))


def _expiry(spec: TagSpec, raw: bytes, context: Context) -> str:
    if len(raw) != 2:
        raise ValueError(_("expiry is 2 bytes"))
    return bcd.format_expiry(bcd.unpack_bcd(raw))


def _command(spec: TagSpec, raw: bytes, context: Context) -> str:
    if len(raw) != 2:
        raise ValueError(_("a command is CLASS INSTR"))
    return f"{raw.hex(' ').upper()} ({command_name(raw[0], raw[1])})"


def _charset(spec: TagSpec, raw: bytes, context: Context) -> str:
    codec = charsets.codec_of(raw[-1])
    meaning = charsets.name_of(codec) if codec else _("not defined in the spec")
    if raw[-1] == 0xFF:
        meaning = _("CP437, the 8-bit ZVT set (default)")
    elif raw[-1] == 0x00:
        meaning = _("ASCII 7-bit (not the ZVT set)")
    return f"0x{raw.hex().upper()} ({meaning})"


def _card_type(spec: TagSpec, raw: bytes, context: Context) -> str:
    n = int.from_bytes(raw, "big")
    return f"{n} ({card_type_name(n)})"


def _tag_list(spec: TagSpec, raw: bytes, context: Context) -> str:
    tags, pos = [], 0
    while pos < len(raw):
        tag, pos = parse_tag(raw, pos)
        tags.append(tag_hex(tag))
    return ", ".join(tags)


def _columns_lines(spec: TagSpec, raw: bytes, context: Context) -> str:
    if not raw:
        return _("(empty: no display)")
    if len(raw) != 2:
        raise ValueError(_("SSZZ is 2 bytes"))
    columns, lines = bcd.bcd_to_int(raw[:1]), bcd.bcd_to_int(raw[1:])
    return _("{columns} columns, {lines} lines").format(columns=columns, lines=lines)


_RECEIPT_CHOICE = {
    "0": N_("none"), "1": N_("for authorised transactions"),
    "2": N_("for authorised, rejected and aborted transactions"),
}  # fmt: skip


def _receipt_parameter(spec: TagSpec, raw: bytes, context: Context) -> str:
    digits = bcd.unpack_bcd(raw)
    if len(digits) != 8:
        raise ValueError(_("receipt parameter is 4 bytes"))
    undefined = _("not defined in the spec")
    merchant = _(_RECEIPT_CHOICE[digits[0]]) if digits[0] in _RECEIPT_CHOICE else undefined
    customer = _(_RECEIPT_CHOICE[digits[1]]) if digits[1] in _RECEIPT_CHOICE else undefined
    return _("{digits}: merchant receipt {merchant}; customer receipt {customer}").format(
        digits=digits, merchant=merchant, customer=customer)


def _print_attribute(spec: TagSpec, raw: bytes, context: Context) -> str:
    return print_attribute_text(raw[0]) + (" …" if len(raw) > 1 else "")


_ALGORITHM = {0: N_("default algorithm"), 1: N_("online algorithm"),
              2: N_("offline hash (SHA-256)"), 3: N_("algorithm 3, not defined")}


def _card_reading_control(spec: TagSpec, raw: bytes, context: Context) -> str:
    byte = raw[0]
    parts = []
    if byte & 0x80:
        parts.append(_("send card identification 1F14 ({algorithm})").format(
            algorithm=_(_ALGORITHM[byte & 0x03])))
    if byte & 0x40:
        parts.append(_("contactless UID in tag 4C"))
    if byte & 0x20:
        parts.append(_("GeldKarte balance in tag 1F3F"))
    rest = byte & (0x1C if byte & 0x80 else 0x1F)
    if rest:
        parts.append(_("RFU bits 0x{bits:02X}").format(bits=rest))
    text = f"0x{raw.hex().upper()}"
    return text + (": " + ", ".join(parts) if parts else "")


def _product_code(spec: TagSpec, raw: bytes, context: Context) -> str:
    kind = (context.siblings or {}).get(0x1F2E)
    barcode = kind[-1] if kind else None
    if barcode is not None and 9 <= barcode <= 12:  # QR code: text in the configured set
        return _text(spec, raw, context)
    if barcode in (7, 8):  # Code 128 values
        return charsets.hex_view(raw)
    return bcd.unpack_card_digits(raw)  # BCD, an odd count padded with F


def _bonus_type(spec: TagSpec, raw: bytes, context: Context) -> str:
    meaning = enum_text(int.from_bytes(raw, "big"), cast(Mapping[int, str], spec.table), 4)
    return meaning + (f" {raw.decode('ascii')!r}" if charsets.printable_ascii(raw) else "")


def _image_settings(spec: TagSpec, raw: bytes, context: Context) -> str:
    if len(raw) != 3:
        raise ValueError(_("image settings are 3 bytes"))
    kind = _("monochrome Windows bitmap") if raw[0] == 0x01 else _("type not defined")
    return _("{kind}, zoom x {x}, zoom y {y}").format(
        kind=kind, x=bcd.bcd_to_int(raw[1:2]), y=bcd.bcd_to_int(raw[2:3]))


def _host_address(spec: TagSpec, raw: bytes, context: Context) -> str:
    if len(raw) != 7:
        raise ValueError(_("IPv4 address, port and config byte are 7 bytes"))
    address = ".".join(str(b) for b in raw[:4])
    port = int.from_bytes(raw[4:6], "big")
    return _("{address} port {port}, config byte 0x{config:02X}").format(
        address=address, port=port, config=raw[6])


def _pan(spec: TagSpec, raw: bytes, context: Context) -> str:
    return bcd.mask_pan(bcd.unpack_card_digits(raw))


_RENDERERS = {
    Kind.TEXT: _text, Kind.ERROR_TEXT: _error_text, Kind.NUMBER: _number,
    Kind.DIGITS: _digits, Kind.SERIAL: _serial,
    Kind.AMOUNT: _amount, Kind.CURRENCY: _currency, Kind.PERCENT: _percent,
    Kind.UINT: _uint, Kind.SECONDS: _seconds, Kind.ERROR_CODE: _error_code,
    Kind.ENUM: _enum, Kind.FLAGS: _flags, Kind.HEX: _hex, Kind.OPAQUE: _opaque,
    Kind.DATE: _date, Kind.TIME: _time, Kind.EXPIRY: _expiry, Kind.COMMAND: _command,
    Kind.CHARSET: _charset, Kind.CARD_TYPE: _card_type, Kind.TAG_LIST: _tag_list,
    Kind.COLUMNS_LINES: _columns_lines, Kind.RECEIPT_PARAMETER: _receipt_parameter,
    Kind.PRINT_ATTRIBUTE: _print_attribute, Kind.CARD_READING_CONTROL: _card_reading_control,
    Kind.PRODUCT_CODE: _product_code, Kind.BONUS_TYPE: _bonus_type,
    Kind.IMAGE_SETTINGS: _image_settings, Kind.PAN: _pan, Kind.HOST_ADDRESS: _host_address,
}  # fmt: skip


# --- output ----------------------------------------------------------------------------------


def text_lines(items: Sequence[TreeItem], indent: str = "  ") -> list[str]:
    """Indented text lines, one per data object."""
    lines: list[str] = []

    def walk(level: Sequence[TreeItem], depth: int) -> None:
        for item in level:
            head = f"{indent * depth}{item.tag} {item.name}"
            if item.children is not None:
                lines.append(head + ":")
                walk(item.children, depth + 1)
            else:
                lines.append(f"{head}: {item.value}")

    walk(items, 0)
    return lines


def tree_json(items: Sequence[TreeItem]) -> list[dict[str, Any]]:
    return [item.to_json() for item in items]


def render_tree(nodes: Sequence[TlvNode], charset: str | None = None) -> list[str]:
    """Shortcut: text lines of a container's data objects."""
    return text_lines(render(nodes, charset))
