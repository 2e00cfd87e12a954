"""The host side of DUKPT, one function for the ZVT driver and the emulator's host:
known-answer vectors of ANSI X9.24-1 (TDES) and the X9.24-3:2017 supplement (AES-128), then
round trips through the emulated PIN pad, then what must not open."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posdiag.crypto.dukpt_host import ENGINE_AES, ENGINE_TDES, open_pin_block
from posdiag.errors import DecryptionError

TDES_BDK = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
AES_BDK = bytes.fromhex("FEDCBA9876543210F1F1F1F1F1F1F1F1")


@pytest.mark.parametrize(("ksn", "block"), [
    ("FFFF9876543210E00001", "1B9C1845EB993A7A"),
    ("FFFF9876543210E00002", "10A01C8D02C69107"),
    ("FFFF9876543210E00003", "18DC07B94797B466"),
])
def test_x9_24_1_tdes_blocks_open_to_pin_1234(ksn, block):
    pin, pin_format = open_pin_block(bytes.fromhex(block), bytes.fromhex(ksn), "4012345678909",
                                     engine=ENGINE_TDES, bdk=TDES_BDK)
    assert (pin, pin_format) == ("1234", 0)


@pytest.mark.parametrize(("ksn", "block"), [
    ("123456789012345600000001", "A912150391AB65A67E52883D81CE2D15"),
    ("123456789012345600000002", "52A00503BD34BA1383F6A7EE9FE2547F"),
    ("123456789012345600000008", "8308BB857C17F390369F761F8EB358FA"),
])
def test_x9_24_3_aes_blocks_open_to_pin_1234(ksn, block):
    pin, pin_format = open_pin_block(bytes.fromhex(block), bytes.fromhex(ksn),
                                     "4111111111111111", engine=ENGINE_AES, bdk=AES_BDK)
    assert (pin, pin_format) == ("1234", 4)


@settings(max_examples=25, deadline=None)
@given(pin=st.text("0123456789", min_size=4, max_size=12), engine=st.sampled_from([0, 1]))
def test_what_the_emulated_pin_pad_encrypts_the_host_opens(pin, engine):
    from posdiag.emulator.pinpad import TEST_BDK_AES, TEST_BDK_TDES, PinPad

    pan = "4761739001010010"  # public test card
    encrypted = PinPad(seed=1).encrypt_for_engine(pin, pan, engine)
    bdk = TEST_BDK_AES if engine == ENGINE_AES else TEST_BDK_TDES
    assert open_pin_block(encrypted.block, encrypted.ksn, pan, engine=engine, bdk=bdk)[0] == pin


def test_another_base_key_or_pan_does_not_open():
    block, ksn = bytes.fromhex("1B9C1845EB993A7A"), bytes.fromhex("FFFF9876543210E00001")
    with pytest.raises(DecryptionError):
        open_pin_block(block, ksn, "4012345678909", engine=ENGINE_TDES, bdk=bytes(16))
    with pytest.raises(DecryptionError):
        open_pin_block(bytes.fromhex("A912150391AB65A67E52883D81CE2D15"),
                       bytes.fromhex("123456789012345600000001"), None, engine=ENGINE_AES,
                       bdk=AES_BDK)
    with pytest.raises(DecryptionError):
        open_pin_block(block, ksn, None, engine=7, bdk=TDES_BDK)
