"""The TLV container of BMP 06 (PA00P015 §9): BER tags and lengths. Pure, no I/O.

* Tag: byte 1 bits 8-7 class, bit 6 constructed, bits 5-1 number; number 1F
  means further tag bytes follow, each with bit 8 set except the last.
* Length: 00-7F in one byte, 81 nn, or 82 hi lo (big-endian, unlike the APDU).
* Constructed objects hold further objects and are parsed recursively.

Feig's cVEND treats tags FF00-FFFF as primitive although bit 6 is set; this
codec follows the BER rule and does not model that quirk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from posdiag.drivers.zvt import bcd
from posdiag.drivers.zvt.codes import card_type_name, charset_name, command_name
from posdiag.errors import ProtocolError

CONSTRUCTED = 0x20
MAX_DEPTH = 32  # nesting limit, so hostile input cannot exhaust the stack

TlvValue = bytes | tuple["TlvNode", ...]


@dataclass(frozen=True, slots=True)
class TlvNode:
    """One data object. A constructed tag holds a tuple of nodes, a primitive one bytes."""

    tag: int
    value: TlvValue

    def __post_init__(self) -> None:
        if self.tag < 0 or not _well_formed(self.tag):
            raise ProtocolError(f"{self.tag:#x} is not a well-formed BER tag")
        wants_children = is_constructed(self.tag)
        if wants_children != isinstance(self.value, tuple):
            kind = "constructed" if wants_children else "primitive"
            raise ProtocolError(f"TLV tag {self.tag:02X} is {kind}; its value has the other form")

    @property
    def constructed(self) -> bool:
        return isinstance(self.value, tuple)

    @property
    def name(self) -> str:
        return tag_name(self.tag)

    def find(self, tag: int) -> TlvNode | None:
        """First descendant (depth first) with this tag."""
        return find(self.value, tag) if isinstance(self.value, tuple) else None

    def __repr__(self) -> str:
        # Values can be card data (tracks, PIN blocks): repr shows only the size.
        if isinstance(self.value, tuple):
            return f"TlvNode({self.tag:02X}, {list(self.value)!r})"
        return f"TlvNode({self.tag:02X}, <{len(self.value)} bytes>)"


def tag_bytes(tag: int) -> bytes:
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


def _well_formed(tag: int) -> bool:
    raw = tag_bytes(tag)
    try:
        return parse_tag(raw, 0) == (tag, len(raw))
    except ProtocolError:
        return False


def is_constructed(tag: int) -> bool:
    return bool(tag_bytes(tag)[0] & CONSTRUCTED)


# --- decoding -------------------------------------------------------------------------------


def parse_tag(data: bytes, pos: int) -> tuple[int, int]:
    """Tag starting at data[pos]; returns (tag, next position)."""
    start = pos
    try:
        first = data[pos]
        pos += 1
        if first & 0x1F == 0x1F:
            while True:
                byte = data[pos]
                pos += 1
                if not byte & 0x80:
                    break
    except IndexError as err:
        raise ProtocolError(f"TLV tag truncated at offset {start}") from err
    return int.from_bytes(data[start:pos], "big"), pos


def parse_length(data: bytes, pos: int) -> tuple[int, int]:
    """BER length at data[pos]: 00-7F, 81 nn or 82 hi lo. Returns (length, next position)."""
    try:
        first = data[pos]
        if first < 0x80:
            return first, pos + 1
        if first == 0x81:
            return data[pos + 1], pos + 2
        if first == 0x82:
            return (data[pos + 1] << 8) | data[pos + 2], pos + 3
    except IndexError as err:
        raise ProtocolError(f"TLV length truncated at offset {pos}") from err
    raise ProtocolError(f"TLV length byte {first:02X} at offset {pos} is invalid (80 or RFU)")


def decode_tlv(data: bytes, _depth: int = 0) -> tuple[TlvNode, ...]:
    """All data objects in data (the content of BMP 06, without its own length)."""
    if _depth > MAX_DEPTH:
        raise ProtocolError(f"TLV nested deeper than {MAX_DEPTH} levels")
    nodes: list[TlvNode] = []
    pos = 0
    while pos < len(data):
        tag, pos = parse_tag(data, pos)
        length, pos = parse_length(data, pos)
        end = pos + length
        if end > len(data):
            raise ProtocolError(
                f"TLV tag {tag:02X} says {length} bytes, only {len(data) - pos} follow"
            )
        content = bytes(data[pos:end])
        value: TlvValue = decode_tlv(content, _depth + 1) if is_constructed(tag) else content
        nodes.append(TlvNode(tag, value))
        pos = end
    return tuple(nodes)


# --- encoding -------------------------------------------------------------------------------


def encode_length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    if n <= 0xFF:
        return bytes((0x81, n))
    if n <= 0xFFFF:
        return bytes((0x82, n >> 8, n & 0xFF))
    raise ProtocolError(f"TLV value of {n} bytes is longer than BER lengths allow (65535)")


def encode_node(node: TlvNode) -> bytes:
    content = encode_tlv(node.value) if isinstance(node.value, tuple) else node.value
    return tag_bytes(node.tag) + encode_length(len(content)) + content


def encode_tlv(nodes: tuple[TlvNode, ...] | list[TlvNode]) -> bytes:
    return b"".join(encode_node(n) for n in nodes)


def find(nodes: tuple[TlvNode, ...], tag: int) -> TlvNode | None:
    for node in nodes:
        if node.tag == tag:
            return node
        if isinstance(node.value, tuple):
            hit = find(node.value, tag)
            if hit is not None:
                return hit
    return None


def find_all(nodes: tuple[TlvNode, ...], tag: int) -> list[TlvNode]:
    found: list[TlvNode] = []
    for node in nodes:
        if node.tag == tag:
            found.append(node)
        if isinstance(node.value, tuple):
            found.extend(find_all(node.value, tag))
    return found


# --- names and rendering --------------------------------------------------------------------

TAG_NAMES: dict[int, str] = {
    0x01: "reversal ID", 0x02: "driver number", 0x03: "auto number", 0x04: "mileage",
    0x05: "goods group", 0x06: "restriction code 1", 0x07: "text line", 0x08: "receipt number",
    0x09: "print attribute", 0x0A: "ZVT command", 0x0B: "info field", 0x0C: "info field 2",
    0x0D: "restriction code 2", 0x0E: "service code", 0x0F: "assignment number",
    0x10: "merchant display columns/lines", 0x11: "customer display columns/lines",
    0x12: "printer characters per line", 0x13: "extra result code", 0x14: "character set",
    0x15: "language code", 0x16: "menu type", 0x17: "context", 0x18: "destination",
    0x19: "return code", 0x1A: "max. APDU length", 0x1B: "diagnosis type", 0x1C: "file block",
    0x1D: "file ID", 0x1E: "start position",
    0x20: "fleet-card container", 0x21: "permitted goods groups",
    0x22: "prohibited goods groups", 0x23: "open pre-authorisations", 0x24: "display texts",
    0x25: "print texts", 0x26: "permitted ZVT commands", 0x27: "supported character sets",
    0x28: "supported languages", 0x29: "list of menus", 0x2A: "list of menus", 0x2B: "menu",
    0x2C: "menu point", 0x2D: "file", 0x2E: "time stamp", 0x2F: "payment type",
    0x30: "card acceptance matching", 0x31: "amount information", 0x32: "input container",
    0x33: "DUKPT key container", 0x34: "terminal date/time", 0x35: "24-hour reboot date/time",
    0x40: "EMV config parameter", 0x41: "ZVT card-type ID", 0x42: "application name",
    0x43: "application ID (AID)", 0x44: "application preferred name",
    0x45: "receipt parameter", 0x46: "EMV print data (customer)",
    0x47: "EMV print data (merchant)", 0x48: "priority", 0x49: "network operator card type",
    0x4A: "DC POS 2.4 product display", 0x4B: "issuer country code", 0x4C: "UID",
    0x4D: "EF_ID GeldKarte/girogo", 0x50: "background colour",
    0x60: "application", 0x61: "applications on magnetic stripe",
    0x62: "applications on chip", 0x63: "prepaid container", 0x64: "receipt header",
    0x65: "receipt advertising text", 0x66: "receipt customer copy",
    0x67: "receipt merchant copy", 0x68: "receipt transaction outcome",
    0x69: "reference transaction", 0x6A: "invalid application",
    0x80: "prepaid PIN", 0x81: "telephone number", 0x82: "top-up text", 0x83: "prepaid type",
    0xC1: "transaction type", 0xC2: "bonus points", 0xC3: "remaining bonus points",
    0xC4: "ECR transaction number",
    0xE1: "bonus-points container", 0xE2: "DCC container", 0xE3: "barcode container",
    0xE4: "device information", 0xE5: "key container", 0xE6: "card-type container",
    0xE7: "merchant SAM information", 0xE8: "value-added services", 0xE9: "reference number",
    0x1F00: "file length", 0x1F01: "receipt ID", 0x1F02: "from TA number",
    0x1F03: "to TA number", 0x1F04: "receipt parameter", 0x1F05: "transaction parameter",
    0x1F06: "reservation parameter", 0x1F07: "receipt type", 0x1F08: "track 1 data",
    0x1F09: "track 2 data", 0x1F0A: "track 3 data", 0x1F0B: "max. pre-authorisation amount",
    0x1F0C: "licence plate number", 0x1F0D: "transparent data to host", 0x1F0E: "date",
    0x1F0F: "time", 0x1F10: "cardholder authentication", 0x1F11: "online flag",
    0x1F12: "card technology", 0x1F13: "ECR function request",
    0x1F14: "card identification item", 0x1F15: "card reading control",
    0x1F16: "extended error code", 0x1F17: "extended error text",
    0x1F18: "card notification control", 0x1F19: "card acceptance",
    0x1F1A: "PAN for card acceptance matching", 0x1F1B: "DCC markup %",
    0x1F1C: "DCC card name", 0x1F1D: "currency information type",
    0x1F1E: "number of decimals", 0x1F1F: "unique transaction ID", 0x1F20: "amount",
    0x1F21: "ISO currency code", 0x1F22: "inverted rate display unit",
    0x1F23: "retrieval ID", 0x1F24: "reference number", 0x1F25: "cashback amount",
    0x1F26: "end-of-day mode", 0x1F27: "extended product name", 0x1F28: "emergency mode",
    0x1F29: "limit overridden", 0x1F2A: "additional cardholder information",
    0x1F2B: "trace number (long)", 0x1F2C: "profile name", 0x1F2D: "card data input type",
    0x1F2E: "barcode type", 0x1F2F: "product code", 0x1F30: "e-purse top-up amount",
    0x1F31: "encrypted PIN", 0x1F32: "SMID value", 0x1F33: "message data",
    0x1F34: "MAC value", 0x1F35: "ECR identification", 0x1F36: "tip amount",
    0x1F37: "receipt information", 0x1F38: "input mode", 0x1F39: "timeout",
    0x1F3A: "input result", 0x1F3B: "transaction information", 0x1F3C: "input",
    0x1F3D: "alphanumeric data", 0x1F3E: "encrypted cardholder information",
    0x1F3F: "remaining balance", 0x1F40: "device name", 0x1F41: "software version",
    0x1F42: "serial number", 0x1F43: "device state", 0x1F44: "terminal ID", 0x1F45: "ATS",
    0x1F46: "command APDUs", 0x1F47: "card read error code", 0x1F4C: "card type",
    0x1F4D: "card subtype", 0x1F51: "debit mandate ID", 0x1F52: "debit creditor ID",
    0x1F53: "debit pre-notification", 0x1F54: "key generation number",
    0x1F55: "terminal locks", 0x1F56: "4-eye customer ID", 0x1F57: "merchant SAM number",
    0x1F58: "merchant SAM expiry date", 0x1F59: "payment application",
    0x1F5B: "card poll timeout", 0x1F5C: "encrypted key", 0x1F5D: "plaintext key",
    0x1F5E: "IBAN", 0x1F5F: "BIC", 0x1F60: "allowed card technologies",
    0x1F61: "customer index", 0x1F62: "BMP 60 reference prefix",
    0x1F63: "individual reference number", 0x1F65: "processing selection",
    0x1F66: "wallet data", 0x1F67: "retailer ID", 0x1F68: "loyalty ID", 0x1F69: "voucher ID",
    0x1F6A: "remaining amount", 0x1F6B: "age verification control",
    0x1F6C: "age verification result", 0x1F70: "partial approval capable",
    0x1F71: "TLV tags recognised by PT", 0x1F72: "extended contactless detection",
    0x1F73: "message sequence ID", 0x1F74: "password (long)",
    0x1F75: "DUKPT-encrypted input", 0x1F76: "send SMID in status enquiry",
    0x1F77: "DUKPT engine index", 0x1F78: "request 24-hour reboot information",
    0x1F79: "request to start an action", 0x1F80: "file name", 0x1F81: "file MIME type",
    0x1F82: "transaction reference number", 0x1F83: "acquirer ID",
    0xFF01: "coupon data", 0xFF02: "loyalty data", 0xFF03: "parking ticket",
    0xFF04: "voucher data",
}  # fmt: skip

# Card data and secrets: never shown, only their size (design.md, PCI DSS).
WITHHELD_TAGS: dict[int, str] = {
    0x1F08: "track 1 data", 0x1F09: "track 2 data", 0x1F0A: "track 3 data",
    0x1F31: "encrypted PIN", 0x1F75: "encrypted PIN block", 0x1F5C: "encrypted key",
    0x1F5D: "plaintext key", 0x1F74: "password", 0x80: "prepaid PIN",
    0x1F3E: "encrypted cardholder data",
}  # fmt: skip
_PAN_TAGS = frozenset({0x1F1A})
_TEXT_TAGS = frozenset({
    0x07, 0x0B, 0x0C, 0x0F, 0x13, 0x15, 0x42, 0x44, 0x1F17, 0x1F0C, 0x1F1C, 0x1F27, 0x1F2C,
    0x1F40, 0x1F41, 0x1F42, 0x1F80, 0x1F81, 0x1F35,
})  # fmt: skip
_INT_TAGS = frozenset({
    0x09, 0x1A, 0x1B, 0x1D, 0x1E, 0x1F00, 0x1F01, 0x1F02, 0x1F03, 0x1F07, 0x1F10, 0x1F11,
    0x1F12, 0x1F15, 0x1F16, 0x1F43, 0x1F5B, 0x1F60, 0x49, 0x1F4C, 0x1F4D,
})  # fmt: skip
_BCD_TAGS = frozenset({0x08, 0x10, 0x11, 0x12, 0x1F2B, 0x1F73, 0x1F44, 0x1F1F})
_AMOUNT_TAGS = frozenset({0x1F0B, 0x1F20, 0x1F25, 0x1F30, 0x1F36, 0x1F3F, 0x1F6A})
_FILE_IDS = {1: "merchant journal", 2: "application log", 3: "ECR protocol log",
             4: "communication module log", 5: "PIN pad log", 6: "reconciliation data"}
_RECEIPT_TYPES = {1: "merchant receipt", 2: "customer receipt", 3: "administration receipt"}
_DIAGNOSIS_TYPES = {1: "line diagnosis", 2: "extended diagnosis", 3: "configuration diagnosis",
                    4: "EMV configuration diagnosis", 5: "EP2 configuration"}
_CVM = {0: "no CVM", 1: "signature", 2: "online PIN", 3: "offline enciphered PIN",
        4: "offline plaintext PIN", 5: "offline enciphered PIN + signature",
        6: "offline plaintext PIN + signature", 7: "online PIN + signature", 0xFF: "unknown"}
_TECHNOLOGY = {0: "magnetic stripe", 1: "chip", 2: "contactless"}


def tag_name(tag: int) -> str:
    return TAG_NAMES.get(tag, "unknown tag")


def tag_hex(tag: int) -> str:
    return tag_bytes(tag).hex().upper()


def _text(value: bytes) -> str:
    # cp437 is the ZVT default character set and decodes every byte.
    return value.decode("cp437")


def render_value(tag: int, value: bytes) -> str:
    """A primitive value in words; card data masked or withheld."""
    if tag in WITHHELD_TAGS:
        return f"<{WITHHELD_TAGS[tag]}, {len(value)} bytes, withheld>"
    if tag in _PAN_TAGS:
        return bcd.mask_pan(bcd.unpack_card_digits(value))
    if not value:
        return "(empty)"
    number = int.from_bytes(value, "big")
    try:
        if tag in _TEXT_TAGS:
            return repr(_text(value).rstrip("\x00"))
        if tag == 0x0A and len(value) == 2:
            return f"{value.hex(' ').upper()} ({command_name(value[0], value[1])})"
        if tag == 0x14:
            return charset_name(value[0])
        if tag == 0x41:
            return f"{number} ({card_type_name(number)})"
        if tag == 0x1D:
            return f"{number} ({_FILE_IDS.get(number, 'unknown file')})"
        if tag == 0x1F07:
            return f"{number} ({_RECEIPT_TYPES.get(number, 'unknown receipt type')})"
        if tag == 0x1B:
            return f"{number} ({_DIAGNOSIS_TYPES.get(number, 'unknown diagnosis type')})"
        if tag == 0x1F10:
            return f"{number} ({_CVM.get(number, 'unknown')})"
        if tag == 0x1F12:
            return f"{number} ({_TECHNOLOGY.get(number, 'unknown')})"
        if tag == 0x09:
            return f"0x{number:02X}" + (" (end of receipt)" if number & 0x80 and number not in
                                        (0x80, 0xFF) else "")
        if tag in _INT_TAGS:
            return str(number)
        if tag in _AMOUNT_TAGS:
            return bcd.format_amount(bcd.bcd_to_int(value))
        if tag == 0x1F0E and len(value) == 4:
            return bcd.format_date_yyyymmdd(bcd.unpack_bcd(value))
        if tag == 0x1F0F and len(value) == 3:
            return bcd.format_time(bcd.unpack_bcd(value))
        if tag in _BCD_TAGS:
            return bcd.unpack_bcd(value)
    except ProtocolError:
        pass  # not the documented encoding: fall through to hex
    return value.hex(" ").upper()


def render_tree(nodes: tuple[TlvNode, ...], indent: str = "  ") -> list[str]:
    """Indented text lines, one per data object."""
    lines: list[str] = []

    def walk(items: tuple[TlvNode, ...], depth: int) -> None:
        for node in items:
            head = f"{indent * depth}{tag_hex(node.tag)} {node.name}"
            if isinstance(node.value, tuple):
                lines.append(head + ":")
                walk(node.value, depth + 1)
            else:
                lines.append(f"{head}: {render_value(node.tag, node.value)}")

    walk(nodes, 0)
    return lines


def tree_json(nodes: tuple[TlvNode, ...]) -> list[dict[str, Any]]:
    """JSON-ready tree: {tag, name, value} or {tag, name, children}."""
    out: list[dict[str, Any]] = []
    for node in nodes:
        item: dict[str, Any] = {"tag": tag_hex(node.tag), "name": node.name}
        if isinstance(node.value, tuple):
            item["children"] = tree_json(node.value)
        else:
            item["value"] = render_value(node.tag, node.value)
        out.append(item)
    return out
