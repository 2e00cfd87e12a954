"""Receipt model -> PNG image, as the paper would look: text in its styles, raster images, and
real QR codes (segno) and barcodes (symbology.py) that a scanner reads back.

Needs the ``png`` extra (Pillow, segno, python-barcode): imported only when called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from posdiag.drivers.escpos.layout import (
    LINE_DOTS,
    MAX_RECEIPT_DOTS,
    MICRO_QR_QUIET,
    PAPER_DOTS,
    QR_QUIET,
    element_dots,
)
from posdiag.drivers.escpos.model import (
    Barcode,
    Element,
    Feed,
    Image,
    QrCode,
    Receipt,
    TextLine,
    printable,
)
from posdiag.drivers.escpos.symbology import QUIET_MODULES, NotPrinted, bars_for
from posdiag.errors import UsageError
from posdiag.i18n import _


def png_available() -> bool:
    """Whether the png extra (Pillow, segno, python-barcode) is installed."""
    try:
        import barcode  # noqa: F401
        import PIL  # noqa: F401
        import segno  # noqa: F401
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
    height, inverse), alignment, raster images, QR codes and barcodes. A symbol the printer
    would not print (too wide, data it cannot encode, QR model 1) is a one-line note instead.
    At most MAX_RECEIPT_DOTS of paper are drawn."""
    if not png_available():
        raise UsageError(_("PNG rendering needs Pillow, segno and python-barcode; install "
                           "posdiag with the png extra (`pip install 'posdiag[png]'`) or use "
                           "the text rendering."))
    from PIL import Image as PilImage
    from PIL import ImageDraw

    fonts = _Fonts()
    pictures = [_picture(e, fonts, width) for e in receipt.elements]
    heights = [LINE_DOTS * e.lines if isinstance(e, Feed) else
               p.height if p is not None else LINE_DOTS
               for e, p in zip(receipt.elements, pictures, strict=True)]
    total = min(sum(heights), MAX_RECEIPT_DOTS) + (LINE_DOTS if receipt.cut else 0)
    canvas = PilImage.new("L", (width, max(total, LINE_DOTS)), 255)
    draw = ImageDraw.Draw(canvas)
    y = 0
    for element, picture, height in zip(receipt.elements, pictures, heights, strict=True):
        if y + height > MAX_RECEIPT_DOTS:
            break
        if picture is not None:
            align = getattr(element, "align", "left")
            canvas.paste(picture, (_x(align, picture.width, width), y))
        y += height
    if receipt.cut:
        for x in range(0, width, 12):
            draw.line((x, y + LINE_DOTS // 2, x + 6, y + LINE_DOTS // 2), fill=0)
    target = Path(path)
    canvas.point(lambda v: 255 if v >= 128 else 0).convert("1", dither=None).save(target, "PNG")
    return target


def _picture(element: Element, fonts: _Fonts, width: int) -> Any:
    """The element drawn on its own (mode "L"), or None for blank paper."""
    from PIL import Image as PilImage

    if isinstance(element, TextLine):
        return _render_line(element, fonts, element_dots(element))
    if isinstance(element, Image):
        # "1;I": set bits are black, as on the paper
        bitmap = PilImage.frombytes("1", (element.width, element.height), element.bits,
                                    "raw", "1;I")
        return bitmap.convert("L")
    if isinstance(element, QrCode | Barcode):
        try:
            picture = _qr(element) if isinstance(element, QrCode) else _barcode(element, fonts)
        except NotPrinted as why:
            return _note(f"[{_name(element)} not printed: {why}]", fonts)
        if picture.width > width:  # Epson: a symbol wider than the print area is not printed
            return _note(f"[{_name(element)} not printed: wider than the paper]", fonts)
        return picture
    return None


def _name(element: QrCode | Barcode) -> str:
    return "QR code" if isinstance(element, QrCode) else element.symbology


def _note(text: str, fonts: _Fonts) -> Any:
    from PIL import Image as PilImage
    from PIL import ImageDraw

    text = printable(text)
    font = fonts.get(False, text)
    probe = ImageDraw.Draw(PilImage.new("L", (1, 1)))
    picture = PilImage.new("L", (max(1, int(probe.textlength(text, font=font))), LINE_DOTS), 255)
    ImageDraw.Draw(picture).text((0, 1), text, fill=0, font=font)
    return picture


def _qr(element: QrCode) -> Any:
    """The QR code (model 2) or Micro QR code (model 3) a printer prints for the data."""
    import io

    import segno
    from PIL import Image as PilImage

    if element.model == 1:
        raise NotPrinted(_("QR model 1 is not drawn (no encoder for it)"))
    micro = element.model == 3
    try:
        symbol = segno.make(element.data, error=element.error_level.lower(), micro=micro,
                            boost_error=False)
    except (segno.DataOverflowError, ValueError) as err:
        raise NotPrinted(_("the data does not fit ({err})").format(err=err)) from err
    out = io.BytesIO()
    symbol.save(out, kind="png", scale=max(1, element.module_size),
                border=MICRO_QR_QUIET if micro else QR_QUIET)
    return PilImage.open(io.BytesIO(out.getvalue())).convert("L")


def _barcode(element: Barcode, fonts: _Fonts) -> Any:
    """Bars as the printer draws them (GS h height, GS w module), HRI text per GS H."""
    from PIL import Image as PilImage
    from PIL import ImageDraw

    bars = bars_for(element)
    quiet = QUIET_MODULES * element.module_width
    height = max(1, element.height)
    hri = printable(bars.hri)
    above, below = element.hri in (1, 3), element.hri in (2, 3)
    picture = PilImage.new("L", (bars.dots + 2 * quiet, height + LINE_DOTS * (above + below)),
                           255)
    draw = ImageDraw.Draw(picture)
    top = LINE_DOTS if above else 0
    x = quiet
    for i, dots in enumerate(bars.widths):
        if i % 2 == 0:
            draw.rectangle((x, top, x + dots - 1, top + height - 1), fill=0)
        x += dots
    font = fonts.get(False, hri)
    text_x = max(0, (picture.width - int(draw.textlength(hri, font=font))) // 2)
    if above:
        draw.text((text_x, 1), hri, fill=0, font=font)
    if below:
        draw.text((text_x, top + height + 1), hri, fill=0, font=font)
    return picture


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


def _x(align: str, item_width: int, width: int) -> int:
    if align == "center":
        return max(0, (width - item_width) // 2)
    if align == "right":
        return max(0, width - item_width)
    return 0
