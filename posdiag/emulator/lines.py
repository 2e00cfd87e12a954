"""The emulated terminal's end of the cable: a pty, paced at the line's baud rate,
optionally behind a fault-injecting wrapper.

Each is a ``ByteLink`` (posdiag.link.base), so the terminal's transport code does
not know whether it talks through a pty, a socket or a noisy line.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import select
import time
import tty

from posdiag.emulator.faults import Faults
from posdiag.errors import LinkClosed

BITS_PER_BYTE = 10  # start + 8 data + stop, as the line-rate figures assume


class Disconnect(Exception):
    """Raised inside the emulator when an injected cable pull happens."""


class PtyLine:
    """A pty pair; the ECR opens ``path``, the terminal reads and writes the master side.

    The terminal also keeps the slave open, so an ECR that closes and reopens the
    port between commands does not hang the line up.
    """

    def __init__(self, baud: int | None = None) -> None:
        self.baud = baud
        self._master = -1
        self._slave = -1
        self.path = ""
        self._tx_clock = 0.0
        self._rx_clock = 0.0
        self.open()

    @property
    def description(self) -> str:
        return f"pty {self.path}"

    def open(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no line editing: bytes pass as they are
        tty.setraw(self._master)
        self.path = os.ttyname(self._slave)

    def reopen(self) -> None:
        """A new cable after a pull: a new pty with a new path."""
        self.close()
        self.open()

    def read(self, size: int, timeout: float) -> bytes:
        if self._master < 0:
            raise LinkClosed("the emulated line is closed")
        try:
            ready, _, _ = select.select([self._master], [], [], max(timeout, 0))
        except (OSError, ValueError) as err:  # closed under us by stop() or a cable pull
            raise LinkClosed("the emulated line was closed") from err
        if not ready:
            return b""
        try:
            data = os.read(self._master, size)
        except OSError as err:
            if err.errno in (errno.EIO, errno.EBADF):
                raise LinkClosed("the emulated line was closed") from err
            raise
        if self.baud:
            self._rx_clock = self._pace(self._rx_clock, len(data))
        return data

    def write(self, data: bytes) -> None:
        if self._master < 0:
            raise LinkClosed("the emulated line is closed")
        if not self.baud:
            self._write_all(data)
            return
        # Send in slices of about 10 ms of line time so the ECR sees bytes trickle in.
        step = max(1, self.baud // BITS_PER_BYTE // 100)
        for start in range(0, len(data), step):
            piece = data[start : start + step]
            self._write_all(piece)
            self._tx_clock = self._pace(self._tx_clock, len(piece))

    def _pace(self, clock: float, nbytes: int) -> float:
        """Advance a line clock by nbytes and sleep until the line would have carried them."""
        assert self.baud
        now = time.monotonic()
        clock = max(clock, now) + nbytes * BITS_PER_BYTE / self.baud
        if clock > now:
            time.sleep(clock - now)
        return clock

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self._master, view)
            except BlockingIOError:
                select.select([], [self._master], [], 0.05)
                continue
            except OSError as err:
                raise LinkClosed("the emulated line was closed") from err
            view = view[written:]

    def close(self) -> None:
        for fd in (self._master, self._slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = -1


class FaultyLink:
    """Wraps a link with line faults: noise, per-frame delay, one cable pull."""

    def __init__(self, link, faults: Faults, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
        self.link = link
        self.faults = faults
        self.rng = rng
        self.sent = 0
        self.disconnected_once = False

    @property
    def description(self) -> str:
        return str(self.link.description)

    def read(self, size: int, timeout: float) -> bytes:
        return self._noisy(self.link.read(size, timeout))

    def write(self, data: bytes) -> None:
        if self.faults.delay_ms and len(data) > 1:  # frames, not the lone ACK/NAK bytes
            time.sleep(self.faults.delay_ms / 1000)
        limit = self.faults.disconnect_after
        if limit is not None and not self.disconnected_once and self.sent + len(data) >= limit:
            self.link.write(self._noisy(data[: limit - self.sent]))
            self.sent = limit
            self.disconnected_once = True
            raise Disconnect()
        self.sent += len(data)
        self.link.write(self._noisy(data))

    def _noisy(self, data: bytes) -> bytes:
        p = self.faults.noise
        if not p or not data:
            return data
        out = bytearray(data)
        for i in range(len(out)):
            if self.rng.random() < p:
                out[i] ^= self.rng.randrange(1, 256)
        return bytes(out)

    def close(self) -> None:
        self.link.close()
