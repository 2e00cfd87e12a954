"""ZVT code tables: result codes, terminal and intermediate status, commands, currencies.

Sources: PA00P015 rev 13.08 §10 (result codes), §11 (terminal status), §3.7
Table 17 (intermediate status), §14 (commands); card types are in card_types.py.
Each lookup returns a text for any byte: "unknown code 0xNN" when not listed.
"""

from __future__ import annotations

from posdiag.drivers.zvt.card_types import CARD_TYPES, card_type_name
from posdiag.i18n import N_, _

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
    0x00: N_("no error"),
    0x64: N_("card not readable (LRC/parity error)"),
    0x65: N_("card data not present (neither track data nor chip found)"),
    0x66: N_("processing error (also card-reader mechanism)"),
    0x67: N_("function not permitted for ec and Maestro cards"),
    0x68: N_("function not permitted for credit and tank cards"),
    0x6A: N_("turnover file full"),
    0x6B: N_("function deactivated (PT not registered)"),
    0x6C: N_("abort via timeout or abort key"),
    0x6E: N_("card in blocked list"),
    0x6F: N_("wrong currency"),
    0x71: N_("credit not sufficient (chip card)"),
    0x72: N_("chip error"),
    0x73: N_("card data incorrect (e.g. country key check, checksum error)"),
    0x74: N_("DUKPT engine exhausted"),
    0x75: N_("text not authentic"),
    0x76: N_("PAN not in white list"),
    0x77: N_("end-of-day batch not possible"),
    0x78: N_("card expired"),
    0x79: N_("card not yet valid"),
    0x7A: N_("card unknown"),
    0x7B: N_("fallback to magnetic stripe for girocard not possible"),
    0x7C: N_("fallback to magnetic stripe not possible"),
    0x7D: N_("communication error (communication module missing or not answering)"),
    0x7E: N_("fallback to magnetic stripe not possible, debit advice possible"),
    0x83: N_("function not possible"),
    0x85: N_("key missing"),
    0x89: N_("PIN pad defective"),
    0x9A: N_("ZVT protocol error (parse error, mandatory element missing)"),
    0x9B: N_("error from dial-up/communication fault"),
    0x9C: N_("please wait"),
    0xA0: N_("receiver not ready"),
    0xA1: N_("remote station does not respond"),
    0xA3: N_("no connection"),
    0xA4: N_("submission of GeldKarte not possible"),
    0xA5: N_("function not allowed due to PCI-DSS/P2PE rules"),
    0xB1: N_("memory full"),
    0xB2: N_("merchant journal full"),
    0xB4: N_("already reversed"),
    0xB5: N_("reversal not possible"),
    0xB7: N_("pre-authorisation incorrect (amount too high) or amount wrong"),
    0xB8: N_("error pre-authorisation"),
    0xBF: N_("voltage supply too low (external power supply)"),
    0xC0: N_("card locking mechanism defective"),
    0xC1: N_("merchant card locked"),
    0xC2: N_("diagnosis required"),
    0xC3: N_("maximum amount exceeded"),
    0xC4: N_("card profile invalid, new card profiles must be loaded"),
    0xC5: N_("payment method not supported"),
    0xC6: N_("currency not applicable"),
    0xC8: N_("amount too small"),
    0xC9: N_("max. transaction amount too small"),
    0xCB: N_("function only allowed in EURO"),
    0xCC: N_("printer not ready"),
    0xCD: N_("cashback not possible"),
    0xD2: N_("function not permitted for service cards/bank customer cards"),
    0xDC: N_("card inserted"),
    0xDD: N_("error during card eject (motor-insertion reader)"),
    0xDE: N_("error during card insertion (motor-insertion reader)"),
    0xE0: N_("remote maintenance activated"),
    0xE2: N_("card reader does not answer / card reader defective"),
    0xE3: N_("shutter closed"),
    0xE4: N_("terminal activation required"),
    0xE7: N_("min. one goods group not found"),
    0xE8: N_("no goods-groups table loaded"),
    0xE9: N_("restriction code not permitted"),
    0xEA: N_("card code not permitted (e.g. card not activated via Diagnosis)"),
    0xEB: N_("function not executable (PIN algorithm unknown)"),
    0xEC: N_("PIN processing not possible"),
    0xED: N_("PIN pad defective"),
    0xF0: N_("open end-of-day batch present"),
    0xF1: N_("ec-cash/Maestro offline error"),
    0xF5: N_("OPT error"),
    0xF6: N_("OPT data not available (OPT personalisation required)"),
    0xFA: N_("error transmitting offline transactions (clearing error)"),
    0xFB: N_("turnover data set defective"),
    0xFC: N_("necessary device not present or defective"),
    0xFD: N_("baud rate not supported"),
    0xFE: N_("register unknown"),
    0xFF: N_("system error (see TLV 1F16/1F17)"),
}
HOST_CODES = range(0x01, 0x64)  # 1-99 dec: network operator / authorisation system codes

