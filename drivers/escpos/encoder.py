"""Receipt content -> ESC/POS bytes. Pure: collects bytes, never touches a device.

Byte layouts as in the Epson ESC/POS reference and docs/escpos.md; the tests
check each one against the manuals' examples and decode everything back.
"""

from __future__ import annotations

from typing import Self

from posdiag.drivers.escpos.codepages import DEFAULT_CODEPAGE, EPSON_CODEPAGES, codepage_number
from posdiag.drivers.escpos.graphics import code128_payload
from posdiag.drivers.escpos.model import Align, Image
from posdiag.errors import BadInput
from posdiag.i18n import _

INIT = b"\x1b@"
CHINESE_ON = b"\x1c&"  # FS &
CHINESE_OFF = b"\x1c."  # FS .
_ALIGN = {"left": 0, "center": 1, "right": 2}
_QR_LEVELS = {"L": 48, "M": 49, "Q": 50, "H": 51}


def status_request(n: int) -> bytes:
    """DLE EOT n: real-time status (1 printer, 2 offline cause, 3 error cause, 4 paper)."""
    if n not in (1, 2, 3, 4):
        raise BadInput(_("DLE EOT takes 1..4, not {n}.").format(n=n))
    return bytes((0x10, 0x04, n))


def qr_code(data: bytes, *, module_size: int = 6, level: str = "M", model: int = 2) -> bytes:
    """GS ( k: select model, module size, error level, store the data, print it."""
    if not 1 <= module_size <= 16 or level not in _QR_LEVELS or model not in (1, 2):
        raise BadInput(_("QR module size is 1..16, level one of L M Q H, model 1 or 2."))
    if len(data) > 7089:
        raise BadInput(_("QR data of {data_length} bytes is too long; the limit is "
                         "7089.").format(data_length=len(data)))
    store = len(data) + 3
    return b"".join((
        b"\x1d(k\x04\x001A" + bytes((48 + model, 0)),
        b"\x1d(k\x03\x001C" + bytes((module_size,)),
        b"\x1d(k\x03\x001E" + bytes((_QR_LEVELS[level],)),
        b"\x1d(k" + bytes((store & 0xFF, store >> 8)) + b"1P0" + data,
        b"\x1d(k\x03\x001Q0",
    ))


def code128(text: str, *, height: int = 80, hri: int = 2) -> bytes:
    """GS h / GS H / GS k 73: a CODE128 barcode with its text printed below (hri=2)."""
    payload = code128_payload(text)
    if len(payload) > 255 or not 1 <= height <= 255 or hri not in (0, 1, 2, 3):
        raise BadInput(_("CODE128 text is too long, or height/HRI position out of range."))
    return bytes((0x1D, 0x68, height, 0x1D, 0x48, hri, 0x1D, 0x6B, 73, len(payload))) + payload


def raster(image: Image) -> bytes:
    """GS v 0: a raster image, normal density."""
    row_bytes = image.width // 8
    if image.width % 8 or len(image.bits) != row_bytes * image.height:
        raise BadInput(_("image width must be a multiple of 8 with one bit per dot."))
    return (b"\x1dv0\x00" + row_bytes.to_bytes(2, "little") + image.height.to_bytes(2, "little")
            + image.bits)


def cut(*, partial: bool = False, feed: int = 3) -> bytes:
    """GS V 65/66 n: feed to the cutter (plus n dots), then cut fully or partially."""
    return bytes((0x1D, 0x56, 66 if partial else 65, feed))


class EscposWriter:
    """Builds one ESC/POS stream. Methods return self so a receipt reads as one chain."""

    def __init__(self, *, codepage: str = DEFAULT_CODEPAGE, chinese_encoding: str = "gb18030",
                 codepages: dict[int, str] | None = None) -> None:
        self._out = bytearray()
        self._codepages = EPSON_CODEPAGES if codepages is None else codepages
        self._codec = DEFAULT_CODEPAGE
        self._wanted_codec = codepage
        self.chinese_encoding = chinese_encoding

    def getvalue(self) -> bytes:
        return bytes(self._out)

    def raw(self, data: bytes) -> Self:
        self._out += data
        return self

    def init(self) -> Self:
        self._codec = DEFAULT_CODEPAGE
        # Many Chinese printers power up in Chinese mode: leave it, so code-page text is plain.
        self.raw(INIT + CHINESE_OFF)
        if self._wanted_codec != DEFAULT_CODEPAGE:
            self.codepage(self._wanted_codec)
        return self

    def codepage(self, name: str) -> Self:
        self._codec = self._codepages[codepage_number(name, self._codepages)]
        return self.raw(bytes((0x1B, 0x74, codepage_number(name, self._codepages))))

    def align(self, align: Align) -> Self:
        return self.raw(bytes((0x1B, 0x61, _ALIGN[align])))

    def bold(self, on: bool = True) -> Self:
        return self.raw(bytes((0x1B, 0x45, int(on))))

    def underline(self, dots: int = 1) -> Self:
        return self.raw(bytes((0x1B, 0x2D, dots)))

    def font(self, number: int) -> Self:
        return self.raw(bytes((0x1B, 0x4D, number)))

    def invert(self, on: bool = True) -> Self:
        return self.raw(bytes((0x1D, 0x42, int(on))))

    def size(self, width: int = 1, height: int = 1) -> Self:
        if not (1 <= width <= 8 and 1 <= height <= 8):
            raise BadInput(_("character width and height are 1..8."))
        return self.raw(bytes((0x1D, 0x21, (width - 1) << 4 | (height - 1))))

    def text(self, text: str) -> Self:
        """Text in the current code page; characters it lacks go out in Chinese mode (FS &)."""
        chinese = False
        for ch in text:
            if ch == "\n" or ch == "\t" or 0x20 <= ord(ch) < 0x7F:
                self._out += ch.encode("ascii")  # ASCII prints the same in both modes
                continue
            if ord(ch) < 0x20 or ord(ch) == 0x7F:
                self._out += b"?"  # never let text smuggle a command in
                continue
            single = _try_encode(ch, self._codec)
            if single is not None and len(single) == 1:
                if chinese:
                    self._out += CHINESE_OFF
                    chinese = False
                self._out += single
                continue
            double = _try_encode(ch, self.chinese_encoding)
            if double is None:
                self._out += b"?"
                continue
            if not chinese:
                self._out += CHINESE_ON
                chinese = True
            self._out += double
        if chinese:
            self._out += CHINESE_OFF
        return self

    def line(self, text: str = "") -> Self:
        return self.text(text + "\n")

    def feed(self, lines: int = 1) -> Self:
        return self.raw(bytes((0x1B, 0x64, lines)))

    def qr(self, data: bytes | str, **options: object) -> Self:
        payload = data.encode("utf-8") if isinstance(data, str) else data
        return self.raw(qr_code(payload, **options))  # type: ignore[arg-type]

    def barcode128(self, text: str, **options: int) -> Self:
        return self.raw(code128(text, **options))

    def image(self, image: Image) -> Self:
        return self.raw(raster(image))

    def cut(self, *, partial: bool = False, feed: int = 3) -> Self:
        return self.raw(cut(partial=partial, feed=feed))


def _try_encode(ch: str, codec: str) -> bytes | None:
    try:
        return ch.encode(codec)
    except UnicodeEncodeError:
        return None
