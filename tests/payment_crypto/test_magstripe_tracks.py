"""ISO/IEC 7813 tracks 1 and 2: known answers first, then round trips and bad-input properties.

Known values: /work/shared/docs/reference/payment-crypto.md §4 (Ingenico UTA tcnl0028.c LRCs,
Tsys.net and iZettle published test tracks).
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posdiag.errors import ProtocolError
from posdiag.tracks import (
    Track1,
    Track1Error,
    Track2,
    Track2Error,
    TrackError,
    check_lrc,
    decode_bits,
    encode_bits,
    lrc,
)

# --- known answers -------------------------------------------------------------------------


def test_track2_lrc_known_answers() -> None:
    # Ingenico UTA tcnl0028.c
    assert lrc(2, ";4761739001010010=10122011143878089?") == "1"
    assert lrc(2, ";5893440000001872=9912101000002?") == "3"
    # ... "as 5-bit byte 0x13": data 0011 with its odd-parity bit set
    assert encode_bits(2, ";5893440000001872=9912101000002?")[-1] == 0x13


def test_track2_nibbles_of_the_ingenico_vector() -> None:
    # "B4761739001010010D10122011143878089F1": the 4-bit data codes, LRC last
    codes = encode_bits(2, ";4761739001010010=10122011143878089?")
    assert "".join(f"{c & 0x0F:X}" for c in codes) == "B4761739001010010D10122011143878089F1"
    assert all(c.bit_count() % 2 == 1 for c in codes)


def test_track2_parses_a_published_track_with_its_lrc() -> None:
    track = Track2.from_text(";4761739001010010=10122011143878089?1")
    assert track == Track2("4761739001010010", "1012", "201", "1143878089")
    assert track.lrc_char == "1"
    with pytest.raises(Track2Error):
        Track2.from_text(";4761739001010010=10122011143878089?2")


def test_track1_parses_published_tracks() -> None:
    # Tsys.net MockIdentifierService.cs (ADVT card 1 PAN)
    advt = Track1.from_text(
        "%B4761739001010010^VISA ACQUIRER TEST CARD 01^20122011143800780000000?"
    )
    assert advt == Track1(
        "4761739001010010", "VISA ACQUIRER TEST CARD 01", "2012", "201", "1143800780000000"
    )
    # iZettle Track1DataTest.java (MasterCard M-TIP), service codes 101 and 205
    mtip = Track1.from_text("%B5413330056003511^CUST IMP MC 351/^1412101067750500?")
    assert (mtip.name, mtip.expiry_yymm, mtip.service_code) == ("CUST IMP MC 351/", "1412", "101")
    mtip2 = Track1.from_text(
        "%B5413330056003529^CUST IMP MC 352/^14122059900909900000099909909969929990400?"
    )
    assert mtip2.service_code == "205"


def test_absent_expiry_and_service_code_are_written_as_separators() -> None:
    track = Track2("4761739001010010", None, None, "123")
    assert track.encode() == ";4761739001010010===123?"
    assert Track2.from_text(track.encode(with_lrc=True)) == track
    track1 = Track1("4761739001010010", "TEST/CARD", None, "201", "")
    assert track1.encode() == "%B4761739001010010^TEST/CARD^^201?"
    assert Track1.from_text(track1.encode()) == track1


def test_repr_shows_only_the_masked_pan() -> None:
    track = Track2.from_text(";4761739001010010=10122011143878089?")
    assert "4761739001010010" not in repr(track)
    assert "1143878089" not in repr(track)
    assert "476173******0010" in repr(track)


@pytest.mark.parametrize(
    ("factory", "error"),
    [
        (lambda: Track2.from_text("4761739001010010=1012201?"), Track2Error),  # no start sentinel
        (lambda: Track2.from_text(";4761739001010010=1012201"), Track2Error),  # no end sentinel
        (lambda: Track2.from_text(";47617390010100A0=1012201?"), Track2Error),  # letter
        (lambda: Track2.from_text(";4761739001010010=1013201?"), Track2Error),  # month 13
        (lambda: Track2("4761739001010010", "3012", "201", "1" * 20), Track2Error),  # > 40 chars
        (lambda: Track1.from_text("%A4761739001010010^X Y^3012201?"), Track1Error),  # format A
        (lambda: Track1.from_text("%B4761739001010010^lower/case^3012201?"), Track1Error),
        (lambda: Track1("4761739001010010", "A", "3012", "201"), Track1Error),  # name too short
        (lambda: Track1.from_text("%E?"), Track1Error),  # a reader's "read error" track
        (lambda: decode_bits(2, [0x0B, 0x04]), Track2Error),  # parity error, no end
    ],
)
def test_bad_tracks_raise_the_tracks_error(factory, error) -> None:
    with pytest.raises(error):
        factory()


# --- properties ----------------------------------------------------------------------------

digits = "0123456789"
pans = st.text(alphabet=digits, min_size=12, max_size=19)
expiries = st.one_of(
    st.none(),
    st.tuples(st.integers(0, 99), st.integers(1, 12)).map(lambda ym: f"{ym[0]:02}{ym[1]:02}"),
)
service_codes = st.one_of(st.none(), st.text(alphabet=digits, min_size=3, max_size=3))
track1_chars = "".join(chr(c) for c in range(0x20, 0x60) if chr(c) not in "%?^")


@st.composite
def track2s(draw: st.DrawFn) -> Track2:
    pan = draw(pans)
    room = 39 - (len(pan) + 2 + 4 + 3 + 1)
    discretionary = draw(st.text(alphabet=digits, max_size=room))
    return Track2(pan, draw(expiries), draw(service_codes), discretionary)


@st.composite
def track1s(draw: st.DrawFn) -> Track1:
    pan = draw(pans)
    name = draw(st.text(alphabet=track1_chars, min_size=2, max_size=26))
    room = 78 - (len(pan) + len(name) + 4 + 4 + 3 + 1)
    discretionary = draw(st.text(alphabet=track1_chars, max_size=room))
    return Track1(pan, name, draw(expiries), draw(service_codes), discretionary)


@given(st.one_of(track1s(), track2s()))
def test_tracks_round_trip_through_text_and_stripe_bits(track: Track1 | Track2) -> None:
    number = 1 if isinstance(track, Track1) else 2
    text = track.encode()
    assert type(track).from_text(text) == track
    assert type(track).from_text(text + track.lrc_char) == track
    assert track.encode(with_lrc=True) == text + lrc(number, text)
    check_lrc(number, text + track.lrc_char)
    bits = encode_bits(number, text)
    assert all(b.bit_count() % 2 == 1 for b in bits)  # odd parity, the LRC included
    assert decode_bits(number, [0, 0, *bits, 0]) == text


@given(track=track2s(), data=st.data())
def test_one_changed_character_breaks_the_lrc(track: Track2, data: st.DataObject) -> None:
    text = track.encode()
    position = data.draw(st.integers(1, len(text) - 2))
    replacement = data.draw(st.sampled_from([c for c in "0123456789=" if c != text[position]]))
    changed = text[:position] + replacement + text[position + 1 :]
    with pytest.raises(Track2Error):
        check_lrc(2, changed, track.lrc_char)


@given(track=track1s(), data=st.data())
def test_one_flipped_stripe_bit_is_caught(track: Track1, data: st.DataObject) -> None:
    bits = encode_bits(1, track.encode())
    index = data.draw(st.integers(0, len(bits) - 1))
    bit = data.draw(st.integers(0, 6))
    bits[index] ^= 1 << bit
    with pytest.raises(Track1Error):
        decode_bits(1, bits)


@given(st.text(max_size=90))
def test_random_text_raises_only_protocol_errors(text: str) -> None:
    for parse in (Track1.from_text, Track2.from_text):
        with contextlib.suppress(ProtocolError):
            parse(text)
    for number in (1, 2):
        with contextlib.suppress(TrackError):
            lrc(number, text)
        with contextlib.suppress(TrackError):
            check_lrc(number, text)


@given(st.integers(1, 2), st.lists(st.integers(-5, 300), max_size=50))
def test_random_stripe_values_raise_only_track_errors(number: int, values: list[int]) -> None:
    with contextlib.suppress(TrackError):
        decode_bits(number, values)
