"""ASCII armor for age files: strict PEM (RFC 7468) with label ``AGE ENCRYPTED FILE``.

Decoding accepts only the canonical form age writes, except for whitespace
around the block and CRLF line ends (C2SP age, "ASCII armor"): 64-column
lines of padded, canonical base64, the last one shorter, no empty lines, no
PEM headers. Both directions stream one line at a time.
"""

from __future__ import annotations

import base64
import binascii
from typing import BinaryIO

from posdiag.crypto.age.errors import ArmorError
from posdiag.crypto.age.source import BufferedSource, LineTooLong
from posdiag.i18n import _

BEGIN = b"-----BEGIN AGE ENCRYPTED FILE-----"
END = b"-----END AGE ENCRYPTED FILE-----"
COLUMNS = 64
BYTES_PER_LINE = COLUMNS // 4 * 3
# Whitespace tolerated around the block, as the reference implementation does.
MAX_WHITESPACE = 1024
BATCH_BYTES = 64 * 1024


def looks_armored(start: bytes) -> bool:
    """Whether a file beginning with these bytes is meant to be armored."""
    return start.lstrip().startswith(b"-----BEGIN")


def _decode(text: bytes) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as err:
        raise ArmorError(_("The armored age file holds invalid base64.")) from err


class ArmorReader:
    """Decodes an armored age file on the fly; ``read(n)`` returns the binary age file."""

    def __init__(self, source: BufferedSource) -> None:
        self._source = source
        self._started = False
        self._pending = b""
        self._finished = False
        self._error: ArmorError | None = None
        # Body lines are taken from the source in batches of whole lines (per-line calls
        # are too slow for large files); _pos is the next unread byte of the batch.
        self._text = b""
        self._pos = 0

    def _start(self) -> None:
        skipped = 0
        while True:
            try:
                line = self._source.readline(MAX_WHITESPACE + len(BEGIN) + 2)
            except LineTooLong as err:
                raise ArmorError(_("The armored age file starts with an overlong line.")) from err
            if not line:
                raise ArmorError(_("The armored age file is empty or truncated."))
            stripped = line.removesuffix(b"\n").removesuffix(b"\r")
            if stripped.strip():
                break
            skipped += len(line)
            if skipped > MAX_WHITESPACE:
                raise ArmorError(_("The armored age file starts with too much whitespace."))
        if stripped != BEGIN:
            raise ArmorError(_("The armored file does not begin with -----BEGIN AGE "
                               "ENCRYPTED FILE-----; it is not an age file."))
        self._started = True

    def _line(self) -> bytes:
        if self._pos >= len(self._text):
            text = self._source.read_lines(BATCH_BYTES)
            if not text:
                raise ArmorError(_("The armored age file is truncated (no END line)."))
            self._text, self._pos = text.replace(b"\r\n", b"\n"), 0
        end = self._text.find(b"\n", self._pos)
        if end < 0:  # the last line of the file, without LF
            end = len(self._text)
        line = self._text[self._pos : end]
        self._pos = end + 1
        return line

    def _finish(self) -> None:
        self._finished = True
        rest = self._text[self._pos :] + self._source.read(MAX_WHITESPACE)
        self._text, self._pos = b"", 0
        if rest.strip():
            self._error = ArmorError(_("The armored age file has data after its END line."))
        elif len(rest) >= MAX_WHITESPACE:
            self._error = ArmorError(_("The armored age file ends with too much whitespace."))

    def _full_lines(self) -> bytes | None:
        """Fast path: base64 of the run of full 64-column lines at the cursor, if any.

        Every 65th byte is LF and there are no other LFs, so each line has exactly
        64 characters; without "=" such lines are always canonical.
        """
        text, pos = self._text, self._pos
        steps = text[pos + COLUMNS :: COLUMNS + 1]
        count = len(steps) - len(steps.lstrip(b"\n"))
        if not count:
            return None
        flat = text[pos : pos + count * (COLUMNS + 1)].replace(b"\n", b"")
        if len(flat) != count * COLUMNS or b"=" in flat:
            return None
        self._pos += count * (COLUMNS + 1)
        return flat

    def _next_block(self) -> bytes:
        if not self._started:
            self._start()
        full = self._full_lines()
        if full is not None:
            return _decode(full)
        line = self._line()
        if line == END:
            self._finish()
            return b""
        if len(line) > COLUMNS:
            raise ArmorError(_("A line of the armored age file is longer than 64 columns."))
        if not line:
            raise ArmorError(_("The armored age file has an empty line inside its block."))
        data = _decode(line)
        if base64.b64encode(data) != line:
            raise ArmorError(_("The armored age file holds non-canonical base64."))
        if len(data) < BYTES_PER_LINE:
            if self._line() != END:
                raise ArmorError(_("A short line inside the armored age file must be its last."))
            self._finish()
        return data

    def read(self, n: int = -1) -> bytes:
        """Up to n decoded bytes (all if n < 0); b"" at the end; ArmorError once data is bad."""
        parts, size = [self._pending], len(self._pending)
        try:
            while (n < 0 or size < n) and not self._finished:
                block = self._next_block()
                parts.append(block)
                size += len(block)
        except ArmorError as err:
            # Bytes decoded before the defect are still handed out; the error comes next.
            self._error, self._finished = err, True
        data = b"".join(parts)
        if not data and self._error is not None:
            raise self._error
        if n < 0:
            n = len(data)
        self._pending = data[n:]
        return data[:n]


class ArmorWriter:
    """Writes armored output to ``dst``; ``close()`` writes the last line and the END line."""

    def __init__(self, dst: BinaryIO) -> None:
        self._dst = dst
        self._pending = bytearray()
        dst.write(BEGIN + b"\n")

    def write(self, data: bytes) -> int:
        self._pending += data
        full = len(self._pending) - len(self._pending) % BYTES_PER_LINE
        if full:
            text = base64.b64encode(bytes(self._pending[:full]))
            del self._pending[:full]
            self._dst.write(b"".join(text[i : i + COLUMNS] + b"\n"
                                     for i in range(0, len(text), COLUMNS)))
        return len(data)

    def close(self) -> None:
        if self._pending:
            self._dst.write(base64.b64encode(bytes(self._pending)) + b"\n")
            self._pending.clear()
        self._dst.write(END + b"\n")
