"""BMP values in words (PA00P015 §13 and the command chapters). Pure.

Some BMPs mean different things in different commands: 19 is the status byte of the
Registration Completion, the payment type of a payment command, the card type of Read
Card and the payment kind of a Status-Information; 03 is a service byte whose bits each
command defines; 3C is additional text from the PT but fleet-card data from the ECR. The
command the BMP travels in is therefore part of the rendering context.
"""

from __future__ import annotations

from collections.abc import Mapping

from posdiag.drivers.zvt import bcd, charsets
from posdiag.drivers.zvt.bmp import Bmp, Kind, spec_for
from posdiag.drivers.zvt.codes import card_type_name, currency_alpha, result_text
from posdiag.drivers.zvt.values import (
    CARD_OUTPUT_DIRECTION,
    CARD_READER_ACTIVATION,
    DISPLAY_DEVICE,
    DUKPT_KEY_IDENTIFIER,
    IMAGE_ENCODING,
    IMAGE_MIME,
    PIN_ALGORITHM,
    SERVICE_BYTE_CASH_REPORT,
    SERVICE_BYTE_REGISTRATION,
    SERVICE_BYTE_REPEAT_RECEIPT,
    SERVICE_BYTE_SERVICE_MODE,
    SERVICE_BYTE_STATUS_ENQUIRY,
    STATUS_BYTE,
    STATUS_INFO_PAYMENT_TYPE,
    dialog_control_text,
    echo_text,
    enum_text,
    flags_text,
    payment_type_text,
    read_card_type_text,
    seconds_text,
    yes_no_text,
)
from posdiag.errors import ProtocolError
from posdiag.i18n import _

Command = tuple[int, int]

TOTALS_BRANDS = ("girocard", "JCB", "Eurocard/Mastercard", "American Express", "VISA",
                 "Diners", "others")  # fmt: skip
# Commands whose BMP 19 is a payment type (§2.2.1 Table 4).
_PAYMENT_COMMANDS = frozenset({
    (0x06, 0x01), (0x06, 0x03), (0x06, 0x04), (0x06, 0x05), (0x06, 0x09), (0x06, 0x0C),
    (0x06, 0x21), (0x06, 0x22), (0x06, 0x24), (0x06, 0x25), (0x06, 0x30), (0x06, 0x31),
    (0x06, 0xE6),
})  # fmt: skip
_SERVICE_BYTES = {
    (0x06, 0x00): SERVICE_BYTE_REGISTRATION, (0x06, 0x20): SERVICE_BYTE_REPEAT_RECEIPT,
    (0x08, 0x01): SERVICE_BYTE_SERVICE_MODE, (0x05, 0x01): SERVICE_BYTE_STATUS_ENQUIRY,
}  # fmt: skip
_ONE_BYTE_TABLES: Mapping[int, Mapping[int, str]] = {
    0xD0: PIN_ALGORITHM, 0xD2: CARD_OUTPUT_DIRECTION, 0xD3: DUKPT_KEY_IDENTIFIER,
    0xFA: CARD_READER_ACTIVATION, 0xFD: DISPLAY_DEVICE, 0x72: IMAGE_MIME,
    0x73: IMAGE_ENCODING,
}  # fmt: skip
_DISPLAY_TEXT_BMPS = frozenset(range(0xE1, 0xE9)) | frozenset(range(0xF1, 0xF9))
LARGE_FONT = 0x14  # §2.26: a display line starting with 14 is shown in a larger font


def decode_totals(raw: bytes) -> tuple[int, int, list[tuple[str, int, int]]] | None:
    """BMP 60 (§3.1.3): receipt range and (brand, count, cents) per brand, or None if not
    in the documented 53-byte layout."""
    if len(raw) != 4 + 7 * 7:
        return None
    try:
        first, last = bcd.bcd_to_int(raw[0:2]), bcd.bcd_to_int(raw[2:4])
        brands = []
        for i, brand in enumerate(TOTALS_BRANDS):
            block = raw[4 + 7 * i : 11 + 7 * i]
            brands.append((brand, block[0], bcd.bcd_to_int(block[1:])))
    except ProtocolError:
        return None
    return first, last, brands


