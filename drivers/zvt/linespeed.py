"""The serial line's speed: Change Baudrate 08 40 (PA00P015 §2.57) before long transfers,
and finding the terminal again after it restarted at its old rate. A mixin of ZvtTerminal.

    ECR  08 40 01 <code>      (at the old rate)         codes: 0 9600, 1 19200, 6 57600, 7 115200
    PT   80 00 00             (at the old rate), then it switches and listens at the new rate
                              2 s after sending the answer; 84 7D: it cannot change the rate,
                              84 FD: not that rate. No Completion follows.

A terminal returns to its configured rate when it restarts (SMART-ZVT-Präzisierungen 3.2.51),
so an ECR that loses the line at the new rate tries the old one too. posdiag switches a
terminal back to the rate it found it at when it closes, so the shop's own ECR still reaches it;
a terminal that does not answer at the expected rate is looked for at the others and left at
the one it answers at.
Only serial lines with a rate (a device, rfc2217://) take part; on TCP nothing changes.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from posdiag.drivers.zvt.dialog import End, settle
from posdiag.drivers.zvt.rates import RATE_CODES, change_baudrate
from posdiag.drivers.zvt.transport import SerialTransport
from posdiag.errors import LinkError, LinkTimeout, TerminalRefused, TransmissionError
from posdiag.i18n import _

if TYPE_CHECKING:
    from posdiag.drivers.zvt.terminal import ZvtTerminal
    from posdiag.link.serialport import SerialLink

log = logging.getLogger(__name__)

FASTEST_FIRST = (115200, 57600, 19200, 9600)
SWITCH_PAUSE = 2.0  # s after its answer before the PT listens at the new rate (§2.57.2)
RC_CANNOT_CHANGE = 0x7D
RC_RATE_NOT_SUPPORTED = 0xFD
# A USB serial adapter may still hold the last ACK in its FIFO when the write returns; a
# terminal may take it late. Changing the rate under it would garble it.
ACK_GUARD = 0.25
PROBE_T2 = 0.5  # s: a terminal at the right rate ACKs at once; searching waits no longer


class LineSpeed:
    """Mixed into ZvtTerminal; uses its transport, run() and settle()."""

    home_rate: int | None  # the rate the terminal was found at; None: not a serial line
    line_rate: int | None  # the rate both ends use now
    max_baud: int  # never ask for more than this

    def _rate_link(self: ZvtTerminal) -> SerialLink | None:
        """The serial link whose rate can change, or None (TCP, socket://, …)."""
        transport = self.transport
        if not isinstance(transport, SerialTransport):
            return None
        link = transport.link
        if not getattr(link, "can_set_rate", False):
            return None
        return link  # type: ignore[return-value]

    def use_fastest_rate(self: ZvtTerminal) -> int | None:
        """Ask for the fastest ZVT rate up to max_baud that the terminal takes; the rate in
        use afterwards (None on TCP). A refusal (84 7D, 84 FD) leaves the line as it was."""
        link = self._rate_link()
        if link is None or self.line_rate not in RATE_CODES:
            return self.line_rate  # TCP, or a line at a rate ZVT cannot name: leave it be
        self.ready()  # the terminal may sit at another rate: find it first
        for rate in FASTEST_FIRST:
            if rate > self.max_baud or rate <= self.line_rate:
                continue
            try:
                if self._switch(link, rate):
                    return self.line_rate
            except TerminalRefused as err:
                if err.result_code == RC_CANNOT_CHANGE:
                    log.info("the terminal cannot change its rate (84 7D); staying at %d baud",
                             self.line_rate)
                    return self.line_rate
                if err.result_code != RC_RATE_NOT_SUPPORTED:
                    raise
                log.info("the terminal does not take %d baud (84 FD)", rate)
        return self.line_rate

    def restore_home_rate(self: ZvtTerminal) -> None:
        """Switch the terminal back to the rate it was found at (before closing)."""
        link = self._rate_link()
        if link is None or self.home_rate not in RATE_CODES \
                or self.line_rate in (None, self.home_rate):
            return
        self.run(change_baudrate(self.home_rate), end=End.ACK)
        time.sleep(ACK_GUARD)  # our ACK of its answer must leave at the old rate
        link.set_rate(self.home_rate)
        self.line_rate = self.home_rate

    def _switch(self: ZvtTerminal, link: SerialLink, rate: int) -> bool:
        """08 40 to rate; True once the terminal answers at it. Raises TerminalRefused."""
        old = self.line_rate
        assert old is not None
        self.run(change_baudrate(rate), end=End.ACK)
        answered = time.monotonic()  # the PT answered before this: 2 s from here are enough
        time.sleep(max(0.0, answered + SWITCH_PAUSE - time.monotonic()))
        link.set_rate(rate)
        if self._answers():
            log.info("line switched from %d to %d baud", old, rate)
            self.line_rate = rate
            return True
        link.set_rate(old)  # the cable may not carry it; perhaps the terminal did not switch
        if self._answers():
            return False
        raise LinkError(_(
            "The terminal switched to {rate} baud but answers neither at it nor at {old}; "
            "restart the terminal (it returns to its configured rate) and try again."
        ).format(rate=rate, old=old))

    def _answers(self: ZvtTerminal, t2: float | None = None, sends: int | None = None) -> bool:
        """Whether the terminal answers on the line as it is set now (one settle exchange)."""
        transport = self.transport
        assert isinstance(transport, SerialTransport)
        saved = transport.t2, transport.sends
        transport.t2 = t2 if t2 is not None else transport.t2
        transport.sends = sends if sends is not None else transport.sends
        try:
            transport.reset()
            settle(transport, self.t3, quiet=0.0)  # we spoke last: no dialog can be left
            return True
        except (TransmissionError, LinkTimeout):
            return False
        finally:
            transport.t2, transport.sends = saved

    def recover_line(self: ZvtTerminal) -> None:
        """After a failed exchange at a switched rate: if the terminal restarted, it listens
        at its old rate again; find it there and switch up again."""
        link = self._rate_link()
        if link is None or self.home_rate is None or self.line_rate in (None, self.home_rate):
            return
        if self._answers():
            return  # still there at the fast rate: it was the line, not a restart
        link.set_rate(self.home_rate)
        self.line_rate = self.home_rate
        if not self._answers():
            return  # not there either; the caller's retries and errors take over
        log.info("the terminal is back at %d baud (it restarted); switching up again",
                 self.home_rate)
        self.registered = False
        self.use_fastest_rate()

    def find_rate(self: ZvtTerminal) -> bool:
        """At connect, when the terminal does not answer at the expected rate: look for it at
        the other ZVT rates. True if found. It is then left at the rate it was found at: a
        terminal may well be configured to it, and changing that would lock the shop's till
        out (one left switched up by a killed run returns to its rate when it restarts)."""
        link = self._rate_link()
        if link is None or self.home_rate not in RATE_CODES:
            return False
        expected = self.home_rate
        for rate in FASTEST_FIRST:
            if rate == expected:
                continue
            link.set_rate(rate)
            self.home_rate = self.line_rate = rate
            if self._answers(t2=PROBE_T2, sends=1):
                log.warning(_("the terminal answers at {rate} baud, not {expected}; "
                              "give --baud {rate} (if an interrupted run left it so, "
                              "restarting the terminal resets it)").format(
                                rate=rate, expected=expected))
                return True
        link.set_rate(expected)
        self.home_rate = self.line_rate = expected
        return False
