"""ZVT baud-rate codes of Change Baudrate 08 40 (PA00P015 §2.57, Table 13). Pure.

    0 9600    1 19200    2-5 RFU    6 57600    7 115200
"""

from __future__ import annotations

from posdiag.drivers.zvt.apdu import Apdu

RATE_CODES: dict[int, int] = {9600: 0x00, 19200: 0x01, 57600: 0x06, 115200: 0x07}
CODE_RATES: dict[int, int] = {code: rate for rate, code in RATE_CODES.items()}
CHANGE_BAUDRATE = (0x08, 0x40)


def change_baudrate(rate: int) -> Apdu:
    """08 40 01 <code> for one of the rates of Table 13 (KeyError for any other rate)."""
    return Apdu(*CHANGE_BAUDRATE, bytes((RATE_CODES[rate],)))


def requested_rate(command: Apdu) -> int | None:
    """The rate an 08 40 asks for; None when its one data byte is missing or RFU."""
    if command.command != CHANGE_BAUDRATE or len(command.data) != 1:
        return None
    return CODE_RATES.get(command.data[0])
