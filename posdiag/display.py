"""Text from outside, made safe to show on a technician's terminal.

File names on a stick, what a terminal says about itself, lines of its log, USB product
strings: any of them may carry terminal control sequences (``ESC ] 0;title BEL``, ``ESC [ 2J``,
a carriage return that overwrites "PROBLEM" with "ok", a right-to-left override that turns
``exe.txt`` round). ``untrusted(text)`` is the one function that makes such text inert where
it enters the display; ``escape_controls(text, own_output=True)`` is the looser pass the CLI's
output streams apply to everything as a second line (posdiag.cli.streams).

What is escaped, each character as ``\\u001b``-style text (readable, and inside a JSON
string it still means the same character):

* C0 controls U+0000-U+001F, except tab and (when asked to keep lines) line feed;
* DEL U+007F and the C1 controls U+0080-U+009F (U+009B is a one-byte CSI);
* bidirectional formatting: U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069;
* the line and paragraph separators U+2028 and U+2029.

Backslashes are left alone: the escaped form is for reading, not for parsing back.
"""

from __future__ import annotations

import re

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_ALWAYS = f"\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\u2028\u2029"
_CONTROLS = re.compile(f"[{_ALWAYS}]")
_CONTROLS_AND_NEWLINE = re.compile(f"[\n{_ALWAYS}]")
# posdiag's own control output, left as it is by the stream pass: carriage return and line
# feed, ESC [ K (erase to end of line, the progress line) and SGR colour codes ESC [ … m.
_OWN_SEQUENCE = re.compile(r"\x1b\[[0-9;]*[Km]|[\r\n]")


def _escape_char(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def untrusted(text: object, *, keep_newlines: bool = False) -> str:
    """``text`` (anything; ``str()`` is taken) with every control character escaped.

    Use it on every string that came from outside before it is shown: file and folder
    names from a medium, device text, log lines, fields of a record read from a stick.
    ``keep_newlines`` leaves ``\\n`` as it is, for multi-line text such as a log.
    """
    value = text if isinstance(text, str) else str(text)
    pattern = _CONTROLS if keep_newlines else _CONTROLS_AND_NEWLINE
    return pattern.sub(_escape_char, value)


def escape_controls(text: str, *, own_output: bool = False) -> str:
    """Like ``untrusted(keep_newlines=True)``; with ``own_output`` posdiag's own control
    output survives: ``\\r``, ``ESC [ K`` and ``ESC [ … m`` (see the module docstring)."""
    if not own_output:
        return untrusted(text, keep_newlines=True)
    if not _CONTROLS.search(text):
        return text
    parts = []
    position = 0
    for match in _OWN_SEQUENCE.finditer(text):
        parts.append(_CONTROLS.sub(_escape_char, text[position:match.start()]))
        parts.append(match.group())
        position = match.end()
    parts.append(_CONTROLS.sub(_escape_char, text[position:]))
    return "".join(parts)