# §11 Terminal Status Codes: the status byte of the Status-Enquiry Completion.
TERMINAL_STATUS: dict[int, str] = {
    0x00: N_("PT ready"),
    0x51: N_("initialisation required"),
    0x62: N_("date/time incorrect"),
    0x9C: N_("please wait (e.g. software update still running)"),
    0x9D: N_("partial issue of goods"),
    0xB1: N_("memory full"),
    0xB2: N_("merchant journal full"),
    0xBF: N_("voltage supply too low (external power supply)"),
    0xC0: N_("card locking mechanism defect"),
    0xC1: N_("merchant card locked"),
    0xC2: N_("diagnosis required"),
    0xC4: N_("card profile invalid, new card profiles must be loaded"),
    0xCC: N_("printer not ready"),
    0xDC: N_("card inserted"),
    0xDF: N_("out of order"),
    0xE0: N_("remote maintenance activated"),
    0xE1: N_("card not completely removed"),
    0xE2: N_("card reader does not answer / card reader defective"),
    0xE3: N_("shutter closed"),
    0xE4: N_("terminal activation required"),
    0xF0: N_("reconciliation required"),
    0xF6: N_("OPT data not available (OPT personalisation required)"),
}

# §3.7 Table 17: intermediate status (04 FF). 41-5D and 66/67 are the texts of 01-1D and
# 26/27 with "please remove card"; 4A is not used.
INTERMEDIATE_STATUS: dict[int, str] = {
    0x00: N_("PT is waiting for amount confirmation"),
    0x01: N_("please watch PIN pad"),
    0x02: N_("please watch PIN pad"),
    0x03: N_("not accepted"),
    0x04: N_("PT is waiting for response from FEP"),
    0x05: N_("PT is sending auto-reversal"),
    0x06: N_("PT is sending post-bookings"),
    0x07: N_("card not admitted"),
    0x08: N_("card unknown / undefined"),
    0x09: N_("expired card"),
    0x0A: N_("insert card"),
    0x0B: N_("please remove card"),
    0x0C: N_("card not readable"),
    0x0D: N_("processing error"),
    0x0E: N_("please wait"),
    0x0F: N_("PT is commencing an automatic end-of-day batch"),
    0x10: N_("invalid card"),
    0x11: N_("balance display"),
    0x12: N_("system malfunction"),
    0x13: N_("payment not possible"),
    0x14: N_("credit not sufficient"),
    0x15: N_("incorrect PIN"),
    0x16: N_("limit not sufficient"),
    0x17: N_("please wait"),
    0x18: N_("PIN try limit exceeded"),
    0x19: N_("card data incorrect"),
    0x1A: N_("service mode"),
    0x1B: N_("approved, please fill up"),
    0x1C: N_("approved, please take goods"),
    0x1D: N_("declined"),
    0x26: N_("PT is waiting for input of the mobile number"),
    0x27: N_("PT is waiting for repeat of mobile number"),
    0x28: N_("currency selection, please wait"),
    0x29: N_("language selection, please wait"),
    0x2A: N_("for loading please insert card"),
    0x2B: N_("emergency transaction, please wait"),
    0x2C: N_("application selection, please wait"),
    0x41: N_("please watch PIN pad, please remove card"),
    0x42: N_("please watch PIN pad, please remove card"),
    0x43: N_("not accepted, please remove card"),
    0x44: N_("PT is waiting for response from FEP, please remove card"),
    0x45: N_("PT is sending auto-reversal, please remove card"),
    0x46: N_("PT is sending post-bookings, please remove card"),
    0x47: N_("card not admitted, please remove card"),
    0x48: N_("card unknown / undefined, please remove card"),
    0x49: N_("expired card, please remove card"),
    0x4B: N_("please remove card"),
    0x4C: N_("card not readable, please remove card"),
    0x4D: N_("processing error, please remove card"),
    0x4E: N_("please wait, please remove card"),
    0x4F: N_("PT is commencing an automatic end-of-day batch, please remove card"),
    0x50: N_("invalid card, please remove card"),
    0x51: N_("balance display, please remove card"),
    0x52: N_("system malfunction, please remove card"),
    0x53: N_("payment not possible, please remove card"),
    0x54: N_("credit not sufficient, please remove card"),
    0x55: N_("incorrect PIN, please remove card"),
    0x56: N_("limit not sufficient, please remove card"),
    0x57: N_("please wait, please remove card"),
    0x58: N_("PIN try limit exceeded, please remove card"),
    0x59: N_("card data incorrect, please remove card"),
    0x5A: N_("service mode, please remove card"),
    0x5B: N_("approved, please fill up, please remove card"),
    0x5C: N_("approved, please take goods, please remove card"),
    0x5D: N_("declined, please remove card"),
    0x66: N_("PT is waiting for input of the mobile number, please remove card"),
    0x67: N_("PT is waiting for repeat of mobile number, please remove card"),
    0x68: N_("PT has detected customer card insertion"),
    0x69: N_("please select DCC"),
    0xC7: N_("PT is waiting for input of the mileage"),
    0xC8: N_("PT is waiting for cashier"),
    0xC9: N_("PT is commencing an automatic diagnosis"),
    0xCA: N_("PT is commencing an automatic initialisation"),
    0xCB: N_("merchant journal full"),
    0xCC: N_("debit advice not possible, PIN required"),
    0xD2: N_("connecting dial-up"),
    0xD3: N_("dial-up connection made"),
    0xE0: N_("PT is waiting for application selection"),
    0xE1: N_("PT is waiting for language selection"),
    0xE2: N_("PT requests to use the cleaning card"),
    0xF1: N_("offline"),
    0xF2: N_("online"),
    0xF3: N_("offline transaction"),
    0xFF: N_("no matching status code, see display text (TLV 24)"),
}

