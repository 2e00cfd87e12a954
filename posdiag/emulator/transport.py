"""The terminal's end of the ZVT transport: serial framing with ACK/NAK, or raw TCP.

This is the PT's own implementation; it shares the codecs (apdu, serial_framing) with the
ECR driver and nothing else, so a framing mistake on either side shows up as a disagreement
in the end-to-end tests instead of cancelling out.

Serial (PA00P016 §3): the PT answers every frame at once with ACK (06) or NAK (15) — NAK
for a bad CRC, or for a frame whose bytes stop for longer than T1 — and sends its own
frames up to three times, waiting T2 for the ECR's ACK each time. A frame repeated because
our ACK got lost is acknowledged again but not taken twice.

TCP (§4): APDUs travel raw, in pieces or together. A message whose pieces take longer than
T3 to arrive makes the receiver close the connection (§5.2.5, time-out case b).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from posdiag.drivers.zvt.apdu import Apdu, decode_apdu, parse_apdu, total_size
from posdiag.drivers.zvt.serial_framing import (
    ACK,
    NAK,
    AckReceived,
    FrameReceived,
    FrameReceiver,
    NakReceived,
    frame,
)
from posdiag.errors import LinkClosed, LinkTimeout, ProtocolError, TransmissionError
from posdiag.i18n import _
from posdiag.link.base import ByteLink

T1 = 0.2  # s: the longest gap between two bytes of one frame
T2 = 5.0  # s: how long a sender waits for ACK or NAK
T3 = 5.0  # s: how long a TCP message may take to arrive whole
SENDS = 3  # a frame goes out at most three times
POLL = 0.05  # s: how often a waiting receiver looks at the clock (T1, deadlines)

ACK_BYTE = bytes((ACK,))
NAK_BYTE = bytes((NAK,))

# For each good frame received: "ack" (the usual), "nak" (reject it: fault injection) or
# "lost-ack" (take it but swallow the ACK, as if the line ate it).
FrameVerdict = Callable[[], str]


class PtTransport(Protocol):
    """What a PT session needs from its transport."""

    link: ByteLink
    last_heard: float  # time.monotonic() of the last byte from the ECR

    def send(self, apdu: Apdu) -> None: ...

    def receive(self, timeout: float) -> Apdu: ...


class PtSerialTransport:
    def __init__(self, link: ByteLink, *, t1: float = T1, t2: float = T2, sends: int = SENDS,
                 verdict: FrameVerdict | None = None) -> None:
        self.link = link
        self.t1, self.t2, self.sends = t1, t2, sends
        self.verdict = verdict
        self.last_heard = time.monotonic()
        self._framer = FrameReceiver()
        self._inbox: deque[bytes] = deque()
        self._previous: bytes | None = None  # the last frame taken, to spot a repeat

    # --- sending -----------------------------------------------------------------------------

    def send(self, apdu: Apdu) -> None:
        """Send one APDU framed; TransmissionError when the ECR never acknowledged it."""
        wire = frame(apdu.encode())
        self._previous = None  # once we have spoken, an equal frame from the ECR is new
        for _attempt in range(self.sends):
            self.link.write(wire)
            if self._acknowledged():
                return
        raise TransmissionError(_("the ECR did not acknowledge {apdu} after {sends} "
                                  "sends").format(apdu=apdu, sends=self.sends))

    def _acknowledged(self) -> bool:
        """Wait up to T2 for the ECR's ACK (True) or NAK / silence (False)."""
        deadline = time.monotonic() + self.t2
        while (left := deadline - time.monotonic()) > 0:
            outcome: bool | None = None
            for event in self._events(self.link.read(256, min(left, POLL))):
                if isinstance(event, AckReceived):
                    outcome = True if outcome is None else outcome
                elif isinstance(event, NakReceived):
                    outcome = False if outcome is None else outcome
                elif isinstance(event, FrameReceived) and self._take(event):
                    # The ECR already answers: our frame arrived and only its ACK was lost.
                    outcome = True if outcome is None else outcome
            if outcome is not None:
                return outcome
        return False

    # --- receiving ---------------------------------------------------------------------------

    def receive(self, timeout: float) -> Apdu:
        """The next APDU from the ECR; LinkTimeout when none arrives within timeout."""
        deadline = time.monotonic() + timeout
        while not self._inbox:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LinkTimeout(_("nothing from the ECR within {timeout:g} s").format(
                                      timeout=timeout))
            for event in self._events(self.link.read(1024, min(left, POLL))):
                if isinstance(event, FrameReceived):
                    self._take(event)
        data = self._inbox.popleft()
        try:
            return decode_apdu(data)
        except ProtocolError as err:
            raise ProtocolError(_("malformed APDU from the ECR: {err}").format(err=err)) from err

    def _events(self, data: bytes) -> list:  # type: ignore[type-arg]
        """Feed what was read; a frame whose bytes paused longer than T1 is dropped with NAK."""
        now = time.monotonic()
        if not data:
            if self._framer.in_frame and now - self.last_heard >= self.t1:
                self._framer.reset()
                self.link.write(NAK_BYTE)
            return []
        self.last_heard = now
        return self._framer.feed(data)

    def _take(self, event: FrameReceived) -> bool:
        """ACK (and keep, unless a repeat) a good frame, NAK a bad one; True if acknowledged."""
        verdict = self.verdict() if event.crc_ok and self.verdict else "ack"
        if not event.crc_ok or verdict == "nak":
            self.link.write(NAK_BYTE)
            return False
        if verdict == "ack":
            self.link.write(ACK_BYTE)
        if event.apdu != self._previous:
            self._previous = event.apdu
            self._inbox.append(event.apdu)
        return True

    def forget(self) -> None:
        """Drop partial and queued frames (after a restart)."""
        self._framer.reset()
        self._inbox.clear()
        self._previous = None


class PtTcpTransport:
    def __init__(self, link: ByteLink, *, t3: float = T3) -> None:
        self.link = link
        self.t3 = t3
        self.last_heard = time.monotonic()
        self._pending = bytearray()
        self._first_piece = 0.0  # when the message now in _pending began to arrive

    def send(self, apdu: Apdu) -> None:
        self.link.write(apdu.encode())

    def receive(self, timeout: float) -> Apdu:
        deadline = time.monotonic() + timeout
        while True:
            size = total_size(self._pending)
            if size is not None and len(self._pending) >= size:
                apdu, used = parse_apdu(self._pending)
                del self._pending[:used]
                self._first_piece = time.monotonic()
                return apdu
            now = time.monotonic()
            if self._pending and now - self._first_piece > self.t3:
                raise LinkClosed(_("a message from the ECR took longer than T3 "
                                   "({t3:g} s) to arrive whole").format(t3=self.t3))
            if now >= deadline:
                raise LinkTimeout(_("nothing from the ECR within {timeout:g} s").format(
                                      timeout=timeout))
            data = self.link.read(65536, min(deadline - now, POLL))
            if data:
                if not self._pending:
                    self._first_piece = time.monotonic()
                self.last_heard = time.monotonic()
                self._pending += data
