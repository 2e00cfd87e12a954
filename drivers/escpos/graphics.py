"""Pure helpers for the byte layouts of images and CODE128 data, shared by encoder and decoder."""

from __future__ import annotations

from posdiag.drivers.escpos.model import Image
from posdiag.errors import BadInput
from posdiag.i18n import _


def from_columns(data: bytes, columns: int, depth: int) -> Image:
    """ESC * column data (depth bytes per column, top dot = MSB) as a raster image."""
    height = 8 * depth
    row_bytes = (columns + 7) // 8
    bits = bytearray(row_bytes * height)
    for x in range(columns):
        for k in range(depth):
            byte = data[x * depth + k]
            for bit in range(8):
                if byte & (0x80 >> bit):
                    y = k * 8 + bit
                    bits[y * row_bytes + x // 8] |= 0x80 >> (x % 8)
    return Image(row_bytes * 8, height, bytes(bits))


def from_graphics_store(body: bytes) -> Image | None:
    """GS ( L / GS 8 L function 112 (m fn a bx by c xL xH yL yH d...) as an image."""
    if len(body) < 10:
        return None
    width = body[6] | body[7] << 8
    height = body[8] | body[9] << 8
    row_bytes = (width + 7) // 8
    data = body[10:10 + row_bytes * height]
    if len(data) < row_bytes * height:
        return None
    return Image(row_bytes * 8, height, bytes(data))


def image_from_rows(rows: list[str]) -> Image:
    """An image from text rows ('#' or 'X' = black), handy for test receipts and tests."""
    if not rows or any(len(r) != len(rows[0]) for r in rows):
        raise BadInput(_("image rows must be non-empty and of equal length; pad them with spaces."))
    row_bytes = (len(rows[0]) + 7) // 8
    bits = bytearray(row_bytes * len(rows))
    for y, row in enumerate(rows):
        for x, ch in enumerate(row):
            if ch in "#X":
                bits[y * row_bytes + x // 8] |= 0x80 >> (x % 8)
    return Image(row_bytes * 8, len(rows), bytes(bits))


# CODE128 data for GS k m=73 starts with "{A", "{B" or "{C"; "{" escapes further codes
# (Epson ESC/POS reference, GS k, CODE128 remarks).
def code128_payload(text: str) -> bytes:
    """GS k 73 data for a text: code set C for even-length digit strings, else code set B."""
    if len(text) >= 2 and len(text) % 2 == 0 and text.isdigit():
        return b"{C" + bytes(int(text[i:i + 2]) for i in range(0, len(text), 2))
    if any(not 0x20 <= ord(ch) <= 0x7E for ch in text):
        raise BadInput(_("CODE128 text must be printable ASCII; remove other characters."))
    return b"{B" + text.replace("{", "{{").encode("ascii")


def code128_text(data: bytes) -> str:
    """The human-readable payload of GS k 73 data (code set switches and FNC codes dropped)."""
    out: list[str] = []
    code_set = "B"
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == 0x7B and i + 1 < len(data):  # "{" introduces a control pair
            ctl = chr(data[i + 1])
            if ctl in "ABC":
                code_set = ctl
            elif ctl == "{":
                out.append("{")
            i += 2
            continue
        if code_set == "C":
            out.append(f"{byte:02d}" if byte < 100 else "?")
        else:
            out.append(chr(byte) if 0x20 <= byte <= 0x7E else "?")
        i += 1
    return "".join(out)
