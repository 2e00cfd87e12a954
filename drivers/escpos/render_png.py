"""Receipt model -> PNG image. Needs Pillow, which is optional: imported only when called."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from posdiag.drivers.escpos.model import Barcode, Feed, Image, QrCode, Receipt, TextLine, printable
from posdiag.errors import UsageError

PAPER_DOTS = 576  # printable width of 80 mm paper at 203 dpi
LINE_DOTS = 24  # font A line height


def pillow_available() -> bool:
    try:
        import PIL  # noqa: F401
    except ImportError:
        return False
    return True


# Fonts looked for, in order; the first that exists is used. Without any, Pillow's own.
MONO_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
)
BOLD_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Bold.ttf",
)
CJK_FONTS = (  # Debian: fonts-wqy-microhei, fonts-noto-cjk, fonts-droid-fallback
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
FONT_PX = 20  # fills font A's 12 x 24 dot cell


def render_png(receipt: Receipt, path: str | Path, *, width: int = PAPER_DOTS) -> Path:
    """Draw the receipt black on white at 203 dpi: styles (bold, underline, double width and
    height, inverse), alignment, raster images; QR codes and barcodes as labelled boxes."""
    try:
        from PIL import Image as PilImage
        from PIL import ImageDraw
    except ImportError as err:
        raise UsageError("PNG rendering needs Pillow; install it with "
                         "`pip install pillow` or use the text rendering.") from err
    fonts = _Fonts()
    heights = [_height(e) for e in receipt.elements] + [LINE_DOTS if receipt.cut else 0]
    canvas = PilImage.new("L", (width, max(sum(heights), LINE_DOTS)), 255)
    draw = ImageDraw.Draw(canvas)
    y = 0
    for element, height in zip(receipt.elements, heights, strict=False):
        if isinstance(element, TextLine):
            line = _render_line(element, fonts, height)
            canvas.paste(line, (_x(element.align, line.width, width), y))
        elif isinstance(element, Image):
            # "1;I": set bits are black, as on the paper
            bitmap = PilImage.frombytes("1", (element.width, element.height), element.bits,
                                        "raw", "1;I")
            canvas.paste(bitmap.convert("L"), (_x(element.align, element.width, width), y))
        elif isinstance(element, QrCode | Barcode):
            label = (f"QR {element.data.decode('utf-8', 'replace')}"
                     if isinstance(element, QrCode) else f"{element.symbology} {element.data}")
            draw.rectangle((8, y + 2, width - 8, y + height - 2), outline=0)
            draw.text((16, y + height // 2 - 10), label, fill=0, font=fonts.get(False, label))
        y += height
    if receipt.cut:
        for x in range(0, width, 12):
            draw.line((x, y + LINE_DOTS // 2, x + 6, y + LINE_DOTS // 2), fill=0)
    target = Path(path)
    canvas.point(lambda v: 255 if v >= 128 else 0).convert("1", dither=None).save(target, "PNG")
    return target


class _Fonts:
    """Loaded fonts by (bold, CJK), with Pillow's own font when no file is found."""

    def __init__(self) -> None:
        self._cache: dict[tuple[bool, bool], Any] = {}

    def get(self, bold: bool, text: str) -> Any:
        cjk = any(ord(ch) >= 0x2E80 for ch in text)
        key = (bold and not cjk, cjk)
        if key not in self._cache:
            self._cache[key] = _load_font(CJK_FONTS if cjk else BOLD_FONTS if bold else MONO_FONTS)
        return self._cache[key]


def _load_font(candidates: tuple[str, ...]) -> Any:
    from PIL import ImageFont

    for candidate in (*candidates, *MONO_FONTS):
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, FONT_PX)
    try:
        return ImageFont.load_default(size=FONT_PX)
    except TypeError:  # Pillow < 10.1: a fixed bitmap font
        return ImageFont.load_default()


def _render_line(line: TextLine, fonts: _Fonts, height: int) -> Any:
    """One text line as an image: each span drawn at 1x, then magnified as the printer would."""
    from PIL import Image as PilImage
    from PIL import ImageDraw

    pieces = []
    for span in line.spans:
        text = printable(span.text).replace("\t", "    ")
        if not text:
            continue
        style = span.style
        font = fonts.get(style.bold, text)
        probe = ImageDraw.Draw(PilImage.new("L", (1, 1)))
        w = max(1, int(probe.textlength(text, font=font)))
        piece = PilImage.new("L", (w, LINE_DOTS), 0 if style.invert else 255)
        ink = 255 if style.invert else 0
        pen = ImageDraw.Draw(piece)
        pen.text((0, 1), text, fill=ink, font=font)
        if style.underline:
            pen.line((0, LINE_DOTS - 2, w, LINE_DOTS - 2), fill=ink, width=style.underline)
        if style.width > 1 or style.height > 1:
            piece = piece.resize((w * style.width, LINE_DOTS * style.height))
        pieces.append(piece)
    out = PilImage.new("L", (max(1, sum(p.width for p in pieces)), height), 255)
    x = 0
    for piece in pieces:
        out.paste(piece, (x, height - piece.height))
        x += piece.width
    return out


def _height(element: object) -> int:
    if isinstance(element, Feed):
        return LINE_DOTS * element.lines
    if isinstance(element, Image):
        return element.height
    if isinstance(element, QrCode | Barcode):
        return 4 * LINE_DOTS
    if isinstance(element, TextLine) and element.spans:
        return LINE_DOTS * max(span.style.height for span in element.spans)
    return LINE_DOTS


def _x(align: str, item_width: int, width: int) -> int:
    if align == "center":
        return max(0, (width - item_width) // 2)
    if align == "right":
        return max(0, width - item_width)
    return 0