def render_bmp(
    bmp: Bmp, currency: int | None = None, charset: str | None = None,
    command: Command | None = None,
) -> str:  # fmt: skip
    """The value in words. ``currency`` (ISO 4217 numeric, from BMP 49) labels amounts,
    ``charset`` is the session character set, ``command`` the message the BMP is in."""
    kind = spec_for(bmp.id).kind
    value = bmp.value
    if value is None:
        return _invalid(bmp)
    if bmp.id in _DISPLAY_TEXT_BMPS:
        return display_text(bmp.raw, charset)
    renderer = _BY_ID.get(bmp.id)
    if renderer is not None:
        return renderer(bmp, currency, charset, command)
    return _BY_KIND[kind](bmp, currency, charset, command)


def _invalid(bmp: Bmp) -> str:
    if bmp.raw and bmp.raw == b"\xff" * len(bmp.raw):
        return _("{raw} (none)").format(raw=bmp.raw.hex().upper())
    return _("{view} (not valid BCD)").format(view=charsets.hex_view(bmp.raw))


def display_text(raw: bytes, charset: str | None) -> str:
    """A display line (F1-F8, E1-E8): 7-bit ZVT set unless a session set is in force."""
    large = raw[:1] == bytes((LARGE_FONT,))
    shown = charsets.show_bytes(raw[1:] if large else raw, charset, charsets.ZVT7)
    return shown + (" " + _("(large font)") if large else "")


def _text(raw: bytes, charset: str | None) -> str:
    return charsets.show_bytes(raw, charset, strip_nul=True)


# --- by BMP id (meaning depends on the BMP, or on the command) --------------------------------


def _service_byte(bmp: Bmp, currency: int | None, charset: str | None,
                  command: Command | None) -> str:  # fmt: skip
    if command == (0x0F, 0x10):
        return enum_text(bmp.value, SERVICE_BYTE_CASH_REPORT) + " " + _(
            "[vendor-specific: card complete]")
    bits = _SERVICE_BYTES.get(command) if command else None
    return flags_text(bmp.value, bits) if bits is not None else f"0x{bmp.value:02X}"


def _byte_19(bmp: Bmp, currency: int | None, charset: str | None,
             command: Command | None) -> str:  # fmt: skip
    if command == (0x06, 0x0F):
        return flags_text(bmp.value, STATUS_BYTE)
    if command == (0x04, 0x0F):
        return enum_text(bmp.value, STATUS_INFO_PAYMENT_TYPE)
    if command == (0x06, 0xC0):
        return read_card_type_text(bmp.value)
    if command in _PAYMENT_COMMANDS:
        return payment_type_text(bmp.value)
    return f"0x{bmp.value:02X}"


def _additional_data(bmp: Bmp, currency: int | None, charset: str | None,
                     command: Command | None) -> str:  # fmt: skip
    if command is None or command[0] == 0x04 or charsets.printable_ascii(bmp.raw):
        return _text(bmp.raw, charset)  # additional text from the PT (§3.1.1)
    # From the ECR: additional data for fleet cards (§8), a binary layout per network.
    return _("additional data: {view}").format(view=charsets.hex_view(bmp.raw))


def _timeout(bmp: Bmp, currency: int | None, charset: str | None,
             command: Command | None) -> str:  # fmt: skip
    return seconds_text(bmp.value, zero_is_infinite=False)


def _duration(bmp: Bmp, currency: int | None, charset: str | None,
              command: Command | None) -> str:  # fmt: skip
    return seconds_text(bmp.value)


def _min_length(bmp: Bmp, currency: int | None, charset: str | None,
                command: Command | None) -> str:  # fmt: skip
    return _("0 (input not enforced)") if bmp.value == 0 else str(bmp.value)


def _result_as(bmp: Bmp, currency: int | None, charset: str | None,
               command: Command | None) -> str:  # fmt: skip
    return _("0x{code:02X} ({code} dec, host result code not encodable in BCD)").format(
        code=bmp.value)


def _network_card_type(bmp: Bmp, currency: int | None, charset: str | None,
                       command: Command | None) -> str:  # fmt: skip
    if bmp.value == 0xFF:
        return _("255 (see TLV tag 49)")
    return str(bmp.value)


def _blocked_goods(bmp: Bmp, currency: int | None, charset: str | None,
                   command: Command | None) -> str:  # fmt: skip
    raw = bmp.raw
    if not raw:
        return _("(empty)")
    if len(raw) % 3:
        return _("{view} (not whole 3-byte codes)").format(view=charsets.hex_view(raw))
    try:
        return ", ".join(bcd.unpack_bcd(raw[i : i + 3]) for i in range(0, len(raw), 3))
    except ProtocolError:
        return _("{view} (not valid BCD)").format(view=charsets.hex_view(raw))


