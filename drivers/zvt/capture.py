"""A whole capture decoded in context: who is master, what a response answers, which
character set is in force (PA00P016 §5, PA00P015 §2.1/§9.4.2 tag 27). Pure.

The ECR is master until its command is accepted with 80 00; then the PT sends
Intermediate Status, Status-Information, print commands and finally a Completion
or Abort, each answered by the ECR. Without `>`/`<` marks the direction of a line
follows from the command (04 xx, 06 0F, 06 1E ... only come from the PT) and, for
the print commands that both sides may send, from whether a dialog is running.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from posdiag.drivers.zvt import charsets, serial_framing, tlv
from posdiag.drivers.zvt.analyser import (
    TO_ECR,
    TO_PT,
    FrameReport,
    analyse,
    parse_hex,
    with_notes,
)
from posdiag.drivers.zvt.apdu import split_apdus
from posdiag.drivers.zvt.messages import Message
from posdiag.i18n import _

Command = tuple[int, int]
REGISTRATION = (0x06, 0x00)
LOG_OFF = (0x06, 0x02)
READ_CARD = (0x06, 0xC0)
ABORT = (0x06, 0xB0)
COMPLETION, PT_ABORT, STATUS_INFORMATION = (0x06, 0x0F), (0x06, 0x1E), (0x04, 0x0F)
# Commands only the PT sends (§3).
PT_COMMANDS = frozenset({
    COMPLETION, PT_ABORT, (0x06, 0xD0), (0x06, 0xD8), (0x06, 0xD9), (0x06, 0xDA),
    (0x06, 0xDB), (0x06, 0xDD), (0x06, 0xE4),
})  # fmt: skip
EITHER_SIDE = frozenset({(0x06, 0xD1), (0x06, 0xD3)})  # print on the ECR, or on the PT


def is_response(command: Command) -> bool:
    return command[0] in (0x80, 0x84)


@dataclass
class CaptureAnalyser:
    """Decodes a capture line by line, carrying the context the lines build up.

    ``charset``: the set the user named (--charset); it then applies throughout and what
    the terminal announces is only noted. None: follow the terminal's announcement."""

    charset: str | None = None
    dialog: Command | None = None  # the ECR command whose dialog is running
    pending: Command | None = None  # the last command not yet answered with 80 00 / 84 xx
    announced: str | None = None  # the set the PT accepted in its Registration Completion
    reports: list[FrameReport] = field(default_factory=list)

    @property
    def session_charset(self) -> str | None:
        return self.charset if self.charset is not None else self.announced

    def feed(self, text: str, line: int | None = None) -> list[FrameReport]:
        """The reports of one capture line: none for a comment, one per message, several
        when the line holds several complete frames or APDUs (a TCP read often does)."""
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            return []
        direction, data = parse_hex(stripped, line)
        pieces = serial_framing.split_line(data) if b"\x10\x02" in data[:3] else None
        if pieces is None and data[:2] != b"\x10\x02":
            pieces = split_apdus(data)
        return [self._feed_one(piece, direction, line) for piece in pieces or [data]]

    def _feed_one(self, data: bytes, direction: str | None, line: int | None) -> FrameReport:
        command = (data[0], data[1]) if len(data) >= 2 and data[:2] != b"\x10\x02" else None
        if data[:2] == b"\x10\x02" and len(data) >= 4:
            command = (data[2], data[3])  # a frame: peek at the APDU (stuffing aside)
        answering = self._answering(command)
        report, message = analyse(data, direction, answering, line, self.session_charset,
                                  fixed=self.charset is not None)  # fmt: skip
        if message is not None:
            report = with_notes(report, self._follow(message, direction))
        elif command is not None and not is_response(command):
            self.pending = command  # undecodable, but still the command the next 80 00 answers
        self.reports.append(report)
        return report

    def _answering(self, command: Command | None) -> Command | None:
        if command is None:
            return None
        if command == COMPLETION:
            return self.dialog
        if is_response(command):
            return self.pending
        return None

    def _from_ecr(self, command: Command, direction: str | None) -> bool:
        if direction is not None:
            return direction == TO_PT
        if command in EITHER_SIDE:
            return self.dialog is None
        return command[0] not in (0x04,) and command not in PT_COMMANDS

    def _follow(self, message: Message, direction: str | None) -> list[str]:
        """Update the context after a decoded message; returns notes for its report."""
        command = message.command
        notes: list[str] = []
        if is_response(command):
            answered, self.pending = self.pending, None
            if command[0] == 0x84 and command[1] != 0x00 and answered == self.dialog:
                self.dialog = None  # the PT refused the ECR's command
            return notes
        if self._from_ecr(command, direction):
            if not (command == ABORT and self.dialog is not None):
                self.dialog = command
            self.pending = command
            if command == LOG_OFF:
                notes += self._set_announced(None, _("Log-Off: back to the default set"))
            return notes
        self.pending = command
        if command == COMPLETION:
            notes += self._charset_from_completion(message)
        if command in (COMPLETION, PT_ABORT) or (
            command == STATUS_INFORMATION and self.dialog == READ_CARD
        ):
            self.dialog = None  # master rights back to the ECR
        return notes

    def _charset_from_completion(self, message: Message) -> list[str]:
        box = tlv.find(message.tlv, 0x27)
        chosen = None
        if box is not None and isinstance(box.value, tuple):
            sets = [n.value for n in box.value if n.tag == 0x14 and isinstance(n.value, bytes)]
            if len(sets) == 1 and sets[0]:
                chosen = charsets.codec_of(sets[0][-1])
        if chosen is not None:
            return self._set_announced(chosen, _("the terminal accepted {name} (TLV 27/14) for "
                                                 "print and display texts").format(
                                                     name=charsets.name_of(chosen)))
        if self.dialog == REGISTRATION:
            return self._set_announced(None, _("no character set echoed: the default set "
                                               "(CP437) applies"))  # fmt: skip
        return []

    def _set_announced(self, chosen: str | None, why: str) -> list[str]:
        if chosen == self.announced:
            return []
        self.announced = chosen
        if self.charset is not None:
            return [why + "; " + _("--charset {name} is used instead").format(
                name=charsets.name_of(self.charset))]
        return [why]


def analyse_capture(lines: Iterable[str], charset: str | None = None) -> list[FrameReport]:
    analyser = CaptureAnalyser(charset)
    for number, text in enumerate(lines, start=1):
        analyser.feed(text, number)
    return analyser.reports


@dataclass(frozen=True)
class Summary:
    messages: int
    complete: int
    partial: int
    undecoded: int


def summarise(reports: Iterable[FrameReport]) -> Summary:
    """How many messages decoded completely, partly, or not at all (transport bytes aside)."""
    counted = [r for r in reports if r.kind != "transport"]
    complete = sum(1 for r in counted if r.complete)
    undecoded = sum(1 for r in counted if not r.decoded)
    return Summary(len(counted), complete, len(counted) - complete - undecoded, undecoded)


__all__ = ["TO_ECR", "TO_PT", "CaptureAnalyser", "Summary", "analyse_capture", "summarise"]
