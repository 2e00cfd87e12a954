"""AES DUKPT (ANSI X9.24-3:2017): known answers first, then device-versus-host properties.

Vectors: "X9.24-3:2017 Supplement Test Vectors for AES-128 BDK" as published in openemv/dukpt
test/dukpt_aes128_test.c, test/dukpt_aes256_test.c and moov-io/dukpt pkg/aes/aes_test.go;
tables in /work/shared/docs/reference/payment-crypto.md §1.2. The BDKs are public TEST keys.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posdiag.crypto import dukpt_aes as aes
from posdiag.crypto import pinblock
from posdiag.errors import BadInput, DukptExhausted

IK = bytes.fromhex("1273671EA26AC29AFA4D1084127652A1")
PIN_RANDOM_HALF = bytes.fromhex("2F69ADDE2E9E7ACE")  # fixed by the supplement ("top of p. 31")
MAC_DATA = b"4012345678909D987"

# counter, transaction key, PIN key, ISO 4 encrypted PIN block, MAC-generation key, data key
VECTORS = [
    (0x00000001, "4F21B565BAD9835E112B6465635EAE44", "AF8CB133A78F8DC2D1359F18527593FB",
     "A912150391AB65A67E52883D81CE2D15", "A2DC23DE6FDE0824A2BC321E08E4B8B7",
     "A35C412EFD41FDB98B69797C02DCD08F"),
    (0x00000002, "2F34D68DE10F68D38091A73B9E7C437C", "D30BDC73EC9714B000BEC66BDB7B6D09",
     "52A00503BD34BA1383F6A7EE9FE2547F", "484C3B06E8562704528CD5B46FB12FB6",
     "D639514AA33AC43AD9229E433D6D4E5B"),
    (0x00000003, "031504E530365CF81264238540518318", "7D69F01F3B45449F62C7816ECE723268",
     "A5A27E82B43A9A866A93D7ABE89CEF93", "A5DF7D9D800CA769766F0C77CA4E6E6C",
     "EF17F6AB45B4820C93A3DCB21BC491AD"),
    (0x00000008, "718EE6CF0B27E53D5F7AF99C4D8146A2", "4D9DF3FBEE3448FC3E676D04320A90F5",
     "8308BB857C17F390369F761F8EB358FA", "6FD572E5D59E618875F193484F9178FB",
     "650F34204ABD4E57764D61AC3D266FB1"),
]

TRANSACTION_KEYS_ONLY = [
    (0x0001FFFE, "E21E8C8D347F8561A2BE752DAA85A111"),
    (0x00020000, "F7AE9025468A25D37B7249CFFED224C8"),
    (0xFFFF0000, "F6BA59389BD14A9855BE9727E7C52E3C"),  # the last counter
]

# AES-CMAC request MACs over MAC_DATA (moov-io pkg/aes/aes_test.go)
CMACS = {
    1: "A2EB5C1C35809E58404E873C3C411E31",
    2: "4D104704C53491A60944193DCAF6B411",
    8: "85C7CA68F55F51E7DCAC969B8C111130",
}


def h(value: str) -> bytes:
    return bytes.fromhex(value)


def ksn(counter: int) -> bytes:
    return aes.ksn_with_counter(aes.TEST_INITIAL_KEY_ID, counter)


def fixed_rng(n: int) -> bytes:
    return PIN_RANDOM_HALF[:n]


# --- known answers -------------------------------------------------------------------------


def test_derivation_data_layout() -> None:
    # payment-crypto.md §1.2 worked derivation data
    data = aes.derivation_data(
        aes.KeyUsage.KEY_DERIVATION_INITIAL, aes.KeyType.AES128, aes.TEST_INITIAL_KEY_ID
    )
    assert data == h("01018001000200801234567890123456")
    data = aes.derivation_data(
        aes.KeyUsage.PIN_ENCRYPTION, aes.KeyType.AES128, h("9012345600000001")
    )
    assert data == h("01011000000200809012345600000001")


def test_initial_key_known_answer() -> None:
    assert aes.derive_initial_key(aes.TEST_BDK_AES128, aes.TEST_INITIAL_KEY_ID) == IK


@pytest.mark.parametrize(("counter", "key", "pin_key", "epb", "mac_key", "data_key"), VECTORS)
def test_host_derivation_known_answers(
    counter: int, key: str, pin_key: str, epb: str, mac_key: str, data_key: str
) -> None:
    txn_key = aes.derive_transaction_key(aes.TEST_BDK_AES128, ksn(counter))
    assert txn_key == h(key)

    def working(usage: aes.KeyUsage) -> bytes:
        return aes.derive_working_key(txn_key, ksn(counter), usage, aes.KeyType.AES128)

    assert working(aes.KeyUsage.PIN_ENCRYPTION) == h(pin_key)
    assert working(aes.KeyUsage.MAC_GENERATION) == h(mac_key)
    assert working(aes.KeyUsage.DATA_ENCRYPT) == h(data_key)
    block = pinblock.encipher_format4("1234", "4111111111111111", h(pin_key), fixed_rng)
    assert block == h(epb)
    assert pinblock.decipher_format4(block, "4111111111111111", h(pin_key)) == "1234"
    if counter in CMACS:
        assert aes.aes_cmac(h(mac_key), MAC_DATA) == h(CMACS[counter])


@pytest.mark.parametrize(("counter", "key"), TRANSACTION_KEYS_ONLY)
def test_transaction_key_known_answers(counter: int, key: str) -> None:
    assert aes.derive_transaction_key(aes.TEST_BDK_AES128, ksn(counter)) == h(key)


def test_aes256_bdk_known_answers() -> None:
    # openemv test/dukpt_aes256_test.c
    ik = aes.derive_initial_key(aes.TEST_BDK_AES256, aes.TEST_INITIAL_KEY_ID)
    assert ik == h("CE9CE0C101D1138F97FB6CAD4DF045A7083D4EAE2D35A31789D01CCF0949550F")
    txn_key = aes.derive_transaction_key(aes.TEST_BDK_AES256, ksn(1))
    assert txn_key == h("54AC2B32B145EA4A554CB8BC44B17467063A799856B1CCC2A138D36E8DBF78B3")
    pin_key = aes.derive_working_key(
        txn_key, ksn(1), aes.KeyUsage.PIN_ENCRYPTION, aes.KeyType.AES128
    )
    assert pin_key == h("09C9C432966811D6B2C3336BAC1B1202")


def test_device_known_answers_for_the_published_counters() -> None:
    device = aes.DukptAesDevice(IK, aes.TEST_INITIAL_KEY_ID)
    published = {counter: epb for counter, _k, _p, epb, _m, _d in VECTORS}
    while device.counter <= 8:
        counter = device.counter
        sent_ksn, block = device.encrypt_pin("1234", "4111111111111111", fixed_rng)
        assert sent_ksn == ksn(counter)
        if counter in published:
            assert block == h(published[counter])


# --- rules and bad input -------------------------------------------------------------------


def test_supplement_counter_1ffff_is_refused() -> None:
    # 17 one-bits: listed in the supplement but unusable (openemv comments it out)
    with pytest.raises(BadInput):
        aes.derive_transaction_key(aes.TEST_BDK_AES128, ksn(0x1FFFF))


def test_a_working_key_may_not_be_stronger_than_its_derivation_key() -> None:
    txn_key = aes.derive_transaction_key(aes.TEST_BDK_AES128, ksn(1))
    with pytest.raises(BadInput):
        aes.derive_working_key(txn_key, ksn(1), aes.KeyUsage.PIN_ENCRYPTION, aes.KeyType.AES256)
    tdes_key = aes.derive_working_key(
        txn_key, ksn(1), aes.KeyUsage.PIN_ENCRYPTION, aes.KeyType.TDES2
    )
    assert len(tdes_key) == 16


def test_bad_key_and_ksn_lengths_are_bad_input() -> None:
    with pytest.raises(BadInput):
        aes.derive_initial_key(bytes(15), aes.TEST_INITIAL_KEY_ID)
    with pytest.raises(BadInput):
        aes.derive_transaction_key(aes.TEST_BDK_AES128, bytes(10))


@given(st.integers(min_value=0, max_value=aes.MAX_COUNTER - 1))
def test_next_valid_counter_matches_brute_force(counter: int) -> None:
    expected = counter + 1
    while not aes.is_valid_counter(expected):
        expected += 1
    assert aes.next_valid_counter(counter) == expected
    assert aes.next_valid_counter(aes.MAX_COUNTER) is None


# --- device versus host --------------------------------------------------------------------


def test_device_matches_host_for_the_first_1024_transactions() -> None:
    device = aes.DukptAesDevice(IK, aes.TEST_INITIAL_KEY_ID)
    for step in range(1024):
        if step % 61 == 0:
            shortcut = aes.DukptAesDevice.at_counter(IK, aes.TEST_INITIAL_KEY_ID, device.counter)
            assert shortcut.registers() == device.registers()
        sent_ksn, key = device.next_transaction_key()
        assert aes.ksn_counter(sent_ksn) == step + 1
        assert key == aes.derive_transaction_key(aes.TEST_BDK_AES128, sent_ksn)


@settings(max_examples=40, deadline=None)
@given(
    counter=st.integers(min_value=1, max_value=aes.MAX_COUNTER).filter(aes.is_valid_counter),
    steps=st.integers(min_value=1, max_value=6),
)
def test_device_key_for_counter_n_equals_host_derivation(counter: int, steps: int) -> None:
    device = aes.DukptAesDevice.at_counter(IK, aes.TEST_INITIAL_KEY_ID, counter)
    for _ in range(steps):
        if device.exhausted:
            break
        sent_ksn, key = device.next_transaction_key()
        assert aes.ksn_counter(sent_ksn) == counter
        assert key == aes.derive_transaction_key(aes.TEST_BDK_AES128, sent_ksn)
        counter = aes.next_valid_counter(counter) or 0
    assert device.counter == counter


def test_device_reports_exhaustion_after_the_last_counter() -> None:
    device = aes.DukptAesDevice.at_counter(IK, aes.TEST_INITIAL_KEY_ID, 0xFFFE8000)
    seen = []
    while not device.exhausted:
        sent_ksn, key = device.next_transaction_key()
        assert key == aes.derive_transaction_key(aes.TEST_BDK_AES128, sent_ksn)
        seen.append(aes.ksn_counter(sent_ksn))
    assert seen[-1] == aes.MAX_COUNTER == 0xFFFF0000
    assert all(c.bit_count() <= 16 for c in seen)
    with pytest.raises(DukptExhausted):
        device.encrypt_pin("1234", "4111111111111111")
