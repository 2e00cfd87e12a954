"""The terminal (PT) side of ZVT dialogs: receive a command, answer, keep master rights
until Completion or Abort (PA00P016 §5).

This is the emulator's own state machine; it shares the codec with the driver but not the
driver's transport or dialog engine, so a bug on either side shows up as a disagreement in
the end-to-end tests.

While the PT is master it waits T3 for the ECR's answer to each message. Two things may come
instead of an answer, and the PT copes as a real one does:

  06 B0 Abort    the ECR wants out (it was interrupted, or gave up): the PT acknowledges it,
                 stops what it is doing (a payment not yet booked is not booked) and ends
                 the command with 06 1E 6C;
  a new command  the ECR has started over (a new ECR process on the same line): the PT drops
                 the old dialog and serves the new command.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from posdiag.drivers.zvt.apdu import Apdu
from posdiag.emulator.core import TerminalCore
from posdiag.emulator.operator import Cancelled
from posdiag.emulator.transport import PtTransport
from posdiag.errors import LinkTimeout, ProtocolError, TransmissionError
from posdiag.i18n import _

log = logging.getLogger(__name__)

ACK = Apdu(0x80, 0x00)
ABORT_COMMAND = (0x06, 0xB0)
RC_ABORTED = 0x6C  # abort via time-out or abort key (§10)
RC_FUNCTION_NOT_POSSIBLE = 0x83
RC_PROTOCOL_ERROR = 0x9A
POLL = 0.5  # s between looks at the clock while idle


class EcrNotAnswering(Exception):
    """The ECR did not answer a PT message within T3: the dialog is dead."""


class EcrAborted(Exception):
    """The ECR sent Abort 06 B0 where the PT waited for an answer."""


class EcrStartedOver(Exception):
    """The ECR sent a new command where the PT waited for an answer."""

    def __init__(self, command: Apdu) -> None:
        super().__init__(f"a new command {command} in the middle of a dialog")
        self.command = command


class RateControl(Protocol):
    """The serial line's baud rate, for Change Baudrate 08 40 (lines.PtyLine)."""

    def change_rate(self, rate: int, accept_after: float) -> None: ...


class PtSession:
    """One connection from an ECR; the terminal state outlives it."""

    def __init__(self, terminal: TerminalCore, transport: PtTransport,
                 line: RateControl | None = None) -> None:
        self.terminal = terminal
        self.transport = transport
        self.line = line  # None: not a serial line (TCP), so there is no rate to change

    # --- primitives handlers use ----------------------------------------------------------

    def answer(self, apdu: Apdu = ACK) -> None:
        """The first answer to a command: 80 00 00, or 84 xx 00 to refuse it."""
        self.transport.send(apdu)

    def refuse(self, code: int) -> None:
        self.transport.send(Apdu(0x84, code))

    def send(self, apdu: Apdu) -> Apdu:
        """Send a PT message while master and wait for the ECR's 80 00 / 84 xx answer."""
        self.transport.send(apdu)
        try:
            reply = self.transport.receive(self.terminal.config.t3)
        except LinkTimeout as err:
            raise EcrNotAnswering(_("ECR did not answer {value:02X} {instr:02X}").format(
                                      value=apdu.cls, instr=apdu.instr)) from err
        if reply.cls in (0x80, 0x84):
            return reply
        self.terminal.log_command(reply)
        if reply.command == ABORT_COMMAND:
            self.answer()
            raise EcrAborted
        raise EcrStartedOver(reply)

    def poll_abort(self) -> None:
        """While the terminal waits for the person: an Abort 06 B0 from the ECR ends the wait.

        Raises Cancelled after answering 80 00 00; anything else is refused (84 83 00)."""
        try:
            command = self.transport.receive(0.02)
        except LinkTimeout:
            return
        self.terminal.log_command(command)
        if command.command == ABORT_COMMAND:
            self.answer()
            raise Cancelled
        if command.cls not in (0x80, 0x84):
            self.refuse(RC_FUNCTION_NOT_POSSIBLE)  # busy: one dialog at a time

    # --- the loop -------------------------------------------------------------------------

    def serve(self, idle_timeout: float | None = None,
              make_way: Callable[[], bool] | None = None) -> None:
        """Answer commands until the link closes (LinkClosed propagates) or the ECR idles.

        Returns once the ECR has sent nothing for idle_timeout seconds (None: never), or —
        when make_way() says another ECR is waiting to connect — for T3 (§5.2.5)."""
        terminal = self.terminal
        while not terminal.stopping:
            idle = time.monotonic() - self.transport.last_heard
            if idle_timeout is not None and idle >= idle_timeout:
                log.info("emulator: the ECR was idle for %.0f s; closing its connection", idle)
                return
            if make_way is not None and idle >= terminal.config.t3 and make_way():
                log.info("emulator: an idle ECR makes way for a waiting one")
                return
            try:
                command = self.transport.receive(POLL)
            except (LinkTimeout, TransmissionError):
                continue  # nothing, or only damaged frames: stay ready for the next command
            except ProtocolError as err:
                log.debug("emulator: malformed APDU from ECR: %s", err)
                self.refuse(RC_PROTOCOL_ERROR)
                continue
            self.dispatch(command)

    def dispatch(self, command: Apdu) -> None:
        terminal = self.terminal
        terminal.log_command(command)
        if command.cls in (0x80, 0x84):
            return  # a stray answer outside a dialog: nothing to do
        handler = terminal.handlers.get(command.command)
        if handler is None:
            self.refuse(RC_FUNCTION_NOT_POSSIBLE)
            return
        try:
            with terminal.lock:  # one dialog at a time, whichever line it came on
                handler(self, command)
        except (EcrNotAnswering, TransmissionError) as err:
            # Like a real PT: give up this dialog, stay ready for the next command.
            log.info("emulator: %s; dialog dropped", err)
        except EcrAborted:
            log.info("emulator: the ECR aborted %s", command)
            self._end_aborted()
        except EcrStartedOver as err:
            log.info("emulator: %s; dialog dropped", err)
            self.dispatch(err.command)
        except ProtocolError as err:
            log.debug("emulator: cannot parse %s: %s", command, err)
            self.refuse(RC_PROTOCOL_ERROR)

    def _end_aborted(self) -> None:
        try:
            self.send(Apdu(0x06, 0x1E, bytes((RC_ABORTED,))))
        except (EcrNotAnswering, TransmissionError, EcrAborted) as err:
            log.info("emulator: abort not acknowledged (%s)", type(err).__name__)
        except EcrStartedOver as err:
            self.dispatch(err.command)
