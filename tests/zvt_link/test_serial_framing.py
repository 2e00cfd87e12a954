"""Serial framing per PA00P016 §3: known frames from the brief (zvt.md §1.2), then properties."""

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posdiag.drivers.zvt.serial_framing import (
    AckReceived,
    FrameError,
    FrameReceived,
    FrameReceiver,
    NakReceived,
    Noise,
    crc16_kermit,
    frame,
    unframe,
)
from posdiag.errors import ProtocolError

# (APDU, full frame) pairs: zvt.md §1.2; the first is ecrterm's test_version_completion,
# the pay-1.90 frame matches a PAYONE P400 Plus log line (Portalum issue #56).
KNOWN_FRAMES = [
    ("06 0F 0B F0 F0 F7 32 2E 31 34 2E 31 35 00",
     "10 02 06 0F 0B F0 F0 F7 32 2E 31 34 2E 31 35 00 10 03 B1 11"),
    ("80 00 00", "10 02 80 00 00 10 03 F5 1F"),
    ("06 0F 00", "10 02 06 0F 00 10 03 C6 33"),
    ("06 1E 01 6C", "10 02 06 1E 01 6C 10 03 C9 F2"),
    ("04 FF 01 0A", "10 02 04 FF 01 0A 10 03 F5 7D"),
    ("05 01 03 12 34 56", "10 02 05 01 03 12 34 56 10 03 E0 43"),
    ("04 FF 01 10", "10 02 04 FF 01 10 10 10 03 14 15"),
    ("06 30 06 12 34 56 87 00 10", "10 02 06 30 06 12 34 56 87 00 10 10 10 03 7F 3B"),
    ("06 01 07 04 00 00 00 00 01 90", "10 02 06 01 07 04 00 00 00 00 01 90 10 03 76 57"),
]


def test_crc16_kermit_check_value():
    assert crc16_kermit(b"123456789") == 0x2189


@pytest.mark.parametrize(("apdu", "wire"), KNOWN_FRAMES)
def test_known_frames_encode(apdu, wire):
    assert frame(bytes.fromhex(apdu)) == bytes.fromhex(wire)


@pytest.mark.parametrize(("apdu", "wire"), KNOWN_FRAMES)
def test_known_frames_decode(apdu, wire):
    assert unframe(bytes.fromhex(wire)) == (bytes.fromhex(apdu), True)


def test_bad_crc_is_reported_not_raised():
    wire = bytearray(bytes.fromhex("10 02 80 00 00 10 03 F5 1F"))
    wire[-1] ^= 0xFF
    assert unframe(bytes(wire)) == (bytes.fromhex("80 00 00"), False)


def test_bad_stuffing_raises_protocol_error():
    with pytest.raises(ProtocolError, match="stuffing"):
        unframe(bytes.fromhex("10 02 04 FF 01 10 05 10 03 00 00"))


def test_receiver_resynchronises_after_garbage_and_sees_ack_nak():
    wire = bytes.fromhex("06 AA BB 10 02 80 00 00 10 03 F5 1F 15")
    events = FrameReceiver().feed(wire)
    assert events == [
        AckReceived(),
        Noise(b"\xaa\xbb"),
        FrameReceived(bytes.fromhex("800000"), True, 0x1FF5, 0x1FF5),
        NakReceived(),
    ]


def test_receiver_reports_bad_stuffing_then_reads_next_frame():
    wire = bytes.fromhex("10 02 04 10 05") + frame(b"\x06\x0f\x00")
    events = FrameReceiver().feed(wire)
    assert isinstance(events[0], FrameError)
    assert events[-1] == FrameReceived(b"\x06\x0f\x00", True, 0x33C6, 0x33C6)


@given(st.binary(max_size=600))
def test_frame_round_trip(apdu):
    assert unframe(frame(apdu)) == (apdu, True)


@given(st.binary(max_size=300), st.integers(min_value=1, max_value=50))
def test_round_trip_whatever_the_chunking(apdu, chunk):
    wire = frame(apdu)
    receiver = FrameReceiver()
    events = []
    for i in range(0, len(wire), chunk):
        events += receiver.feed(wire[i : i + chunk])
    assert [e for e in events if isinstance(e, FrameReceived)] == [
        FrameReceived(apdu, True, crc16_kermit(apdu + b"\x03"), crc16_kermit(apdu + b"\x03"))
    ]


@given(st.binary(max_size=200))
def test_random_bytes_never_crash_the_receiver(data):
    FrameReceiver().feed(data)
    with contextlib.suppress(ProtocolError):
        unframe(data)


@given(st.binary(min_size=1, max_size=100), st.data())
def test_any_single_bit_flip_is_caught(apdu, data):
    wire = bytearray(frame(apdu))
    index = data.draw(st.integers(min_value=2, max_value=len(wire) - 1))
    wire[index] ^= 1 << data.draw(st.integers(min_value=0, max_value=7))
    try:
        got, crc_ok = unframe(bytes(wire))
    except ProtocolError:
        return
    assert not crc_ok, f"corruption not detected: {got.hex()}"
