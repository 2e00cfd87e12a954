"""Track text from a reader -> a Swipe with one verdict per track. Pure.

Tracks 1 and 2 go through posdiag.tracks (ISO/IEC 7813: sentinels, field
separators, LRC when the reader passes it on, parity when raw stripe characters
are available). Track 3 (ISO 4909) is checked for its frame only. Readers flag a
bad read themselves: MagTek with a non-zero status byte, keyboard wedges with
``%E?`` / ``;E?`` / ``+E?``.
"""

from __future__ import annotations

from collections.abc import Sequence

from posdiag.cards import mask_pan
from posdiag.devices import Swipe, TrackRead
from posdiag.drivers.msr.magtek import parse_report
from posdiag.errors import ProtocolError
from posdiag.i18n import _
from posdiag.tracks import Track1, Track2, TrackError, decode_bits

NO_DATA = "no data"
READER_ERROR = "the reader reported a bad read"
_TRACK_TYPES: dict[int, type[Track1] | type[Track2]] = {1: Track1, 2: Track2}


def parse_track(number: int, text: str | None, *, reader_error: bool = False) -> TrackRead:
    """The verdict on one track's text (start sentinel to end sentinel, LRC optional)."""
    if reader_error:
        return TrackRead(number, False, READER_ERROR)
    if not text:
        return TrackRead(number, False, NO_DATA)
    if number == 3:
        end = text.find("?", 1)
        framed = len(text) >= 3 and text[0] in ";+" and end >= len(text) - 2  # LRC may follow
        return TrackRead(3, framed, None if framed else "track 3 lacks its sentinels",
                         len(text))
    try:
        parsed = _TRACK_TYPES[number].from_text(text)
    except TrackError as err:
        return TrackRead(number, False, str(err), len(text))
    return TrackRead(number, True, None, len(text), mask_pan(parsed.pan), parsed)


def parse_track_bits(number: int, codes: Sequence[int]) -> TrackRead:
    """The verdict on raw stripe characters (data bits + parity), as raw-mode readers give."""
    try:
        text = decode_bits(number, codes)
    except TrackError as err:
        return TrackRead(number, False, str(err))
    return parse_track(number, text)


def swipe_from_report(report: bytes) -> Swipe:
    """A MagTek-style HID report as a Swipe."""
    parsed = parse_report(report)
    reads = []
    for track in parsed.tracks:
        try:
            text = track.data.decode("ascii")
        except UnicodeDecodeError:
            reads.append(TrackRead(track.number, False, "track data is not text"))
            continue
        reads.append(parse_track(track.number, text, reader_error=track.status != 0))
    return Swipe(tuple(reads), "magtek-hid")


def split_wedge_text(text: str) -> dict[int, str]:
    """Keyboard-wedge output "%...?;...?;...?" split into tracks 1..3 (sentinels kept)."""
    tracks: dict[int, str] = {}
    rest = text.strip()
    while rest:
        start = rest[0]
        end = rest.find("?", 1)
        if start not in "%;+" or end < 0:
            raise ProtocolError(_("card reader output lacks track sentinels; swipe again."))
        # An LRC character, if the reader sends one, sits right after the end sentinel.
        nxt = end + 1
        if nxt < len(rest) and rest[nxt] not in "%;+":
            nxt += 1
        chunk, rest = rest[:nxt], rest[nxt:]
        if start == "%":
            number = 1
        elif start == "+" or 2 in tracks:
            number = 3
        else:
            number = 2
        tracks[number] = chunk
    return tracks


def swipe_from_wedge(text: str) -> Swipe:
    """Keyboard-wedge text (one swipe) as a Swipe."""
    try:
        tracks = split_wedge_text(text)
    except ProtocolError as err:
        return Swipe(tuple(TrackRead(n, False, str(err)) for n in (1, 2, 3)), "keyboard")
    reads = []
    for number in (1, 2, 3):
        chunk = tracks.get(number)
        bad = chunk is not None and chunk[1:2] == "E" and chunk[2:3] == "?"
        reads.append(parse_track(number, chunk, reader_error=bad))
    return Swipe(tuple(reads), "keyboard")
