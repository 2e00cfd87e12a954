"""MagTek-style vendor HID input report (USB HID swipe reader, 0801:0002). Pure.

One 337-byte report per swipe: bytes 0-2 decode status of tracks 1-3 (0 = good),
3-5 their lengths, 6 the card encode type, then three 110-byte track fields at
7, 117 and 227 (MicahCarrick/magtek-pyusb; MagTek USB HID swipe reader manual).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from posdiag.errors import ProtocolError
from posdiag.i18n import _

REPORT_SIZE = 337
TRACK_FIELD = 110
_OFFSETS = {1: 7, 2: 117, 3: 227}
ENCODE_TYPES = {0: "ISO/ABA", 1: "AAMVA", 2: "CADL", 3: "blank", 4: "other",
                5: "undetermined", 6: "none"}


@dataclass(frozen=True, slots=True)
class ReportTrack:
    number: int
    status: int  # 0 = the reader decoded it without error
    data: bytes = field(repr=False)  # track data; never log it


@dataclass(frozen=True, slots=True)
class MagtekReport:
    tracks: tuple[ReportTrack, ...]
    encode_type: str


def parse_report(report: bytes) -> MagtekReport:
    """Split one input report into its tracks (data cut to the reported lengths)."""
    if len(report) < REPORT_SIZE:
        raise ProtocolError(_("card reader report has {report_length} bytes, "
                              "expected {report_size}; check that the reader is in "
                              "HID mode.").format(
                                report_length=len(report), report_size=REPORT_SIZE))
    tracks = []
    for number, offset in _OFFSETS.items():
        status, length = report[number - 1], report[number + 2]
        if length > TRACK_FIELD:
            raise ProtocolError(_("card reader says track {number} holds {length} "
                                  "bytes, more than the {track_field} its report has "
                                  "room for.").format(
                                    number=number, length=length, track_field=TRACK_FIELD))
        tracks.append(ReportTrack(number, status, bytes(report[offset:offset + length])))
    return MagtekReport(tuple(tracks), ENCODE_TYPES.get(report[6], f"type {report[6]}"))


def build_report(tracks: Mapping[int, str | None], *, bad_tracks: tuple[int, ...] = ()) -> bytes:
    """The report a reader sends for these tracks (text from start to end sentinel)."""
    report = bytearray(REPORT_SIZE)
    for number, offset in _OFFSETS.items():
        text = tracks.get(number) or ""
        data = b"" if number in bad_tracks else text.encode("ascii")
        if len(data) > TRACK_FIELD:
            raise ProtocolError(_("track {number} text is longer than {track_field} "
                                  "bytes.").format(number=number, track_field=TRACK_FIELD))
        report[number - 1] = 1 if number in bad_tracks else 0
        report[number + 2] = len(data)
        report[offset:offset + len(data)] = data
    report[6] = 0 if any(tracks.values()) else 3
    return bytes(report)
