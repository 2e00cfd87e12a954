"""Packed BCD as ZVT uses it (PA00P015 §13): amounts, dates, times, passwords, PANs.

Pure functions, no I/O. Every decoder raises only ProtocolError on bad bytes.

Two flavours of BCD occur:
* numeric fields (amount, trace, date, ...): every nibble is a digit 0-9;
* card-number fields (BMP 22/23/24): nibble E is a masked digit, D the track-2
  field separator, F the padding of an odd digit count.
"""

from __future__ import annotations

from posdiag.errors import ProtocolError
from posdiag.i18n import _

AMOUNT_SIZE = 6  # BMP 04: 12 digits of minor units
PASSWORD_SIZE = 3  # 6 digits
MASKED_NIBBLE = 0xE
PAD_NIBBLE = 0xF

_NIBBLE_CHARS = "0123456789ABCDEF"


def pack_bcd(digits: str, size: int | None = None) -> bytes:
    """Pack a string of decimal digits, left-padded with zeros to `size` bytes."""
    if not digits.isascii() or not digits.isdigit():
        raise ProtocolError(_("BCD field must hold decimal digits only, got "
                              "{digits!r}").format(digits=digits))
    if size is not None:
        if len(digits) > 2 * size:
            raise ProtocolError(_("{digits_length} digits do not fit into {size} BCD "
                                  "byte(s)").format(digits_length=len(digits), size=size))
        digits = digits.rjust(2 * size, "0")
    elif len(digits) % 2:
        digits = "0" + digits
    return bytes.fromhex(digits)


def unpack_bcd(data: bytes) -> str:
    """Digits of a numeric BCD field; a nibble above 9 is a protocol error."""
    text = data.hex()
    if not text.isdigit() and text:
        raise ProtocolError(_("not a BCD number: {value}").format(value=data.hex(' ').upper()))
    return text


def int_to_bcd(value: int, size: int) -> bytes:
    if value < 0:
        raise ProtocolError(_("BCD fields are unsigned, got {value}").format(value=value))
    return pack_bcd(str(value), size)


def bcd_to_int(data: bytes) -> int:
    digits = unpack_bcd(data)
    return int(digits) if digits else 0


# --- amounts --------------------------------------------------------------------------------


def encode_amount(cents: int) -> bytes:
    """BMP 04: the amount in minor currency units as 6-byte BCD."""
    return int_to_bcd(cents, AMOUNT_SIZE)


def decode_amount(data: bytes) -> int:
    if len(data) != AMOUNT_SIZE:
        raise ProtocolError(_("amount must be {amount_size} BCD bytes, got "
                              "{data_length}").format(
                                amount_size=AMOUNT_SIZE, data_length=len(data)))
    return bcd_to_int(data)


def format_amount(cents: int, currency: str | None = None) -> str:
    """12.34, or 12.34 EUR when the currency is known. ZVT amounts have two decimals."""
    text = f"{cents // 100}.{cents % 100:02d}"
    return f"{text} {currency}" if currency else text


# --- dates and times (digits are kept as text: a terminal may send 0000 for "none") -------


def format_time(digits: str) -> str:
    """HHMMSS -> HH:MM:SS."""
    return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def format_date_mmdd(digits: str) -> str:
    """MMDD -> MM-DD (BMP 0D has no year)."""
    return f"{digits[:2]}-{digits[2:]}"


def format_date_yymmdd(digits: str) -> str:
    """YYMMDD -> 20YY-MM-DD (BMP AA)."""
    return f"20{digits[:2]}-{digits[2:4]}-{digits[4:]}"


def format_date_yyyymmdd(digits: str) -> str:
    """YYYYMMDD -> YYYY-MM-DD (TLV 1F0E)."""
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"


def format_expiry(digits: str) -> str:
    """YYMM -> MM/YY as printed on cards."""
    return f"{digits[2:]}/{digits[:2]}"


# --- password -------------------------------------------------------------------------------


def encode_password(password: str) -> bytes:
    if len(password) != 2 * PASSWORD_SIZE:
        raise ProtocolError(_("the ZVT password has 6 digits, got {password_length}").format(
                                password_length=len(password)))
    return pack_bcd(password, PASSWORD_SIZE)


def decode_password(data: bytes) -> str:
    if len(data) != PASSWORD_SIZE:
        raise ProtocolError(_("password must be {password_size} BCD bytes, got "
                              "{data_length}").format(
                                password_size=PASSWORD_SIZE, data_length=len(data)))
    return unpack_bcd(data)


# --- card numbers ---------------------------------------------------------------------------


def unpack_card_digits(data: bytes) -> str:
    """Nibbles of a card-number field as text, trailing F padding removed.

    0-9 are digits, 'E' a masked digit, 'D' the track-2 separator. Any nibble is
    accepted: the caller masks or withholds the result, it never prints it.
    """
    text = "".join(_NIBBLE_CHARS[b >> 4] + _NIBBLE_CHARS[b & 0xF] for b in data)
    return text.rstrip("F")


def pack_card_digits(digits: str) -> bytes:
    """Inverse of unpack_card_digits: 0-9, D, E; an odd count is padded with F."""
    text = digits.upper()
    if any(c not in "0123456789DE" for c in text):
        raise ProtocolError(_("card number may hold only digits, 'D' and 'E' (masked)"))
    if len(text) % 2:
        text += "F"
    return bytes.fromhex(text)


def mask_pan(digits: str) -> str:
    """PCI display rule: at most the first 6 and the last 4 digits stay visible.

    Masked nibbles (E) show as '*'. Short numbers keep only their last 4 digits
    (or none), so a mask never reveals the whole number.
    """
    number = digits.split("D", 1)[0]  # after a track-2 separator comes no PAN digit
    clean = "".join("*" if c == "E" else c for c in number if c != "F")
    n = len(clean)
    if n >= 13:
        shown = clean[:6] + "*" * (n - 10) + clean[-4:]
    elif n > 4:
        shown = "*" * (n - 4) + clean[-4:]
    else:
        shown = "*" * n
    return shown


def digits_or_text(raw: bytes) -> str | None:
    """A value the spec defines as packed BCD (TLV 1F42 serial number, §9.4.12): its digits.

    Some PTs send such a value as ASCII instead; printable ASCII is returned as text then.
    None when the bytes are neither (or empty).
    """
    if not raw:
        return None
    try:
        return unpack_bcd(raw)
    except ProtocolError:
        pass
    if all(0x20 <= b < 0x7F for b in raw):
        return raw.decode("ascii").strip()
    return None
