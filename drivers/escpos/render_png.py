"""Receipt model -> PNG image. Needs Pillow, which is optional: imported only when called."""

from __future__ import annotations

from pathlib import Path

from posdiag.drivers.escpos.model import Barcode, Image, QrCode, Receipt, TextLine
from posdiag.errors import UsageError

PAPER_DOTS = 576  # printable width of 80 mm paper at 203 dpi
LINE_DOTS = 24  # font A line height


def pillow_available() -> bool:
    try:
        import PIL  # noqa: F401
    except ImportError:
        return False
    return True


def render_png(receipt: Receipt, path: str | Path, *, width: int = PAPER_DOTS) -> Path:
    """Draw the receipt as black on white, one text line per 24 dots; write it to path."""
    try:
        from PIL import Image as PilImage
        from PIL import ImageDraw, ImageFont
    except ImportError as err:
        raise UsageError("PNG rendering needs Pillow; install it with "
                         "`pip install pillow` or use the text rendering.") from err
    heights = [_height(e) for e in receipt.elements] + [LINE_DOTS if receipt.cut else 0]
    canvas = PilImage.new("1", (width, max(sum(heights), LINE_DOTS)), 1)
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default()
    y = 0
    for element, height in zip(receipt.elements, heights, strict=False):
        if isinstance(element, TextLine):
            text = element.text.replace("\t", "    ")
            text_width = int(draw.textlength(text, font=font))
            draw.text((_x(element.align, text_width, width), y + 4), text, fill=0, font=font)
        elif isinstance(element, Image):
            # "1;I": set bits are black, as on the paper
            bitmap = PilImage.frombytes("1", (element.width, element.height), element.bits,
                                        "raw", "1;I")
            canvas.paste(bitmap, (_x(element.align, element.width, width), y))
        elif isinstance(element, QrCode | Barcode):
            label = (f"QR {element.data.decode('utf-8', 'replace')}"
                     if isinstance(element, QrCode) else f"{element.symbology} {element.data}")
            draw.rectangle((8, y + 2, width - 8, y + height - 2), outline=0)
            draw.text((16, y + height // 2 - 6), label, fill=0, font=font)
        y += height
    if receipt.cut:
        for x in range(0, width, 12):
            draw.line((x, y + LINE_DOTS // 2, x + 6, y + LINE_DOTS // 2), fill=0)
    target = Path(path)
    canvas.save(target, "PNG")
    return target


def _height(element: object) -> int:
    if isinstance(element, Image):
        return element.height
    if isinstance(element, QrCode | Barcode):
        return 4 * LINE_DOTS
    return LINE_DOTS


def _x(align: str, item_width: int, width: int) -> int:
    if align == "center":
        return max(0, (width - item_width) // 2)
    if align == "right":
        return max(0, width - item_width)
    return 0
