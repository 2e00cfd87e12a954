"""ESC/POS byte stream -> receipt model. Pure and incremental; it never raises on bad bytes.

``Decoder.feed(data)`` may be called with any split of the stream (a printer
gets it in USB packets or TCP segments) and returns the receipts completed by a
cut. ``Decoder.finish()`` returns what is left. Unknown commands become
``Unknown`` entries in the receipt; parsing resumes after their first two bytes,
which is what a real printer does with a command it does not know.

Command formats: Epson ESC/POS command reference (TM-T88 series), with the
Chinese-mode rules of the SPRT/SureFlow manuals (see docs/escpos.md).
"""

from __future__ import annotations

from dataclasses import replace

from posdiag.drivers.escpos.codepages import DEFAULT_CODEPAGE, EPSON_CODEPAGES
from posdiag.drivers.escpos.model import (
    Align,
    Cut,
    Element,
    Image,
    Receipt,
    Span,
    Style,
    TextLine,
    Unknown,
)
from posdiag.drivers.escpos.symbols import (
    NeedMore,
    esc_column_image,
    gs_barcode,
    gs_graphics_long,
    gs_paren,
    gs_raster,
    need,
)

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
LF, CR, HT, FF, CAN = 0x0A, 0x0D, 0x09, 0x0C, 0x18
_ALIGN: dict[int, Align] = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center",
                            50: "right"}


# Commands with a fixed number of parameter bytes that change nothing we render
# (line spacing, drawer kick, panel buttons, ...): understood, consumed, ignored.
_IGNORED: dict[bytes, int] = {
    b"\x1b ": 1, b"\x1b2": 0, b"\x1b3": 1, b"\x1bR": 1, b"\x1bV": 1, b"\x1b{": 1, b"\x1bp": 3,
    b"\x1bc": 2, b"\x1b$": 2, b"\x1b\\": 2, b"\x1b=": 1, b"\x1bU": 1, b"\x1br": 1, b"\x1b%": 1,
    b"\x1bS": 0, b"\x1bL": 0, b"\x1bT": 1, b"\x1bW": 8, b"\x1b&": 0, b"\x1b?": 1, b"\x1bD": 0,
    b"\x1dL": 2, b"\x1dW": 2, b"\x1dP": 2, b"\x1d$": 2, b"\x1d\\": 2, b"\x1da": 1, b"\x1db": 1,
    b"\x1dr": 1, b"\x1dI": 1, b"\x1dT": 1, b"\x1d/": 1, b"\x1d^": 3, b"\x1d:": 0, b"\x1dE": 1,
    b"\x1d|": 1, b"\x1c!": 1, b"\x1c-": 1, b"\x1cC": 1, b"\x1cW": 1, b"\x1cS": 2, b"\x1cp": 2,
    b"\x10\x04": 1, b"\x10\x05": 1,
}


