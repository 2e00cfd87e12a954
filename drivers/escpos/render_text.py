"""Receipt model -> plain text, as a technician would read the paper. Stdlib only."""

from __future__ import annotations

import unicodedata

from posdiag.drivers.escpos.model import (
    Barcode,
    Feed,
    Image,
    QrCode,
    Receipt,
    TextLine,
    printable,
)

PAPER_80MM = 48  # font A characters per line on 80 mm paper
PAPER_58MM = 32


def display_width(text: str) -> int:
    """Columns a string takes: Chinese (wide) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _place(text: str, align: str, width: int, scale: int = 1) -> str:
    room = width - display_width(text) * scale
    if room <= 0 or align == "left":
        return text
    return " " * (room // 2 if align == "center" else room) + text


def render_text(receipt: Receipt, *, width: int = PAPER_80MM, show_unknown: bool = False) -> str:
    """One string, one paper line per text line; graphics shown as bracketed placeholders."""
    out: list[str] = []
    for element in receipt.elements:
        if isinstance(element, TextLine):
            scale = max((s.style.width for s in element.spans), default=1)
            out.append(_place(element.text.replace("\t", "    "), element.align, width, scale))
        elif isinstance(element, QrCode):
            payload = printable(element.data.decode("utf-8", "replace"))
            out.append(_place(f"[QR {payload}]", element.align, width))
        elif isinstance(element, Barcode):
            label = f"[{element.symbology} {printable(element.data)}]"
            out.append(_place(label, element.align, width))
        elif isinstance(element, Image):
            out.append(_place(f"[image {element.width}x{element.height}]", element.align, width))
        elif isinstance(element, Feed):
            out.extend([""] * element.lines)
    if receipt.cut is not None:
        out.append("-" * width)
    if show_unknown:
        out.extend(f"[not rendered {u}]" for u in receipt.unknown)
    return "\n".join(out) + "\n"
