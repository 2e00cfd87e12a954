"""BCD, BMP and TLV codecs: known answers from the spec and the brief first, then properties.

Sources: PA00P015 rev 13.08 §9 (TLV), §13 (BMPs); docs/reference/zvt.md §2.3-§2.5.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posdiag.drivers.zvt import bcd, tlv, tlv_render
from posdiag.drivers.zvt.bmp import Bmp, decode_bmps, encode_bmps
from posdiag.drivers.zvt.bmp_render import render_bmp
from posdiag.drivers.zvt.codes import (
    card_type_name,
    intermediate_status_text,
    result_text,
    terminal_status_text,
)
from posdiag.drivers.zvt.tlv import TlvNode, decode_tlv, encode_tlv
from posdiag.errors import ProtocolError

# Test card numbers only (Visa test PAN 4111..., masked captures from ecrterm's test_parsing.py).
TEST_PAN = "4111111111111111"

# --- BCD -----------------------------------------------------------------------------------


def test_amount_is_six_byte_bcd_in_cents():
    # zvt.md §2.3: 25.00 EUR -> 04 00 00 00 00 25 00
    assert bcd.encode_amount(2500) == bytes.fromhex("000000002500")
    assert bcd.decode_amount(bytes.fromhex("000000002500")) == 2500
    assert bcd.format_amount(1234, "EUR") == "12.34 EUR"
    assert bcd.format_amount(5) == "0.05"


def test_password_is_three_byte_bcd():
    assert bcd.encode_password("123456") == b"\x12\x34\x56"
    assert bcd.decode_password(b"\x12\x34\x56") == "123456"
    with pytest.raises(ProtocolError):
        bcd.encode_password("12345")


def test_non_decimal_nibble_in_numeric_bcd_is_a_protocol_error():
    with pytest.raises(ProtocolError):
        bcd.unpack_bcd(b"\x1a")


def test_masked_pan_convention_e_is_masked_digit_f_is_padding():
    # zvt.md §2.3: F0 F8 EE EE EE EE EE EE 47 71 = ************4771
    digits = bcd.unpack_card_digits(bytes.fromhex("EEEEEEEEEEEE4771"))
    assert bcd.mask_pan(digits) == "************4771"
    assert bcd.unpack_card_digits(bytes.fromhex("123F")) == "123"
    assert bcd.pack_card_digits("123") == bytes.fromhex("123F")


def test_pan_masks_to_first_six_last_four():
    assert bcd.mask_pan(TEST_PAN) == "411111******1111"
    assert bcd.mask_pan("5966666666D2002122010") == "******6666"  # never past the separator
    assert bcd.mask_pan("1234") == "****"


@given(st.integers(0, 10**12 - 1))
def test_amount_round_trip(cents):
    assert bcd.decode_amount(bcd.encode_amount(cents)) == cents


@given(st.text("0123456789", min_size=13, max_size=19))
def test_masked_pan_never_shows_more_than_ten_digits(pan):
    shown = bcd.mask_pan(pan)
    assert len(shown) == len(pan)
    assert sum(c.isdigit() for c in shown) <= 10


# --- BMP -----------------------------------------------------------------------------------


def test_bmp_list_known_answer():
    # 04 amount, 49 EUR, masked PAN LLVAR, 27 result, 0C time, 0D date (zvt.md §2.4, §4.3)
    data = bytes.fromhex("04000000001234" "490978" "22F0F8EEEEEEEEEEEE4771" "2700"
                         "0C123456" "0D1231")  # fmt: skip
    bmps = decode_bmps(data)
    assert [b.id for b in bmps] == [0x04, 0x49, 0x22, 0x27, 0x0C, 0x0D]
    assert [render_bmp(b, 978) for b in bmps] == [
        "12.34 EUR", "978 (EUR)", "************4771", "00 (no error)", "12:34:56", "12-31",
    ]
    assert encode_bmps(bmps) == data


def test_llvar_and_lllvar_prefixes():
    # F0 F3 = 3 bytes follow (LLVAR); F0 F0 F7 = 7 bytes (LLLVAR)
    assert Bmp.of(0xF1, "abc").encode() == bytes.fromhex("F1F0F3616263")
    assert Bmp.of(0x3C, "2.14.15").encode() == bytes.fromhex("3CF0F0F7") + b"2.14.15"
    with pytest.raises(ProtocolError):
        decode_bmps(bytes.fromhex("F10003616263"))  # length digits without F nibbles


def test_tlv_bmp_uses_ber_length_and_keeps_a_long_form():
    short = bytes.fromhex("0602" "0700")
    assert decode_bmps(short)[0].value == (TlvNode(0x07, b""),)
    long_form = bytes.fromhex("068102" "0700")  # 81 02: legal, not shortest
    assert encode_bmps(decode_bmps(long_form)) == long_form


def test_unknown_bmp_is_a_protocol_error():
    with pytest.raises(ProtocolError, match="unknown BMP 07"):
        decode_bmps(bytes.fromhex("0700"))


def test_card_data_is_masked_or_withheld_even_when_sent_in_clear():
    pan = Bmp.of(0x22, TEST_PAN)
    track2 = Bmp.of(0x23, TEST_PAN + "D2512101")
    cvv = Bmp.of(0x3A, "123")
    for bmp in (pan, track2, cvv):
        shown = render_bmp(bmp) + repr(bmp)
        assert TEST_PAN not in shown and "2512101" not in shown
    assert render_bmp(pan) == "411111******1111"
    assert render_bmp(track2) == "<track 2 data, 24 digits, withheld>"
    assert render_bmp(cvv) == "<CVV, withheld>"


bmp_values = st.one_of(
    st.builds(lambda v: Bmp.of(0x04, v), st.integers(0, 10**12 - 1)),
    st.builds(lambda v: Bmp.of(0x27, v), st.integers(0, 255)),
    st.builds(lambda v: Bmp.of(0x0B, v), st.integers(0, 999999)),
    st.builds(lambda v: Bmp.of(0x29, v), st.text("0123456789", min_size=8, max_size=8)),
    st.builds(lambda v: Bmp.of(0x22, v), st.text("0123456789E", min_size=0, max_size=19)),
    st.builds(lambda v: Bmp.of(0xF1, v), st.text(st.characters(codec="cp437"), max_size=99)),
    st.builds(lambda v: Bmp.of(0x3C, v), st.binary(max_size=300).map(lambda b: b.decode("cp437"))),
    st.builds(lambda v: Bmp.of(0x2A, v), st.text("ABC 123", min_size=15, max_size=15)),
    st.builds(lambda v: Bmp.from_raw(0x06, v), st.just(b"")),
)


@given(st.lists(bmp_values, max_size=8))
def test_bmp_list_round_trip(bmps):
    assert decode_bmps(encode_bmps(bmps)) == bmps


@settings(max_examples=300)
@given(st.binary(max_size=64))
def test_random_bytes_raise_only_protocol_error_in_bmp_decoder(data):
    with contextlib.suppress(ProtocolError):
        assert encode_bmps(decode_bmps(data)) == data


# --- TLV -----------------------------------------------------------------------------------


def test_tlv_permitted_commands_known_answer():
    # zvt.md §4.1 Portalum/card complete registration TLV: 26 04 0A 02 06 D3
    nodes = decode_tlv(bytes.fromhex("26040A0206D3"))
    assert nodes == (TlvNode(0x26, (TlvNode(0x0A, b"\x06\xd3"),)),)
    assert tlv_render.render_tree(nodes) == ["26 permitted ZVT commands:",
                                      "  0A ZVT command: 06 D3 (Print Text-Block)"]  # fmt: skip


def test_tlv_multibyte_tags_and_big_endian_lengths():
    # §9.3: 1F 16 two-byte tag; 82 hi lo length is big-endian
    value = bytes(300)
    raw = bytes.fromhex("1F0B82012C") + value
    assert decode_tlv(raw) == (TlvNode(0x1F0B, value),)
    assert encode_tlv(decode_tlv(raw)) == raw
    assert tlv.parse_tag(bytes.fromhex("9F8101"), 0) == (0x9F8101, 3)


def test_tlv_errors_are_protocol_errors():
    for bad in ("0705", "1F", "0780", "0783000000", "2603070500"):
        with pytest.raises(ProtocolError):
            decode_tlv(bytes.fromhex(bad))


def test_withheld_tags_never_render_their_value():
    block = bytes.fromhex("0123456789ABCDEF")
    assert tlv_render.render_value(0x1F75, block) == "<encrypted PIN block, 8 bytes, withheld>"
    assert tlv_render.render_value(0x1F09, b"4111") == "<track 2 data, 4 bytes, withheld>"


primitive_tags = st.sampled_from([0x07, 0x08, 0x09, 0x0A, 0x1F16, 0x1F17, 0x41, 0x9F8101])
constructed_tags = st.sampled_from([0x24, 0x25, 0x26, 0x2D, 0xE4, 0x60])
tlv_trees = st.recursive(
    st.builds(TlvNode, primitive_tags, st.binary(max_size=300)),
    lambda children: st.builds(
        TlvNode, constructed_tags, st.lists(children, max_size=4).map(tuple)
    ),
    max_leaves=12,
)


@given(st.lists(tlv_trees, max_size=4))
def test_tlv_round_trip(nodes):
    assert decode_tlv(encode_tlv(nodes)) == tuple(nodes)


@settings(max_examples=300)
@given(st.binary(max_size=64))
def test_random_bytes_raise_only_protocol_error_in_tlv_decoder(data):
    with contextlib.suppress(ProtocolError):
        decode_tlv(data)


# --- code tables -----------------------------------------------------------------------------


def test_code_tables():
    assert result_text(0x6C) == "abort via timeout or abort key"
    assert result_text(0x05).startswith("host/authorisation system code 5")
    assert result_text(0x42) == "host/authorisation system code 66 dec (acquirer-specific)"
    assert result_text(0x82) == "unknown code 0x82"
    assert terminal_status_text(0x51) == "initialisation required"
    assert intermediate_status_text(0x0A) == "insert card"
    assert intermediate_status_text(0x55) == "incorrect PIN, please remove card"
    assert intermediate_status_text(0x4A) == "unknown code 0x4A"
    assert card_type_name(5) == "girocard"
    assert card_type_name(46) == "Maestro (formerly: edc)"
    assert card_type_name(232) == "Discover Card"


def test_result_text_in_the_users_language_or_the_terminals():
    from posdiag.i18n import use_language

    with use_language("zh-CN"):
        assert result_text(0x6C) == "超时或按中止键而中止"
        assert result_text(0x6C, translated=False) == "abort via timeout or abort key"