class Decoder:
    """Turns an ESC/POS stream into receipts, one per cut."""

    def __init__(self, *, chinese_encoding: str = "gb18030", chinese_mode: bool = False,
                 codepages: dict[int, str] | None = None) -> None:
        self.chinese_encoding = chinese_encoding
        self._chinese_default = chinese_mode
        self._codepages = EPSON_CODEPAGES if codepages is None else codepages
        self._buf = bytearray()
        self._offset = 0  # stream position of _buf[0]
        self._elements: list[Element] = []
        self._unknown: list[Unknown] = []
        self._done: list[Receipt] = []
        self._reset_modes()

    # --- public -------------------------------------------------------------------------

    def feed(self, data: bytes) -> list[Receipt]:
        """Consume bytes; return the receipts that a cut completed."""
        self._buf += data
        pos = 0
        while pos < len(self._buf):
            try:
                pos += self._step(self._buf, pos)
            except NeedMore:
                break
        del self._buf[:pos]
        self._offset += pos
        done, self._done = self._done, []
        return done

    def finish(self) -> Receipt | None:
        """End of stream: report a truncated command and return the uncut remainder."""
        if self._buf:
            self._unknown.append(Unknown(self._offset, bytes(self._buf), "truncated command"))
            self._offset += len(self._buf)
            self._buf.clear()
        self._flush_line()
        if not self._elements and not self._unknown:
            return None
        return self._take_receipt(None)

    # --- state --------------------------------------------------------------------------

    def _reset_modes(self) -> None:
        self.style = Style()
        self.align: Align = "left"
        self.codec = DEFAULT_CODEPAGE
        self.chinese = self._chinese_default
        self._spans: list[Span] = []
        self._line_align: Align | None = None
        self._barcode = {"height": 162, "hri": 0}
        self._qr: dict[str, object] = {"model": 2, "size": 3, "level": "L", "data": b""}
        self._graphic: Image | None = None

    def _add_text(self, text: str) -> None:
        if self._line_align is None:
            self._line_align = self.align  # ESC a counts at the start of a line
        if self._spans and self._spans[-1].style == self.style:
            self._spans[-1] = Span(self._spans[-1].text + text, self.style)
        else:
            self._spans.append(Span(text, self.style))

    def _flush_line(self, *, blank: bool = False) -> bool:
        """Emit the pending line (or a blank one when asked); True when text was pending."""
        if self._spans or blank:
            self._elements.append(TextLine(tuple(self._spans), self._line_align or self.align))
            pending = bool(self._spans)
            self._spans, self._line_align = [], None
            return pending
        return False

    def _emit(self, element: Element) -> None:
        self._flush_line()
        self._elements.append(replace(element, align=self.align))

    def _note(self, pos: int, raw: bytes, note: str) -> None:
        self._unknown.append(Unknown(self._offset + pos, raw, note))

    def _take_receipt(self, cut: Cut | None) -> Receipt:
        receipt = Receipt(tuple(self._elements), cut, tuple(self._unknown))
        self._elements, self._unknown = [], []
        return receipt

    def _cut(self, partial: bool) -> None:
        self._flush_line()
        self._done.append(self._take_receipt(Cut(partial)))

    # --- dispatch -----------------------------------------------------------------------

    def _step(self, buf: bytearray, pos: int) -> int:
        b = buf[pos]
        if b in (ESC, GS, FS, DLE):
            return self._command(buf, pos)
        if b == LF:
            if not self._flush_line():
                self._flush_line(blank=True)
            return 1
        if b in (CR, CAN):
            return 1
        if b == FF:
            self._flush_line()
            return 1
        if b == HT:
            self._add_text("\t")
            return 1
        if b < 0x20 or b == 0x7F:
            self._note(pos, bytes([b]), "unknown control byte")
            return 1
        return self._text(buf, pos)

    def _text(self, buf: bytearray, pos: int) -> int:
        end = pos
        while end < len(buf) and buf[end] >= 0x20 and buf[end] != 0x7F:
            if self.chinese and buf[end] >= 0x81:
                size = _gb_char_size(buf, end)
                if size is None:  # a character split across reads: wait for its tail
                    if end == pos:
                        raise NeedMore
                    break
                end += size
            else:
                end += 1
        raw = bytes(buf[pos:end])
        codec = self.chinese_encoding if self.chinese else self.codec
        self._add_text(raw.decode(codec, errors="replace"))
        return end - pos

    def _command(self, buf: bytearray, pos: int) -> int:
        key = need(buf, pos, 2)
        handler = _HANDLERS.get(key)
        if handler is not None:
            return handler(self, buf, pos)
        if key in _IGNORED:
            count = _IGNORED[key]
            need(buf, pos, 2 + count)
            return 2 + count
        self._note(pos, key, "unknown command")
        return 2


def _gb_char_size(buf: bytearray, pos: int) -> int | None:
    """Bytes of the GB18030 character at pos (lead byte >= 0x81), or None if incomplete."""
    if pos + 1 >= len(buf):
        return None
    if 0x30 <= buf[pos + 1] <= 0x39:  # four-byte form
        return 4 if pos + 3 < len(buf) else None
    return 2


# --- command handlers: (decoder, buffer, position) -> bytes consumed ------------------------


def _esc_init(d: Decoder, buf: bytearray, pos: int) -> int:
    d._spans, d._line_align = [], None  # ESC @ clears the print buffer: unprinted text is lost
    d._reset_modes()
    return 2


def _esc_mode(d: Decoder, buf: bytearray, pos: int) -> int:
    n = need(buf, pos + 2, 1)[0]
    d.style = replace(d.style, font=n & 1, bold=bool(n & 0x08), height=2 if n & 0x10 else 1,
                      width=2 if n & 0x20 else 1, underline=1 if n & 0x80 else 0)
    return 3


def _esc_underline(d: Decoder, buf: bytearray, pos: int) -> int:
    n = need(buf, pos + 2, 1)[0]
    d.style = replace(d.style, underline=n - 48 if n >= 48 else n & 3)
    return 3


def _esc_bold(d: Decoder, buf: bytearray, pos: int) -> int:
    d.style = replace(d.style, bold=bool(need(buf, pos + 2, 1)[0] & 1))
    return 3


def _esc_font(d: Decoder, buf: bytearray, pos: int) -> int:
    d.style = replace(d.style, font=need(buf, pos + 2, 1)[0] & 1)
    return 3


def _esc_align(d: Decoder, buf: bytearray, pos: int) -> int:
    d.align = _ALIGN.get(need(buf, pos + 2, 1)[0], d.align)
    return 3