def _geldkarte(bmp: Bmp, currency: int | None, charset: str | None,
               command: Command | None) -> str:  # fmt: skip
    # Holds the GeldKarte number and certificate (§6.4): shown by size only.
    return _("<GeldKarte record, {n} bytes, withheld>").format(n=len(bmp.raw))


def _yes_no(bmp: Bmp, currency: int | None, charset: str | None,
            command: Command | None) -> str:  # fmt: skip
    return yes_no_text(bmp.value)


def _echo(bmp: Bmp, currency: int | None, charset: str | None,
          command: Command | None) -> str:  # fmt: skip
    return echo_text(bmp.value)


def _dialog_control(bmp: Bmp, currency: int | None, charset: str | None,
                    command: Command | None) -> str:  # fmt: skip
    return dialog_control_text(bmp.value)


def _one_byte_enum(bmp: Bmp, currency: int | None, charset: str | None,
                   command: Command | None) -> str:  # fmt: skip
    return enum_text(bmp.value, _ONE_BYTE_TABLES[bmp.id])


_BY_ID = {
    0x01: _timeout, 0x03: _service_byte, 0x19: _byte_19, 0x3C: _additional_data,
    0x4C: _blocked_goods, 0x8C: _network_card_type, 0x9A: _geldkarte, 0xA0: _result_as,
    0xE0: _min_length, 0xEA: _echo, 0xF0: _duration, 0xFB: _yes_no, 0xFC: _dialog_control,
    **{bmp_id: _one_byte_enum for bmp_id in _ONE_BYTE_TABLES},
}  # fmt: skip


# --- by kind ----------------------------------------------------------------------------------


def _by_kind_amount(bmp: Bmp, currency: int | None, charset: str | None,
                    command: Command | None) -> str:  # fmt: skip
    return bcd.format_amount(bmp.value, currency_alpha(currency) if currency else None)


def _by_kind_text(bmp: Bmp, currency: int | None, charset: str | None,
                  command: Command | None) -> str:  # fmt: skip
    return _text(bmp.raw, charset)


def _by_kind_totals(bmp: Bmp, currency: int | None, charset: str | None,
                    command: Command | None) -> str:  # fmt: skip
    totals = decode_totals(bmp.raw)
    if totals is None:
        return _("{view} (not the 53-byte layout of §3.1.3)").format(
            view=charsets.hex_view(bmp.raw))
    first, last, brands = totals
    parts = [f"{name} {count} x {bcd.format_amount(cents)}"
             for name, count, cents in brands if count]  # fmt: skip
    return _("receipts {first}-{last}; {parts}").format(
        first=first, last=last, parts="; ".join(parts) or _("no turnover"))


_BY_KIND = {
    Kind.AMOUNT: _by_kind_amount,
    Kind.TIME: lambda b, c, s, m: bcd.format_time(b.value),
    Kind.DATE_MMDD: lambda b, c, s, m: bcd.format_date_mmdd(b.value),
    Kind.DATE_YYMMDD: lambda b, c, s, m: bcd.format_date_yymmdd(b.value),
    Kind.EXPIRY: lambda b, c, s, m: bcd.format_expiry(b.value),
    Kind.RESULT: lambda b, c, s, m: f"{b.value:02X} ({result_text(b.value)})",
    Kind.CARD_TYPE: lambda b, c, s, m: f"{b.value} ({card_type_name(b.value)})",
    Kind.CURRENCY: lambda b, c, s, m: f"{b.value:03d} ({currency_alpha(b.value)})",
    Kind.FLAGS: lambda b, c, s, m: f"0x{b.value:02X}",
    Kind.TEXT: _by_kind_text,
    Kind.TLV: lambda b, c, s, m: _("TLV container, {n} object(s)").format(n=len(b.value)),
    Kind.TOTALS: _by_kind_totals,
    Kind.PAN: lambda b, c, s, m: str(b.value),
    Kind.WITHHELD: lambda b, c, s, m: str(b.value),
    Kind.BYTES: lambda b, c, s, m: charsets.hex_view(b.raw),
    Kind.INT: lambda b, c, s, m: str(b.value),
    Kind.NUMBER: lambda b, c, s, m: str(b.value),
    Kind.DIGITS: lambda b, c, s, m: str(b.value),
}
