"""The process boundary: every line the CLI writes as text passes the card-number mask.

``masked_std_streams()`` replaces ``sys.stdout`` and ``sys.stderr`` for the length of a
command with ``MaskingTextStream``s. This is the second line of defence: commands mask what
they print themselves (and writers of records and snapshots mask what they store), but a
message that quotes device text, a decoder that prints free text, or a traceback under
``--debug`` passes here too.

How a stream masks without splitting a card number: text is held until a line ends
(``\\n`` or ``\\r``) and masked as a whole line. ``flush()`` (click flushes after every echo,
prompts need their text shown before input is read) writes what is held except a trailing run
of digits and separators, which may still continue. A held part is capped, so one endless line
cannot grow memory.

What it does not touch:

* bytes: ``.buffer`` is the original binary stream (``decrypt -o -`` stays byte-exact);
  held text is flushed before the buffer is handed out, so order is kept;
* posdiag's own control output: ``\\r`` and ``ESC [ K`` of the progress line, SGR colour
  codes. Other control characters from anywhere (ESC sequences but those, C1, DEL, bidi
  overrides) are escaped here as ``\\u001b``-style text; untrusted strings are escaped where
  they enter the display (posdiag.display), this only catches what was missed.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO, TextIO

from posdiag.cards import mask_text, trailing_run_start
from posdiag.display import escape_controls

# The longest text held back waiting for a line end before it is written anyway.
MAX_HELD = 64 * 1024


class MaskingTextStream(io.TextIOBase):
    """A text stream that writes to ``target`` line by line, card numbers masked."""

    def __init__(self, target: TextIO) -> None:
        super().__init__()
        self._target = target
        self._held = ""
        # click re-wraps a stream whose encoding is ASCII around its binary buffer, which would
        # go round this one; so such a target gets UTF-8 bytes from here and says "utf-8".
        self._utf8_bytes = _is_ascii(target) and hasattr(target, "buffer")

    # --- what callers see of the target --------------------------------------------------

    @property
    def target(self) -> TextIO:
        return self._target

    @property
    def encoding(self) -> str:  # type: ignore[override]
        if self._utf8_bytes:
            return "utf-8"
        return getattr(self._target, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str:  # type: ignore[override]
        return getattr(self._target, "errors", None) or "strict"

    @property
    def buffer(self) -> BinaryIO:
        """The target's binary stream, for bytes that must pass unchanged."""
        self._write_held(everything=True)
        self._target.flush()
        return self._target.buffer  # type: ignore[attr-defined, no-any-return]

    def isatty(self) -> bool:
        return self._target.isatty()

    def fileno(self) -> int:
        return self._target.fileno()

    def writable(self) -> bool:
        return True

    # --- writing -------------------------------------------------------------------------

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._held += text
        cut = max(self._held.rfind("\n"), self._held.rfind("\r")) + 1
        if cut:
            self._emit(self._held[:cut])
            self._held = self._held[cut:]
        if len(self._held) > MAX_HELD:
            self._write_held(everything=False)
        return len(text)

    def flush(self) -> None:
        self._write_held(everything=False)
        self._target.flush()

    def drain(self) -> None:
        """Write everything held, even a trailing digit run (the command has ended). A reader
        gone by now (a closed pipe) loses it quietly: there is no one left to read it."""
        with contextlib.suppress(OSError, ValueError):
            self._write_held(everything=True)
        self._held = ""
        with contextlib.suppress(OSError, ValueError):
            self._target.flush()

    def _write_held(self, everything: bool) -> None:
        if not self._held:
            return
        cut = len(self._held)
        if not everything:
            cut = trailing_run_start(self._held)  # a number that may go on stays held
            if len(self._held) - cut > MAX_HELD:  # one endless number: let it go, masked
                cut = len(self._held)
        if cut:
            self._emit(self._held[:cut])
            self._held = self._held[cut:]

    def close(self) -> None:
        self.drain()
        super().close()

    def _emit(self, text: str) -> None:
        safe = escape_controls(mask_text(text), own_output=True)
        if self._utf8_bytes:
            self._target.flush()
            self._target.buffer.write(safe.encode("utf-8", "replace"))  # type: ignore[attr-defined]
        else:
            self._target.write(safe)


def _is_ascii(stream: TextIO) -> bool:
    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "ascii").name == "ascii"
    except LookupError:
        return False


@contextlib.contextmanager
def masked_std_streams() -> Iterator[tuple[MaskingTextStream, MaskingTextStream]]:
    """sys.stdout and sys.stderr masked for the ``with`` block, then put back."""
    saved: tuple[Any, Any] = (sys.stdout, sys.stderr)
    out = MaskingTextStream(sys.stdout)
    err = MaskingTextStream(sys.stderr)
    sys.stdout, sys.stderr = out, err
    try:
        yield out, err
    finally:
        out.drain()
        err.drain()
        sys.stdout, sys.stderr = saved