def _esc_codepage(d: Decoder, buf: bytearray, pos: int) -> int:
    n = need(buf, pos + 2, 1)[0]
    codec = d._codepages.get(n)
    if codec is None:
        d._note(pos, bytes(buf[pos:pos + 3]), f"code page {n} not known; kept {d.codec}")
    else:
        d.codec = codec
    return 3


def _esc_feed_lines(d: Decoder, buf: bytearray, pos: int) -> int:
    n = need(buf, pos + 2, 1)[0]
    printed = d._flush_line()
    for _ in range(n - (1 if printed else 0)):
        d._flush_line(blank=True)
    return 3


def _esc_feed_dots(d: Decoder, buf: bytearray, pos: int) -> int:
    need(buf, pos + 2, 1)
    d._flush_line()
    return 3


def _esc_legacy_cut(d: Decoder, buf: bytearray, pos: int) -> int:
    d._cut(partial=True)  # Epson: ESC i and ESC m are both partial cuts (1 or 3 points left)
    return 2


def _gs_size(d: Decoder, buf: bytearray, pos: int) -> int:
    n = need(buf, pos + 2, 1)[0]
    d.style = replace(d.style, width=(n >> 4 & 7) + 1, height=(n & 7) + 1)
    return 3


def _gs_invert(d: Decoder, buf: bytearray, pos: int) -> int:
    d.style = replace(d.style, invert=bool(need(buf, pos + 2, 1)[0] & 1))
    return 3


def _gs_cut(d: Decoder, buf: bytearray, pos: int) -> int:
    m = need(buf, pos + 2, 1)[0]
    size = 4 if m >= 65 else 3  # function B/C/D carry a feed amount
    need(buf, pos, size)
    d._cut(partial=m in (1, 49, 66, 98, 104))
    return size


def _gs_barcode_setting(d: Decoder, buf: bytearray, pos: int) -> int:
    n = need(buf, pos + 2, 1)[0]
    if buf[pos + 1] == ord("h"):
        d._barcode["height"] = n
    elif buf[pos + 1] == ord("H"):
        d._barcode["hri"] = n - 48 if n >= 48 else n & 3
    return 3


def _fs_chinese(d: Decoder, buf: bytearray, pos: int) -> int:
    d.chinese = buf[pos + 1] == ord("&")
    return 2


def _fs_paren(d: Decoder, buf: bytearray, pos: int) -> int:
    _fn, p_lo, p_hi = need(buf, pos + 2, 3)
    size = p_lo | p_hi << 8
    need(buf, pos + 5, size)
    return 5 + size


def _fs_user_glyph(d: Decoder, buf: bytearray, pos: int) -> int:
    need(buf, pos, 4 + 72)  # FS 2 c1 c2 + 24x24 dots
    return 4 + 72


def _dle_dc4(d: Decoder, buf: bytearray, pos: int) -> int:
    fn = need(buf, pos + 2, 1)[0]
    size = 3 + {8: 7, 7: 1}.get(fn, 2)
    need(buf, pos, size)
    return size


_HANDLERS = {
    b"\x1b@": _esc_init, b"\x1b!": _esc_mode, b"\x1b-": _esc_underline, b"\x1bE": _esc_bold,
    b"\x1bG": _esc_bold, b"\x1bM": _esc_font, b"\x1ba": _esc_align, b"\x1bt": _esc_codepage,
    b"\x1bd": _esc_feed_lines, b"\x1bJ": _esc_feed_dots, b"\x1bi": _esc_legacy_cut,
    b"\x1bm": _esc_legacy_cut, b"\x1b*": esc_column_image,
    b"\x1d!": _gs_size, b"\x1dB": _gs_invert, b"\x1dV": _gs_cut, b"\x1dh": _gs_barcode_setting,
    b"\x1dH": _gs_barcode_setting, b"\x1dw": _gs_barcode_setting, b"\x1df": _gs_barcode_setting,
    b"\x1dk": gs_barcode, b"\x1dv": gs_raster, b"\x1d(": gs_paren, b"\x1d8": gs_graphics_long,
    b"\x1c&": _fs_chinese, b"\x1c.": _fs_chinese, b"\x1c(": _fs_paren, b"\x1c2": _fs_user_glyph,
    b"\x10\x14": _dle_dc4,
}


def decode(data: bytes, **options: object) -> list[Receipt]:
    """Decode a whole stream: one receipt per cut, plus the uncut remainder if any."""
    decoder = Decoder(**options)  # type: ignore[arg-type]
    receipts = decoder.feed(data)
    rest = decoder.finish()
    return [*receipts, rest] if rest is not None else receipts
