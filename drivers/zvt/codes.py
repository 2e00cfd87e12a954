"""ZVT code tables: result codes, terminal and intermediate status, commands, currencies.

Sources: PA00P015 rev 13.08 §10 (result codes), §11 (terminal status), §3.7
Table 17 (intermediate status), §14 (commands); card types are in card_types.py.
Each lookup returns a text for any byte: "unknown code 0xNN" when not listed.
"""

from __future__ import annotations

from posdiag.drivers.zvt.card_types import CARD_TYPES, card_type_name

__all__ = [
    "CARD_TYPES",
    "CHARSETS",
    "COMMAND_NAMES",
    "CURRENCIES",
    "INTERMEDIATE_STATUS",
    "RESULT_CODES",
    "TERMINAL_STATUS",
    "card_type_name",
    "charset_name",
    "command_name",
    "currency_alpha",
    "intermediate_status_text",
    "result_text",
    "terminal_status_text",
]

# §10 Error-Messages: BMP 27, the data of 06 1E, and xx of 84 xx.
RESULT_CODES: dict[int, str] = {
    0x00: "no error",
    0x64: "card not readable (LRC/parity error)",
    0x65: "card data not present (neither track data nor chip found)",
    0x66: "processing error (also card-reader mechanism)",
    0x67: "function not permitted for ec and Maestro cards",
    0x68: "function not permitted for credit and tank cards",
    0x6A: "turnover file full",
    0x6B: "function deactivated (PT not registered)",
    0x6C: "abort via timeout or abort key",
    0x6E: "card in blocked list",
    0x6F: "wrong currency",
    0x71: "credit not sufficient (chip card)",
    0x72: "chip error",
    0x73: "card data incorrect (e.g. country key check, checksum error)",
    0x74: "DUKPT engine exhausted",
    0x75: "text not authentic",
    0x76: "PAN not in white list",
    0x77: "end-of-day batch not possible",
    0x78: "card expired",
    0x79: "card not yet valid",
    0x7A: "card unknown",
    0x7B: "fallback to magnetic stripe for girocard not possible",
    0x7C: "fallback to magnetic stripe not possible",
    0x7D: "communication error (communication module missing or not answering)",
    0x7E: "fallback to magnetic stripe not possible, debit advice possible",
    0x83: "function not possible",
    0x85: "key missing",
    0x89: "PIN pad defective",
    0x9A: "ZVT protocol error (parse error, mandatory element missing)",
    0x9B: "error from dial-up/communication fault",
    0x9C: "please wait",
    0xA0: "receiver not ready",
    0xA1: "remote station does not respond",
    0xA3: "no connection",
    0xA4: "submission of GeldKarte not possible",
    0xA5: "function not allowed due to PCI-DSS/P2PE rules",
    0xB1: "memory full",
    0xB2: "merchant journal full",
    0xB4: "already reversed",
    0xB5: "reversal not possible",
    0xB7: "pre-authorisation incorrect (amount too high) or amount wrong",
    0xB8: "error pre-authorisation",
    0xBF: "voltage supply too low (external power supply)",
    0xC0: "card locking mechanism defective",
    0xC1: "merchant card locked",
    0xC2: "diagnosis required",
    0xC3: "maximum amount exceeded",
    0xC4: "card profile invalid, new card profiles must be loaded",
    0xC5: "payment method not supported",
    0xC6: "currency not applicable",
    0xC8: "amount too small",
    0xC9: "max. transaction amount too small",
    0xCB: "function only allowed in EURO",
    0xCC: "printer not ready",
    0xCD: "cashback not possible",
    0xD2: "function not permitted for service cards/bank customer cards",
    0xDC: "card inserted",
    0xDD: "error during card eject (motor-insertion reader)",
    0xDE: "error during card insertion (motor-insertion reader)",
    0xE0: "remote maintenance activated",
    0xE2: "card reader does not answer / card reader defective",
    0xE3: "shutter closed",
    0xE4: "terminal activation required",
    0xE7: "min. one goods group not found",
    0xE8: "no goods-groups table loaded",
    0xE9: "restriction code not permitted",
    0xEA: "card code not permitted (e.g. card not activated via Diagnosis)",
    0xEB: "function not executable (PIN algorithm unknown)",
    0xEC: "PIN processing not possible",
    0xED: "PIN pad defective",
    0xF0: "open end-of-day batch present",
    0xF1: "ec-cash/Maestro offline error",
    0xF5: "OPT error",
    0xF6: "OPT data not available (OPT personalisation required)",
    0xFA: "error transmitting offline transactions (clearing error)",
    0xFB: "turnover data set defective",
    0xFC: "necessary device not present or defective",
    0xFD: "baud rate not supported",
    0xFE: "register unknown",
    0xFF: "system error (see TLV 1F16/1F17)",
}
HOST_CODES = range(0x01, 0x64)  # 1-99 dec: network operator / authorisation system codes

