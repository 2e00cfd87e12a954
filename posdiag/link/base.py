"""The byte-link interface shared by serial ports and sockets."""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable


@runtime_checkable
class ByteLink(Protocol):
    """A bidirectional byte pipe.

    ``read`` waits at most ``timeout`` seconds for the first byte and returns what
    is available (up to ``size``), or b"" on timeout. A peer that is gone raises
    ``LinkClosed``; every other failure is a ``LinkError``.
    """

    @property
    def description(self) -> str:
        """What the link is, for messages (a path or an address; never data)."""
        ...

    def read(self, size: int, timeout: float) -> bytes: ...

    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...


class Deadline:
    """A point in time from which remaining timeouts are derived (monotonic clock)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.end

    def restart(self) -> None:
        self.end = time.monotonic() + self.seconds
