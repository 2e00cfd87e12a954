"""How wide text is on a terminal, and tables aligned by it: every CLI table uses this.

A Chinese character takes two terminal cells, a combining accent none, so ``str.ljust`` and
``len`` misalign any table with Chinese step names. Width comes from the Unicode Character
Database in the standard library (``unicodedata.east_asian_width``): Wide and Fullwidth are two
cells, combining marks, format characters and controls none, everything else one. Ambiguous
characters (Greek, Cyrillic, box drawing, "…") count one cell, as UTF-8 terminals draw them.
Why not the ``wcwidth`` package: it adds emoji sequence rules no table of ours needs, and a
runtime dependency the Pi kit would carry for them (docs/decisions.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

ELLIPSIS = "…"


@lru_cache(maxsize=4096)
def char_width(char: str) -> int:
    """Cells one character takes: 0, 1 or 2."""
    if char in ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"):
        return 0
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Cf", "Cc") or char == "\u00ad":
        return 0
    if "\u1160" <= char <= "\u11ff":  # Hangul medial vowels and final consonants join a syllable
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Cells ``text`` takes on a terminal (one line; control characters count nothing)."""
    if text.isascii():
        return sum(1 for c in text if " " <= c <= "~")
    return sum(char_width(c) for c in text)


def pad(text: str, width: int, align: str = "left") -> str:
    """``text`` padded with spaces to ``width`` cells (never cut): left, right or center."""
    room = width - display_width(text)
    if room <= 0:
        return text
    if align == "right":
        return " " * room + text
    if align == "center":
        return " " * (room // 2) + text + " " * (room - room // 2)
    return text + " " * room


def clip(text: str, width: int, ellipsis: str = ELLIPSIS) -> str:
    """``text`` cut to at most ``width`` cells, ending in ``ellipsis`` when cut.

    A wide character that would straddle the limit is left out whole."""
    if display_width(text) <= width:
        return text
    room = width - display_width(ellipsis)
    if room < 0:
        return ""
    kept: list[str] = []
    used = 0
    for char in text:
        cells = char_width(char)
        if used + cells > room:
            break
        kept.append(char)
        used += cells
    return "".join(kept) + ellipsis


def text_table(rows: Sequence[Sequence[str]], *, gap: int = 2, width: int | None = None,
               align: Sequence[str] = ()) -> list[str]:
    """Rows (the first is the header, if any) as aligned lines, columns measured in cells.

    ``align`` gives "left" / "right" per column (default left). With ``width``, the last
    column is clipped so that no line is wider (it keeps at least 20 cells); trailing
    spaces are stripped."""
    if not rows:
        return []
    columns = max(len(row) for row in rows)
    cells = [[str(c) for c in row] + [""] * (columns - len(row)) for row in rows]
    widths = [max(display_width(row[i]) for row in cells) for i in range(columns)]
    spacer = " " * gap
    lines = []
    for row in cells:
        parts = [pad(cell, widths[i], align[i] if i < len(align) else "left")
                 for i, cell in enumerate(row[:-1])]
        head = spacer.join(parts)
        last = row[-1]
        if width is not None:
            room = max(width - display_width(head) - (gap if parts else 0), 20)
            last = clip(last, room)
        if parts:
            last_align = align[columns - 1] if columns - 1 < len(align) else "left"
            if last_align == "right":
                last = pad(last, widths[-1], "right")
            lines.append(f"{head}{spacer}{last}".rstrip())
        else:
            lines.append(last.rstrip())
    return lines


_WIDE_SCRIPT = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
# A wide character (with the closing punctuation that must not start a line), a run of
# spaces, or a word of anything else.
_WRAP_TOKEN = re.compile(
    f"\\s+|[{_WIDE_SCRIPT}](?:[，。、；：！？）」』》〉…]+)?|[^\\s{_WIDE_SCRIPT}]+")


def wrap(text: str, width: int) -> list[str]:
    """One paragraph as lines of at most ``width`` cells.

    Breaks at spaces, and between any two Chinese characters (never before a closing
    punctuation mark, which stays with the character before it); a word wider than a whole
    line is cut."""
    lines: list[str] = []
    line, used = "", 0
    for token in _WRAP_TOKEN.findall(" ".join(text.split("\n"))):
        if token.isspace():
            if line:
                line, used = line + " ", used + 1
            continue
        cells = display_width(token)
        if used + cells > width and line.strip():
            lines.append(line.rstrip())
            line, used = "", 0
        while cells > width:  # a word longer than a line
            head = clip(token, width, ellipsis="")
            lines.append(head)
            token = token[len(head):]
            cells = display_width(token)
        line, used = line + token, used + cells
    if line.strip():
        lines.append(line.rstrip())
    return lines
