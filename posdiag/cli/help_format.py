"""Help laid out by display width, so Chinese help wraps and lines up as English does.

Click measures help text in characters; a Chinese character is two terminal cells, so a
Chinese paragraph wrapped at 100 characters runs 200 cells wide and option descriptions
start at different columns. This formatter wraps and aligns by cells (posdiag.i18n_width)
whenever a text holds a wide character, and leaves click's own layout otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable

import click

from posdiag.i18n_width import display_width, pad, wrap


def _has_wide(text: str) -> bool:
    return not text.isascii() and display_width(text) != len(text)


def wrap_paragraphs(text: str, width: int, indent: int = 0) -> list[str]:
    """Click's paragraph rules (blank line between paragraphs, a paragraph opened by a
    ``\\b`` line kept as written), wrapped to ``width`` cells after ``indent`` spaces."""
    out: list[str] = []
    for block in text.expandtabs().split("\n\n"):
        lines = [line for line in block.split("\n") if line]
        if not lines:
            continue
        if out:
            out.append("")
        if lines[0].strip() == "\b":
            out += [" " * indent + line for line in lines[1:]]
            continue
        extra = len(lines[0]) - len(lines[0].lstrip())
        body = " ".join(line.strip() for line in lines)
        out += [" " * (indent + extra) + line
                for line in wrap(body, max(width - indent - extra, 10))]
    return out


class HelpFormatter(click.HelpFormatter):
    def write_text(self, text: str) -> None:
        if not _has_wide(text):
            super().write_text(text)
            return
        for line in wrap_paragraphs(text, self.width, self.current_indent):
            self.write(f"{line}\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30,
                 col_spacing: int = 2) -> None:
        rows = list(rows)
        if not any(_has_wide(first) or _has_wide(second) for first, second in rows):
            super().write_dl(rows, col_max, col_spacing)
            return
        first_col = min(max(display_width(first) for first, _ in rows), col_max) + col_spacing
        indent = " " * self.current_indent
        for first, second in rows:
            self.write(f"{indent}{first}")
            if not second:
                self.write("\n")
                continue
            if display_width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap_paragraphs(second, max(self.width - first_col - 2, 10))
            self.write(f"{lines[0] if lines else ''}\n")
            for line in lines[1:]:
                self.write(f"{indent}{pad('', first_col)}{line}\n" if line else "\n")


class Context(click.Context):
    """A context whose help is laid out by display width."""

    formatter_class = HelpFormatter
