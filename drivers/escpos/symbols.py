"""Decoder handlers for what is not text: images, barcodes, QR codes. Pure.

Each handler takes (decoder, buffer, position) and returns the bytes it used,
raising NeedMore when the command is not complete in the buffer yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from posdiag.drivers.escpos import graphics
from posdiag.drivers.escpos.layout import MAX_IMAGE_BYTES
from posdiag.drivers.escpos.model import Barcode, Image, QrCode

if TYPE_CHECKING:
    from posdiag.drivers.escpos.decoder import Decoder

BARCODE_NAMES = {0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF",
                 6: "CODABAR", 72: "CODE93", 73: "CODE128", 74: "GS1-128", 79: "CODE128"}
_QR_LEVELS = {48: "L", 49: "M", 50: "Q", 51: "H"}
MAX_NUL_BARCODE = 255  # a NUL-terminated barcode longer than this is not one


class NeedMore(Exception):
    """Internal: the command at hand is not complete in the buffer yet."""


def need(buf: bytes | bytearray, pos: int, n: int) -> bytes:
    if pos + n > len(buf):
        raise NeedMore
    return bytes(buf[pos:pos + n])


def esc_column_image(d: Decoder, buf: bytearray, pos: int) -> int:
    m, n_lo, n_hi = need(buf, pos + 2, 3)
    columns = n_lo | n_hi << 8
    if m not in (0, 1, 32, 33):
        d._note(0, bytes(buf[pos:pos + 3]), f"ESC * mode {m} not known")
        return 2
    depth = 1 if m < 32 else 3
    data = need(buf, pos + 5, columns * depth)
    shown = min(columns, d.paper_dots)  # columns past the paper's edge are not printed
    d._emit(graphics.from_columns(data, shown, depth))
    return 5 + columns * depth


def gs_barcode(d: Decoder, buf: bytearray, pos: int) -> int:
    m = need(buf, pos + 2, 1)[0]
    if m <= 6:
        end = buf.find(b"\x00", pos + 3, pos + 3 + MAX_NUL_BARCODE + 1)
        if end < 0:
            if len(buf) - pos - 3 <= MAX_NUL_BARCODE:
                raise NeedMore
            d._note(0, bytes(buf[pos:pos + 3]), "barcode without NUL terminator")
            return 3
        data, size = bytes(buf[pos + 3:end]), end + 1 - pos
    elif 65 <= m <= 79:
        n = need(buf, pos + 3, 1)[0]
        data, size = need(buf, pos + 4, n), 4 + n
    else:
        d._note(0, bytes(buf[pos:pos + 3]), f"barcode system {m} not known")
        return 3
    name = BARCODE_NAMES.get(m - 65 if 65 <= m <= 71 else m, f"barcode {m}")
    text = graphics.code128_text(data) if m in (73, 79) else data.decode("latin-1")
    d._emit(Barcode(name, text, d._barcode["height"], d._barcode["hri"],
                    module_width=d._barcode["width"], raw=data))
    return size


def gs_raster(d: Decoder, buf: bytearray, pos: int) -> int:
    if need(buf, pos + 2, 1)[0] != ord("0"):
        d._note(0, bytes(buf[pos:pos + 3]), "GS v function not known")
        return 2
    _m, x_lo, x_hi, y_lo, y_hi = need(buf, pos + 3, 5)
    row_bytes, height = x_lo | x_hi << 8, y_lo | y_hi << 8
    if row_bytes * height > MAX_IMAGE_BYTES:
        d._note(0, bytes(buf[pos:pos + 8]), f"raster image of {row_bytes * 8} x {height} dots "
                f"is larger than {MAX_IMAGE_BYTES} bytes; not rendered")
        d._skip = row_bytes * height
        return 8
    data = need(buf, pos + 8, row_bytes * height)
    d._emit(Image(row_bytes * 8, height, data))
    return 8 + row_bytes * height


def gs_paren(d: Decoder, buf: bytearray, pos: int) -> int:
    fn, p_lo, p_hi = need(buf, pos + 2, 3)
    size = p_lo | p_hi << 8
    body = need(buf, pos + 5, size)
    if fn == ord("k"):
        _qr(d, pos, body)
    elif fn == ord("L"):
        _graphics(d, pos, body)
    return 5 + size


def gs_graphics_long(d: Decoder, buf: bytearray, pos: int) -> int:
    if need(buf, pos + 2, 1)[0] != ord("L"):
        d._note(0, bytes(buf[pos:pos + 3]), "GS 8 function not known")
        return 2
    p = need(buf, pos + 3, 4)
    size = int.from_bytes(p, "little")
    if size > MAX_IMAGE_BYTES:
        d._note(0, bytes(buf[pos:pos + 7]), f"graphics data of {size} bytes is larger than "
                f"{MAX_IMAGE_BYTES} bytes; not rendered")
        d._skip = size
        return 7
    _graphics(d, pos, need(buf, pos + 7, size))
    return 7 + size


def _qr(d: Decoder, pos: int, body: bytes) -> None:
    if len(body) < 2:
        d._note(0, b"\x1d(k" + body, "2D symbol command too short")
        return
    cn, fn, args = body[0], body[1], body[2:]
    if cn != 0x31:
        d._note(0, b"\x1d(k" + body[:2], f"2D symbol type {cn:#x} not rendered")
        return
    if fn == 65 and args:
        d._qr["model"] = args[0] - 48 if args[0] >= 48 else args[0]
    elif fn == 67 and args:
        d._qr["size"] = args[0]
    elif fn == 69 and args:
        d._qr["level"] = _QR_LEVELS.get(args[0], "L")
    elif fn == 80 and args:
        d._qr["data"] = bytes(args[1:])
    elif fn == 81:
        q = d._qr
        d._emit(QrCode(bytes(q["data"]), int(q["model"]), int(q["size"]), str(q["level"])))


def _graphics(d: Decoder, pos: int, body: bytes) -> None:
    if len(body) < 2:
        d._note(0, b"\x1d(L" + body, "graphics command too short")
        return
    fn = body[1]
    if fn == 0x70:
        d._graphic = graphics.from_graphics_store(body)
        if d._graphic is None:
            d._note(0, b"\x1d(L" + body[:10], "graphics data malformed")
    elif fn in (0x02, 0x32) and d._graphic is not None:
        d._emit(d._graphic)
        d._graphic = None


