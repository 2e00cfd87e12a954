"""Decoder properties: never crashes, split-invariant, and inverts the encoder."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from posdiag.drivers.escpos import Decoder, EscposWriter, decode
from posdiag.drivers.escpos.layout import FONT_DOTS, PAPER_DOTS, char_cells
from posdiag.drivers.escpos.model import Image, Style

COMMAND_BYTES = st.sampled_from([0x1B, 0x1D, 0x1C, 0x10, 0x0A, 0x00, 0x28, 0x6B, 0x76, 0x30,
                                 0x56, 0x26, 0x2E, 0x04, 0x81, 0x30, 0xFF])
STREAMS = st.lists(st.one_of(st.integers(0, 255), COMMAND_BYTES), max_size=400).map(bytes)


@settings(max_examples=400, deadline=None)
@given(STREAMS)
# An oversized raster image cut off by the end of the stream: the note points at the command,
# not past the last byte (found by this property in CI).
@example(b"\x1dv0\x00\x00\x02\x00\t")
def test_random_bytes_never_crash_the_decoder(data: bytes) -> None:
    receipts = decode(data)
    for receipt in receipts:
        for u in receipt.unknown:
            assert 0 <= u.offset < len(data)


@settings(max_examples=200, deadline=None)
@given(STREAMS, st.lists(st.integers(1, 50), max_size=20))
def test_any_split_of_the_stream_decodes_the_same(data: bytes, cuts: list[int]) -> None:
    whole = decode(data)
    decoder, parts, pos = Decoder(), [], 0
    for size in cuts:
        parts += decoder.feed(data[pos:pos + size])
        pos += size
    parts += decoder.feed(data[pos:])
    rest = decoder.finish()
    assert [*parts, *([rest] if rest else [])] == whole


# Every character here is in CP858 or in GBK (and so in GB18030).
TEXT = st.text(st.sampled_from("abcXYZ 019.,-éü€中文合计￥：¥"), min_size=1, max_size=20)


def fits_the_paper(line: tuple[str, str, bool, int, int, int]) -> bool:
    text, _align, _bold, width, *_ = line
    return sum(map(char_cells, text)) * FONT_DOTS[0] * width <= PAPER_DOTS


LINES = st.lists(st.tuples(TEXT, st.sampled_from(["left", "center", "right"]), st.booleans(),
                           st.integers(1, 8), st.integers(1, 8), st.integers(0, 2)
                           ).filter(fits_the_paper),
                 min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(LINES, st.sampled_from(["gb18030", "gbk"]), st.booleans())
def test_lines_round_trip(lines: list[tuple[str, str, bool, int, int, int]], chinese: str,
                          partial: bool) -> None:
    w = EscposWriter(codepage="cp858", chinese_encoding=chinese).init()
    for text, align, bold, width, height, underline in lines:
        w.align(align).bold(bold).size(width, height).underline(underline)  # type: ignore[arg-type]
        w.line(text)
    (receipt,) = decode(w.cut(partial=partial).getvalue(), chinese_encoding=chinese)
    assert [line.text for line in receipt.lines] == [t for t, *_ in lines]
    assert [(line.align, line.spans[0].style) for line in receipt.lines] == [
        (a, Style(bold=b, width=w_, height=h, underline=u)) for _, a, b, w_, h, u in lines]
    assert receipt.cut is not None and receipt.cut.partial is partial
    assert receipt.unknown == ()


@settings(max_examples=150, deadline=None)
@given(st.text(st.sampled_from("ab 9中文￥"), min_size=1, max_size=300), st.integers(1, 8),
       st.integers(0, 1))
def test_a_line_longer_than_the_paper_wraps_at_its_edge(text: str, width: int,
                                                        font: int) -> None:
    """Epson: text past the print area is printed on the next line (automatic line feed)."""
    job = EscposWriter().init().font(font).size(width, 1).align("right").line(text).cut()
    (receipt,) = decode(job.getvalue())
    assert "".join(line.text for line in receipt.lines) == text
    cell = FONT_DOTS[font] * width
    for line in receipt.lines:
        assert line.align == "right"
        assert sum(map(char_cells, line.text)) * cell <= PAPER_DOTS
    for line, after in zip(receipt.lines, receipt.lines[1:], strict=False):
        room = PAPER_DOTS - sum(map(char_cells, line.text)) * cell
        assert room < char_cells(after.text[0]) * cell  # wrapped only when the next one is full


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=300), st.integers(1, 16), st.sampled_from("LMQH"))
def test_qr_round_trip(data: bytes, size: int, level: str) -> None:
    (receipt,) = decode(EscposWriter().qr(data, module_size=size, level=level).getvalue())
    (qr,) = receipt.qr_codes
    assert (qr.data, qr.module_size, qr.error_level) == (data, size, level)


@settings(max_examples=100, deadline=None)
@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=60))
def test_code128_round_trip(text: str) -> None:
    (receipt,) = decode(EscposWriter().barcode128(text).getvalue())
    assert [(b.symbology, b.data) for b in receipt.barcodes] == [("CODE128", text)]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8), st.integers(1, 40), st.data())
def test_raster_round_trip(row_bytes: int, height: int, data: st.DataObject) -> None:
    bits = data.draw(st.binary(min_size=row_bytes * height, max_size=row_bytes * height))
    image = Image(row_bytes * 8, height, bits)
    (receipt,) = decode(EscposWriter().image(image).getvalue())
    assert receipt.images == (image,)
