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

import contextlib
import enum
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.transport import ApduTransport
from posdiag.errors import Interrupted, LinkTimeout, TerminalRefused
from posdiag.i18n import _
from posdiag.link.base import Deadline

log = logging.getLogger(__name__)

T3 = 5.0
T4 = 180.0
STOP_POLL = 0.2  # s: how often a waiting dialog looks for a stop request
QUIET = 0.3  # s of silence after which a PT is taken to wait (for a person or the host)
STOP_LIMIT = 20.0  # s a stopping ECR waits for the PT to end the command (3 x T2 + T3)

ACK_APDU = Apdu(0x80, 0x00)
ABORT_COMMAND = Apdu(0x06, 0xB0)
REFUSED_STOPPING = Apdu(0x84, 0x6C)  # "abort via time-out or abort key" (§10)
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


class StopRequest(Protocol):
    """Set when the user asked to stop (Ctrl-C, SIGTERM): posdiag.interrupts.InterruptGate."""

    requested: bool

    def shield(self) -> AbstractContextManager[None]:
        """While inside, a signal only sets ``requested`` instead of interrupting."""
        ...


class Dialog:
    """One dialog, message by message: constructing it sends the command and takes the
    first answer; iterating answers each PT message and yields it, ending with the one
    that ended the dialog. Readers of large files stream blocks through this without
    keeping them.

    With a ``stop`` request, Ctrl-C or SIGTERM during the dialog ends it cleanly: the ECR
    refuses the PT's next message (84 6C) or, when the PT is quiet (it waits for a person or
    the host), sends Abort 06 B0; it waits for the PT to end the command (06 1E / 06 0F),
    then raises Interrupted. Messages left over from an earlier ECR's dialog where the first
    answer belongs are answered and passed over, not taken for the answer."""

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
        stop: StopRequest | None = None,
        abortable: bool = False,
        stop_limit: float = STOP_LIMIT,
    ) -> None:
        """abort_after: seconds after which the ECR gives up waiting and sends Abort 06 B0
        (e.g. nobody presents a card); the terminal then ends the dialog with 06 1E 6C.
        abortable: the PT waits for a person before it answers (06 E7): a stop sends 06 B0
        at once instead of waiting for the answer. stop_limit: how long a stopping ECR
        waits for the PT to end the command."""
        self.transport, self.command, self.end = transport, command, end
        self.t3, self.t4, self.responder = t3, t4, responder
        self.abort_after = abort_after
        self.stop, self.abortable, self.stop_limit = stop, abortable, stop_limit
        self.ecr_aborted = False
        self.final: Apdu | None = None
        if stop is not None and stop.requested:
            raise Interrupted(_("Interrupted before the terminal was sent a command; it was "
                                "not disturbed."))
        self._held = contextlib.ExitStack()
        if stop is not None:
            self._held.enter_context(stop.shield())
        try:
            transport.send(command)
            self.answer = self._first_answer()
            _check_answer(command, self.answer)
            if end is End.ACK and self._stopping():
                raise Interrupted(_("Interrupted; the terminal had finished the command and "
                                    "is ready."))
        except BaseException:
            self._held.close()
            raise
        if end is End.ACK:
            self._held.close()

    def __iter__(self) -> Iterator[Apdu]:
        if self.end is End.ACK:
            return
        try:
            yield from self._follow()
        finally:
            self._held.close()

    def _follow(self) -> Iterator[Apdu]:
        command = self.command
        deadline = Deadline(self.t4)
        give_up = Deadline(self.abort_after) if self.abort_after is not None else None
        while True:
            wait = deadline.remaining()
            if give_up is not None and not self.ecr_aborted:
                wait = min(wait, give_up.remaining())
            message = self._receive(wait, interruptible=True)
            if message is None:
                if self._stopping():
                    self._stop()  # raises Interrupted
                if give_up is not None and not self.ecr_aborted and give_up.expired:
                    self.transport.send(ABORT_COMMAND)  # the PT answers 80 00, then 06 1E
                    self.ecr_aborted = True
                    deadline.restart()
                    continue
                raise LinkTimeout(
                    _("the terminal did not finish {value:02X} {instr:02X} within "
                      "{t4:g} s (T4); check the terminal's display.").format(
                        value=command.cls, instr=command.instr, t4=self.t4)
                )
            if message.cls in (0x80, 0x84):
                log.debug("ignoring a stray %s from the terminal", message)  # never ACK an ACK
                continue
            if self._stopping():
                self._stop(message)  # raises Interrupted
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

    # --- waiting -----------------------------------------------------------------------------

    def _stopping(self) -> bool:
        return self.stop is not None and self.stop.requested

    def _receive(self, seconds: float, *, interruptible: bool) -> Apdu | None:
        """The next message within seconds; None when they pass, or at once on a stop request
        (if interruptible). Waits in short slices when a stop can come."""
        budget = seconds
        while True:
            if interruptible and self._stopping():
                return None
            wait = min(budget, STOP_POLL) if self.stop is not None else budget
            try:
                return self.transport.receive(wait)
            except LinkTimeout:
                budget -= wait
                if budget <= 0:
                    return None

    def _first_answer(self) -> Apdu:
        """The PT's 80 00 / 84 xx to our command (T3). A message of an earlier dialog in its
        place is answered and passed over; a stop while an abortable command waits sends
        Abort 06 B0 at once."""
        command = self.command
        budget = Deadline(self.t3)
        while True:
            message = self._receive(budget.remaining(), interruptible=self.abortable)
            if message is None:
                if budget.expired or not self._stopping():
                    raise LinkTimeout(
                        _("the terminal did not answer {value:02X} {instr:02X} "
                          "within {t3:g} s (T3); check that it is on, connected and "
                          "set to ECR mode.").format(
                            value=command.cls, instr=command.instr, t3=self.t3))
                self.transport.send(ABORT_COMMAND)
                self.ecr_aborted = True
                self._drain_until_quiet()
                raise Interrupted(_("Interrupted; the terminal was told to stop (Abort 06 B0) "
                                    "and is ready."))
            if message.cls in (0x80, 0x84):
                return message
            log.info("passing over %s left from an earlier dialog", message)
            self.transport.send(_answer_when_stopping(message))

    def _drain_until_quiet(self) -> None:
        """Answer what the PT still sends until it is quiet (it ended what it was doing)."""
        limit = Deadline(self.stop_limit)
        while not limit.expired:
            message = self._receive(min(QUIET, limit.remaining()), interruptible=False)
            if message is None:
                return
            if message.cls not in (0x80, 0x84):
                self.transport.send(_answer_when_stopping(message))

    def _stop(self, pending: Apdu | None = None) -> None:
        """End the dialog because the user asked to stop; raises Interrupted."""
        limit = Deadline(self.stop_limit)
        message = pending
        while True:
            if message is None:
                message = self._receive(min(QUIET, limit.remaining()), interruptible=False)
            if message is None:
                if limit.expired:
                    raise Interrupted(_(
                        "Interrupted, but the terminal did not confirm within {seconds:g} s "
                        "that it stopped; look at its display before the next command."
                    ).format(seconds=self.stop_limit))
                if not self.ecr_aborted:  # quiet: it waits for a person or the host
                    self.transport.send(ABORT_COMMAND)
                    self.ecr_aborted = True
                continue
            limit.restart()
            current, message = message, None
            if current.cls in (0x80, 0x84):
                continue  # its answer to our Abort (84 83: it cannot stop just now)
            self.transport.send(_answer_when_stopping(current))
            if current.command == COMPLETION or (self.end is End.STATUS
                                                 and current.command == STATUS_INFORMATION):
                self.final = current
                raise Interrupted(_("Interrupted; the terminal had finished the command and "
                                    "is ready."))
            if current.command == ABORT:
                self.final = current
                raise Interrupted(_("Interrupted; the terminal was told to stop and ended the "
                                    "command; it is ready."))


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
    stop: StopRequest | None = None,
    abortable: bool = False,
) -> DialogResult:
    """Send a command and follow the dialog to its end, keeping every message."""
    dialog = Dialog(transport, command, end=end, t3=t3, t4=t4, responder=responder,
                    abort_after=abort_after, stop=stop, abortable=abortable)
    result = DialogResult(command, dialog.answer)
    for message in dialog:
        result.messages.append(message)
        if on_message:
            on_message(message)
    result.final = dialog.final
    return result