# §11 Terminal Status Codes: the status byte of the Status-Enquiry Completion.
TERMINAL_STATUS: dict[int, str] = {
    0x00: "PT ready",
    0x51: "initialisation required",
    0x62: "date/time incorrect",
    0x9C: "please wait (e.g. software update still running)",
    0x9D: "partial issue of goods",
    0xB1: "memory full",
    0xB2: "merchant journal full",
    0xBF: "voltage supply too low (external power supply)",
    0xC0: "card locking mechanism defect",
    0xC1: "merchant card locked",
    0xC2: "diagnosis required",
    0xC4: "card profile invalid, new card profiles must be loaded",
    0xCC: "printer not ready",
    0xDC: "card inserted",
    0xDF: "out of order",
    0xE0: "remote maintenance activated",
    0xE1: "card not completely removed",
    0xE2: "card reader does not answer / card reader defective",
    0xE3: "shutter closed",
    0xE4: "terminal activation required",
    0xF0: "reconciliation required",
    0xF6: "OPT data not available (OPT personalisation required)",
}

_REMOVE = ", please remove card"
_INTERMEDIATE_BASE: dict[int, str] = {
    0x00: "PT is waiting for amount confirmation",
    0x01: "please watch PIN pad",
    0x02: "please watch PIN pad",
    0x03: "not accepted",
    0x04: "PT is waiting for response from FEP",
    0x05: "PT is sending auto-reversal",
    0x06: "PT is sending post-bookings",
    0x07: "card not admitted",
    0x08: "card unknown / undefined",
    0x09: "expired card",
    0x0A: "insert card",
    0x0B: "please remove card",
    0x0C: "card not readable",
    0x0D: "processing error",
    0x0E: "please wait",
    0x0F: "PT is commencing an automatic end-of-day batch",
    0x10: "invalid card",
    0x11: "balance display",
    0x12: "system malfunction",
    0x13: "payment not possible",
    0x14: "credit not sufficient",
    0x15: "incorrect PIN",
    0x16: "limit not sufficient",
    0x17: "please wait",
    0x18: "PIN try limit exceeded",
    0x19: "card data incorrect",
    0x1A: "service mode",
    0x1B: "approved, please fill up",
    0x1C: "approved, please take goods",
    0x1D: "declined",
    0x26: "PT is waiting for input of the mobile number",
    0x27: "PT is waiting for repeat of mobile number",
}
# Table 17: 0x41-0x5D and 0x66/0x67 are the same texts plus "please remove card"; 0x4A is unused.
INTERMEDIATE_STATUS: dict[int, str] = {
    **_INTERMEDIATE_BASE,
    0x28: "currency selection, please wait",
    0x29: "language selection, please wait",
    0x2A: "for loading please insert card",
    0x2B: "emergency transaction, please wait",
    0x2C: "application selection, please wait",
    **{
        code + 0x40: text + _REMOVE
        for code, text in _INTERMEDIATE_BASE.items()
        if 0x01 <= code <= 0x1D and code not in (0x0A, 0x0B)
    },
    0x4B: "please remove card",
    0x66: _INTERMEDIATE_BASE[0x26] + _REMOVE,
    0x67: _INTERMEDIATE_BASE[0x27] + _REMOVE,
    0x68: "PT has detected customer card insertion",
    0x69: "please select DCC",
    0xC7: "PT is waiting for input of the mileage",
    0xC8: "PT is waiting for cashier",
    0xC9: "PT is commencing an automatic diagnosis",
    0xCA: "PT is commencing an automatic initialisation",
    0xCB: "merchant journal full",
    0xCC: "debit advice not possible, PIN required",
    0xD2: "connecting dial-up",
    0xD3: "dial-up connection made",
    0xE0: "PT is waiting for application selection",
    0xE1: "PT is waiting for language selection",
    0xE2: "PT requests to use the cleaning card",
    0xF1: "offline",
    0xF2: "online",
    0xF3: "offline transaction",
    0xFF: "no matching status code, see display text (TLV 24)",
}

