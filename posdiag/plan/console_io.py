"""The console's waits: a live countdown while the terminal waits, and timed line input.

On a terminal (a TTY) every wait is shown with the seconds left, redrawn each second on the
last line; anything else printed meanwhile (the terminal's status) goes above it. What is
redrawn is short — the question or instruction is printed once, on its own lines — so a long
text that wraps on a narrow screen is never drawn twice. Piped, the texts are printed once,
without the redrawing.
"""

from __future__ import annotations

import codecs
import os
import select
import stat
import threading
import time
from collections.abc import Callable
from typing import IO

CLEAR_LINE = "\r\x1b[K"  # carriage return, erase to the end of the line
TICK = 1.0  # s between redraws of a countdown


def isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (ValueError, OSError, AttributeError):
        return False


class Countdown:
    """``text`` with the seconds left until ``deadline``, redrawn in a thread until stopped.

    ``above(line)`` prints a line above the countdown (it keeps running below it)."""

    def __init__(self, out: IO[str], text: Callable[[int], str], deadline: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.out, self.text, self.deadline, self.clock = out, text, deadline, clock
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="posdiag-countdown", daemon=True)

    def start(self, header: str = "") -> Countdown:
        if header:
            self.out.write(header + "\n")
        self._draw()
        self._thread.start()
        return self

    def seconds_left(self) -> int:
        return max(0, round(self.deadline - self.clock()))

    def _draw(self) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            self.out.write(CLEAR_LINE + self.text(self.seconds_left()))
            self.out.flush()

    def _run(self) -> None:
        while not self._stop.wait(TICK):
            self._draw()
            if self.seconds_left() <= 0:
                return

    def above(self, line: str) -> None:
        with self._lock:
            self.out.write(CLEAR_LINE + line + "\n" + self.text(self.seconds_left()))
            self.out.flush()

    def stop(self) -> None:
        """End the countdown; its last line stays, with the time it showed."""
        with self._lock:
            if self._stop.is_set():
                return
            self._stop.set()
            self.out.write("\n")
            self.out.flush()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=2 * TICK)


SAVE_CURSOR, RESTORE_CURSOR = "\x1b7", "\x1b8"


class InputEnded(Exception):
    """Standard input is closed or at its end: nobody can type an answer any more."""


def input_closed(stdin: IO[str] | None) -> bool:
    """Whether ``stdin`` can be seen to give no input, before anything is read: none at all
    (the shell closed it), closed, or the null device (``< /dev/null``)."""
    if stdin is None or getattr(stdin, "closed", False):
        return True
    try:
        fd = stdin.fileno()
        found = os.fstat(fd)
    except (OSError, ValueError, AttributeError):
        return not hasattr(stdin, "readline")
    try:
        null = os.stat(os.devnull)
    except OSError:
        return False
    return stat.S_ISCHR(found.st_mode) and found.st_rdev == null.st_rdev


class _LineFeeder:
    """Lines of a piped (not a TTY) stdin, read from its file descriptor with a deadline
    (``readline`` on a pipe has none). The bytes are buffered here, not in Python's stream,
    so ``select`` never misses a line that was already read; no thread is left blocked."""

    def __init__(self, fd: int, encoding: str) -> None:
        self.fd = fd
        self.decoder = codecs.getincrementaldecoder(encoding)("replace")
        self.buffer = ""
        self.ended = False

    def get(self, deadline: float, clock: Callable[[], float]) -> str | None:
        """The next line; None when ``deadline`` passed; InputEnded at the end of the input."""
        while "\n" not in self.buffer:
            if self.ended:
                if self.buffer:  # a last line without its newline
                    line, self.buffer = self.buffer, ""
                    return line
                raise InputEnded
            left = deadline - clock()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                return None
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:
                chunk = b""
            if chunk:
                self.buffer += self.decoder.decode(chunk)
            else:
                self.buffer += self.decoder.decode(b"", final=True)
                self.ended = True
        line, _, self.buffer = self.buffer.partition("\n")
        return line


# One feeder per file descriptor, for the life of the process: bytes read past a line belong
# to the next question, whichever console operator asks it (a run has several steps, and a
# test several runs), so the buffer cannot live in one operator.
_feeders: dict[int, _LineFeeder] = {}


def _feeder(stdin: IO[str]) -> _LineFeeder:
    fd = stdin.fileno()
    feeder = _feeders.get(fd)
    if feeder is None:
        feeder = _feeders[fd] = _LineFeeder(fd, getattr(stdin, "encoding", None) or "utf-8")
    return feeder


def read_line(out: IO[str], stdin: IO[str], question: Callable[[int], str], deadline: float,
              clock: Callable[[], float] = time.monotonic, header: str = "") -> str | None:
    """A line typed before ``deadline`` (without its newline); None when time ran out;
    InputEnded when the input is closed or ended (at once: nobody can answer). ``header``
    (the question itself) is printed once; on a TTY ``question(seconds)`` — short, of one
    width — is redrawn in place every second, so what the person has typed after it stays."""
    if header:
        out.write(header + "\n")
    if input_closed(stdin):
        raise InputEnded
    if not (hasattr(stdin, "fileno") and isatty(stdin)):  # piped: what comes, in time
        out.write(question(max(0, round(deadline - clock()))) + " ")
        out.flush()
        if not _has_fileno(stdin):  # a stream in memory: what is there is all there is
            line = stdin.readline()
            if not line:
                raise InputEnded
            return line.rstrip("\n")
        piped = _feeder(stdin).get(deadline, clock)
        out.write("\n")  # what was piped is not echoed: the next text starts a line of its own
        out.flush()
        return piped
    out.write(CLEAR_LINE + question(max(0, round(deadline - clock()))) + " ")
    out.flush()
    while True:
        left = deadline - clock()
        if left <= 0:
            out.write("\n")
            out.flush()
            return None
        ready, _, _ = select.select([stdin], [], [], min(TICK, left))
        if ready:
            line = stdin.readline()
            if not line:  # Ctrl-D
                out.write("\n")
                out.flush()
                raise InputEnded
            return line.rstrip("\n")
        seconds = max(0, round(deadline - clock()))
        out.write(SAVE_CURSOR + "\r" + question(seconds) + RESTORE_CURSOR)
        out.flush()


def _has_fileno(stream: IO[str]) -> bool:
    try:
        stream.fileno()
    except (OSError, ValueError, AttributeError):
        return False
    return True
