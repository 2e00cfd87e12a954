"""Card readers: HID usage codes, MagTek reports, per-track verdicts, and the pyusb path.

All card data here is TEST material (conftest.TEST_PAN is a published test PAN).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from usb_testcards import TEST_PAN, TEST_TRACK1, TEST_TRACK2

from posdiag.drivers.msr import UsbCardReader, swipe_from_report, swipe_from_wedge
from posdiag.drivers.msr.hidkeys import decode_keyboard_reports, encode_keyboard_reports
from posdiag.drivers.msr.magtek import REPORT_SIZE, build_report, parse_report
from posdiag.drivers.msr.swipe import parse_track, parse_track_bits
from posdiag.emulator.usb import EmulatedBackend, EmulatedCardReader
from posdiag.errors import LinkTimeout, ProtocolError
from posdiag.tracks import encode_bits, lrc

MASKED = TEST_PAN[:6] + "*" * 6 + TEST_PAN[-4:]


# --- HID Usage Tables, keyboard page 0x07: 0x04 'a', 0x1E '1', 0x27 '0', 0x28 Enter -----------

@pytest.mark.parametrize(("report", "text"), [
    (bytes([0, 0, 0x04, 0, 0, 0, 0, 0]), "a"),
    (bytes([0x02, 0, 0x04, 0, 0, 0, 0, 0]), "A"),
    (bytes([0x20, 0, 0x22, 0, 0, 0, 0, 0]), "%"),  # right shift + '5'
    (bytes([0, 0, 0x27, 0, 0, 0, 0, 0]), "0"),
    (bytes([0x02, 0, 0x38, 0, 0, 0, 0, 0]), "?"),
    (bytes([0, 0, 0x33, 0, 0, 0, 0, 0]), ";"),
    (bytes([0, 0, 0x28, 0, 0, 0, 0, 0]), "\n"),
])
def test_usage_codes(report: bytes, text: str) -> None:
    assert decode_keyboard_reports([report]) == (text, 0)


def test_a_held_key_counts_once_and_rollover_is_ignored() -> None:
    key = bytes([0, 0, 0x04, 0, 0, 0, 0, 0])
    rollover = bytes([0, 0, 1, 1, 1, 1, 1, 1])
    assert decode_keyboard_reports([key, key, rollover, bytes(8), key]) == ("aa", 0)


@given(st.text(st.sampled_from("%;?=^/ABCZ0123456789 \n"), max_size=80))
def test_keyboard_reports_round_trip(text: str) -> None:
    assert decode_keyboard_reports(encode_keyboard_reports(text)) == (text, 0)


# --- MagTek report layout (MicahCarrick/magtek-pyusb) -----------------------------------------

def test_magtek_report_layout() -> None:
    report = build_report({1: TEST_TRACK1, 2: TEST_TRACK2, 3: None})
    assert len(report) == REPORT_SIZE
    assert report[0:3] == b"\0\0\0" and report[3] == len(TEST_TRACK1)
    assert report[7:7 + len(TEST_TRACK1)] == TEST_TRACK1.encode()
    assert report[117:117 + len(TEST_TRACK2)] == TEST_TRACK2.encode()
    parsed = parse_report(report)
    assert [t.data for t in parsed.tracks] == [TEST_TRACK1.encode(), TEST_TRACK2.encode(), b""]


def test_short_or_inconsistent_report_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        parse_report(bytes(10))
    bad = bytearray(build_report({2: TEST_TRACK2}))
    bad[4] = 200
    with pytest.raises(ProtocolError):
        parse_report(bytes(bad))


# --- per-track verdicts (ISO/IEC 7813 through posdiag.tracks) ---------------------------------

def test_good_swipe_shows_only_the_masked_pan() -> None:
    swipe = swipe_from_report(build_report({1: TEST_TRACK1, 2: TEST_TRACK2}))
    assert swipe.ok
    assert [(t.number, t.ok, t.masked_pan) for t in swipe.tracks] == [
        (1, True, MASKED), (2, True, MASKED), (3, False, None)]
    assert TEST_PAN not in repr(swipe)


def test_lrc_checked_when_the_reader_passes_it() -> None:
    good = TEST_TRACK2 + lrc(2, TEST_TRACK2)
    wrong = TEST_TRACK2 + chr(ord(lrc(2, TEST_TRACK2)) ^ 1)
    assert parse_track(2, good).ok
    bad = parse_track(2, wrong)
    assert not bad.ok and "LRC" in (bad.error or "")


def test_missing_sentinel_and_field_separator_are_bad_reads() -> None:
    assert not parse_track(2, TEST_TRACK2[1:]).ok
    assert not parse_track(1, TEST_TRACK1.replace("^", "", 1)).ok


def test_parity_checked_on_raw_stripe_characters() -> None:
    codes = encode_bits(2, TEST_TRACK2)
    assert parse_track_bits(2, [0, 0, *codes, 0]).ok
    codes[5] ^= 0x10  # flip the parity bit of one character
    bad = parse_track_bits(2, codes)
    assert not bad.ok and "parity" in (bad.error or "")


def test_reader_flagged_bad_track_is_reported_per_track() -> None:
    swipe = swipe_from_report(build_report({1: TEST_TRACK1, 2: TEST_TRACK2}, bad_tracks=(1,)))
    assert not swipe.ok
    assert [(t.ok, t.error) for t in swipe.tracks[:2]] == [
        (False, "the reader reported a bad read"), (True, None)]


def test_wedge_text_with_error_marker() -> None:
    swipe = swipe_from_wedge(f"%E?{TEST_TRACK2}\n")
    assert [(t.number, t.ok) for t in swipe.tracks] == [(1, False), (2, True), (3, False)]
    assert swipe.track(1).error == "the reader reported a bad read"  # type: ignore[union-attr]


# --- end to end over pyusb ----------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["hid", "keyboard"])
def test_swipe_through_pyusb(mode: str) -> None:
    reader = EmulatedCardReader(mode=mode)
    backend = EmulatedBackend([reader])
    reader.swipe(TEST_TRACK1, TEST_TRACK2)
    with UsbCardReader(pid=None, backend=backend) as driver:
        swipe = driver.read_swipe(timeout=2)
        assert driver.mode == ("keyboard" if mode == "keyboard" else "magtek-hid")
    assert swipe.track(1).ok and swipe.track(2).ok  # type: ignore[union-attr]
    assert reader.kernel_driver == {0}  # usbhid got the interface back


def test_no_swipe_times_out_with_one_sentence() -> None:
    backend = EmulatedBackend([EmulatedCardReader()])
    with UsbCardReader(backend=backend) as driver, pytest.raises(LinkTimeout) as err:
        driver.read_swipe(timeout=0.05)
    assert err.value.exit_code == 3
