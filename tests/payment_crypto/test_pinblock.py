"""ISO 9564-1 PIN blocks, formats 0-4: known answers first, then properties.

Vectors: /work/shared/docs/reference/payment-crypto.md §2 (sources named per row below).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posdiag.crypto import pinblock
from posdiag.errors import BadInput, DecryptionError, ProtocolError


def fixed(hex_bytes: str):
    """An rng seam that returns the given bytes (repeated to the length asked for)."""
    pattern = bytes.fromhex(hex_bytes)
    return lambda n: (pattern * n)[:n]


# --- known answers -------------------------------------------------------------------------

FORMAT0 = [
    # X9.24-1:2009 A.4 (openemv test/pinblock_format0_test.c)
    ("1234", "4012345678909", "041274EDCBA9876F"),
    # EFTlab "Complete list of PIN-blocks" / ID TECH knowledge base
    ("1234", "43219876543210987", "0412AC89ABCDEF67"),
    # psec tests/test_pinblock.py
    ("1234", "5555555551234567", "041261AAAAEDCBA9"),
    ("123456789012", "5555555551234567", "0C1261032D8226A9"),
]


@pytest.mark.parametrize(("pin", "pan", "block"), FORMAT0)
def test_format0_known_answers(pin: str, pan: str, block: str) -> None:
    assert pinblock.build_format0(pin, pan).hex().upper() == block
    assert pinblock.parse_pin_block(bytes.fromhex(block), pan) == pin


def test_format0_pan_field_drops_the_check_digit() -> None:
    # X9.24-1:2009 A.4: PAN 4012345678909 -> PAN field 0000401234567890
    assert pinblock.pan_field("4012345678909").hex().upper() == "0000401234567890"


def test_format1_structure() -> None:
    # IBM CCA Basic Services App. E: 1 L PIN then random fill, e.g. 161234566ABCFDE1
    block = pinblock.build_format1("123456", rng=fixed("060A0B0C0F0D0E01"))
    assert block.hex().upper() == "161234566ABCFDE1"
    assert pinblock.parse_pin_block(block) == "123456"


@pytest.mark.parametrize(
    ("pin", "block"),
    [
        ("34567", "2534567FFFFFFFFF"),  # Thales payShield manual p.234 via openemv format2 test
        ("1234", "241234FFFFFFFFFF"),  # psec tests
        ("123456789012", "2C123456789012FF"),  # psec tests
    ],
)
def test_format2_known_answers(pin: str, block: str) -> None:
    assert pinblock.build_format2(pin).hex().upper() == block
    assert pinblock.parse_pin_block(bytes.fromhex(block)) == pin


def test_format3_known_answer_with_fill_f() -> None:
    # psec tests: PIN 1234, PAN 5555555551234567, fill all F -> 341261AAAAEDCBA9.
    # Byte 5 maps to fill digit A + 5 % 6 = F.
    block = pinblock.build_format3("1234", "5555555551234567", rng=fixed("05"))
    assert block.hex().upper() == "341261AAAAEDCBA9"
    assert pinblock.parse_pin_block(block, "5555555551234567") == "1234"


EP2_KEY = bytes.fromhex("C1D0F8FB4958670DBA40AB1F3752EF0D")


def test_format4_ep2_known_answer() -> None:
    # ep2 eft/pos 2000 Security Specification v8.0.0 §8.4 (cited in psec tests): the block
    # deciphers to PIN field 441234AAAAAAAAAA146C6601F4A8035C.
    pan = "432198765432109870"
    block = pinblock.encipher_format4("1234", pan, EP2_KEY, rng=fixed("146C6601F4A8035C"))
    assert block.hex().upper() == "CC17F65586BFD0953010226C4FC5B3CA"
    assert pinblock.decipher_format4(block, pan, EP2_KEY) == "1234"


def test_format4_psec_deterministic_known_answer() -> None:
    # psec tests: key 00112233…EEFF, PIN 1234, PAN 1234567890123456789, random bytes FF x 8
    key = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
    block = pinblock.encipher_format4("1234", "1234567890123456789", key, rng=fixed("FF"))
    assert block.hex().upper() == "28B41FDDD29B743E93124BD8E32D921E"


def test_format4_dukpt_aes_supplement_known_answer() -> None:
    # X9.24-3:2017 supplement (AES-128 BDK), TC1 PIN key, PIN field random half fixed.
    pin_key = bytes.fromhex("AF8CB133A78F8DC2D1359F18527593FB")
    field = pinblock.pin_field_format4("1234", rng=fixed("2F69ADDE2E9E7ACE"))
    assert field.hex().upper() == "441234AAAAAAAAAA2F69ADDE2E9E7ACE"
    assert pinblock.pan_field_format4("4111111111111111").hex().upper() == (
        "44111111111111111000000000000000"
    )
    block = pinblock.encipher_format4(
        "1234", "4111111111111111", pin_key, rng=fixed("2F69ADDE2E9E7ACE")
    )
    assert block.hex().upper() == "A912150391AB65A67E52883D81CE2D15"


def test_format4_pan_field_for_short_pan() -> None:
    # openemv test/pinblock_format4_test.c: a 9-digit PAN is right-justified in 12 digits, M = 0
    assert pinblock.pan_field_format4("123456789").hex() == "00001234567890000000000000000000"


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize("pin", ["123", "1234567890123", "12a4", "", "１２３４"])
def test_invalid_pin_is_bad_input_and_not_echoed(pin: str) -> None:
    with pytest.raises(BadInput) as info:
        pinblock.build_format0(pin, "4012345678909")
    assert not pin or pin not in str(info.value)


@pytest.mark.parametrize("pan", ["", "4012 3456 7890 9", "40123456789012345678", "40x2"])
def test_invalid_pan_is_bad_input(pan: str) -> None:
    with pytest.raises(BadInput):
        pinblock.build_format0("1234", pan)
    with pytest.raises(BadInput):
        pinblock.encipher_format4("1234", pan, EP2_KEY)


def test_format0_with_the_wrong_pan_does_not_verify() -> None:
    block = pinblock.build_format0("1234", "4012345678909")
    assert not pinblock.verify_pin_block(block, "4761739001010010", "1234")
    assert pinblock.verify_pin_block(block, "4012345678909", "1234")


def test_format4_with_the_wrong_key_is_a_decryption_error() -> None:
    block = pinblock.encipher_format4("1234", "4111111111111111", EP2_KEY)
    with pytest.raises(DecryptionError):
        pinblock.decipher_format4(block, "4111111111111111", bytes(16))


def test_format4_needs_an_aes_key() -> None:
    with pytest.raises(BadInput):
        pinblock.encipher_format4("1234", "4111111111111111", bytes(8))


# --- properties ----------------------------------------------------------------------------

pins = st.text(alphabet="0123456789", min_size=4, max_size=12)
pans = st.text(alphabet="0123456789", min_size=1, max_size=19)
rngs = st.binary(min_size=16, max_size=16).map(lambda seed: (lambda n: (seed * n)[:n]))


@given(pin=pins, pan=pans)
def test_format0_round_trip(pin: str, pan: str) -> None:
    assert pinblock.parse_pin_block(pinblock.build_format0(pin, pan), pan) == pin


# Bytes >= 252 are redrawn by the A-F fill (to keep digits uniform); a repeating seed made only
# of such bytes would never yield a digit, so the seeds here stay below 252.
seeds = st.lists(st.integers(0, 251), min_size=1, max_size=16).map(bytes)


@given(pin=pins, pan=pans, seed=seeds)
def test_format1_and_3_round_trip(pin: str, pan: str, seed: bytes) -> None:
    def rng(n: int) -> bytes:
        return (seed * n)[:n]

    assert pinblock.parse_pin_block(pinblock.build_format1(pin, rng)) == pin
    block3 = pinblock.build_format3(pin, pan, rng)
    assert block3[0] >> 4 == 3
    assert pinblock.parse_pin_block(block3, pan) == pin


@given(pin=pins, pan=pans, key=st.binary(min_size=16, max_size=16), rng=rngs)
def test_format4_round_trip(pin: str, pan: str, key: bytes, rng) -> None:
    block = pinblock.encipher_format4(pin, pan, key, rng)
    assert len(block) == 16
    assert pinblock.decipher_format4(block, pan, key) == pin


@given(block=st.binary(min_size=0, max_size=20), pan=pans)
def test_parsing_random_bytes_raises_only_protocol_errors(block: bytes, pan: str) -> None:
    try:
        pin = pinblock.parse_pin_block(block, pan)
    except ProtocolError:
        return
    assert pin.isdigit() and 4 <= len(pin) <= 12


# --- what a parser must refuse, what a builder must draw (ISO 9564-1 §9.3) ---------------------


def stream(hex_bytes: str):
    """An rng seam that hands out the given bytes in order, as a real source would."""
    pending = bytearray(bytes.fromhex(hex_bytes))

    def draw(n: int) -> bytes:
        taken = bytes(pending[:n])
        del pending[:n]
        assert len(taken) == n, "the builder asked for more random bytes than the test gave"
        return taken

    return draw


def test_format3_fill_redraws_bytes_that_would_bias_the_a_to_f_digits() -> None:
    # 252..255 would make A-D likelier than E-F; they are dropped and drawn again, and the
    # 10 fill digits come from the 10 bytes below 252, in order: A + b % 6.
    rng = stream("FC FD 00 01 FE 02 03 04 05 FF 06 07 08 09 FB")
    block = pinblock.build_format3("1234", "5555555551234567", rng=rng)
    clear = bytes(a ^ b for a, b in zip(block, pinblock.pan_field("5555555551234567"),
                                        strict=True))
    assert clear.hex().upper() == "341234ABCDEFABCD"
    assert pinblock.parse_pin_block(block, "5555555551234567") == "1234"


def test_format1_fill_takes_one_nibble_per_random_byte() -> None:
    # The low nibble of each byte: 10 fill digits for a 4-digit PIN, from 10 bytes.
    block = pinblock.build_format1("1234", rng=stream("F1 E2 D3 C4 B5 A6 97 88 79 6A"))
    assert block.hex().upper() == "141234123456789A"


@pytest.mark.parametrize(("pin", "fill"), [("1234", "ABCDEFABCD"), ("123456789012", "FA")])
def test_format4_pin_field_is_filled_with_a_and_its_random_half_is_the_8_bytes_drawn(
        pin: str, fill: str) -> None:
    field = pinblock.pin_field_format4(pin, rng=stream("0011223344556677"))
    assert field.hex().upper() == f"4{len(pin):X}{pin}".ljust(16, "A") + "0011223344556677"
    with pytest.raises(BadInput):
        pinblock.pin_field_format4(pin, rng=lambda n: bytes(n - 1))


@pytest.mark.parametrize("block", [
    "041234FFFFFFFFFE",  # format 0 fill is all F: one E is not format 0
    "241234FFFFFFFFF0",  # format 2 likewise
    "341234ABCDEF0BCD",  # format 3 fill is A-F only: a 0 is not format 3
    "341234ABCDEF9BCD",
])
def test_a_fill_that_does_not_match_the_format_is_refused(block: str) -> None:
    # Written as the clear PIN field; formats 0 and 3 are XORed with the PAN field first.
    clear = bytes.fromhex(block)
    pan = "5555555551234567"
    if clear[0] >> 4 in (0, 3):  # the test blocks are given clear: XOR the PAN field in
        clear = bytes(a ^ b for a, b in zip(clear, pinblock.pan_field(pan), strict=True))
    with pytest.raises(ProtocolError, match="fill"):
        pinblock.parse_pin_block(clear, pan)
    assert not pinblock.verify_pin_block(clear, pan, "1234")


def test_format1_accepts_any_fill() -> None:
    assert pinblock.parse_pin_block(bytes.fromhex("141234000F9A5C3E")) == "1234"


@pytest.mark.parametrize("length", [0, 1, 3, 13, 15])
def test_a_pin_length_outside_4_to_12_is_refused(length: int) -> None:
    for fmt, fill in ((1, "0"), (2, "F")):
        block = bytes.fromhex(f"{fmt}{length:X}" + ("1" * min(length, 14)).ljust(14, fill))
        with pytest.raises(ProtocolError, match="length"):
            pinblock.parse_pin_block(block)
    field = bytes.fromhex(f"4{length:X}" + ("1" * min(length, 14)).ljust(14, "A")) + bytes(8)
    with pytest.raises(ProtocolError, match="length"):
        pinblock.parse_pin_field_format4(field)


@pytest.mark.parametrize("length", [4, 12])
def test_pin_lengths_4_and_12_are_the_bounds_that_parse(length: int) -> None:
    pin = "9876543210987"[:length]
    assert pinblock.parse_pin_block(bytes.fromhex(f"2{length:X}{pin}".ljust(16, "F"))) == pin
    assert pinblock.parse_pin_block(pinblock.build_format1(pin)) == pin


def test_a_block_of_another_length_or_format_is_refused() -> None:
    for block in (bytes(7), bytes(9), bytes.fromhex("541234FFFFFFFFFF")):
        with pytest.raises(ProtocolError):
            pinblock.parse_pin_block(block, "5555555551234567")
    with pytest.raises(ProtocolError):
        pinblock.parse_pin_field_format4(bytes.fromhex("341234AAAAAAAAAA") + bytes(8))
    with pytest.raises(ProtocolError):
        pinblock.parse_pin_field_format4(bytes.fromhex("441234AAAAAAAAAA") + bytes(7))
    with pytest.raises(ProtocolError):
        pinblock.decipher_format4(bytes(15), "4111111111111111", EP2_KEY)
