"""Ctrl-C and SIGTERM while a device is in the middle of something.

A ZVT terminal inside a command must be told to stop (Abort 06 B0) and heard to end it, or
the next run finds it busy. So while a dialog runs, SIGINT and SIGTERM only *request* a stop:
``InterruptGate.requested`` turns true and the dialog stops at its next safe point (it
answers or aborts, waits for the terminal to end the command, then raises
``posdiag.errors.Interrupted``). Outside a dialog they interrupt at once, as Python does
(KeyboardInterrupt). A second signal during the stop no longer waits.

The gate is process-wide by nature (signals are), so it is installed only by the main
thread, for the length of a ``with installed_gate()`` block, and hands the signal on to a
handler that was there before (the kit service's stop flag).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class InterruptGate:
    def __init__(self) -> None:
        self.requested = False
        self.signal_number: int | None = None
        self._shielded = 0
        self._saved: dict[int, Any] = {}

    @contextlib.contextmanager
    def shield(self) -> Iterator[None]:
        """While inside, a signal only sets ``requested``; the dialog decides when to stop."""
        self._shielded += 1
        try:
            yield
        finally:
            self._shielded -= 1

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        first = not self.requested
        self.requested = True
        self.signal_number = signum
        waits = bool(self._shielded and first)  # the dialog stops itself at the next safe point
        previous = self._saved.get(signum)
        if callable(previous) and previous is not signal.default_int_handler \
                and not isinstance(getattr(previous, "__self__", None), InterruptGate):
            try:
                previous(signum, frame)  # e.g. the kit service notes that it should stop
            except KeyboardInterrupt:
                if not waits:  # a handler that interrupts at once may, outside a dialog
                    raise
        if waits:
            return
        raise KeyboardInterrupt

    def install(self) -> bool:
        """Take over SIGINT and SIGTERM; False (and nothing done) outside the main thread."""
        if threading.current_thread() is not threading.main_thread():
            return False
        for signum in SIGNALS:
            self._saved[signum] = signal.signal(signum, self._handle)
        return True

    def uninstall(self) -> None:
        for signum, handler in self._saved.items():
            signal.signal(signum, handler)
        self._saved.clear()


@contextlib.contextmanager
def installed_gate() -> Iterator[InterruptGate | None]:
    """A gate for this block, or None when signals cannot be taken here (not the main thread)."""
    gate = InterruptGate()
    if not gate.install():
        yield None
        return
    try:
        yield gate
    finally:
        gate.uninstall()
