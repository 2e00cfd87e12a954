"""What the spec's one-byte values and bit fields mean (PA00P015 rev 13.08). Pure tables.

Each table names its source. ``enum_text`` and ``flags_text`` turn a value into words for
any input: values the spec does not list are shown as such, never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from posdiag.i18n import N_, _

Bits = Sequence[tuple[int, str]]  # (mask, meaning when all bits of mask are set)


def enum_text(value: int, table: Mapping[int, str], width: int = 2) -> str:
    """``0x01 (English)``; a value missing from the table is named as not defined."""
    text = _(table[value]) if value in table else _("not defined in the spec")
    return f"0x{value:0{width}X} ({text})"


def flags_text(value: int, bits: Bits, width: int = 2) -> str:
    """``0xBA: ECR prints payment receipts, ...``; set bits the spec does not define are
    listed as RFU bits so nothing set goes unmentioned."""
    meanings = []
    known = 0
    for index, (mask, _meaning) in enumerate(bits):
        known |= mask
        if value & mask == mask:
            meanings.append(_(bits[index][1]))
    unknown = value & ~known
    if unknown:
        meanings.append(_("RFU bits 0x{bits:0{width}X}").format(bits=unknown, width=width))
    if not meanings:
        return f"0x{value:0{width}X} (" + _("no bit set") + ")"
    return f"0x{value:0{width}X}: " + ", ".join(meanings)


def multi_byte_flags_text(raw: bytes, per_byte: Sequence[Bits]) -> str:
    """A bit field of several bytes, byte 1 first (TLV 1F04, 1F55, 40)."""
    parts = []
    for index, byte in enumerate(raw):
        bits = per_byte[index] if index < len(per_byte) else ()
        parts.append(flags_text(byte, bits))
    return "; ".join(parts) if parts else _("(empty)")


# §2.1 Table 1: the Registration config byte.
CONFIG_BYTE: Bits = (
    (0x02, N_("ECR prints payment receipts")),
    (0x04, N_("ECR prints administration receipts")),
    (0x08, N_("ECR wants intermediate status")),
    (0x10, N_("ECR controls payment (no amount input on PT)")),
    (0x20, N_("ECR controls administration (not started on PT)")),
    (0x80, N_("receipts sent as Print Line/Text-Block")),
)
# §2.1 Table 2, §2.20 Table 5, §2.55 Table 11, §2.56 Table 12: service byte (BMP 03).
SERVICE_BYTE_REGISTRATION: Bits = (
    (0x01, N_("service menu not on a PT function key")),
    (0x02, N_("display texts in capitals")),
)
SERVICE_BYTE_REPEAT_RECEIPT: Bits = (
    (0x01, N_("send the Status-Information again")),
    (0x02, N_("no receipt printout")),
)
SERVICE_BYTE_SERVICE_MODE: Bits = ((0x01, N_("service menu not on a PT function key")),)
SERVICE_BYTE_STATUS_ENQUIRY: Bits = (
    (0x01, N_("service menu not on a PT function key")),
    (0x02, N_("no SW version in the Completion")),
    (0x04, N_("TLV container in the Completion")),
)
# card complete ZVT-Präzisierungen §3.2.55.1 (vendor-specific): 0F 10 cash report.
SERVICE_BYTE_CASH_REPORT: Mapping[int, str] = {
    0x00: N_("simple cash report"),
    0x01: N_("detailed cash report"),
}
# §2.1 Table 3: status byte (BMP 19) in the Registration Completion.
STATUS_BYTE: Bits = (
    (0x01, N_("PT initialisation necessary")),
    (0x02, N_("diagnosis necessary")),
    (0x04, N_("OPT action necessary")),
    (0x08, N_("filling-station mode")),
    (0x10, N_("vending-machine mode")),
)
# §2.2.1 Table 4: payment type (BMP 19) in payment commands.
PAYMENT_TYPE_BITS: Bits = (
    (0x02, N_("use the card data of the previous Read Card")),
    (0x04, N_("printer ready")),
    (0x08, N_("tippable transaction")),
)
PAYMENT_TYPE_KIND: Mapping[int, str] = {
    0x0: N_("ELV / offline"),
    0x1: N_("GeldKarte"),
    0x2: N_("online without PIN"),
    0x3: N_("girocard TA 7.0 / DC POS / PIN based"),
    0x4: N_("PT decides, excluding GeldKarte"),
    0x5: N_("PT decides, including GeldKarte"),
}
# §3.1.1: payment type (BMP 19) in the Status-Information.
STATUS_INFO_PAYMENT_TYPE: Mapping[int, str] = {
    0x40: N_("offline"),
    0x50: N_("card checked positively, no authorisation"),
    0x60: N_("online"),
    0x70: N_("PIN payment"),
}
# §2.21 Table 6: card type (BMP 19) in Read Card.
def read_card_type_text(value: int) -> str:
    kind = value >> 4
    if kind in (0x1, 0x2):
        meaning = _("chip card")
    elif kind == 0x5:
        meaning = _("chip and magnetic stripe")
    else:
        meaning = _("magnetic stripe")
    return f"0x{value:02X} ({meaning})"


def payment_type_text(value: int) -> str:
    kind = value >> 4
    head = (_(PAYMENT_TYPE_KIND[kind]) if kind in PAYMENT_TYPE_KIND
            else _("payment kind 0x{kind:X} not defined").format(kind=kind))  # fmt: skip
    rest = flags_text(value & 0x0F, PAYMENT_TYPE_BITS)
    extra = rest.split(": ", 1)[1] if ": " in rest else ""
    return f"0x{value:02X} ({head}" + (f"; {extra}" if extra else "") + ")"


# §2.21 Table 7: dialog control (BMP FC).
def dialog_control_text(value: int) -> str:
    who = _("PT shows the card prompts") if value & 0x01 else _("ECR shows the card prompts")
    rest = value & 0xFE
    extra = _("; RFU bits 0x{bits:02X}").format(bits=rest) if rest else ""
    return f"0x{value:02X} ({who}{extra})"


# §3.5 Table 16: print attribute (06 D1, TLV 09).
def print_attribute_text(attribute: int) -> str:
    if attribute == 0xFF:
        return "0xFF (" + _("line feed") + ")"
    if attribute == 0x80:
        return "0x80 (RFU)"
    notes = []
    if attribute & 0x80:
        notes.append(_("last line of receipt"))
    else:
        if attribute & 0x40:
            notes.append(_("centred"))
        if attribute & 0x20:
            notes.append(_("double width"))
        if attribute & 0x10:
            notes.append(_("double height"))
        if attribute & 0x0F:
            notes.append(_("indent {n}").format(n=attribute & 0x0F))
    if not notes:
        notes.append(_("normal text"))
    return f"0x{attribute:02X} ({', '.join(notes)})"


# §13: BMPs with listed values.
CARD_READER_ACTIVATION: Mapping[int, str] = {  # FA
    0x00: N_("activate card reader"), 0xFF: N_("deactivate card reader"),
}  # fmt: skip
DISPLAY_DEVICE: Mapping[int, str] = {  # FD
    0x00: N_("all displays"), 0x01: N_("external display"), 0x02: N_("internal display"),
}  # fmt: skip
CARD_OUTPUT_DIRECTION: Mapping[int, str] = {  # D2
    0x00: N_("card out (towards customer)"), 0x01: N_("card in"), 0x02: N_("park card"),
}  # fmt: skip
DUKPT_KEY_IDENTIFIER: Mapping[int, str] = {  # D3
    0x00: N_("Swiss server"), 0x01: N_("OASE"), 0x02: N_("oil company"), 0x03: N_("Ratio"),
    **{n: N_("reserved") for n in range(0x04, 0x0A)},
}  # fmt: skip
IMAGE_MIME: Mapping[int, str] = {  # 72, §2.33 Table 8
    0: N_("undefined"), 1: "image/gif", 2: "image/jpeg", 3: "image/png", 4: "image/tiff",
    5: "image/x-icon", 6: "image/webp", 7: "application/pdf",
}  # fmt: skip
IMAGE_ENCODING: Mapping[int, str] = {  # 73, §2.33 Table 9
    0: N_("undefined"), 1: N_("none"), 2: "base64",
}  # fmt: skip
# §2.34: algorithm ID (BMP D0) of PIN verification for customer cards.
PIN_ALGORITHM: Mapping[int, str] = {
    0x00: "Hectronic", 0x01: "Venture Card", 0x02: "UTA", 0x03: "BICA", 0x04: "Proeda",
    0x05: "Wayne Dresser", 0x06: "Shell", 0x07: "LeasePlan", 0x08: "DKV classic",
    0x09: "Huth", 0x0A: "LOMO", 0x0B: "frei & flott", 0x13: "BICA 2",
    0x14: "DataStandards CH", 0x24: "ESSO MK2", 0x25: "EuroShell", 0x38: "BFT",
    0x46: "DKV Selection Card", 0x56: "DEA/DEKRA", 0x57: "DUKPT",
}  # fmt: skip


def echo_text(value: int) -> str:  # EA
    if value == 0xFF:
        return "0xFF (" + _("echo on") + ")"
    if value == 0x00:
        return "0x00 (" + _("echo off") + ")"
    return f"0x{value:02X} (" + _("'*' for each digit") + ")"


def yes_no_text(value: int) -> str:  # FB and TLV flags where 0 = no
    return f"0x{value:02X} ({_('no') if value == 0 else _('yes')})"


def seconds_text(value: int, zero_is_infinite: bool = True) -> str:  # F0, 01, timeouts
    if value == 0:
        return _("infinite") if zero_is_infinite else _("{n} s").format(n=0)
    return _("{n} s").format(n=value)


# §2.36 Table 10: language (08 30).
LANGUAGE: Mapping[int, str] = {
    0x00: N_("German"), 0x01: N_("English"), 0x02: N_("French"), 0x03: N_("Italian"),
    0x04: N_("Hungarian"), 0x05: N_("Slovenian"), 0x06: N_("Spanish"), 0x07: N_("Czech"),
    0x08: N_("Swedish"), 0x09: N_("Dutch"), 0x0A: N_("Polish"), 0x0B: N_("Slovak"),
    0x0C: N_("Danish"), 0x0D: N_("Greek"), 0x0E: N_("Portuguese"), 0x0F: N_("Lithuanian"),
}  # fmt: skip
# §2.57 Table 13: baud rate (08 40); 2-5 are RFU.
BAUD_RATE: Mapping[int, str] = {0: "9600", 1: "19200", 2: N_("RFU"), 3: N_("RFU"), 4: N_("RFU"),
                                5: N_("RFU"), 6: "57600", 7: "115200"}  # fmt: skip
BAUD_RATES: Mapping[int, int] = {0: 9600, 1: 19200, 6: 57600, 7: 115200}
# §2.61 Table 15: protocol type (08 02).
PROTOCOL_TYPE: Mapping[int, str] = {0x01: "T=1", 0x02: N_("serial IFSF")}
# §2.58 Table 14: payment mode (06 09).
TOP_UP_MODE: Mapping[int, str] = {
    0x01: N_("top-up via card payment"), 0x02: N_("top-up via cash payment"),
    0x03: N_("top-up via card payment, card payment completed"),
}  # fmt: skip
# §2.28 / §2.29: key code of 06 E1 / 06 88; §2.30: of 06 E2 (besides the digits typed).
FUNCTION_KEY: Mapping[int, str] = {
    0x0D: N_("OK key"), 0x18: N_("correction key <C>"), 0x1B: N_("abort key <STOP>"),
    0x46: N_("function/info key"), 0x55: N_("up key"), 0x44: N_("down key"),
    0x6C: N_("timeout"), 0x31: "F1", 0x32: "F2", 0x33: "F3", 0x34: "F4",
    0xDC: N_("card present"),
}  # fmt: skip
NUMERIC_INPUT_KEY: Mapping[int, str] = {
    0x1B: N_("abort key <STOP>"), 0x46: N_("function/info key"), 0x31: "F1", 0x32: "F2",
    0x33: "F3", 0x34: "F4", 0x6C: N_("timeout"),
}  # fmt: skip
# §2.31: key code of the 06 E7 answer.
DUKPT_INPUT_KEY: Mapping[int, str] = {0x00: "OK", 0x1B: N_("abort key <STOP>"),
                                      0x6C: N_("timeout")}  # fmt: skip
