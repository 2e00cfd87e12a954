"""TDES DUKPT (ANSI X9.24-1:2009): known answers first, then device-versus-host properties.

Vectors: ANSI X9.24-1:2009 A.4.2/A.4.3 as published in openemv/dukpt test/dukpt_tdes_test.c
and moov-io/dukpt pkg/des/des_test.go; table in /work/shared/docs/reference/payment-crypto.md
§1.1. The BDK is the public TEST key.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posdiag.crypto import dukpt_tdes as tdes
from posdiag.crypto import pinblock
from posdiag.errors import BadInput, DukptExhausted

IPEK = bytes.fromhex("6AC292FAA1315B4D858AB3A3D7D5933A")
CLEAR_BLOCK = bytes.fromhex("041274EDCBA9876F")  # PIN 1234, PAN 4012345678909, format 0
MAC_DATA = b"4012345678909D987"

# KSN, transaction key, PIN key ("" where not published), encrypted PIN block, MAC req, MAC resp
VECTORS = [
    ("FFFF9876543210E00001", "042666B49184CFA368DE9628D0397BC9",
     "042666B49184CF5C68DE9628D0397B36", "1B9C1845EB993A7A", "9CCC7817", "20364223"),
    ("FFFF9876543210E00002", "C46551CEF9FD24B0AA9AD834130D3BC7",
     "C46551CEF9FD244FAA9AD834130D3B38", "10A01C8D02C69107", "F608A9BC", "D1FCA6BE"),
    ("FFFF9876543210E00003", "0DF3D9422ACA56E547676D07AD6BADFA",
     "0DF3D9422ACA561A47676D07AD6BAD05", "18DC07B94797B466", "20B59A4F", "BAD4CC9C"),
    ("FFFF9876543210E00004", "279C0F6AEED0BE652B2C733E1383AE91",
     "", "0BC79509D5645DF7", "C7BFA6CC", "1EB08AEE"),
    ("FFFF9876543210E0000A", "6CF2500A22507C7CC776CEADC1E33014",
     "6CF2500A22507C83C776CEADC1E330EB", "EDABBA23221833FE", "1632621C", "CE038CC9"),
    ("FFFF9876543210E00015", "E161D1956A61F6D2F37AFD7F9CC3699A",
     "E161D1956A61F62DF37AFD7F9CC36965", "72105C22EBC791E6", "B2033EBD", "BDA3AEE1"),
    ("FFFF9876543210EFF800", "F9CDFEBF4F5B1D9EB3EC12454527E176",  # A.4.3 rollover
     "", "33365F5CC6F23C35", "23E3CB62", "5776C376"),
    ("FFFF9876543210F00000", "AA4D58DB653EC74A48C75F2F047DD2B5",  # A.4.3 rollover
     "", "73EC88AD0AC5830E", "7DFA9315", "1444BEC3"),
]


def h(value: str) -> bytes:
    return bytes.fromhex(value)


# --- known answers -------------------------------------------------------------------------


def test_ipek_known_answer() -> None:
    assert tdes.derive_ipek(tdes.TEST_BDK_TDES, tdes.TEST_IKSN_TDES) == IPEK


def test_clear_pin_block_of_the_test_data() -> None:
    assert pinblock.build_format0("1234", "4012345678909") == CLEAR_BLOCK


@pytest.mark.parametrize(("ksn", "key", "pin_key", "epb", "mac_req", "mac_resp"), VECTORS)
def test_host_derivation_known_answers(
    ksn: str, key: str, pin_key: str, epb: str, mac_req: str, mac_resp: str
) -> None:
    txn_key = tdes.derive_transaction_key(tdes.TEST_BDK_TDES, h(ksn))
    assert txn_key == h(key)
    working_pin_key = tdes.working_key(txn_key, tdes.Variant.PIN)
    if pin_key:
        assert working_pin_key == h(pin_key)
    assert tdes.encrypt_pin_block(working_pin_key, CLEAR_BLOCK) == h(epb)
    assert tdes.decrypt_pin_block(working_pin_key, h(epb)) == CLEAR_BLOCK
    request_key = tdes.working_key(txn_key, tdes.Variant.MAC_REQUEST)
    response_key = tdes.working_key(txn_key, tdes.Variant.MAC_RESPONSE)
    assert tdes.retail_mac(request_key, MAC_DATA)[:4] == h(mac_req)
    assert tdes.retail_mac(response_key, MAC_DATA)[:4] == h(mac_resp)


def test_data_request_key_and_encryption_known_answer() -> None:
    # Figure A-2 one-way function; openemv txn_request_verify[0]
    txn_key = tdes.derive_transaction_key(tdes.TEST_BDK_TDES, h("FFFF9876543210E00001"))
    data_key = tdes.working_key(txn_key, tdes.Variant.DATA_REQUEST)
    assert data_key == h("448D3F076D8304036A55A3D7E0055A78")
    encrypted = tdes.encrypt_data(data_key, MAC_DATA)
    assert encrypted == h("FC0D53B7EA1FDA9EE68AAF2E70D9B9506229BE2AA993F04F")
    assert tdes.decrypt_data(data_key, encrypted) == MAC_DATA + bytes(7)


def test_device_known_answers_for_the_first_three_transactions() -> None:
    device = tdes.DukptTdesDevice(IPEK, tdes.TEST_IKSN_TDES)
    for ksn, _key, _pin_key, epb, _req, _resp in VECTORS[:3]:
        assert device.encrypt_pin_block(CLEAR_BLOCK) == (h(ksn), h(epb))


# --- counter rules -------------------------------------------------------------------------


def test_usable_counters_number_1048575_and_end_at_1ff800() -> None:
    usable = [c for c in range(1 << 21) if tdes.is_valid_counter(c)]
    assert len(usable) == 1_048_575
    assert usable[-1] == tdes.MAX_COUNTER == 0x1FF800
    assert tdes.next_valid_counter(tdes.MAX_COUNTER) is None


@given(st.integers(min_value=0, max_value=tdes.MAX_COUNTER - 1))
def test_next_valid_counter_matches_brute_force(counter: int) -> None:
    expected = counter + 1
    while not tdes.is_valid_counter(expected):
        expected += 1
    assert tdes.next_valid_counter(counter) == expected


def test_host_refuses_a_counter_with_more_than_ten_one_bits() -> None:
    with pytest.raises(BadInput):
        tdes.derive_transaction_key(tdes.TEST_BDK_TDES, h("FFFF9876543210E007FF"))


def test_bad_key_and_ksn_lengths_are_bad_input() -> None:
    with pytest.raises(BadInput):
        tdes.derive_ipek(bytes(8), tdes.TEST_IKSN_TDES)
    with pytest.raises(BadInput):
        tdes.derive_ipek(tdes.TEST_BDK_TDES, bytes(8))


# --- device versus host --------------------------------------------------------------------


def test_device_matches_host_for_the_first_2048_transactions() -> None:
    device = tdes.DukptTdesDevice(IPEK, tdes.TEST_IKSN_TDES)
    expected_counter = 1
    for step in range(2048):
        if step % 97 == 0:  # the register shortcut describes the same state
            shortcut = tdes.DukptTdesDevice.at_counter(IPEK, tdes.TEST_IKSN_TDES, device.counter)
            assert shortcut.registers() == device.registers()
        assert device.counter == expected_counter
        ksn, key = device.next_transaction_key()
        assert key == tdes.derive_transaction_key(tdes.TEST_BDK_TDES, ksn)
        expected_counter = tdes.next_valid_counter(expected_counter)


@settings(max_examples=40, deadline=None)
@given(
    counter=st.integers(min_value=1, max_value=tdes.MAX_COUNTER).filter(tdes.is_valid_counter),
    steps=st.integers(min_value=1, max_value=6),
)
def test_device_key_for_counter_n_equals_host_derivation(counter: int, steps: int) -> None:
    device = tdes.DukptTdesDevice.at_counter(IPEK, tdes.TEST_IKSN_TDES, counter)
    for _ in range(steps):
        if device.exhausted:
            break
        ksn, key = device.next_transaction_key()
        assert tdes.ksn_counter(ksn) == counter
        assert key == tdes.derive_transaction_key(tdes.TEST_BDK_TDES, ksn)
        counter = tdes.next_valid_counter(counter) or 0
    assert device.counter == counter


def test_device_reports_exhaustion_after_the_last_counter() -> None:
    device = tdes.DukptTdesDevice.at_counter(IPEK, tdes.TEST_IKSN_TDES, 0x1FF000)
    seen = []
    while not device.exhausted:
        ksn, key = device.next_transaction_key()
        assert key == tdes.derive_transaction_key(tdes.TEST_BDK_TDES, ksn)
        seen.append(tdes.ksn_counter(ksn))
    assert seen[-1] == tdes.MAX_COUNTER
    assert all(tdes.is_valid_counter(c) for c in seen)
    with pytest.raises(DukptExhausted):
        device.next_transaction_key()
    with pytest.raises(DukptExhausted):
        _ = device.ksn


def test_each_transaction_gets_a_new_encrypted_pin_block() -> None:
    device = tdes.DukptTdesDevice(IPEK, tdes.TEST_IKSN_TDES)
    blocks = {device.encrypt_pin_block(CLEAR_BLOCK)[1] for _ in range(50)}
    assert len(blocks) == 50