# §14 Summary of Commands, both directions, plus the two response classes.
COMMAND_NAMES: dict[tuple[int, int], str] = {
    (0x04, 0x01): "Set Date and Time in ECR",
    (0x04, 0x0C): "Request File Block",
    (0x04, 0x0D): "Input Request",
    (0x04, 0x0E): "Menu Request",
    (0x04, 0x0F): "Status Information",
    (0x04, 0xFF): "Intermediate Status",
    (0x05, 0x01): "Status Enquiry",
    (0x06, 0x00): "Registration",
    (0x06, 0x01): "Authorisation",
    (0x06, 0x02): "Log-Off",
    (0x06, 0x03): "Account Balance Request",
    (0x06, 0x04): "Activate Card",
    (0x06, 0x05): "Procurement",
    (0x06, 0x09): "Top-Up Prepaid Card",
    (0x06, 0x0A): "Tax Free",
    (0x06, 0x0C): "Book Tip",
    (0x06, 0x0F): "Completion",
    (0x06, 0x10): "Send Turnover Totals",
    (0x06, 0x12): "Print Turnover Receipts",
    (0x06, 0x18): "Reset Terminal",
    (0x06, 0x1A): "Print System Configuration",
    (0x06, 0x1B): "Set/Reset Terminal-ID",
    (0x06, 0x1E): "Abort (from PT)",
    (0x06, 0x20): "Repeat Receipt",
    (0x06, 0x21): "Telephonic Authorisation",
    (0x06, 0x22): "Pre-Authorisation / Reservation",
    (0x06, 0x23): "Partial Reversal of Pre-Authorisation",
    (0x06, 0x24): "Book Total",
    (0x06, 0x25): "Pre-Authorisation Reversal",
    (0x06, 0x26): "Reversal of External Transaction",
    (0x06, 0x30): "Reversal",
    (0x06, 0x31): "Refund",
    (0x06, 0x50): "End-of-Day",
    (0x06, 0x51): "Send Offline Transactions",
    (0x06, 0x70): "Diagnosis",
    (0x06, 0x79): "Selftest",
    (0x06, 0x85): "Display Text (old)",
    (0x06, 0x86): "Display Text with Numeric Input (old)",
    (0x06, 0x87): "PIN Verification (old)",
    (0x06, 0x88): "Display Text with Function-Key Input (old)",
    (0x06, 0x91): "Set Date and Time in PT",
    (0x06, 0x93): "Initialisation",
    (0x06, 0x95): "Change Password",
    (0x06, 0xB0): "Abort (from ECR)",
    (0x06, 0xC0): "Read Card",
    (0x06, 0xC5): "Close Card Session",
    (0x06, 0xC6): "Send APDUs",
    (0x06, 0xD0): "Menu Selection with Graphic Display",
    (0x06, 0xD1): "Print Line",
    (0x06, 0xD3): "Print Text-Block",
    (0x06, 0xD8): "Dial-Up",
    (0x06, 0xD9): "Transmit Data via Dial-Up",
    (0x06, 0xDA): "Receive Data via Dial-Up",
    (0x06, 0xDB): "Hang-Up",
    (0x06, 0xDD): "Transparent Mode",
    (0x06, 0xE0): "Display Text",
    (0x06, 0xE1): "Display Text with Function-Key Input",
    (0x06, 0xE2): "Display Text with Numeric Input",
    (0x06, 0xE3): "PIN Verification for Customer Card",
    (0x06, 0xE4): "Blocked-List Query to ECR",
    (0x06, 0xE5): "MAC Calculation",
    (0x06, 0xE6): "Card Poll with Authorisation",
    (0x06, 0xE7): "Display Text with Numeric Input (DUKPT)",
    (0x06, 0xF0): "Display Image",
    (0x08, 0x01): "Activate Service Mode",
    (0x08, 0x02): "Switch Protocol",
    (0x08, 0x10): "Software Update",
    (0x08, 0x11): "Read File",
    (0x08, 0x12): "Delete File",
    (0x08, 0x13): "Change Configuration",
    (0x08, 0x14): "Write File",
    (0x08, 0x20): "Start OPT Action",
    (0x08, 0x21): "Set OPT Point-in-Time",
    (0x08, 0x22): "Start OPT Pre-Initialisation",
    (0x08, 0x23): "Output OPT Data",
    (0x08, 0x24): "OPT Out-of-Order",
    (0x08, 0x30): "Select Language",
    (0x08, 0x40): "Change Baudrate",
    (0x08, 0x50): "Activate Card Reader",
    (0x80, 0x00): "Positive Acknowledgement",
    # Listed in §14 without a layout anywhere in the spec.
    (0x06, 0xE8): "Reference Number in BMP 60",
    (0x06, 0xE9): "Reference Number in BMP 58",
    (0x06, 0x0D): "Menu Selection with Graphic Display (so listed in §14; §3.16 uses 06 D0)",
    (0x0F, 0xCA): "ChipActivator (proprietary)",
    # card complete ZVT-Präzisierungen v22 §3.2.55.1.
    (0x0F, 0x10): "Cash Report [vendor-specific: card complete]",
    # §14: reserved for future use.
    **{command: "RFU" for command in ((0x01, 0x01), (0x05, 0xFF), (0x06, 0x0B), (0x06, 0x11),
                                      (0x06, 0x82), (0x06, 0x90), (0x06, 0xCE), (0x06, 0xD4))},
    **{(0x06, instr): "reserved" for instr in (0xC1, 0xC2, 0xC3, 0xC4)},
}

