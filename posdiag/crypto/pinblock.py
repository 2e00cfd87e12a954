"""ISO 9564-1 PIN blocks: formats 0, 1, 2, 3 (8 bytes, TDES era) and 4 (16 bytes, AES).

A PIN block hides the PIN's length and, for formats 0, 3 and 4, binds the PIN to the card:

- format 0: ``0 L PIN F…`` XOR ``0000`` ‖ 12 right-most PAN digits without the check digit;
- format 1: ``1 L PIN`` ‖ random nibbles, no PAN (for when none is at hand);
- format 2: ``2 L PIN F…``, no PAN (offline ICC use only, not for online PINs);
- format 3: like format 0, but the fill is random nibbles A–F;
- format 4: a 16-byte PIN field ``4 L PIN A…`` ‖ 8 random bytes and a PAN field
  ``M ‖ PAN ‖ 0…`` (M = PAN length − 12), combined only under an AES key:
  ``C = AES(K, AES(K, PIN field) XOR PAN field)``. It binds the whole PAN.

Randomness comes through the ``rng`` seam (``rng(n) -> n bytes``, default ``os.urandom``), so
known-answer tests can fix it. Blocks and PINs are secrets: never log or print them; error
messages here never contain them either.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from posdiag.errors import BadInput, DecryptionError, ProtocolError

Rng = Callable[[int], bytes]
"""``rng(n)`` returns n random bytes; ``os.urandom`` unless a test injects one."""

MIN_PIN_LENGTH = 4
MAX_PIN_LENGTH = 12
MAX_PAN_LENGTH = 19


# --- checks --------------------------------------------------------------------------------


def _check_pin(pin: str) -> None:
    if not (pin.isascii() and pin.isdigit() and MIN_PIN_LENGTH <= len(pin) <= MAX_PIN_LENGTH):
        raise BadInput("A PIN is 4 to 12 digits; enter a PIN of that form.")


def _check_pan(pan: str) -> None:
    if not (pan.isascii() and pan.isdigit() and 1 <= len(pan) <= MAX_PAN_LENGTH):
        raise BadInput("A PAN is 1 to 19 digits with no spaces; pass the card number only.")


def _check_aes_key(key: bytes) -> None:
    if len(key) not in (16, 24, 32):
        raise BadInput(
            f"A format 4 PIN block needs an AES key of 16, 24 or 32 bytes, not {len(key)}."
        )


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


# --- random fill ---------------------------------------------------------------------------


def _random_nibbles(count: int, rng: Rng | None) -> str:
    """``count`` hex digits 0–F, one per random byte (low nibble)."""
    draw = rng or os.urandom
    return "".join(f"{b & 0x0F:X}" for b in draw(count))


def _random_a_to_f(count: int, rng: Rng | None) -> str:
    """``count`` hex digits A–F; bytes >= 252 are redrawn so each digit is equally likely."""
    draw = rng or os.urandom
    digits: list[str] = []
    while len(digits) < count:
        digits.extend(f"{0xA + b % 6:X}" for b in draw(count - len(digits)) if b < 252)
    return "".join(digits)


# --- formats 0 to 3 (8 bytes) --------------------------------------------------------------


def _pin_field(format_number: int, pin: str, fill: str) -> bytes:
    _check_pin(pin)
    digits = f"{format_number:X}{len(pin):X}{pin}"
    return bytes.fromhex(digits + fill[: 16 - len(digits)])


def pan_field(pan: str) -> bytes:
    """Format 0/3 PAN field: 0000 ‖ the 12 right-most digits without the check digit."""
    _check_pan(pan)
    return bytes.fromhex("0000" + pan[-13:-1].rjust(12, "0"))


def build_format0(pin: str, pan: str) -> bytes:
    """Clear ISO 9564 format 0 (ANSI X9.8) PIN block."""
    return _xor(_pin_field(0, pin, "F" * 14), pan_field(pan))


def build_format1(pin: str, rng: Rng | None = None) -> bytes:
    """Clear ISO 9564 format 1 PIN block (random fill, no PAN)."""
    _check_pin(pin)
    return _pin_field(1, pin, _random_nibbles(14 - len(pin), rng))


def build_format2(pin: str) -> bytes:
    """Clear ISO 9564 format 2 PIN block (offline ICC only; no PAN, fill F)."""
    return _pin_field(2, pin, "F" * 14)


def build_format3(pin: str, pan: str, rng: Rng | None = None) -> bytes:
    """Clear ISO 9564 format 3 PIN block (random fill A–F, XOR the PAN field)."""
    _check_pin(pin)
    return _xor(_pin_field(3, pin, _random_a_to_f(14 - len(pin), rng)), pan_field(pan))


def _parse_pin_field(field: str, fill_digits: str | None) -> str:
    """PIN from a 16- or 32-nibble PIN field; ``fill_digits`` None means any fill."""
    length = int(field[1], 16)
    if not MIN_PIN_LENGTH <= length <= MAX_PIN_LENGTH:
        raise ProtocolError("The PIN block's length nibble is out of range; wrong key or PAN?")
    pin = field[2 : 2 + length]
    if not pin.isdigit():
        raise ProtocolError("The PIN block holds a non-digit PIN nibble; wrong key or PAN?")
    fill = field[2 + length : 16]
    if fill_digits is not None and any(d not in fill_digits for d in fill):
        raise ProtocolError("The PIN block's fill does not match its format; wrong key or PAN?")
    return pin


def parse_pin_block(block: bytes, pan: str | None = None) -> str:
    """The PIN of a clear format 0, 1, 2 or 3 block; formats 0 and 3 need the PAN."""
    if len(block) != 8:
        raise ProtocolError(f"A format 0-3 PIN block has 8 bytes, not {len(block)}.")
    format_number = block[0] >> 4
    if format_number in (0, 3):
        if pan is None:
            raise BadInput("Formats 0 and 3 bind the PIN to the PAN; pass the card's PAN.")
        block = _xor(block, pan_field(pan))
    fills = {0: "F", 1: None, 2: "F", 3: "ABCDEF"}
    if format_number not in fills:
        raise ProtocolError(
            f"PIN block format {format_number} is not 0-3; format 4 needs decipher_format4."
        )
    return _parse_pin_field(block.hex().upper(), fills[format_number])


def verify_pin_block(block: bytes, pan: str | None, pin: str) -> bool:
    """True if the clear block holds ``pin`` (a malformed block is simply not a match)."""
    _check_pin(pin)
    try:
        return parse_pin_block(block, pan) == pin
    except ProtocolError:
        return False


# --- format 4 (16 bytes, AES) --------------------------------------------------------------


def pin_field_format4(pin: str, rng: Rng | None = None) -> bytes:
    """Plain format 4 PIN field: 4 L PIN A… (8 bytes) ‖ 8 random bytes."""
    _check_pin(pin)
    random_half = (rng or os.urandom)(8)
    if len(random_half) != 8:
        raise BadInput("The format 4 random source must return the 8 bytes asked for.")
    return _pin_field(4, pin, "A" * 14) + random_half


def pan_field_format4(pan: str) -> bytes:
    """Plain format 4 PAN field: M = len(PAN) − 12 ‖ PAN (at least 12 digits) ‖ 0 padding."""
    _check_pan(pan)
    digits = pan.rjust(12, "0")
    return bytes.fromhex(f"{len(digits) - 12:X}{digits}".ljust(32, "0"))


def parse_pin_field_format4(field: bytes) -> str:
    """The PIN of a plain format 4 PIN field (the random half is not checked)."""
    if len(field) != 16 or field[0] >> 4 != 4:
        raise ProtocolError("This is not a format 4 PIN field; wrong key or PAN?")
    return _parse_pin_field(field.hex().upper(), "A")


def _aes(key: bytes, block: bytes, *, decrypt: bool = False) -> bytes:
    cipher = Cipher(algorithms.AES(key), modes.ECB())
    ctx = cipher.decryptor() if decrypt else cipher.encryptor()
    return ctx.update(block) + ctx.finalize()


def encipher_format4(pin: str, pan: str, key: bytes, rng: Rng | None = None) -> bytes:
    """Encrypted format 4 block: AES(K, AES(K, PIN field) XOR PAN field)."""
    _check_aes_key(key)
    pan_part = pan_field_format4(pan)
    return _aes(key, _xor(_aes(key, pin_field_format4(pin, rng)), pan_part))


def decipher_format4(block: bytes, pan: str, key: bytes) -> str:
    """The PIN inside an encrypted format 4 block; DecryptionError if key or PAN is wrong."""
    _check_aes_key(key)
    if len(block) != 16:
        raise ProtocolError(f"A format 4 PIN block has 16 bytes, not {len(block)}.")
    field = _aes(key, _xor(_aes(key, block, decrypt=True), pan_field_format4(pan)), decrypt=True)
    try:
        return parse_pin_field_format4(field)
    except ProtocolError as err:
        raise DecryptionError(
            "The format 4 PIN block did not decipher to a PIN; check the key and the PAN."
        ) from err
