"""The emulator's PIN pad (device-side DUKPT) and host (BDK-side DUKPT) agree.

Known answers first (ANSI X9.24-1:2009 A.4.2 and the X9.24-3:2017 supplement, as collected in
payment-crypto.md §1), then properties, then the person at the terminal.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posdiag.crypto import dukpt_aes, dukpt_tdes
from posdiag.emulator.host import (
    RC_CARD_EXPIRED,
    RC_DECLINED,
    RC_PIN_INCORRECT,
    Host,
    recover_pin,
)
from posdiag.emulator.operator import Cancelled, Operator
from posdiag.emulator.pinpad import TEST_BDK_TDES, TEST_IKSN_TDES, PinPad, PinPadError
from posdiag.errors import BadInput
from posdiag.testcards import load_test_cards

CARDS = load_test_cards()
TODAY = __import__("datetime").date(2026, 11, 25)


# --- known answers ----------------------------------------------------------------------------


def test_first_pin_blocks_are_the_x9_24_1_test_data():
    # X9.24-1:2009 A.4.2 (payment-crypto.md §1.1): PIN 1234, PAN 4012345678909, format 0.
    pad = PinPad()
    first = pad.encrypt("1234", "4012345678909", 0)
    second = pad.encrypt("1234", "4012345678909", 0)
    assert first.ksn.hex().upper() == "FFFF9876543210E00001"
    assert first.block.hex().upper() == "1B9C1845EB993A7A"
    assert second.ksn.hex().upper() == "FFFF9876543210E00002"
    assert second.block.hex().upper() == "10A01C8D02C69107"


def test_first_aes_pin_block_is_the_x9_24_3_supplement_value():
    # X9.24-3:2017 supplement, AES-128 BDK, TC 1: PIN field 441234AAAAAAAAAA2F69ADDE2E9E7ACE.
    pad = PinPad()
    pad._random = lambda n: bytes.fromhex("2F69ADDE2E9E7ACE")[:n]
    encrypted = pad.encrypt("1234", "4111111111111111", 4)
    assert encrypted.ksn.hex().upper() == "123456789012345600000001"
    assert encrypted.block.hex().upper() == "A912150391AB65A67E52883D81CE2D15"


def test_the_pad_starts_from_the_public_test_key_and_ksn():
    assert TEST_BDK_TDES.hex().upper() == "0123456789ABCDEFFEDCBA9876543210"
    assert TEST_IKSN_TDES.hex().upper() == "FFFF9876543210E00000"
    assert PinPad().tdes.ksn.hex().upper() == "FFFF9876543210E00001"


# --- properties -------------------------------------------------------------------------------

TDES_COUNTERS = st.integers(1, dukpt_tdes.MAX_COUNTER).filter(lambda n: n.bit_count() <= 10)
AES_COUNTERS = st.integers(1, dukpt_aes.MAX_COUNTER).filter(lambda n: n.bit_count() <= 16)


@settings(max_examples=25, deadline=None)
@given(TDES_COUNTERS)
def test_tdes_device_keys_from_counter_n_on_equal_the_host_derivation(counter):
    pad = PinPad(tdes_counter=counter)
    for _ in range(3):  # the later steps use registers the device refilled itself
        if pad.tdes.exhausted:
            break
        ksn, key = pad.tdes.next_transaction_key()
        assert key == dukpt_tdes.derive_transaction_key(TEST_BDK_TDES, ksn)


@settings(max_examples=15, deadline=None)
@given(AES_COUNTERS)
def test_aes_device_keys_from_counter_n_on_equal_the_host_derivation(counter):
    pad = PinPad(aes_counter=counter)
    for _ in range(3):
        if pad.aes.exhausted:
            break
        ksn, key = pad.aes.next_transaction_key()
        assert key == dukpt_aes.derive_transaction_key(dukpt_aes.TEST_BDK_AES128, ksn)


@settings(max_examples=40, deadline=None)
@given(pin=st.text("0123456789", min_size=4, max_size=12),
       card=st.sampled_from(sorted(CARDS)), pin_format=st.sampled_from([0, 1, 3, 4]))
def test_the_host_recovers_every_pin_the_pad_encrypts(pin, card, pin_format):
    pan = CARDS[card].pan
    encrypted = PinPad(seed=len(pin)).encrypt(pin, pan, pin_format)
    assert encrypted.pin_format == pin_format
    assert recover_pin(encrypted, pan) == pin


def test_every_pin_entry_uses_a_new_key_and_block():
    pad = PinPad()
    blocks = [pad.encrypt("1234", CARDS["visa"].pan, 0) for _ in range(5)]
    assert len({b.ksn for b in blocks}) == 5
    assert len({b.block for b in blocks}) == 5


# --- exhaustion -------------------------------------------------------------------------------


def test_tdes_engine_reports_exhaustion_after_its_last_counter():
    pad = PinPad(tdes_counter=dukpt_tdes.MAX_COUNTER)
    last = pad.encrypt("1234", CARDS["visa"].pan, 0)
    assert dukpt_tdes.ksn_counter(last.ksn) == 0x1FF800
    with pytest.raises(PinPadError) as info:
        pad.encrypt("1234", CARDS["visa"].pan, 0)
    assert info.value.result_code == 0x74


def test_aes_engine_reports_exhaustion_after_its_last_counter():
    pad = PinPad(aes_counter=dukpt_aes.MAX_COUNTER)
    pad.encrypt("1234", CARDS["visa"].pan, 4)
    with pytest.raises(PinPadError) as info:
        pad.encrypt("1234", CARDS["visa"].pan, 4)
    assert info.value.result_code == 0x74


def test_format_4_without_a_pan_is_pin_processing_not_possible():
    with pytest.raises(PinPadError) as info:
        PinPad().encrypt("1234", None, 4)
    assert info.value.result_code == 0xEC


# --- the host's test rules (docs/emulator.md) -------------------------------------------------


def test_host_rules():
    host, pad = Host(), PinPad()
    visa = CARDS["visa"]

    def pin(digits, card=visa):
        return pad.encrypt(digits, card.pan, 0)

    approved = host.authorise(visa, 1234, pin("1234"), TODAY)
    assert approved.approved and len(approved.auth_code) == 6
    assert host.authorise(visa, 1251, pin("1234"), TODAY).result_code == RC_DECLINED
    assert host.authorise(visa, 1234, pin("4321"), TODAY).result_code == RC_PIN_INCORRECT
    expired = CARDS["visa_expired"]
    assert host.authorise(expired, 1234, pin("1234", expired), TODAY).result_code \
        == RC_CARD_EXPIRED
    other = CARDS["mastercard_other_pin"]
    assert host.authorise(other, 100, pin("1234", other), TODAY).result_code == RC_PIN_INCORRECT
    assert host.authorise(other, 100, pin("9876", other), TODAY).approved
    assert host.authorise(visa, 500, None, TODAY).approved  # refunds carry no PIN


# --- the person at the terminal ---------------------------------------------------------------


def test_auto_operator_presents_the_default_test_card_and_its_pin():
    operator = Operator("auto", cards=CARDS)
    assert operator.wait_card(1.0).card.key == "visa"
    assert operator.wait_pin(1.0) == "1234"


def test_queued_actions_come_before_auto_answers():
    operator = Operator("auto", cards=CARDS)
    operator.swipe("mastercard")
    operator.type_pin("0000")
    presented = operator.wait_card(1.0)
    assert (presented.card.key, presented.how) == ("mastercard", "swipe")
    assert operator.wait_pin(1.0) == "0000"


def test_manual_operator_times_out_and_cancels():
    operator = Operator("manual", cards=CARDS)
    assert operator.wait_card(0.01) is None
    assert operator.wait_pin(0.01) is None
    operator.press_cancel()
    with pytest.raises(Cancelled):
        operator.wait_pin(1.0)


def test_unknown_card_and_non_digit_pin_are_bad_input():
    operator = Operator("manual", cards=CARDS)
    with pytest.raises(BadInput):
        operator.swipe("no-such-card")
    with pytest.raises(BadInput):
        operator.type_pin("12a4")


def test_typed_digits_never_show_in_a_repr():
    operator = Operator("manual", cards=CARDS)
    operator.type_pin("5827")
    assert "5827" not in repr(list(operator._queue.queue))
