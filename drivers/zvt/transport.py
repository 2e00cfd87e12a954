"""Moving whole APDUs over a byte link: serial framing with ACK/NAK, or raw TCP.

Serial (PA00P016 §3): every framed message is answered at once with a raw
ACK (06) or NAK (15). The sender waits T2 for it and repeats on NAK or silence,
three sends in all; the receiver NAKs a bad CRC and a frame whose bytes stop
for longer than T1. TCP (§4): APDUs travel raw and may arrive split or merged.

This is the ECR's end. The emulated terminal has its own implementation of the PT's end
(posdiag.emulator.transport) sharing only the codecs, so a framing mistake on either side
shows up in the end-to-end tests instead of cancelling out.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Protocol

from posdiag.drivers.zvt.apdu import Apdu, decode_apdu, parse_apdu, total_size
from posdiag.drivers.zvt.serial_framing import (
    ACK,
    NAK,
    AckReceived,
    FrameError,
    FrameReceived,
    FrameReceiver,
    NakReceived,
    Noise,
    frame,
)
from posdiag.errors import LinkTimeout, ProtocolError, TransmissionError
from posdiag.i18n import _
from posdiag.link.base import ByteLink, Deadline

log = logging.getLogger(__name__)

T1 = 0.2  # max gap between bytes of one frame
T2 = 5.0  # max wait for ACK/NAK after a frame
SENDS = 3  # first send + two repeats


class ApduTransport(Protocol):
    description: str

    def send(self, apdu: Apdu) -> None: ...

    def receive(self, timeout: float) -> Apdu:
        """The next APDU from the peer; LinkTimeout when none arrives in time."""
        ...

    def close(self) -> None: ...


class SerialTransport:
    """ZVT serial transport on a ByteLink (device, pty, rfc2217://, socket://)."""

    def __init__(
        self,
        link: ByteLink,
        *,
        t1: float = T1,
        t2: float = T2,
        sends: int = SENDS,
    ):
        self.link = link
        self.description = link.description
        self.t1, self.t2, self.sends = t1, t2, sends
        self._receiver = FrameReceiver()
        self._pending: deque[bytes] = deque()  # frames that arrived while we waited for an ACK
        self._last_received: bytes | None = None  # for dropping a repeat after a lost ACK
        self._nak_streak = 0  # frames NAKed since the last good one
        self._last_byte = time.monotonic()  # when the last byte arrived (T1)
        self.stats = {"sent": 0, "repeats": 0, "naks_sent": 0, "naks_received": 0}

    def send(self, apdu: Apdu) -> None:
        wire = frame(apdu.encode())
        self._last_received = None  # we spoke: an equal frame from the peer is new
        for attempt in range(1, self.sends + 1):
            if attempt > 1:
                self.stats["repeats"] += 1
            self.link.write(wire)
            self.stats["sent"] += 1
            outcome = self._await_ack()
            if outcome == "ack":
                return
            log.debug("frame %s not acknowledged (%s), attempt %d", apdu.command, outcome, attempt)
        raise TransmissionError(
            _("the terminal did not acknowledge {value:02X} {instr:02X} after "
              "{sends} attempts; check the cable, baud rate and that the terminal is "
              "on.").format(value=apdu.cls, instr=apdu.instr, sends=self.sends)
        )

    def _await_ack(self) -> str:
        deadline = Deadline(self.t2)
        while not deadline.expired:
            data = self._read(256, deadline)
            if not data:
                continue
            outcome = None
            # Every event is handled: a frame may arrive in the same read as the ACK.
            for event in self._receiver.feed(data):
                if isinstance(event, AckReceived):
                    outcome = outcome or "ack"
                elif isinstance(event, NakReceived):
                    self.stats["naks_received"] += 1
                    outcome = outcome or "nak"
                # A frame from the peer means ours arrived and only its ACK was lost.
                elif isinstance(event, FrameReceived) and self._accept(event):
                    outcome = outcome or "ack"
            if outcome:
                return outcome
        return "timeout"

    def receive(self, timeout: float) -> Apdu:
        deadline = Deadline(timeout)
        while True:
            if self._pending:
                return _decode(self._pending.popleft())
            if deadline.expired:
                raise LinkTimeout(_("no answer from {description} within {timeout:g} "
                                    "s").format(description=self.description, timeout=timeout))
            data = self._read(1024, deadline)
            if not data:
                continue
            for event in self._receiver.feed(data):
                if isinstance(event, FrameReceived):
                    self._accept(event)
                elif isinstance(event, FrameError | Noise):
                    log.debug("line noise from %s: %d byte(s)", self.description, len(event.data))
            if self._nak_streak >= self.sends and not self._pending:
                # The peer sent one frame as often as it may and each arrived damaged: it has
                # given up, so waiting for it (T3/T4) would only waste time.
                self._nak_streak = 0
                raise TransmissionError(
                    _("frames from {description} kept arriving damaged; check the "
                      "cable and the line, then retry.").format(description=self.description)
                )

    def _accept(self, event: FrameReceived) -> bool:
        """ACK or NAK a received frame; queue it if new. True if it was acknowledged."""
        if not event.crc_ok:
            self._send_nak()
            return False
        self._nak_streak = 0
        self.link.write(bytes((ACK,)))
        if event.apdu == self._last_received:
            log.debug("dropping a repeated frame (our ACK was lost)")
            return True
        self._last_received = event.apdu
        self._pending.append(event.apdu)
        return True

    def reset(self) -> None:
        """Forget partial and queued frames (after resynchronising with the peer)."""
        self._receiver.reset()
        self._pending.clear()
        self._last_received = None
        self._nak_streak = 0

    def _read(self, size: int, deadline: Deadline) -> bytes:
        """Bytes from the link within the deadline; a frame whose bytes stopped for longer
        than T1 is dropped with NAK. T1 counts from the frame's last byte, not from this read,
        so a caller's short deadline never cuts a slow frame."""
        data = self.link.read(size, min(deadline.remaining(), self.t1) or 0.001)
        now = time.monotonic()
        if data:
            self._last_byte = now
        elif self._receiver.in_frame and now - self._last_byte >= self.t1:
            self._t1_expired()
        return data

    def _t1_expired(self) -> None:
        self._receiver.reset()
        self._send_nak()

    def _send_nak(self) -> None:
        self.link.write(bytes((NAK,)))
        self.stats["naks_sent"] += 1
        self._nak_streak += 1

    def close(self) -> None:
        self.link.close()


class TcpTransport:
    """ZVT over TCP: raw APDUs, reassembled across reads."""

    def __init__(self, link: ByteLink) -> None:
        self.link = link
        self.description = link.description
        self._buffer = bytearray()

    def send(self, apdu: Apdu) -> None:
        self.link.write(apdu.encode())

    def receive(self, timeout: float) -> Apdu:
        deadline = Deadline(timeout)
        while True:
            size = total_size(self._buffer)
            if size is not None and len(self._buffer) >= size:
                apdu, used = parse_apdu(self._buffer)
                del self._buffer[:used]
                return apdu
            if deadline.expired:
                raise LinkTimeout(_("no answer from {description} within {timeout:g} "
                                    "s").format(description=self.description, timeout=timeout))
            self._buffer += self.link.read(65536, deadline.remaining() or 0.001)

    def close(self) -> None:
        self.link.close()


def _decode(data: bytes) -> Apdu:
    try:
        return decode_apdu(data)
    except ProtocolError as err:
        raise ProtocolError(_("malformed APDU from the terminal: {err}").format(err=err)) from err
