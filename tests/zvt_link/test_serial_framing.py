"""Serial framing per PA00P016 §3: known frames from the brief (zvt.md §1.2), then properties."""

import contextlib
import dataclasses

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from posdiag.drivers.zvt.serial_framing import (
    AckReceived,
    FrameError,
    FrameReceived,
    FrameReceiver,
    NakReceived,
    Noise,
    Unframed,
    crc16_kermit,
    frame,
    split_line,
    unframe,
    unframe_leniently,
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


# --- the receiver's edge cases, one test per rule (issue 10: these mutants survived) ---------


def test_lone_dle_between_frames_is_noise_and_the_next_byte_is_read_afresh():
    # DLE followed by anything but STX is line noise; the byte after it is not swallowed:
    # an ACK right after it is still an ACK, and a DLE right after it may start a frame.
    assert FrameReceiver().feed(bytes.fromhex("10 06")) == [Noise(b"\x10"), AckReceived()]
    assert FrameReceiver().feed(bytes.fromhex("10 41 15")) == [Noise(b"\x10\x41"), NakReceived()]
    events = FrameReceiver().feed(b"\x10" + frame(b"\x80\x00\x00"))
    assert events == [Noise(b"\x10"), FrameReceived(b"\x80\x00\x00", True, 0x1FF5, 0x1FF5)]


def test_a_frame_restarted_inside_a_frame_drops_the_first_and_reads_the_second():
    # The sender gave up after "80 00" and started over: the partial frame is reported with
    # the bytes it held (without the new DLE STX), and the new frame decodes on its own.
    wire = bytes.fromhex("10 02 80 00") + frame(b"\x06\x0f\x00")
    events = FrameReceiver().feed(wire)
    assert events == [
        FrameError("frame restarted before DLE ETX", bytes.fromhex("10 02 80 00")),
        FrameReceived(b"\x06\x0f\x00", True, 0x33C6, 0x33C6),
    ]
    with pytest.raises(ProtocolError, match="restarted"):
        unframe(wire)


def test_dle_dle_inside_a_frame_is_one_data_byte():
    events = FrameReceiver().feed(bytes.fromhex("10 02 04 FF 01 10 10 10 03 14 15"))
    assert events == [FrameReceived(bytes.fromhex("04 FF 01 10"), True, 0x1514, 0x1514)]


@pytest.mark.parametrize("extra", [
    ("AA", ""), ("", "AA"), ("06", ""), ("", "06"), ("", "15"), ("", "10"), ("", "10 02 80"),
])  # fmt: skip
def test_unframe_accepts_exactly_one_frame_and_nothing_else(extra):
    before, after = (bytes.fromhex(x) for x in extra)
    with pytest.raises(ProtocolError):
        unframe(before + frame(b"\x80\x00\x00") + after)


def test_unframe_refuses_what_is_not_a_frame():
    for wire in ("", "80 00 00", "10 02 80 00 00", "10 02 80 00 00 10 03 F5"):
        with pytest.raises(ProtocolError):
            unframe(bytes.fromhex(wire))


def test_lenient_unframing_names_each_problem_and_keeps_the_apdu():
    good = frame(b"\x06\x0f\x00")
    assert unframe_leniently(good) == Unframed(b"\x06\x0f\x00", True, ())
    noisy = unframe_leniently(b"\xaa" + good)
    assert (noisy.apdu, noisy.crc_ok, noisy.problems) == (
        b"\x06\x0f\x00", True, ("bytes outside the frame",))
    two = unframe_leniently(good + frame(b"\x80\x00\x00"))
    assert two.apdu == b"\x06\x0f\x00" and "2 frames on one line" in two.problems[0]
    # Bad stuffing: the body up to DLE ETX, DLE DLE halved, CRC still checked.
    damaged = unframe_leniently(bytes.fromhex("10 02 04 FF 01 10 10 10 05 10 03 00 00"))
    assert damaged.apdu == bytes.fromhex("04 FF 01 10 10 05") and not damaged.crc_ok
    assert "bad stuffing" in damaged.problems[0]
    cut = unframe_leniently(bytes.fromhex("10 02 80 00"))
    assert cut.apdu == bytes.fromhex("80 00") and "incomplete" in cut.problems[0]


def test_t1_reset_drops_a_partial_frame():
    receiver = FrameReceiver()
    assert receiver.feed(bytes.fromhex("10 02 80")) == [] and receiver.in_frame
    receiver.reset()
    assert not receiver.in_frame
    assert receiver.feed(frame(b"\x06\x0f\x00")) == [
        FrameReceived(b"\x06\x0f\x00", True, 0x33C6, 0x33C6)]


def test_crc_is_sent_low_byte_first_and_not_stuffed():
    # An APDU whose CRC holds a 10 byte: the CRC bytes go out raw, unstuffed.
    for n in range(2000):
        apdu = n.to_bytes(2, "big")
        crc = crc16_kermit(apdu + b"\x03")
        if 0x10 in (crc & 0xFF, crc >> 8):
            break
    else:
        pytest.fail("no two-byte APDU with a 10 in its CRC")
    wire = frame(apdu)
    assert wire[-2:] == bytes((crc & 0xFF, crc >> 8))
    assert unframe(wire) == (apdu, True)


def test_lenient_unframing_checks_the_crc_low_byte_first():
    # Bad stuffing (10 05), but a CRC that matches what the damaged body holds.
    body = bytes.fromhex("04 FF 01 10 05")
    crc = crc16_kermit(body + b"\x03")
    damaged = unframe_leniently(bytes.fromhex("10 02 04 FF 01 10 05 10 03")
                                + bytes((crc & 0xFF, crc >> 8)))  # fmt: skip
    assert damaged.apdu == body and damaged.crc_ok
    assert damaged.problems and "bad stuffing" in damaged.problems[0]


def test_a_line_is_split_only_into_whole_frames_and_handshake_bytes():
    one, two = frame(b"\x80\x00\x00"), frame(b"\x06\x0f\x00")
    assert split_line(one + two) == [one, two]
    assert split_line(b"\x06" + one + b"\x15") == [b"\x06", one, b"\x15"]
    stuffing = bytes.fromhex("10 02 04 10 05")
    for bad in (one + b"\xaa", b"\xaa" + one, one + two[:-1], stuffing + one):
        assert split_line(bad) is None


# --- what the line may hold between and inside frames (PA00P016 §3) ---------------------------

OTHER_BYTES = [b for b in range(256) if b not in (0x06, 0x10, 0x15)]


@pytest.mark.parametrize("byte", OTHER_BYTES, ids=lambda b: f"{b:02X}")
def test_between_frames_only_06_and_15_are_handshakes_every_other_byte_is_noise(byte):
    events = FrameReceiver().feed(bytes((byte,)) + b"\x06" + bytes((byte,)) + b"\x15")
    assert events == [Noise(bytes((byte,))), AckReceived(), Noise(bytes((byte,))),
                      NakReceived()]


@pytest.mark.parametrize("byte", [b for b in range(256) if b not in (0x02, 0x03, 0x10)],
                         ids=lambda b: f"{b:02X}")
def test_inside_a_frame_dle_is_followed_only_by_dle_etx_or_stx(byte):
    wire = bytes.fromhex("10 02 04 FF") + bytes((0x10, byte)) + frame(b"\x80\x00\x00")
    events = FrameReceiver().feed(wire)
    assert events[0] == FrameError(f"DLE followed by {byte:02X} inside a frame (bad stuffing)",
                                   bytes.fromhex("10 02 04 FF 10") + bytes((byte,)))
    assert events[-1] == FrameReceived(b"\x80\x00\x00", True, 0x1FF5, 0x1FF5)


def test_no_event_or_result_shows_the_bytes_it_holds():
    # A frame may carry track 2 or a PAN; logging an event or a result must not copy it.
    secret = b";4761739001010010=2512?"
    for value in (Noise(secret), FrameError("bad stuffing", secret),
                  FrameReceived(secret, True, 1, 1), Unframed(secret, True)):
        assert "4761" not in repr(value) and "34 37 36 31" not in repr(value)


@settings(deadline=None)
@example(b"", b"")
@example(b"\x80\x00\x00", b"\xaa\xbb")
@given(st.binary(max_size=40), st.binary(max_size=4).filter(lambda b: 0x10 not in b))
def test_lenient_unframing_recovers_the_apdu_of_a_frame_cut_before_its_crc(apdu, junk):
    # The capture ends inside the CRC, or junk came first: the APDU is still what the frame
    # held, and with no CRC to compare the line is not called correct.
    cut = frame(apdu)[:-2]
    assert unframe_leniently(junk + cut).apdu == apdu
    assert not unframe_leniently(junk + cut).crc_ok
    # Its start lost (and no DLE in it that could pass for one): the body up to DLE ETX,
    # and the CRC after it, still check.
    headless = frame(apdu)[2:]
    if 0x10 not in apdu and 0x10 not in headless[-2:]:
        assert unframe_leniently(headless) == Unframed(apdu, True, ("bytes outside the frame",))


def test_what_is_no_frame_at_all_is_named_so():
    with pytest.raises(ProtocolError, match="not a serial frame"):
        unframe(b"")
    assert unframe_leniently(b"").problems == (
        "not a serial frame (expected DLE STX ... DLE ETX CRC CRC)",)


def test_of_two_frames_on_a_line_the_first_is_decoded_with_its_own_crc_verdict():
    bad = bytearray(frame(b"\x06\x0f\x00"))
    bad[-1] ^= 0xFF
    result = unframe_leniently(bytes(bad) + frame(b"\x80\x00\x00"))
    assert (result.apdu, result.crc_ok) == (b"\x06\x0f\x00", False)
    assert result.problems == ("2 frames on one line; decoding the first",)


def test_a_damaged_frame_passes_the_crc_only_with_both_crc_bytes_matching():
    # Bad stuffing sends unframing the lenient way: the CRC after DLE ETX is compared with
    # the body it holds. A wrong CRC, one cut to its low byte or a byte after it is refused.
    body = bytes.fromhex("04 FF 01 10 05")
    crc = crc16_kermit(body + b"\x03")
    start = bytes.fromhex("10 02 04 FF 01 10 05 10 03")
    assert unframe_leniently(start + crc.to_bytes(2, "little") + b"\xaa").crc_ok
    for tail in (b"\xff\xff", b"\x00\x00", crc.to_bytes(2, "little")[:1], b""):
        assert not unframe_leniently(start + tail).crc_ok, tail.hex()
    # A CRC whose high byte is 00 does not match when only its low byte arrived.
    for n in range(5000):
        apdu = bytes.fromhex("04 FF 01 10 05") + n.to_bytes(2, "big")
        low_only = crc16_kermit(apdu + b"\x03")
        if low_only < 0x100:
            break
    else:
        pytest.fail("no APDU with a CRC below 0100")
    stuffed = b"\x10\x02" + apdu + b"\x10\x03"  # its 10 05 is the bad stuffing
    assert not unframe_leniently(stuffed + bytes((low_only,))).crc_ok


def test_a_long_line_of_frames_is_split_however_long_it_is():
    frames = [frame(bytes((0x06, 0xD1, 0x20, *range(0x20, 0x40)))) for _ in range(12)]
    line = b"".join(frames)
    assert len(line) > 256
    assert split_line(line) == frames


def test_received_events_cannot_be_altered():
    # What was checked against its CRC stays what was checked.
    event = FrameReceiver().feed(frame(b"\x80\x00\x00"))[0]
    for value, name in ((event, "apdu"), (Noise(b"\xaa"), "data"),
                        (FrameError("x", b""), "reason"), (Unframed(b"", True), "crc_ok")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, name, b"\x00")


@pytest.mark.parametrize("byte", [b for b in range(256) if b not in (0x02, 0x06, 0x10, 0x15)],
                         ids=lambda b: f"{b:02X}")
def test_between_frames_a_dle_starts_a_frame_only_with_stx(byte):
    # DLE 00 or DLE 01 is as much noise as DLE 41: only DLE STX opens a frame.
    events = FrameReceiver().feed(bytes((0x10, byte, 0x06)))
    assert events == [Noise(bytes((0x10, byte))), AckReceived()]
    receiver = FrameReceiver()
    receiver.feed(bytes((0x10, byte)))
    assert not receiver.in_frame


def test_noise_ending_in_a_dle_waits_for_the_next_read_and_comes_out_as_one_run():
    # A DLE at the end of a read may start a frame; until the next byte says, the noise
    # before it is held, so a noise run cut there is still reported as one.
    receiver = FrameReceiver()
    assert receiver.feed(b"\xaa\x10") == []
    assert receiver.feed(b"\x41") == [Noise(b"\xaa\x10\x41")]
    receiver = FrameReceiver()
    assert receiver.feed(b"\xaa\x10") == []
    assert receiver.feed(frame(b"\x80\x00\x00")[1:]) == [
        Noise(b"\xaa"), FrameReceived(b"\x80\x00\x00", True, 0x1FF5, 0x1FF5)]


def test_a_line_without_dle_etx_is_never_crc_correct():
    # No DLE ETX, so no CRC bytes to compare: not even two bytes of the line that happen to
    # equal the CRC of the rest make it correct.
    prefix = b"\x41\x42\x43"
    lucky = next(prefix + t.to_bytes(2, "big") for t in range(0x10000)
                 if crc16_kermit(prefix + t.to_bytes(2, "big") + b"\x03") == 0x4342
                 and 0x10 not in t.to_bytes(2, "big"))
    result = unframe_leniently(lucky)
    assert result.apdu == lucky and not result.crc_ok


def test_events_are_values_that_can_be_counted():
    # Equal events are equal and hash alike, so a link log can count ACKs and NAKs.
    events = FrameReceiver().feed(bytes.fromhex("06 06 15") + frame(b"\x80\x00\x00"))
    counts = {event: events.count(event) for event in set(events)}
    assert counts == {AckReceived(): 2, NakReceived(): 1,
                      FrameReceived(b"\x80\x00\x00", True, 0x1FF5, 0x1FF5): 1}
