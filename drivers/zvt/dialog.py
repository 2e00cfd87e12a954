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
from collections.abc import Callable
from dataclasses import dataclass, field

from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.transport import ApduTransport
from posdiag.errors import LinkTimeout, TerminalRefused
from posdiag.link.base import Deadline

log = logging.getLogger(__name__)

T3 = 5.0
T4 = 180.0

ACK_APDU = Apdu(0x80, 0x00)
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


def run_dialog(
    transport: ApduTransport,
    command: Apdu,
    *,
    end: End = End.COMPLETION,
    t3: float = T3,
    t4: float = T4,
    responder: Responder | None = None,
    on_message: Callable[[Apdu], None] | None = None,
) -> DialogResult:
    """Send a command and follow the dialog to its end; raise on refusal or timeout."""
    transport.send(command)
    try:
        answer = transport.receive(t3)
    except LinkTimeout as err:
        raise LinkTimeout(
            f"the terminal did not answer {command.cls:02X} {command.instr:02X} within "
            f"{t3:g} s (T3); check that it is on, connected and set to ECR mode."
        ) from err
    _check_answer(command, answer)
    result = DialogResult(command, answer)
    if end is End.ACK:
        return result

    deadline = Deadline(t4)
    while True:
        try:
            message = transport.receive(deadline.remaining())
        except LinkTimeout as err:
            raise LinkTimeout(
                f"the terminal did not finish {command.cls:02X} {command.instr:02X} within "
                f"{t4:g} s (T4); check the terminal's display."
            ) from err
        if message.cls == 0x80 or message.cls == 0x84:
            log.debug("ignoring a stray %s from the terminal", message)  # never ACK an ACK
            continue
        reply = responder(message) if responder else None
        transport.send(reply or ACK_APDU)
        result.messages.append(message)
        if on_message:
            on_message(message)
        if message.command in (COMPLETION, ABORT):
            result.final = message
            return result
        if end is End.STATUS and message.command == STATUS_INFORMATION:
            result.final = message
            return result
        if message.command in (INTERMEDIATE_STATUS, STATUS_INFORMATION):
            deadline.restart()  # PA00P016 §5.2.6: only these two restart T4


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