def _answer_when_stopping(message: Apdu) -> Apdu:
    """80 00 to what ends or only reports (06 0F, 06 1E, 04 FF); 84 6C to the rest (04 0F,
    06 D1, 06 D3, …), which makes a PT end its command with 06 1E (PA00P015 §2.38.2)."""
    if message.command in (COMPLETION, ABORT, INTERMEDIATE_STATUS):
        return ACK_APDU
    return REFUSED_STOPPING


def settle(transport: ApduTransport, t3: float = T3, quiet: float = QUIET) -> None:
    """Before the first command on a new connection: end whatever an earlier ECR left running.

    Sends Abort 06 B0 (allowed while the ECR is master; a PT with nothing to abort answers
    80 00) and answers what the PT still sends — the end of a payment that waited for a card,
    the next block of a file an interrupted backup was reading — until it is quiet for
    ``quiet`` seconds after answering (0: return at its answer, where no dialog can be
    left running)."""
    transport.send(ABORT_COMMAND)
    deadline = Deadline(t3)
    answered = False
    while True:
        if answered and quiet <= 0:
            return
        try:
            message = transport.receive(quiet if answered else deadline.remaining())
        except LinkTimeout as err:
            if answered:
                return
            raise LinkTimeout(
                _("the terminal did not answer 06 B0 within {t3:g} s (T3); check "
                  "that it is on, connected and set to ECR mode.").format(t3=t3)) from err
        if message.cls in (0x80, 0x84):
            answered = True
            continue
        log.info("ending %s left running by an earlier ECR", message)
        transport.send(_answer_when_stopping(message))
        answered = answered or message.command in (COMPLETION, ABORT)


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
            _("the terminal refused {value:02X} {instr:02X}: {result_text} (84 "
              "{instr2:02X}).").format(
                value=command.cls, instr=command.instr, result_text=result_text(answer.instr),
                instr2=answer.instr),
            result_code=answer.instr,
        )
    raise TerminalRefused(
        _("the terminal answered {value:02X} {instr:02X} with {value2:02X} "
          "{instr2:02X} instead of 80 00; it may not speak ZVT on this port.").format(
            value=command.cls, instr=command.instr, value2=answer.cls, instr2=answer.instr)
    )
