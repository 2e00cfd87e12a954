"""Magnetic-stripe tracks 1 and 2 (ISO/IEC 7813 layout, ISO/IEC 7811 coding): a pure codec.

Track 1 (IATA): ``%B PAN ^ NAME ^ YYMM SVC discretionary ?`` then the LRC character. Characters
are 0x20–0x5F, written as 6 data bits (ASCII − 0x20) plus an odd-parity bit; at most 79
characters including sentinels and LRC.

Track 2 (ABA): ``; PAN = YYMM SVC discretionary ?`` then the LRC. Characters are 0x30–0x3F,
written as 4 data bits (ASCII − 0x30) plus an odd-parity bit; at most 40 characters.

The LRC is the XOR of the data bits of every character from the start sentinel through the end
sentinel; it gets its own odd-parity bit (it is not a parity over the parity bits). An absent
expiry or service code is written as the field separator alone, as the standard allows.

Text arguments hold the track from start to end sentinel; an LRC character, where a reader
delivers one, follows the end sentinel. Bad input raises only ``TrackError`` (a
``ProtocolError``): ``Track1Error`` or ``Track2Error``. Track data is sensitive authentication
data: reprs show the masked PAN only and error messages name positions, never characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from posdiag.cards import mask_pan
from posdiag.errors import ProtocolError
from posdiag.i18n import _


class TrackError(ProtocolError):
    """Magnetic-stripe data that does not follow ISO/IEC 7811/7813."""


class Track1Error(TrackError):
    """Track 1 data is malformed."""


class Track2Error(TrackError):
    """Track 2 data is malformed."""


@dataclass(frozen=True)
class _Layout:
    number: int
    start: str
    end: str
    separator: str
    offset: int  # ASCII value of data code 0
    data_bits: int
    max_chars: int  # including sentinels and LRC
    error: type[TrackError]


_TRACK1 = _Layout(1, "%", "?", "^", 0x20, 6, 79, Track1Error)
_TRACK2 = _Layout(2, ";", "?", "=", 0x30, 4, 40, Track2Error)
_LAYOUTS = {1: _TRACK1, 2: _TRACK2}


def _layout(track: int) -> _Layout:
    if track not in _LAYOUTS:
        raise TrackError(_("Only tracks 1 and 2 are supported, not track {track!r}.").format(
                             track=track))
    return _LAYOUTS[track]


def _code(layout: _Layout, char: str, position: int) -> int:
    value = ord(char) - layout.offset
    if not 0 <= value < 1 << layout.data_bits:
        raise layout.error(
            _("Track {number} character {value} is outside the track's character "
              "set; re-read the card.").format(number=layout.number, value=position + 1)
        )
    return value


def _with_parity(code: int, data_bits: int) -> int:
    """The code with its odd-parity bit as the top bit."""
    parity = 0 if code.bit_count() % 2 else 1
    return code | parity << data_bits


def _check_frame(layout: _Layout, text: str) -> None:
    """Text must run from the start sentinel to the one end sentinel, within the charset."""
    if not isinstance(text, str):
        raise layout.error(_("Track {number} data must be text.").format(number=layout.number))
    if len(text) < 2 or text[0] != layout.start or text[-1] != layout.end:
        raise layout.error(
            _("Track {number} data must start with '{start}' and end with '{end}'; "
              "re-read the card.").format(number=layout.number, start=layout.start, end=layout.end)
        )
    if len(text) + 1 > layout.max_chars:
        raise layout.error(
            _("Track {number} holds at most {max_chars} characters including the "
              "LRC; this one is longer.").format(number=layout.number, max_chars=layout.max_chars)
        )
    for position, char in enumerate(text):
        _code(layout, char, position)
        inner = 0 < position < len(text) - 1
        if inner and char in (layout.start, layout.end):
            raise layout.error(
                _("Track {number} has a sentinel inside its data at character "
                  "{value}; re-read the card.").format(number=layout.number, value=position + 1)
            )


def lrc(track: int, text: str) -> str:
    """The LRC character of a track given from start to end sentinel."""
    layout = _layout(track)
    _check_frame(layout, text)
    value = 0
    for position, char in enumerate(text):
        value ^= _code(layout, char, position)
    return chr(value + layout.offset)


def check_lrc(track: int, text: str, lrc_char: str | None = None) -> None:
    """Raise the track's error unless the LRC matches.

    With ``lrc_char`` None, the LRC is taken as the character after the end sentinel.
    """
    layout = _layout(track)
    if lrc_char is None:
        if not isinstance(text, str) or len(text) < 3:
            raise layout.error(_("Track {number} data has no LRC character to check.").format(
                                   number=layout.number))
        text, lrc_char = text[:-1], text[-1]
    if lrc(track, text) != lrc_char:
        raise layout.error(
            _("Track {number} LRC does not match its data; swipe the card again.").format(
                number=layout.number)
        )


def encode_bits(track: int, text: str) -> list[int]:
    """Characters as written on the stripe, LRC appended: data bits low, odd parity on top.

    On the stripe each character is recorded least significant bit first, parity last.
    """
    layout = _layout(track)
    lrc_char = lrc(track, text)
    return [
        _with_parity(_code(layout, char, position), layout.data_bits)
        for position, char in enumerate(text + lrc_char)
    ]


def decode_bits(track: int, codes: Sequence[int]) -> str:
    """Stripe characters (as from :func:`encode_bits`) back to text; parity and LRC checked.

    Zero values before and after the data are clocking zeros and are skipped. The result runs
    from start to end sentinel, without the LRC.
    """
    layout = _layout(track)
    values = list(codes)
    while values and values[0] == 0:
        values.pop(0)
    while values and values[-1] == 0:
        values.pop()
    chars: list[str] = []
    for position, value in enumerate(values):
        if not isinstance(value, int) or not 0 <= value < 1 << (layout.data_bits + 1):
            raise layout.error(
                _("Track {number} stripe character {value} is not a {value2}-bit "
                  "value.").format(
                    number=layout.number, value=position + 1, value2=layout.data_bits + 1)
            )
        code = value & ((1 << layout.data_bits) - 1)
        if _with_parity(code, layout.data_bits) != value:
            raise layout.error(
                _("Track {number} stripe character {value} fails its parity check; "
                  "swipe the card again.").format(number=layout.number, value=position + 1)
            )
        chars.append(chr(code + layout.offset))
    text = "".join(chars)
    if len(text) < 3:
        raise layout.error(_("Track {number} stripe holds no complete track.").format(
                               number=layout.number))
    check_lrc(track, text[:-1], text[-1])
    return text[:-1]


# --- field checks --------------------------------------------------------------------------


def _check_digits(layout: _Layout, value: object, what: str, lengths: range) -> None:
    ok = isinstance(value, str) and value.isascii() and value.isdigit() and len(value) in lengths
    if not ok:
        if len(lengths) > 1:
            raise layout.error(_("Track {number} {what} must be {low} to {high} digits.").format(
                number=layout.number, what=what, low=lengths.start, high=lengths.stop - 1))
        raise layout.error(_("Track {number} {what} must be {count} digits.").format(
            number=layout.number, what=what, count=lengths.start))


def _check_fields(layout: _Layout, pan: str, expiry: str | None, service: str | None) -> None:
    _check_digits(layout, pan, "PAN", range(12, 20))
    if expiry is not None:
        _check_digits(layout, expiry, "expiry (YYMM)", range(4, 5))
        if not 1 <= int(expiry[2:]) <= 12:
            raise layout.error(_("Track {number} expiry month must be 01 to 12.").format(
                                   number=layout.number))
    if service is not None:
        _check_digits(layout, service, "service code", range(3, 4))


def _split_tail(layout: _Layout, tail: str) -> tuple[str | None, str | None, str]:
    """YYMM, service code and discretionary data; each of the first two may be a separator."""
    if tail.startswith(layout.separator):
        expiry, tail = None, tail[1:]
    else:
        expiry, tail = tail[:4], tail[4:]
    if tail.startswith(layout.separator):
        service, tail = None, tail[1:]
    else:
        service, tail = tail[:3], tail[3:]
    return expiry, service, tail


def _strip_lrc(layout: _Layout, text: object) -> str:
    """The text up to the end sentinel, after checking a trailing LRC if there is one."""
    if not isinstance(text, str):
        raise layout.error(_("Track {number} data must be text.").format(number=layout.number))
    end = text.find(layout.end, 1)
    if end < 0 or len(text) - end > 2:
        raise layout.error(
            _("Track {number} data must end with '{end}' and at most one LRC "
              "character; re-read the card.").format(number=layout.number, end=layout.end)
        )
    if len(text) - end == 2:
        check_lrc(layout.number, text[: end + 1], text[-1])
    framed = text[: end + 1]
    _check_frame(layout, framed)
    return framed


# --- the tracks ----------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Track1:
    """ISO/IEC 7813 track 1, format code B. None for an absent expiry or service code."""

    pan: str
    name: str
    expiry_yymm: str | None
    service_code: str | None
    discretionary: str = ""

    def __post_init__(self) -> None:
        _check_fields(_TRACK1, self.pan, self.expiry_yymm, self.service_code)
        reserved = {_TRACK1.start, _TRACK1.end, _TRACK1.separator}
        if not isinstance(self.name, str) or not 2 <= len(self.name) <= 26:
            raise Track1Error(_("Track 1 name must be 2 to 26 characters (SURNAME/FIRST)."))
        for what, value in (("name", self.name), ("discretionary data", self.discretionary)):
            if not isinstance(value, str) or any(
                c in reserved or not 0x20 <= ord(c) <= 0x5F for c in value
            ):
                raise Track1Error(
                    _("Track 1 {what} may hold only upper-case letters, digits, "
                      "space and punctuation other than % ^ ?.").format(what=what)
                )
        _check_frame(_TRACK1, self.encode())

    def encode(self, with_lrc: bool = False) -> str:
        """``%B…?``, with the LRC character appended if asked."""
        sep = _TRACK1.separator
        text = (
            f"%B{self.pan}{sep}{self.name}{sep}{self.expiry_yymm or sep}"
            f"{self.service_code or sep}{self.discretionary}?"
        )
        return text + lrc(1, text) if with_lrc else text

    @property
    def lrc_char(self) -> str:
        return lrc(1, self.encode())

    @classmethod
    def from_text(cls, text: str) -> Track1:
        """Parse ``%B…?`` with or without a trailing LRC (checked when present)."""
        framed = _strip_lrc(_TRACK1, text)
        body = framed[1:-1]
        if not body.startswith("B"):
            raise Track1Error(_("Track 1 format code must be 'B' (format A is proprietary)."))
        parts = body[1:].split(_TRACK1.separator, 2)
        if len(parts) != 3:
            raise Track1Error(_("Track 1 needs two '^' separators around the name."))
        pan, name, tail = parts
        expiry, service, discretionary = _split_tail(_TRACK1, tail)
        return cls(pan, name, expiry, service, discretionary)

    def __repr__(self) -> str:
        return f"Track1(pan={mask_pan(self.pan)!r}, <name, expiry and discretionary hidden>)"


@dataclass(frozen=True, repr=False)
class Track2:
    """ISO/IEC 7813 track 2. None for an absent expiry or service code."""

    pan: str
    expiry_yymm: str | None
    service_code: str | None
    discretionary: str = ""

    def __post_init__(self) -> None:
        _check_fields(_TRACK2, self.pan, self.expiry_yymm, self.service_code)
        if not isinstance(self.discretionary, str) or not (
            self.discretionary == ""
            or (self.discretionary.isascii() and self.discretionary.isdigit())
        ):
            raise Track2Error(_("Track 2 discretionary data may hold digits only."))
        _check_frame(_TRACK2, self.encode())

    def encode(self, with_lrc: bool = False) -> str:
        """``;…?``, with the LRC character appended if asked."""
        sep = _TRACK2.separator
        text = (
            f";{self.pan}{sep}{self.expiry_yymm or sep}{self.service_code or sep}"
            f"{self.discretionary}?"
        )
        return text + lrc(2, text) if with_lrc else text

    @property
    def lrc_char(self) -> str:
        return lrc(2, self.encode())

    @classmethod
    def from_text(cls, text: str) -> Track2:
        """Parse ``;…?`` with or without a trailing LRC (checked when present)."""
        framed = _strip_lrc(_TRACK2, text)
        parts = framed[1:-1].split(_TRACK2.separator, 1)
        if len(parts) != 2:
            raise Track2Error(_("Track 2 needs an '=' separator after the PAN."))
        pan, tail = parts
        expiry, service, discretionary = _split_tail(_TRACK2, tail)
        return cls(pan, expiry, service, discretionary)

    def __repr__(self) -> str:
        return f"Track2(pan={mask_pan(self.pan)!r}, <expiry and discretionary hidden>)"
