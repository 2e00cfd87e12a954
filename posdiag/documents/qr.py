"""The stamp as a QR code (segno): inline SVG for HTML pages, PNG for PDFs.

Error correction level M survives a crease or a smudge on a printed page; the payload is short
ASCII (docs/documents.md), so the symbol stays small enough to scan from 25 mm.
"""

from __future__ import annotations

import io

import segno


def qr_svg(payload: str) -> str:
    """An <svg> element (no XML declaration) drawing the code, scaled by the page's CSS."""
    code = segno.make_qr(payload, error="m")
    return str(code.svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=True))


def qr_png(payload: str, scale: int = 8) -> bytes:
    """PNG bytes of the code (black on white, quiet zone of 2 modules)."""
    code = segno.make_qr(payload, error="m")
    out = io.BytesIO()
    code.save(out, kind="png", scale=scale, border=2)
    return out.getvalue()
