"""The terminal (PT) side of ZVT dialogs: receive a command, answer, keep master rights
until Completion or Abort (PA00P016 §5).

This is the emulator's own state machine; it shares the codec and the link
transport with the driver but not the driver's dialog engine, so a bug on either
side shows up as a disagreement in the end-to-end tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.transport import ApduTransport
from posdiag.errors import LinkTimeout, ProtocolError, TransmissionError

if TYPE_CHECKING:
    from posdiag.emulator.terminal import EmulatedTerminal

log = logging.getLogger(__name__)

ACK = Apdu(0x80, 0x00)

Handler = Callable[["PtSession", Apdu], None]


class EcrNotAnswering(Exception):
    """The ECR did not acknowledge a PT message within T3: the dialog is dead."""


class PtSession:
    """One connection from an ECR; the terminal state outlives it."""

    def __init__(self, terminal: EmulatedTerminal, transport: ApduTransport) -> None:
        self.terminal = terminal
        self.transport = transport

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
            raise EcrNotAnswering(f"ECR did not answer {apdu.cls:02X} {apdu.instr:02X}") from err
        return reply

    def poll_abort(self) -> None:
        """While the terminal waits for the person: an Abort 06 B0 from the ECR ends the wait.

        Raises Cancelled after answering 80 00 00; anything else is refused (84 83 00)."""
        from posdiag.emulator.operator import Cancelled

        try:
            command = self.transport.receive(0.02)
        except LinkTimeout:
            return
        self.terminal.log_command(command)
        if command.command == (0x06, 0xB0):
            self.answer()
            raise Cancelled
        if command.cls not in (0x80, 0x84):
            self.refuse(0x83)  # busy: one dialog at a time

    # --- the loop -------------------------------------------------------------------------

    def serve(self, idle_timeout: float = 3600.0) -> None:
        """Answer commands until the link closes (LinkClosed propagates)."""
        while not self.terminal.stopping:
            try:
                command = self.transport.receive(min(idle_timeout, 0.5))
            except (LinkTimeout, TransmissionError):
                continue  # nothing, or only damaged frames: stay ready for the next command
            except ProtocolError as err:
                log.debug("emulator: malformed APDU from ECR: %s", err)
                self.refuse(0x9A)  # ZVT protocol error
                continue
            self.dispatch(command)

    def dispatch(self, command: Apdu) -> None:
        terminal = self.terminal
        terminal.log_command(command)
        if command.cls in (0x80, 0x84):
            return  # a stray answer outside a dialog: nothing to do
        handler = terminal.handlers.get(command.command)
        if handler is None:
            self.refuse(0x83)  # function not possible
            return
        try:
            handler(self, command)
        except (EcrNotAnswering, TransmissionError) as err:
            # Like a real PT: give up this dialog, stay ready for the next command.
            log.info("emulator: %s; dialog dropped", err)
        except ProtocolError as err:
            log.debug("emulator: cannot parse %s: %s", command, err)
            self.refuse(0x9A)
