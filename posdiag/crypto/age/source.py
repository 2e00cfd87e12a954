"""A small read buffer over any ``read(n)`` source: lines for the header, exact reads after.

The header is line-oriented and the payload is not, and both come from one
stream (possibly through the armor decoder), so one buffer serves both. Memory
stays bounded: a line longer than ``max_line`` is refused, never accumulated.
"""

from __future__ import annotations

from collections.abc import Callable

READ_SIZE = 64 * 1024


class LineTooLong(Exception):
    """Internal signal: a line exceeded the limit (callers turn it into their own error)."""


class BufferedSource:
    def __init__(self, read: Callable[[int], bytes], initial: bytes = b"") -> None:
        self._read = read
        self._buf = bytearray(initial)
        self._eof = False

    def _fill(self, want: int) -> None:
        while len(self._buf) < want and not self._eof:
            data = self._read(max(READ_SIZE, want - len(self._buf)))
            if not data:
                self._eof = True
            else:
                self._buf += data

    def readline(self, max_line: int) -> bytes:
        """Bytes up to and including the next LF (without one at EOF); b"" at EOF."""
        start = 0
        while True:
            end = self._buf.find(b"\n", start)
            if end >= 0:
                return self._take(end + 1)
            if len(self._buf) > max_line:
                raise LineTooLong
            if self._eof:
                return self._take(len(self._buf))
            start = len(self._buf)
            self._fill(len(self._buf) + 1)

    def read_lines(self, max_bytes: int) -> bytes:
        """As many whole lines as fit in max_bytes (at least part of one); b"" at EOF.

        Ends with LF unless the stream ends without one, or a single line is
        longer than max_bytes (then exactly max_bytes come back).
        """
        self._fill(max_bytes)
        end = self._buf.rfind(b"\n", 0, max_bytes)
        if end >= 0:
            return self._take(end + 1)
        return self._take(min(max_bytes, len(self._buf)))

    def peek(self, n: int) -> bytes:
        """Up to n bytes ahead, without consuming them."""
        self._fill(n)
        return bytes(self._buf[:n])

    def read(self, n: int) -> bytes:
        """Up to n bytes; fewer only at end of stream."""
        self._fill(n)
        return self._take(min(n, len(self._buf)))

    def _take(self, n: int) -> bytes:
        data = bytes(self._buf[:n])
        del self._buf[:n]
        return data
