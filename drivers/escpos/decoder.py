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
from posdiag.drivers.escpos.layout import (
    DOTS_PER_MM,
    FONT_DOTS,
    LINE_DOTS,
    MAX_RECEIPT_DOTS,
    PAPER_DOTS,
    char_cells,
    element_dots,
)
from posdiag.drivers.escpos.model import (
    Align,
    Barcode,
    Cut,
    Element,
    Feed,
    Image,
    QrCode,
    Receipt,
    Span,
    Style,
    TextLine,
    Unknown,
    printable,
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
    """Turns an ESC/POS stream into receipts, one per cut.

    Time is linear in the input and memory is bounded by what a receipt can hold: a line
    wraps at the paper's width as on a printer, feeds merge into one element, a receipt keeps
    at most ``max_receipt_dots`` of paper (the rest until the cut is counted in a note), at
    most ``MAX_NOTES`` notes, and raster data larger than ``MAX_IMAGE_BYTES`` is skipped as it
    arrives instead of being buffered (limits in layout.py, docs/escpos.md).
    """

    def __init__(self, *, chinese_encoding: str = "gb18030", chinese_mode: bool = False,
                 codepages: dict[int, str] | None = None, paper_dots: int = PAPER_DOTS,
                 max_receipt_dots: int = MAX_RECEIPT_DOTS) -> None:
        self.chinese_encoding = chinese_encoding
        self.paper_dots = paper_dots
        self.max_receipt_dots = max_receipt_dots
        self._four_byte = chinese_encoding.replace("-", "").lower() == "gb18030"
        self._chinese_default = chinese_mode
        self._codepages = EPSON_CODEPAGES if codepages is None else codepages
        self._buf = bytearray()
        self._offset = 0  # stream position of _buf[0]
        self._at = 0  # stream position of the command being decoded
        self._skip = 0  # bytes of an oversized command still to pass over unread
        self._elements: list[Element] = []
        self._unknown: list[Unknown] = []
        self._done: list[Receipt] = []
        self._receipt_dots = 0
        self._dropped = 0  # elements past the receipt's length limit
        self._dropped_at = 0
        self._notes_dropped = 0
        self._notes_dropped_at = 0
        self._reset_modes()

    # --- public -------------------------------------------------------------------------

    def feed(self, data: bytes) -> list[Receipt]:
        """Consume bytes; return the receipts that a cut completed."""
        self._buf += data
        pos = 0
        size = len(self._buf)
        while pos < size:
            if self._skip:
                skipped = min(self._skip, size - pos)
                self._skip -= skipped
                pos += skipped
                continue
            self._at = self._offset + pos
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
        if self._buf or self._skip:
            if not self._skip:  # a partial command: it starts where the unconsumed bytes do
                self._at = self._offset
            # (while skipping an oversized command, _at is still where that command began:
            # the stream ended inside it, and the note points at it, not past the end)
            missing = f" ({self._skip} more bytes were announced)" if self._skip else ""
            self._note(0, bytes(self._buf[:NOTE_RAW]), f"truncated command{missing}")
            self._offset += len(self._buf)
            self._buf.clear()
            self._skip = 0
        self._flush_line()
        if not self._elements and not self._unknown and not self._dropped:
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
        self._line_dots = 0
        self._barcode = {"height": 162, "hri": 0, "width": 3}
        self._qr: dict[str, object] = {"model": 2, "size": 3, "level": "L", "data": b""}
        self._graphic: Image | None = None

    def _add_text(self, text: str) -> None:
        """Put text on the current line, wrapping at the paper's edge as a printer does."""
        text = printable(text)
        if self._line_align is None:
            self._line_align = self.align  # ESC a counts at the start of a line
        cell = FONT_DOTS[self.style.font] * self.style.width
        narrow = text.isascii()
        i, n = 0, len(text)
        while i < n:
            room = self.paper_dots - self._line_dots
            if narrow:
                take = min(n - i, room // cell)
                used = take * cell
            else:
                take = used = 0
                while i + take < n:
                    width = cell * char_cells(text[i + take])
                    if used + width > room:
                        break
                    used, take = used + width, take + 1
            if take == 0:
                if self._spans:
                    self._wrap()
                    continue
                take, used = 1, room  # wider than the paper on its own: printed, clipped
            self._append_span(text[i:i + take])
            self._line_dots += used
            i += take
            if i < n:
                self._wrap()

    def _append_span(self, text: str) -> None:
        if self._spans and self._spans[-1].style == self.style:
            self._spans[-1] = Span(self._spans[-1].text + text, self.style)
        else:
            self._spans.append(Span(text, self.style))

    def _wrap(self) -> None:
        align = self._line_align
        self._flush_line()
        self._line_align = align  # a wrapped line keeps its alignment

    def _flush_line(self) -> bool:
        """Emit the pending line; True when text was pending."""
        if not self._spans:
            return False
        line = TextLine(tuple(self._spans), self._line_align or self.align)
        self._spans, self._line_align, self._line_dots = [], None, 0
        self._append(line)
        return True

    def _feed(self, lines: int) -> None:
        """Blank lines of paper; merged with a feed just before."""
        if lines <= 0:
            return
        room = 0 if self._dropped else (self.max_receipt_dots - self._receipt_dots) // LINE_DOTS
        kept = min(lines, room)
        if kept:
            last = self._elements[-1] if self._elements else None
            if isinstance(last, Feed):
                self._elements[-1] = Feed(last.lines + kept)
            else:
                self._elements.append(Feed(kept))
            self._receipt_dots += kept * LINE_DOTS
        if kept < lines:
            self._overflow()

    def _append(self, element: Element) -> None:
        dots = element_dots(element)
        if self._dropped or self._receipt_dots + dots > self.max_receipt_dots:
            self._overflow()
            return
        self._receipt_dots += dots
        self._elements.append(element)

    def _overflow(self) -> None:
        if not self._dropped:
            self._dropped_at = self._at
        self._dropped += 1

    def _emit(self, element: QrCode | Barcode | Image) -> None:
        self._flush_line()
        if isinstance(element, Image) and element.width > self.paper_dots:
            element = _crop(element, self.paper_dots)
            self._note(0, b"", f"image {element.width} dots wide cropped to the paper's "
                       f"{self.paper_dots}")
        self._append(replace(element, align=self.align))

    def _note(self, pos: int, raw: bytes, note: str) -> None:
        """A command not rendered; pos is relative to the command being decoded."""
        if len(self._unknown) < MAX_NOTES:
            self._unknown.append(Unknown(self._at + pos, raw[:NOTE_RAW], note))
            return
        if not self._notes_dropped:
            self._notes_dropped_at = self._at + pos
        self._notes_dropped += 1

    def _take_receipt(self, cut: Cut | None) -> Receipt:
        notes = self._unknown
        if self._notes_dropped:
            notes.append(Unknown(self._notes_dropped_at, b"",
                                 f"{self._notes_dropped} more commands not rendered"))
        if self._dropped:
            metres = self.max_receipt_dots / DOTS_PER_MM / 1000
            notes.append(Unknown(self._dropped_at, b"",
                                 f"receipt longer than {metres:g} m of paper: {self._dropped} "
                                 "more lines or symbols not kept"))
        receipt = Receipt(tuple(self._elements), cut, tuple(notes))
        self._elements, self._unknown = [], []
        self._receipt_dots = self._dropped = self._notes_dropped = 0
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
                self._feed(1)
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
            self._note(0, bytes([b]), "unknown control byte")
            return 1
        return self._text(buf, pos)

    def _text(self, buf: bytearray, pos: int) -> int:
        if self.chinese:
            return self._chinese_text(buf, pos)
        end = pos
        size = len(buf)
        while end < size and buf[end] >= 0x20 and buf[end] != 0x7F:
            end += 1
        self._add_text(bytes(buf[pos:end]).decode(self.codec, errors="replace"))
        return end - pos

    def _chinese_text(self, buf: bytearray, pos: int) -> int:
        """Text in Chinese mode: ASCII bytes, then two- (GBK) or four-byte (GB18030) codes.

        A lead byte whose next bytes cannot follow it is one unprintable character on its
        own, and the bytes after it are read afresh (a control byte stays a control byte).
        """
        pieces: list[str] = []
        end, size = pos, len(buf)
        while end < size:
            b = buf[end]
            if b < 0x20 or b == 0x7F:
                break
            if b < 0x80:
                start = end
                while end < size and 0x20 <= buf[end] < 0x7F:
                    end += 1
                pieces.append(bytes(buf[start:end]).decode("ascii"))
                continue
            unit = _gb_char_size(buf, end, self._four_byte)
            if unit is None:  # a character split across reads: wait for its tail
                if end == pos:
                    raise NeedMore
                break
            code = bytes(buf[end:end + unit])
            pieces.append(code.decode(self.chinese_encoding, errors="replace") if unit > 1
                          else "\ufffd")
            end += unit
        self._add_text("".join(pieces))
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
        self._note(0, key, "unknown command")
        return 2


NOTE_RAW = 16  # bytes of a command kept in its note
MAX_NOTES = 64  # notes kept per receipt; the rest are counted in one more


def _crop(image: Image, width: int) -> Image:
    """The part of an image a printer prints: what lies within the paper's width."""
    row_bytes, kept = image.width // 8, width // 8
    bits = b"".join(image.bits[y * row_bytes:y * row_bytes + kept] for y in range(image.height))
    return Image(kept * 8, image.height, bits, image.align)


def _gb_char_size(buf: bytearray, pos: int, four_byte: bool) -> int | None:
    """Bytes of the character whose lead byte (>= 0x80) is at pos; None if its tail has not
    arrived. GB18030: lead 81-FE, then 40-7E or 80-FE, or 30-39 81-FE 30-39 (four bytes);
    anything else is an invalid lead, one byte long."""
    lead = buf[pos]
    if not 0x81 <= lead <= 0xFE:
        return 1
    if pos + 1 >= len(buf):
        return None
    second = buf[pos + 1]
    if 0x40 <= second <= 0xFE and second != 0x7F:
        return 2
    if not (four_byte and 0x30 <= second <= 0x39):
        return 1
    if pos + 2 >= len(buf):
        return None
    if not 0x81 <= buf[pos + 2] <= 0xFE:
        return 1
    if pos + 3 >= len(buf):
        return None
    return 4 if 0x30 <= buf[pos + 3] <= 0x39 else 1


# --- command handlers: (decoder, buffer, position) -> bytes consumed ------------------------


def _esc_init(d: Decoder, buf: bytearray, pos: int) -> int:
    d._spans = []  # ESC @ clears the print buffer: unprinted text is lost
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
        d._note(0, bytes(buf[pos:pos + 3]), f"code page {n} not known; kept {d.codec}")
    else:
        d.codec = codec
    return 3


def _esc_feed_lines(d: Decoder, buf: bytearray, pos: int) -> int:
    n = need(buf, pos + 2, 1)[0]
    printed = d._flush_line()
    d._feed(n - (1 if printed else 0))
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
    elif buf[pos + 1] == ord("w") and 2 <= n <= 6:  # other values are ignored by printers
        d._barcode["width"] = n
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
