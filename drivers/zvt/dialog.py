"""The ECR side of one ZVT dialog (PA00P016 §5): master rights, T3, T4, answers.

    ECR  command                   → PT
    PT   80 00 00 | 84 xx          within T3 (or the command's own timeout)
    PT   04 FF / 04 0F / 06 D1 / 06 D3 …   ECR answers each with 80 00 00; T4 restarts
                                           on 04 FF and 04 0F
    PT   06 0F completion | 06 1E abort     ECR answers 80 00 00, master again

Some commands end earlier: Log-Off, Abort and the display commands with the
PT's 80 00 (``End.ACK``), Read Card with its Status-Information (``End.STATUS``).
The engine works on APDUs; typed decoding is the caller's (``terminal.py``).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.transport import ApduTransport
from posdiag.errors import LinkTimeout, TerminalRefused
from posdiag.link.base import Deadline

log = logging.getLogger(__name__)

T3 = 5.0
T4 = 180.0

ACK_APDU = Apdu(0x80, 0x00)
ABORT_COMMAND = Apdu(0x06, 0xB0)
STATUS_INFORMATION = (0x04, 0x0F)
INTERMEDIATE_STATUS = (0x04, 0xFF)
COMPLETION = (0x06, 0x0F)
ABORT = (0x06, 0x1E)


class End(enum.Enum):
    ACK = "ack"  # the PT's 80 00 ends the dialog
    STATUS = "status"  # a Status-Information 04 0F ends it (Read Card)
    COMPLETION = "completion"  # 06 0F or 06 1E ends it


@dataclass
class DialogResult:
    command: Apdu
    answer: Apdu  # the PT's first answer (80 00 …)
    messages: list[Apdu] = field(default_factory=list)  # PT messages after the answer
    final: Apdu | None = None  # 06 0F, 06 1E or 04 0F that ended the dialog

    @property
    def aborted(self) -> bool:
        return self.final is not None and self.final.command == ABORT

    def of(self, cls: int, instr: int) -> list[Apdu]:
        return [m for m in self.messages if m.command == (cls, instr)]


# Called for each PT message; returns the answer to send (None: the usual 80 00 00).
Responder = Callable[[Apdu], Apdu | None]


class Dialog:
    """One dialog, message by message: constructing it sends the command and takes the
    first answer; iterating answers each PT message and yields it, ending with the one
    that ended the dialog. Readers of large files stream blocks through this without
    keeping them."""

    def __init__(
        self,
        transport: ApduTransport,
        command: Apdu,
        *,
        end: End = End.COMPLETION,
        t3: float = T3,
        t4: float = T4,
        responder: Responder | None = None,
        abort_after: float | None = None,
    ) -> None:
        """abort_after: seconds after which the ECR gives up waiting and sends Abort 06 B0
        (e.g. nobody presents a card); the terminal then ends the dialog with 06 1E 6C."""
        self.transport, self.command, self.end = transport, command, end
        self.t4, self.responder = t4, responder
        self.abort_after = abort_after
        self.ecr_aborted = False
        self.final: Apdu | None = None
        transport.send(command)
        try:
            self.answer = transport.receive(t3)
        except LinkTimeout as err:
            raise LinkTimeout(
                f"the terminal did not answer {command.cls:02X} {command.instr:02X} within "
                f"{t3:g} s (T3); check that it is on, connected and set to ECR mode."
            ) from err
        _check_answer(command, self.answer)

    def __iter__(self) -> Iterator[Apdu]:
        if self.end is End.ACK:
            return
        command = self.command
        deadline = Deadline(self.t4)
        give_up = Deadline(self.abort_after) if self.abort_after is not None else None
        while True:
            wait = deadline.remaining()
            if give_up is not None and not self.ecr_aborted:
                wait = min(wait, give_up.remaining())
            try:
                message = self.transport.receive(wait)
            except LinkTimeout as err:
                if give_up is not None and not self.ecr_aborted and give_up.expired:
                    self.transport.send(ABORT_COMMAND)  # the PT answers 80 00, then 06 1E
                    self.ecr_aborted = True
                    deadline.restart()
                    continue
                raise LinkTimeout(
                    f"the terminal did not finish {command.cls:02X} {command.instr:02X} within "
                    f"{self.t4:g} s (T4); check the terminal's display."
                ) from err
            if message.cls in (0x80, 0x84):
                log.debug("ignoring a stray %s from the terminal", message)  # never ACK an ACK
                continue
            reply = self.responder(message) if self.responder else None
            self.transport.send(reply or ACK_APDU)
            done = message.command in (COMPLETION, ABORT) or (
                self.end is End.STATUS and message.command == STATUS_INFORMATION
            )
            if done:
                self.final = message
            yield message
            if done:
                return
            if message.command in (INTERMEDIATE_STATUS, STATUS_INFORMATION):
                deadline.restart()  # PA00P016 §5.2.6: only these two restart T4
                minutes = _t4_minutes(message)
                if minutes:  # an 04 FF may also set T4 itself, in BCD minutes
                    deadline = Deadline(minutes * 60.0)


def run_dialog(
    transport: ApduTransport,
    command: Apdu,
    *,
    end: End = End.COMPLETION,
    t3: float = T3,
    t4: float = T4,
    responder: Responder | None = None,
    on_message: Callable[[Apdu], None] | None = None,
    abort_after: float | None = None,
) -> DialogResult:
    """Send a command and follow the dialog to its end, keeping every message."""
    dialog = Dialog(transport, command, end=end, t3=t3, t4=t4, responder=responder,
                    abort_after=abort_after)
    result = DialogResult(command, dialog.answer)
    for message in dialog:
        result.messages.append(message)
        if on_message:
            on_message(message)
    result.final = dialog.final
    return result


def _t4_minutes(message: Apdu) -> int | None:
    """The T4 an intermediate status sets: its optional second byte, BCD minutes."""
    if message.command != INTERMEDIATE_STATUS or len(message.data) < 2:
        return None
    byte = message.data[1]
    if byte >> 4 > 9 or byte & 0x0F > 9:
        return None  # not BCD: keep the running T4
    return (byte >> 4) * 10 + (byte & 0x0F)


def _check_answer(command: Apdu, answer: Apdu) -> None:
    if answer.cls == 0x80 or (answer.cls == 0x84 and answer.instr == 0x00):
        return
    if answer.cls == 0x84:
        from posdiag.drivers.zvt.codes import result_text

        raise TerminalRefused(
            f"the terminal refused {command.cls:02X} {command.instr:02X}: "
            f"{result_text(answer.instr)} (84 {answer.instr:02X}).",
            result_code=answer.instr,
        )
    raise TerminalRefused(
        f"the terminal answered {command.cls:02X} {command.instr:02X} with "
        f"{answer.cls:02X} {answer.instr:02X} instead of 80 00; it may not speak ZVT on this port."
    )