# Not in Table 17: Ingenico terminals' own statuses, as Portalum.Zvt documents them
# (IngenicoEnglishIntermediateStatusRepository). Shown labelled vendor-specific.
INGENICO_INTERMEDIATE_STATUS: dict[int, str] = {
    0xA0: N_("payment processed [vendor-specific: Ingenico]"),
    0xA1: N_("payment processed, please remove card [vendor-specific: Ingenico]"),
    0xA2: N_("cancellation successful [vendor-specific: Ingenico]"),
    0xA3: N_("cancellation successful, please remove card [vendor-specific: Ingenico]"),
    0xA4: N_("cancellation not possible [vendor-specific: Ingenico]"),
    0xA5: N_("cancellation not possible, please remove card [vendor-specific: Ingenico]"),
}

# §14 Summary of Commands, both directions, plus the two response classes.
COMMAND_NAMES: dict[tuple[int, int], str] = {
    (0x04, 0x01): N_("Set Date and Time in ECR"),
    (0x04, 0x0C): N_("Request File Block"),
    (0x04, 0x0D): N_("Input Request"),
    (0x04, 0x0E): N_("Menu Request"),
    (0x04, 0x0F): N_("Status Information"),
    (0x04, 0xFF): N_("Intermediate Status"),
    (0x05, 0x01): N_("Status Enquiry"),
    (0x06, 0x00): N_("Registration"),
    (0x06, 0x01): N_("Authorisation"),
    (0x06, 0x02): N_("Log-Off"),
    (0x06, 0x03): N_("Account Balance Request"),
    (0x06, 0x04): N_("Activate Card"),
    (0x06, 0x05): N_("Procurement"),
    (0x06, 0x09): N_("Top-Up Prepaid Card"),
    (0x06, 0x0A): N_("Tax Free"),
    (0x06, 0x0C): N_("Book Tip"),
    (0x06, 0x0F): N_("Completion"),
    (0x06, 0x10): N_("Send Turnover Totals"),
    (0x06, 0x12): N_("Print Turnover Receipts"),
    (0x06, 0x18): N_("Reset Terminal"),
    (0x06, 0x1A): N_("Print System Configuration"),
    (0x06, 0x1B): N_("Set/Reset Terminal-ID"),
    (0x06, 0x1E): N_("Abort (from PT)"),
    (0x06, 0x20): N_("Repeat Receipt"),
    (0x06, 0x21): N_("Telephonic Authorisation"),
    (0x06, 0x22): N_("Pre-Authorisation / Reservation"),
    (0x06, 0x23): N_("Partial Reversal of Pre-Authorisation"),
    (0x06, 0x24): N_("Book Total"),
    (0x06, 0x25): N_("Pre-Authorisation Reversal"),
    (0x06, 0x26): N_("Reversal of External Transaction"),
    (0x06, 0x30): N_("Reversal"),
    (0x06, 0x31): N_("Refund"),
    (0x06, 0x50): N_("End-of-Day"),
    (0x06, 0x51): N_("Send Offline Transactions"),
    (0x06, 0x70): N_("Diagnosis"),
    (0x06, 0x79): N_("Selftest"),
    (0x06, 0x85): N_("Display Text (old)"),
    (0x06, 0x86): N_("Display Text with Numeric Input (old)"),
    (0x06, 0x87): N_("PIN Verification (old)"),
    (0x06, 0x88): N_("Display Text with Function-Key Input (old)"),
    (0x06, 0x91): N_("Set Date and Time in PT"),
    (0x06, 0x93): N_("Initialisation"),
    (0x06, 0x95): N_("Change Password"),
    (0x06, 0xB0): N_("Abort (from ECR)"),
    (0x06, 0xC0): N_("Read Card"),
    (0x06, 0xC5): N_("Close Card Session"),
    (0x06, 0xC6): N_("Send APDUs"),
    (0x06, 0xD0): N_("Menu Selection with Graphic Display"),
    (0x06, 0xD1): N_("Print Line"),
    (0x06, 0xD3): N_("Print Text-Block"),
    (0x06, 0xD8): N_("Dial-Up"),
    (0x06, 0xD9): N_("Transmit Data via Dial-Up"),
    (0x06, 0xDA): N_("Receive Data via Dial-Up"),
    (0x06, 0xDB): N_("Hang-Up"),
    (0x06, 0xDD): N_("Transparent Mode"),
    (0x06, 0xE0): N_("Display Text"),
    (0x06, 0xE1): N_("Display Text with Function-Key Input"),
    (0x06, 0xE2): N_("Display Text with Numeric Input"),
    (0x06, 0xE3): N_("PIN Verification for Customer Card"),
    (0x06, 0xE4): N_("Blocked-List Query to ECR"),
    (0x06, 0xE5): N_("MAC Calculation"),
    (0x06, 0xE6): N_("Card Poll with Authorisation"),
    (0x06, 0xE7): N_("Display Text with Numeric Input (DUKPT)"),
    (0x06, 0xF0): N_("Display Image"),
    (0x08, 0x01): N_("Activate Service Mode"),
    (0x08, 0x02): N_("Switch Protocol"),
    (0x08, 0x10): N_("Software Update"),
    (0x08, 0x11): N_("Read File"),
    (0x08, 0x12): N_("Delete File"),
    (0x08, 0x13): N_("Change Configuration"),
    (0x08, 0x14): N_("Write File"),
    (0x08, 0x20): N_("Start OPT Action"),
    (0x08, 0x21): N_("Set OPT Point-in-Time"),
    (0x08, 0x22): N_("Start OPT Pre-Initialisation"),
    (0x08, 0x23): N_("Output OPT Data"),
    (0x08, 0x24): N_("OPT Out-of-Order"),
    (0x08, 0x30): N_("Select Language"),
    (0x08, 0x40): N_("Change Baudrate"),
    (0x08, 0x50): N_("Activate Card Reader"),
    (0x80, 0x00): N_("Positive Acknowledgement"),
    # Listed in §14 without a layout anywhere in the spec.
    (0x06, 0xE8): N_("Reference Number in BMP 60"),
    (0x06, 0xE9): N_("Reference Number in BMP 58"),
    (0x06, 0x0D): N_("Menu Selection with Graphic Display (so listed in §14; §3.16 uses 06 D0)"),
    (0x0F, 0xCA): N_("ChipActivator (proprietary)"),
    # card complete ZVT-Präzisierungen v22 §3.2.55.1.
    (0x0F, 0x10): N_("Cash Report [vendor-specific: card complete]"),
    # §14: reserved for future use.
    **{command: N_("RFU") for command in ((0x01, 0x01), (0x05, 0xFF), (0x06, 0x0B), (0x06, 0x11),
                                      (0x06, 0x82), (0x06, 0x90), (0x06, 0xCE), (0x06, 0xD4))},
    **{(0x06, instr): N_("reserved") for instr in (0xC1, 0xC2, 0xC3, 0xC4)},
}

