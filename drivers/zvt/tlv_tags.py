"""Every TLV tag PA00P015 rev 13.08 §9.4 defines, with the type of its value. Pure table.

The kind decides how tlv_render shows a value: text in the session character set, packed
BCD digits or amounts, big-endian integers, named values, bit fields, card data masked or
withheld. Tags a public vendor document defines where the spec is silent are listed with
their vendor and are labelled as vendor-specific wherever they are shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from posdiag.drivers.zvt.tlv_values import (
    ACCEPTANCE,
    AGE_RESULT,
    BARCODE,
    BONUS_TYPE,
    CARD_KIND,
    CARD_NOTIFICATION,
    CARD_READ_ERROR,
    CARD_SUBTYPE,
    CARD_TECHNOLOGIES_BITS,
    CC_CONTROL_BITS,
    CC_NETWORK_BITS,
    COLOUR,
    CTLS_DETECTION,
    CURRENCY_INFO,
    CVM,
    DEVICE_STATE,
    DIAGNOSIS,
    E6_MODE,
    EMV_CONFIG_BITS,
    EOD_MODE,
    FILE_IDS,
    FUNCTION_REQUEST,
    INPUT_MODE,
    INPUT_TYPE,
    MENU_CONTEXT,
    MENU_TARGET,
    MENU_TYPE,
    NO_YES,
    ONLINE,
    PARTIAL_APPROVAL,
    PROCESSING_SELECTION_BITS,
    RECEIPT_ID,
    RECEIPT_INFORMATION_BITS,
    RECEIPT_PARAMETER_BITS,
    RECEIPT_TYPE,
    RESERVATION,
    SMID_IN_STATUS,
    START_ACTION,
    TECHNOLOGY,
    TERMINAL_LOCKS_BITS,
    TRANSACTION_INFORMATION_BITS,
    TRANSACTION_PARAMETER_BITS,
)
from posdiag.drivers.zvt.values import Bits
from posdiag.i18n import N_


class Kind(Enum):
    TEXT = "text"  # characters in the session set (ASCII-declared fields too)
    NUMBER = "number"  # packed BCD, shown as a number
    DIGITS = "digits"  # packed BCD, shown digit for digit (IDs, leading zeros matter)
    SERIAL = "serial"  # packed BCD per spec; text when a PT sends ASCII instead
    AMOUNT = "amount"  # packed BCD, minor units ('D' in the first nibble: negative)
    CURRENCY = "currency"  # packed BCD ISO 4217 numeric
    PERCENT = "percent"  # packed BCD, two decimals
    UINT = "uint"  # big-endian binary integer
    SECONDS = "seconds"  # big-endian binary, seconds (0 = infinite)
    ERROR_CODE = "error_code"  # binary, manufacturer-specific: hex and decimal
    ENUM = "enum"  # binary with named values
    FLAGS = "flags"  # bit field, byte 1 first
    HEX = "hex"  # binary whose bytes are its meaning (AID, ATS, MAC, SMID)
    OPAQUE = "opaque"  # binary of unspecified layout: text if printable, else hex
    DATE = "date"  # YYYYMMDD BCD
    TIME = "time"  # HHMMSS BCD
    EXPIRY = "expiry"  # YYMM BCD
    COMMAND = "command"  # CLASS INSTR
    CHARSET = "charset"
    CARD_TYPE = "card_type"  # ZVT card-type ID
    TAG_LIST = "tag_list"  # a list of tag numbers (1F71)
    COLUMNS_LINES = "columns_lines"  # SSZZ BCD
    RECEIPT_PARAMETER = "receipt_parameter"  # tag 45, four BCD positions
    PRINT_ATTRIBUTE = "print_attribute"
    CARD_READING_CONTROL = "card_reading_control"  # 1F15
    PRODUCT_CODE = "product_code"  # 1F2F: format set by the 1F2E sibling
    BONUS_TYPE = "bonus_type"  # C1: two ASCII letters
    PAN = "pan"
    WITHHELD = "withheld"  # card data, PINs and keys: size only
    FILE_DATA = "file_data"  # file contents: size only
    CONSTRUCTED = "constructed"
    IMAGE_SETTINGS = "image_settings"  # card complete C9
    HOST_ADDRESS = "host_address"  # Feig FF41: IPv4, port, config byte
    ERROR_TEXT = "error_text"  # 1F17: ZVT 8-bit set, or UTF-8 from a Feig terminal


@dataclass(frozen=True, slots=True)
class TagSpec:
    name: str
    kind: Kind
    table: Mapping[int, str] | Bits | Sequence[Bits] | None = None
    vendor: str | None = None  # set for tags only a vendor document defines


T, N, D, A, U, E, F, H, OP, W = (Kind.TEXT, Kind.NUMBER, Kind.DIGITS, Kind.AMOUNT, Kind.UINT,
                                 Kind.ENUM, Kind.FLAGS, Kind.HEX, Kind.OPAQUE, Kind.WITHHELD)
C = Kind.CONSTRUCTED
CARD_COMPLETE = "card complete (ZVT-Präzisierungen v22 §7)"
FEIG = "Feig cVEND (as EVerest/zvt's Feig packets document it)"

TAGS: dict[int, TagSpec] = {
    # §9.4.2 miscellaneous, primitive
    0x01: TagSpec(N_("reversal ID"), H),
    0x07: TagSpec(N_("text line"), T),
    0x08: TagSpec(N_("receipt number"), N),
    0x09: TagSpec(N_("print attribute"), Kind.PRINT_ATTRIBUTE),
    0x0A: TagSpec(N_("ZVT command"), Kind.COMMAND),
    0x0B: TagSpec(N_("info field"), T),
    0x0C: TagSpec(N_("info field 2"), T),
    0x0F: TagSpec(N_("assignment number"), T),
    0x10: TagSpec(N_("merchant display columns/lines"), Kind.COLUMNS_LINES),
    0x11: TagSpec(N_("customer display columns/lines"), Kind.COLUMNS_LINES),
    0x12: TagSpec(N_("printer characters per line"), N),
    0x13: TagSpec(N_("extra result code"), T),
    0x14: TagSpec(N_("character set"), Kind.CHARSET),
    0x15: TagSpec(N_("language code"), T),
    0x1A: TagSpec(N_("max. APDU length"), U),
    0x1B: TagSpec(N_("diagnosis type"), E, DIAGNOSIS),
    0x1C: TagSpec(N_("file block"), Kind.FILE_DATA),
    0x1D: TagSpec(N_("file ID"), E, FILE_IDS),
    0x1E: TagSpec(N_("start position"), U),
    0x1F00: TagSpec(N_("total length of file"), U),
    0x1F01: TagSpec(N_("receipt ID"), E, RECEIPT_ID),
    0x1F02: TagSpec(N_("from TA number"), U),
    0x1F03: TagSpec(N_("to TA number"), U),
    0x1F04: TagSpec(N_("receipt parameter"), F, RECEIPT_PARAMETER_BITS),
    0x1F05: TagSpec(N_("transaction parameter"), F, TRANSACTION_PARAMETER_BITS),
    0x1F06: TagSpec(N_("reservation parameter"), E, RESERVATION),
    0x1F07: TagSpec(N_("receipt type"), E, RECEIPT_TYPE),
    0x1F08: TagSpec(N_("track 1 data"), W),
    0x1F09: TagSpec(N_("track 2 data"), W),
    0x1F0A: TagSpec(N_("track 3 data"), W),
    0x1F0D: TagSpec(N_("transparent data to host"), OP),
    0x1F0E: TagSpec(N_("date"), Kind.DATE),
    0x1F0F: TagSpec(N_("time"), Kind.TIME),
    0x1F10: TagSpec(N_("cardholder authentication"), E, CVM),
    0x1F11: TagSpec(N_("online flag"), E, ONLINE),
    0x1F12: TagSpec(N_("card technology"), E, TECHNOLOGY),
    0x1F13: TagSpec(N_("ECR function request"), E, FUNCTION_REQUEST),
    0x1F14: TagSpec(N_("card identification item"), OP),
    0x1F15: TagSpec(N_("card reading control"), Kind.CARD_READING_CONTROL),
    0x1F16: TagSpec(N_("extended error code"), Kind.ERROR_CODE),
    0x1F17: TagSpec(N_("extended error text"), Kind.ERROR_TEXT),
    0x1F18: TagSpec(N_("card notification control"), E, CARD_NOTIFICATION),
    0x1F19: TagSpec(N_("card acceptance"), E, ACCEPTANCE),
    0x1F1A: TagSpec(N_("PAN for card acceptance matching"), Kind.PAN),
    0x1F1D: TagSpec(N_("currency information type"), E, CURRENCY_INFO),
    0x1F1E: TagSpec(N_("number of decimals"), U),
    0x1F1F: TagSpec(N_("unique transaction ID"), U),
    0x1F20: TagSpec(N_("amount"), A),
    0x1F21: TagSpec(N_("ISO currency code"), Kind.CURRENCY),
    0x1F25: TagSpec(N_("cashback amount"), A),
    0x1F26: TagSpec(N_("end-of-day mode"), E, EOD_MODE),
    0x1F27: TagSpec(N_("extended product name"), T),
    0x1F28: TagSpec(N_("emergency mode"), E, NO_YES),
    0x1F29: TagSpec(N_("limit overridden"), E, NO_YES),
    0x1F2A: TagSpec(N_("additional cardholder information"), T),
    0x1F2B: TagSpec(N_("trace number (long)"), N),
    0x1F2C: TagSpec(N_("profile name"), T),
    0x1F2D: TagSpec(N_("card data input type"), E, INPUT_TYPE),
    0x1F30: TagSpec(N_("e-purse top-up amount"), A),
    0x1F31: TagSpec(N_("encrypted PIN block"), W),
    0x1F32: TagSpec(N_("SMID"), H),
    0x1F33: TagSpec(N_("message data"), OP),
    0x1F34: TagSpec(N_("MAC"), H),
    0x1F35: TagSpec(N_("ECR identification"), D),
    0x1F36: TagSpec(N_("tip amount"), A),
    0x1F37: TagSpec(N_("receipt information"), F, RECEIPT_INFORMATION_BITS),
    0x1F3B: TagSpec(N_("transaction information"), F, TRANSACTION_INFORMATION_BITS),
    0x1F3E: TagSpec(N_("encrypted cardholder information"), W),
    0x1F3F: TagSpec(N_("remaining balance"), A),
    0x1F45: TagSpec(N_("ATS"), H),
    0x1F46: TagSpec(N_("card APDU"), W),
    0x1F47: TagSpec(N_("card read error code"), E, CARD_READ_ERROR),
    0x1F4C: TagSpec(N_("card type"), E, CARD_KIND),
    0x1F4D: TagSpec(N_("card subtype"), E, CARD_SUBTYPE),
    0x1F5B: TagSpec(N_("card poll timeout"), Kind.SECONDS),
    0x1F5C: TagSpec(N_("encrypted key"), W),
    0x1F5D: TagSpec(N_("plaintext key"), W),
    0x1F60: TagSpec(N_("allowed card technologies"), F, CARD_TECHNOLOGIES_BITS),
    0x1F61: TagSpec(N_("customer index"), OP),
    0x1F62: TagSpec(N_("BMP 60 identifier of the reference number"), T),
    0x1F63: TagSpec(N_("individual reference number"), T),
    0x1F6A: TagSpec(N_("remaining amount"), A),
    0x1F6B: TagSpec(N_("age verification: minimum age"), N),
    0x1F6C: TagSpec(N_("age verification result"), E, AGE_RESULT),
    0x1F6D: TagSpec(N_("mode control for 06 E6"), E, E6_MODE),
    0x1F70: TagSpec(N_("partial approval capability"), E, PARTIAL_APPROVAL),
    0x1F71: TagSpec(N_("TLV tags recognised by the PT"), Kind.TAG_LIST),
    0x1F72: TagSpec(N_("extended contactless detection in status enquiry"), E,
                    CTLS_DETECTION),
    0x1F73: TagSpec(N_("message sequence ID"), D),
    0x1F74: TagSpec(N_("password"), W),
    0x1F75: TagSpec(N_("DUKPT-encrypted input"), W),
    0x1F76: TagSpec(N_("SMID in status enquiry"), E, SMID_IN_STATUS),
    0x1F77: TagSpec(N_("DUKPT engine index"), U),
    0x1F78: TagSpec(N_("request 24-hour reboot information"), U),
    0x1F79: TagSpec(N_("request to start an action"), E, START_ACTION),
    0x1F80: TagSpec(N_("file name"), T),
    0x1F81: TagSpec(N_("file MIME type"), T),
    0x1F82: TagSpec(N_("transaction reference number"), D),
    0x1F83: TagSpec(N_("acquirer ID"), D),
    0x1F48: TagSpec(N_("reserved"), OP), 0x1F49: TagSpec(N_("reserved"), OP),
    0x1F4A: TagSpec(N_("reserved"), OP), 0x1F4B: TagSpec(N_("reserved"), OP),
    0x1F4E: TagSpec(N_("reserved"), OP), 0x1F4F: TagSpec(N_("reserved"), OP),
    0x1F50: TagSpec(N_("reserved"), OP), 0x1F5A: TagSpec(N_("reserved"), OP),
    # §9.4.2 miscellaneous, constructed
    0x23: TagSpec(N_("open pre-authorisations"), C),
    0x24: TagSpec(N_("display texts"), C),
    0x25: TagSpec(N_("print texts"), C),
    0x26: TagSpec(N_("permitted ZVT commands"), C),
    0x27: TagSpec(N_("supported character sets"), C),
    0x28: TagSpec(N_("supported languages"), C),
    0x2D: TagSpec(N_("file"), C),
    0x2E: TagSpec(N_("time stamp"), C),
    0x2F: TagSpec(N_("payment type"), C),
    0x30: TagSpec(N_("card acceptance matching"), C),
    0x31: TagSpec(N_("amount information"), C),
    0x33: TagSpec(N_("DUKPT key container"), C),
    0x34: TagSpec(N_("terminal date and time"), C),
    0x35: TagSpec(N_("24-hour reboot date and time"), C),
    0xE4: TagSpec(N_("device information"), C),
    0xE5: TagSpec(N_("key container"), C),
    0xE6: TagSpec(N_("card type container"), C),
    0xE7: TagSpec(N_("merchant SAM information"), C),
    0xE9: TagSpec(N_("reference number container"), C),
    0xEA: TagSpec(N_("ExpressPay membership data"), C),
    # §9.4.3 bonus points
    0xC1: TagSpec(N_("bonus transaction type"), Kind.BONUS_TYPE, BONUS_TYPE),
    0xC2: TagSpec(N_("number of bonus points"), N),
    0xC3: TagSpec(N_("number of remaining bonus points"), N),
    0xC4: TagSpec(N_("ECR transaction number"), N),
    0xC5: TagSpec(N_("bonus points equivalent amount"), A),
    0xE1: TagSpec(N_("bonus points container"), C),
    # §9.4.4 fleet cards
    0x02: TagSpec(N_("driver number"), N),
    0x03: TagSpec(N_("vehicle number"), N),
    0x04: TagSpec(N_("mileage"), N),
    0x05: TagSpec(N_("goods group"), D),
    0x06: TagSpec(N_("restriction code 1"), D),
    0x0D: TagSpec(N_("restriction code 2"), D),
    0x0E: TagSpec(N_("service code"), D),
    0x1F0B: TagSpec(N_("max. pre-authorisation amount"), A),
    0x1F0C: TagSpec(N_("licence plate number"), T),
    0x20: TagSpec(N_("fleet card container"), C),
    0x21: TagSpec(N_("permitted goods groups"), C),
    0x22: TagSpec(N_("prohibited goods groups"), C),
    # §9.4.5 EMV
    0x40: TagSpec(N_("EMV configuration parameter"), F, EMV_CONFIG_BITS),
    0x41: TagSpec(N_("ZVT card-type ID"), Kind.CARD_TYPE),
    0x42: TagSpec(N_("application label"), T),
    0x43: TagSpec(N_("application ID (AID)"), H),
    0x44: TagSpec(N_("application preferred name"), T),
    0x45: TagSpec(N_("receipt parameter"), Kind.RECEIPT_PARAMETER),
    0x46: TagSpec(N_("EMV print data (customer receipt)"), T),
    0x47: TagSpec(N_("EMV print data (merchant receipt)"), T),
    0x48: TagSpec(N_("priority"), H),
    0x49: TagSpec(N_("network operator card-type ID"), U),
    0x4A: TagSpec(N_("DC POS 2.4 product display"), T),
    0x4B: TagSpec(N_("issuer country code"), D),
    0x4C: TagSpec(N_("UID"), H),
    0x4D: TagSpec(N_("EF_ID GeldKarte/girogo"), W),
    0x60: TagSpec(N_("application"), C),
    0x61: TagSpec(N_("applications on magnetic stripe"), C),
    0x62: TagSpec(N_("applications on chip"), C),
    0x64: TagSpec(N_("receipt header"), C),
    0x65: TagSpec(N_("receipt advertising text"), C),
    0x66: TagSpec(N_("customer receipt data"), C),
    0x67: TagSpec(N_("merchant receipt data"), C),
    0x68: TagSpec(N_("receipt text transaction outcome"), C),
    0x69: TagSpec(N_("reference transaction"), C),
    0x6A: TagSpec(N_("invalid application"), C),
    # §9.4.6 menus
    0x16: TagSpec(N_("menu type"), E, MENU_TYPE),
    0x17: TagSpec(N_("menu context"), E, MENU_CONTEXT),
    0x18: TagSpec(N_("menu target"), E, MENU_TARGET),
    0x19: TagSpec(N_("return value"), U),
    0x50: TagSpec(N_("background colour"), E, COLOUR),
    0x29: TagSpec(N_("menus shown by the ECR"), C),
    0x2A: TagSpec(N_("menus shown by the PT"), C),
    0x2B: TagSpec(N_("menu"), C),
    0x2C: TagSpec(N_("menu item"), C),
    # §9.4.7 prepaid
    0x80: TagSpec(N_("prepaid PIN"), W),
    0x81: TagSpec(N_("telephone number"), T),
    0x82: TagSpec(N_("top-up text"), T),
    0x83: TagSpec(N_("prepaid type"), T),
    0x84: TagSpec(N_("min. charge amount"), A),
    0x85: TagSpec(N_("max. charge amount"), A),
    0x63: TagSpec(N_("prepaid container"), C),
    # §9.4.8 DCC
    0x1F1B: TagSpec(N_("markup"), Kind.PERCENT),
    0x1F1C: TagSpec(N_("card name"), T),
    0x1F22: TagSpec(N_("inverted rate display unit"), N),
    0x1F23: TagSpec(N_("retrieval ID"), T),
    0x1F24: TagSpec(N_("reference number"), T),
    0xE2: TagSpec(N_("DCC container"), C),
    # §9.4.9 barcode
    0x1F2E: TagSpec(N_("barcode type"), E, BARCODE),
    0x1F2F: TagSpec(N_("product code"), Kind.PRODUCT_CODE),
    0xE3: TagSpec(N_("barcode container"), C),
    # §9.4.10 input
    0x1F38: TagSpec(N_("input mode"), E, INPUT_MODE),
    0x1F39: TagSpec(N_("input timeout"), Kind.SECONDS),
    0x1F3A: TagSpec(N_("input result"), T),
    0x1F3C: TagSpec(N_("input"), OP),
    0x1F3D: TagSpec(N_("alphanumeric data"), T),
    0x32: TagSpec(N_("input container"), C),
    # §9.4.11 value added services
    0x1F65: TagSpec(N_("processing selection"), F, PROCESSING_SELECTION_BITS),
    0x1F66: TagSpec(N_("wallet data"), OP),
    0x1F67: TagSpec(N_("retailer ID"), OP),
    0x1F68: TagSpec(N_("loyalty ID"), OP),
    0x1F69: TagSpec(N_("voucher ID"), OP),
    0xE8: TagSpec(N_("value added services container"), C),
    0xFF01: TagSpec(N_("coupon data"), C),
    0xFF02: TagSpec(N_("loyalty data"), C),
    0xFF03: TagSpec(N_("parking ticket"), C),
    0xFF04: TagSpec(N_("voucher data"), C),
    # §9.4.12 configuration
    0x1F40: TagSpec(N_("device name"), T),
    0x1F41: TagSpec(N_("software version"), T),
    0x1F42: TagSpec(N_("serial number"), Kind.SERIAL),
    0x1F43: TagSpec(N_("device state"), E, DEVICE_STATE),
    0x1F44: TagSpec(N_("terminal ID"), D),
    0x1F54: TagSpec(N_("key generation number"), U),
    0x1F55: TagSpec(N_("terminal locks"), F, TERMINAL_LOCKS_BITS),
    0x1F56: TagSpec(N_("4-eye customer ID"), OP),
    0x1F57: TagSpec(N_("merchant SAM number"), D),
    0x1F58: TagSpec(N_("merchant SAM expiry date"), Kind.EXPIRY),
    0x1F59: TagSpec(N_("payment application"), T),
    # §9.4.13 SEPA direct debit
    0x1F51: TagSpec(N_("debit mandate ID"), T),
    0x1F52: TagSpec(N_("debit creditor ID"), T),
    0x1F53: TagSpec(N_("debit pre-notification"), T),
    0x1F5E: TagSpec("IBAN", T),
    0x1F5F: TagSpec("BIC", T),
    # §9.4.14 ExpressPay membership
    0x9F5A: TagSpec(N_("membership product identifier"), OP),
    0x9F5B: TagSpec(N_("product membership number"), OP),
    # card complete ZVT-Präzisierungen v22 §3.2.54, §7 (private tags; vendor-specific)
    0xC0: TagSpec(N_("card identification, previous algorithm"), OP, vendor=CARD_COMPLETE),
    0xD0: TagSpec(N_("proprietary control parameters"), F, CC_CONTROL_BITS,
                  vendor=CARD_COMPLETE),
    0xD1: TagSpec(N_("bank identification number (BIN)"), D, vendor=CARD_COMPLETE),
    0xDF01: TagSpec(N_("network information"), F, CC_NETWORK_BITS, vendor=CARD_COMPLETE),
    0xC7: TagSpec(N_("image container"), C, vendor=CARD_COMPLETE),
    0xC9: TagSpec(N_("image settings"), Kind.IMAGE_SETTINGS, vendor=CARD_COMPLETE),
    # Feig cVEND, in E4 of 08 13 (host configuration); primitives despite the FF (tlv.py)
    0xFF40: TagSpec(N_("password"), D, vendor=FEIG),
    0xFF41: TagSpec(N_("host configuration"), Kind.HOST_ADDRESS, vendor=FEIG),
}  # fmt: skip

# Card data and secrets: never shown, only their size (design.md, PCI DSS).
WITHHELD_WHAT: dict[int, str] = {
    0x1F08: N_("track 1 data"), 0x1F09: N_("track 2 data"), 0x1F0A: N_("track 3 data"),
    0x1F31: N_("encrypted PIN block"), 0x1F75: N_("encrypted PIN block"),
    0x1F5C: N_("encrypted key"), 0x1F5D: N_("plaintext key"), 0x1F74: N_("password"),
    0x80: N_("prepaid PIN"), 0x1F3E: N_("encrypted cardholder data"),
    0x1F46: N_("card APDU"), 0x4D: N_("card EF_ID"),
}  # fmt: skip

# Names by tag, so a name is translated as _(TAG_NAMES[tag]) where it is shown.
TAG_NAMES: dict[int, str] = {tag: spec.name for tag, spec in TAGS.items()}


def spec_of(tag: int) -> TagSpec | None:
    return TAGS.get(tag)


def tag_name(tag: int) -> str:
    spec = TAGS.get(tag)
    return spec.name if spec is not None else N_("unknown tag")
