"""Paper geometry: how wide a line is, how long a receipt may grow, how much paper an element
takes. Pure; shared by the decoder (which keeps a receipt within these limits) and the PNG
renderer (which draws within them).

Numbers are those of an 80 mm Epson-compatible printer at 203 dpi (8 dots per mm): a
576-dot print area, font A 12 x 24 dots, font B 9 x 17 dots (Epson TM-T88 series), Chinese
characters two font-A cells wide. ``MAX_RECEIPT_DOTS`` is posdiag's own limit, not a
printer's: a receipt longer than 4 m of paper is a broken job, and the decoder keeps the first
4 m of it (docs/escpos.md, "Limits").
"""

from __future__ import annotations

import unicodedata

from posdiag.drivers.escpos.model import Barcode, Element, Feed, Image, QrCode, TextLine

PAPER_DOTS = 576  # print area of 80 mm paper; 58 mm paper has 384
DOTS_PER_MM = 8
LINE_DOTS = 24  # one line of font A
FONT_DOTS = {0: 12, 1: 9}  # character cell width of font A and font B
MAX_RECEIPT_DOTS = 32_000  # 4 m of paper
MAX_IMAGE_BYTES = 1 << 20  # larger raster data is skipped unread, not buffered
QR_QUIET = 4  # modules of white around a QR code (ISO/IEC 18004), 2 for Micro QR
MICRO_QR_QUIET = 2


def char_cells(ch: str) -> int:
    """Character cells a character takes: Chinese (wide) characters take two."""
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def qr_modules_bound(data_length: int, model: int) -> int:
    """An upper bound on the modules per side of a QR code holding data_length bytes,
    quiet zone included; 0 when no QR code can hold that much (the printer prints nothing).

    Byte mode is the costliest mode and every error level keeps at least 30 % of the
    codewords for data (ISO/IEC 18004 table 9: the least is level H, 33 %), so the smallest
    version whose codewords * 0.3 hold the data and a 3-byte header is never too small.
    """
    if model == 3:  # Micro QR: M4 is 17 modules
        return 17 + 2 * MICRO_QR_QUIET
    for version in range(1, 41):
        if _raw_codewords(version) * 3 // 10 - 3 >= data_length:
            side = 17 + 4 * version
            return (min(side, 73) if model == 1 else side) + 2 * QR_QUIET  # model 1 stops at 14
    return 0


def _raw_codewords(version: int) -> int:
    """Codewords of a model 2 QR version: its modules less the function patterns."""
    modules = (16 * version + 128) * version + 64
    if version >= 2:
        aligns = version // 7 + 2
        modules -= (25 * aligns - 10) * aligns - 55
        if version >= 7:
            modules -= 36  # version information
    return modules // 8


def element_dots(element: Element) -> int:
    """An upper bound on the paper an element takes, in dots (the renderer stays within it)."""
    if isinstance(element, TextLine):
        return LINE_DOTS * max((span.style.height for span in element.spans), default=1)
    if isinstance(element, Feed):
        return LINE_DOTS * element.lines
    if isinstance(element, Image):
        return element.height
    if isinstance(element, QrCode):
        return qr_modules_bound(len(element.data), element.model) * element.module_size
    if isinstance(element, Barcode):
        return element.height + 2 * LINE_DOTS + 2 * LINE_DOTS  # HRI above and below, margins
    return LINE_DOTS