# ISO 4217 numeric -> alphabetic, for the currencies ZVT terminals meet in practice.
CURRENCIES: dict[int, str] = {
    978: "EUR", 756: "CHF", 826: "GBP", 840: "USD", 203: "CZK", 208: "DKK", 348: "HUF",
    578: "NOK", 752: "SEK", 985: "PLN", 946: "RON", 975: "BGN", 941: "RSD", 977: "BAM",
    949: "TRY", 392: "JPY", 156: "CNY", 124: "CAD", 36: "AUD",
}

# TLV tag 14 / 27: character sets.
CHARSETS: dict[int, str] = {
    0x00: N_("ASCII 7-bit"),
    **{n: f"ISO 8859-{n}" for n in range(1, 0x11) if n != 12},
    0xFE: N_("UTF-8"),
    0xFF: N_("CP437 (ZVT 8-bit, default)"),
}


def _lookup(table: dict[int, str], code: int) -> str:
    return _(table[code]) if code in table else _("unknown code 0x{code:02X}").format(code=code)


def result_text(code: int, translated: bool = True) -> str:
    """Text of a result code (BMP 27, 06 1E data, 84 xx), in the user's language; with
    ``translated=False`` in the spec's English (for what a terminal itself prints)."""
    if not translated:
        if code in HOST_CODES:
            return f"host/authorisation system code {code} dec (acquirer-specific)"
        return RESULT_CODES.get(code, f"unknown code 0x{code:02X}")
    if code in HOST_CODES:
        return _("host/authorisation system code {code} dec (acquirer-specific)").format(code=code)
    return _lookup(RESULT_CODES, code)


def terminal_status_text(code: int) -> str:
    return _lookup(TERMINAL_STATUS, code)


def intermediate_status_text(code: int) -> str:
    if code in INGENICO_INTERMEDIATE_STATUS:
        return _(INGENICO_INTERMEDIATE_STATUS[code])
    return _lookup(INTERMEDIATE_STATUS, code)


def command_name(cls: int, instr: int) -> str:
    if cls == 0x84:
        return _("Negative Acknowledgement") if instr else _("Acknowledgement (84 00)")
    if (cls, instr) in COMMAND_NAMES:
        return _(COMMAND_NAMES[(cls, instr)])
    if cls == 0x0F:  # §14: 0F xx is reserved for manufacturers' own commands
        return _("proprietary command 0F {instr:02X} (vendor-specific)").format(instr=instr)
    return _("unknown command {cls:02X} {instr:02X}").format(cls=cls, instr=instr)


def currency_alpha(code: int) -> str:
    """ISO 4217 letters for a numeric currency code, or 'currency NNN'."""
    alpha = CURRENCIES.get(code)
    return alpha if alpha is not None else f"currency {code:03d}"


def charset_name(code: int) -> str:
    return _lookup(CHARSETS, code)