# ISO 4217 numeric -> alphabetic, for the currencies ZVT terminals meet in practice.
CURRENCIES: dict[int, str] = {
    978: "EUR", 756: "CHF", 826: "GBP", 840: "USD", 203: "CZK", 208: "DKK", 348: "HUF",
    578: "NOK", 752: "SEK", 985: "PLN", 946: "RON", 975: "BGN", 941: "RSD", 977: "BAM",
    949: "TRY", 392: "JPY", 156: "CNY", 124: "CAD", 36: "AUD",
}

# TLV tag 14 / 27: character sets.
CHARSETS: dict[int, str] = {
    0x00: "ASCII 7-bit",
    **{n: f"ISO 8859-{n}" for n in range(1, 0x11) if n != 12},
    0xFE: "UTF-8",
    0xFF: "CP437 (ZVT 8-bit, default)",
}


def _lookup(table: dict[int, str], code: int) -> str:
    text = table.get(code)
    return text if text is not None else f"unknown code 0x{code:02X}"


def result_text(code: int) -> str:
    """Text of a result code (BMP 27, 06 1E data, 84 xx)."""
    if code in HOST_CODES:
        return f"host/authorisation system code {code} dec (acquirer-specific)"
    return _lookup(RESULT_CODES, code)


def terminal_status_text(code: int) -> str:
    return _lookup(TERMINAL_STATUS, code)


def intermediate_status_text(code: int) -> str:
    return _lookup(INTERMEDIATE_STATUS, code)


def command_name(cls: int, instr: int) -> str:
    if cls == 0x84:
        return "Negative Acknowledgement" if instr else "Acknowledgement (84 00)"
    name = COMMAND_NAMES.get((cls, instr))
    if name is not None:
        return name
    if cls == 0x0F:  # §14: 0F xx is reserved for manufacturers' own commands
        return f"proprietary command 0F {instr:02X} (vendor-specific)"
    return f"unknown command {cls:02X} {instr:02X}"


def currency_alpha(code: int) -> str:
    """ISO 4217 letters for a numeric currency code, or 'currency NNN'."""
    alpha = CURRENCIES.get(code)
    return alpha if alpha is not None else f"currency {code:03d}"


def charset_name(code: int) -> str:
    return _lookup(CHARSETS, code)
