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
import termios
import time
import tty

from posdiag.emulator.faults import Faults
from posdiag.emulator.uart import resample
from posdiag.errors import LinkClosed
from posdiag.i18n import _
from posdiag.link.base import ByteLink

BITS_PER_BYTE = 10  # line time per byte used for pacing, as the line-rate figures assume
DEFAULT_RATE = 9600  # ZVT's serial default (PA00P016 §2.1)


class Disconnect(Exception):
    """Raised inside the emulator when an injected cable pull happens."""


class Restart(Exception):
    """Raised inside the emulator when an injected reboot of the terminal happens."""


class PtyLine:
    """A pty pair; the ECR opens ``path``, the terminal reads and writes the master side.

    The terminal also keeps the slave open, so an ECR that closes and reopens the
    port between commands does not hang the line up.

    The line has the terminal's baud rate (``rate``), changed by Change Baudrate 08 40 and
    reset on a restart. The ECR's rate is what it set on its end of the pty (a pty shares one
    termios between its two ends); when the two differ, each side hears what a UART at its
    rate makes of the other's bytes (uart.resample). ``baud`` paces the terminal's output and
    input at the line's rate, as a real line would; None sends as fast as the pty allows.
    """

    def __init__(self, baud: int | None = None, *, rate: int = DEFAULT_RATE) -> None:
        self.paced = baud is not None
        self.configured_rate = baud or rate  # what the terminal returns to on a restart
        self.rate = self.configured_rate
        self._master = -1
        self._slave = -1
        self.path = ""
        self._tx_clock = 0.0
        self._rx_clock = 0.0
        self._deaf_until = 0.0
        self.open()

    @property
    def baud(self) -> int | None:
        """The rate output is paced at, or None when unpaced."""
        return self.rate if self.paced else None

    @property
    def description(self) -> str:
        return f"pty {self.path}"

    def open(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no line editing: bytes pass as they are
        tty.setraw(self._master)
        _set_speed(self._slave, self.rate)  # an ECR that sets no rate is at the terminal's
        self.path = os.ttyname(self._slave)

    def reopen(self) -> None:
        """A new cable after a pull: a new pty with a new path."""
        self.close()
        self.open()

    # --- the rate ----------------------------------------------------------------------------

    def ecr_rate(self) -> int | None:
        """The rate the ECR set on its end; None when it cannot be told (taken as matching)."""
        if self._master < 0:
            return None
        return _speed(self._master)

    def change_rate(self, rate: int, accept_after: float) -> None:
        """Switch to rate now; hear nothing for accept_after seconds (PA00P015 §2.57.2)."""
        self.rate = rate
        self._deaf_until = time.monotonic() + accept_after

    def restart(self) -> None:
        """Back to the configured rate, as after a reboot (SMART-ZVT-Präzisierungen 3.2.51)."""
        self.rate = self.configured_rate
        self._deaf_until = 0.0

    def _mismatch(self) -> int | None:
        ecr = self.ecr_rate()
        return ecr if ecr is not None and ecr != self.rate else None

    # --- bytes -------------------------------------------------------------------------------

    def read(self, size: int, timeout: float) -> bytes:
        if self._master < 0:
            raise LinkClosed(_("the emulated line is closed"))
        try:
            ready, _unused_w, _unused_x = select.select([self._master], [], [], max(timeout, 0))
        except (OSError, ValueError) as err:  # closed under us by stop() or a cable pull
            raise LinkClosed(_("the emulated line was closed")) from err
        if not ready:
            return b""
        try:
            data = os.read(self._master, size)
        except OSError as err:
            if err.errno in (errno.EIO, errno.EBADF):
                raise LinkClosed(_("the emulated line was closed")) from err
            raise
        if self.paced:
            self._rx_clock = self._pace(self._rx_clock, len(data))
        if time.monotonic() < self._deaf_until:
            return b""  # still switching its UART: whatever came is lost
        ecr = self._mismatch()
        return resample(data, ecr, self.rate) if ecr else data

    def write(self, data: bytes) -> None:
        if self._master < 0:
            raise LinkClosed(_("the emulated line is closed"))
        ecr = self._mismatch()
        wire = resample(data, self.rate, ecr) if ecr else data
        if not self.paced:
            self._write_all(wire)
            return
        # Send in slices of about 10 ms of line time so the ECR sees bytes trickle in. One
        # write is one burst, back to back on the line as from a UART's FIFO: each slice is due
        # at a time counted from the burst's start, so a late wake-up is made up by the next
        # slice instead of adding up. The line is busy for the bytes the terminal sent,
        # whatever the ECR makes of them.
        step = max(1, self.rate // BITS_PER_BYTE // 100)
        start = max(self._tx_clock, time.monotonic())
        for offset in range(0, len(data), step):
            piece = data[offset : offset + step]
            self._write_all(resample(piece, self.rate, ecr) if ecr else piece)
            due = start + (offset + len(piece)) * BITS_PER_BYTE / self.rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self._tx_clock = due

    def _pace(self, clock: float, nbytes: int) -> float:
        """Advance a line clock by nbytes and sleep until the line would have carried them."""
        now = time.monotonic()
        clock = max(clock, now) + nbytes * BITS_PER_BYTE / self.rate
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
                raise LinkClosed(_("the emulated line was closed")) from err
            view = view[written:]

    def close(self) -> None:
        for fd in (self._master, self._slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = -1


# termios speed constants of this platform, both ways (B9600 -> 9600, …).
_SPEEDS: dict[int, int] = {getattr(termios, name): int(name[1:]) for name in dir(termios)
                           if name.startswith("B") and name[1:].isdigit()}
_CONSTANTS = {rate: constant for constant, rate in _SPEEDS.items()}


def _speed(fd: int) -> int | None:
    try:
        return _SPEEDS.get(termios.tcgetattr(fd)[5])  # ospeed
    except (termios.error, OSError):
        return None


def _set_speed(fd: int, rate: int) -> None:
    constant = _CONSTANTS.get(rate)
    if constant is None:
        return  # not a termios rate: the ECR's own setting decides
    with contextlib.suppress(termios.error, OSError):
        attributes = termios.tcgetattr(fd)
        attributes[4] = attributes[5] = constant
        termios.tcsetattr(fd, termios.TCSANOW, attributes)


class FaultyLink:
    """Wraps a link with line faults: noise, per-frame delay, one cable pull."""

    def __init__(self, link: ByteLink, faults: Faults, rng: random.Random) -> None:
        self.link = link
        self.faults = faults
        self.rng = rng
        self.sent = 0
        self.disconnected_once = False
        self.restarted_once = False

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
        limit = self.faults.restart_after
        if limit is not None and not self.restarted_once and self.sent + len(data) >= limit:
            self.link.write(self._noisy(data[: limit - self.sent]))
            self.sent = limit
            self.restarted_once = True
            raise Restart()
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
