"""The receipt model: what a printer was told to put on paper. Pure records, no I/O.

The decoder builds it from ESC/POS bytes, the renderers turn it into text or PNG,
tests compare it with what they meant to print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Align = Literal["left", "center", "right"]

# C0 and C1 controls and DEL never reach text a person sees: a code page (ISO 8859), a
# four-byte GB18030 code, QR or CODE128 data can carry them, and a renderer or a terminal
# would act on them.
_UNPRINTABLE = {c: "\ufffd" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if c != 0x09}


def printable(text: str) -> str:
    """text with every control character (tab aside) replaced by U+FFFD."""
    return text.translate(_UNPRINTABLE)


@dataclass(frozen=True, slots=True)
class Style:
    """Character attributes in force when a piece of text was printed."""

    bold: bool = False
    underline: int = 0  # 0 off, 1 one dot, 2 two dots
    width: int = 1  # magnification 1..8
    height: int = 1
    font: int = 0  # 0 font A, 1 font B
    invert: bool = False  # white on black (GS B)


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with one style."""

    text: str
    style: Style = Style()


@dataclass(frozen=True, slots=True)
class TextLine:
    """One printed line (ended by LF, a feed or a cut). An empty line is a feed."""

    spans: tuple[Span, ...] = ()
    align: Align = "left"

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.spans)


@dataclass(frozen=True, slots=True)
class Image:
    """A raster image: rows of packed bits, most significant bit leftmost, 1 = black."""

    width: int  # dots; a multiple of 8
    height: int  # dots
    bits: bytes = field(repr=False)
    align: Align = "left"

    def pixel(self, x: int, y: int) -> bool:
        row_bytes = self.width // 8
        return bool(self.bits[y * row_bytes + x // 8] & (0x80 >> (x % 8)))


@dataclass(frozen=True, slots=True)
class QrCode:
    data: bytes
    model: int = 2  # 1 model 1, 2 model 2, 3 Micro QR (GS ( k function 165: n1 - 48)
    module_size: int = 3  # dots per module
    error_level: str = "L"
    align: Align = "left"


@dataclass(frozen=True, slots=True)
class Barcode:
    symbology: str  # "CODE128", "EAN13", ...
    data: str  # the payload as printed in human-readable form
    height: int = 162
    hri: int = 0  # 0 none, 1 above, 2 below, 3 both
    align: Align = "left"
    module_width: int = 3  # GS w: 2..6 dots per narrow module
    raw: bytes = field(default=b"", repr=False)  # the GS k data as sent (code sets, FNC codes)


@dataclass(frozen=True, slots=True)
class Feed:
    """Blank paper: lines fed with nothing printed (LF on an empty line, ESC d n).

    Consecutive feeds are one element, so a job of a million feeds costs one integer.
    """

    lines: int = 1


@dataclass(frozen=True, slots=True)
class Cut:
    partial: bool = False


@dataclass(frozen=True, slots=True)
class Unknown:
    """A command the decoder does not render; kept so reports can show it."""

    offset: int  # position in the decoded stream
    raw: bytes
    note: str = "unknown command"

    def __str__(self) -> str:
        return f"@{self.offset}: {self.raw[:16].hex(' ')} ({self.note})"


Element = TextLine | Image | QrCode | Barcode | Feed


@dataclass(frozen=True, slots=True)
class Receipt:
    """Everything printed up to and including a cut (or the end of the stream)."""

    elements: tuple[Element, ...] = ()
    cut: Cut | None = None
    unknown: tuple[Unknown, ...] = ()

    @property
    def lines(self) -> tuple[TextLine, ...]:
        return tuple(e for e in self.elements if isinstance(e, TextLine))

    @property
    def text(self) -> str:
        """The printed words, one line each (no alignment padding)."""
        return "\n".join(line.text for line in self.lines)

    @property
    def qr_codes(self) -> tuple[QrCode, ...]:
        return tuple(e for e in self.elements if isinstance(e, QrCode))

    @property
    def barcodes(self) -> tuple[Barcode, ...]:
        return tuple(e for e in self.elements if isinstance(e, Barcode))

    @property
    def images(self) -> tuple[Image, ...]:
        return tuple(e for e in self.elements if isinstance(e, Image))

    @property
    def is_empty(self) -> bool:
        return not self.elements and self.cut is None and not self.unknown
