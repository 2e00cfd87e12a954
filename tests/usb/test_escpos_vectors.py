"""ESC/POS known answers: byte sequences from the manuals and python-escpos's own tests.

Sources (see docs/escpos.md): python-escpos 3.1 test/test_functions/test_function_qr_native.py
(QR), python-escpos EAN13 and raster outputs as quoted in shared/docs/reference/escpos-usb.md
§1, Epson/Bixolon/Citizen manuals for DLE EOT bits (§1.1), receiptline 4.0.4 output (§1.2).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from posdiag.drivers.escpos import decode, decode_status
from posdiag.drivers.escpos.encoder import EscposWriter, code128, cut, qr_code, raster
from posdiag.drivers.escpos.model import Barcode, Feed, Image, QrCode, Span, Style, TextLine
from posdiag.drivers.escpos.render_text import render_text
from posdiag.errors import ProtocolError, UsageError

PYESCPOS_QR_1234 = bytes.fromhex(
    "1d286b0400314132 00 1d286b03003143 03 1d286b03003145 30"
    " 1d286b0700315030 31323334 1d286b0300315130")
PYESCPOS_EAN13 = (bytes.fromhex("1b6101 1d6840 1d7703 1d6600 1d4802 1d6b02")
                  + b"4006381333931\x00")
PYESCPOS_RASTER_16x2 = bytes.fromhex("1d763000 0200 0200 ffffffff")
RECEIPTLINE_GB18030_INIT = bytes.fromhex(
    "1b40 1d6100 1b4d30 1c2841020030 00 1b2000 1c530000 1b3300 1b7b00 1c2e")


def test_qr_from_python_escpos_decodes_to_its_payload() -> None:
    (receipt,) = decode(PYESCPOS_QR_1234)
    assert receipt.elements == (QrCode(b"1234", model=2, module_size=3, error_level="L"),)
    assert receipt.unknown == ()


def test_qr_encoder_emits_the_python_escpos_bytes() -> None:
    assert qr_code(b"1234", module_size=3, level="L") == PYESCPOS_QR_1234


def test_ean13_from_python_escpos() -> None:
    (receipt,) = decode(PYESCPOS_EAN13)
    assert receipt.elements == (Barcode("EAN13", "4006381333931", height=0x40, hri=2,
                                        align="center", module_width=3,
                                        raw=b"4006381333931"),)


def test_raster_16x2_black() -> None:
    (receipt,) = decode(PYESCPOS_RASTER_16x2)
    assert receipt.elements == (Image(16, 2, b"\xff" * 4),)
    assert raster(Image(16, 2, b"\xff" * 4)) == PYESCPOS_RASTER_16x2


@pytest.mark.parametrize(("data", "partial"), [
    (b"\x1d\x56\x00", False), (b"\x1d\x56\x01", True), (b"\x1d\x56\x30", False),
    (b"\x1d\x56\x41\x03", False), (b"\x1d\x56\x42\x00", True), (b"\x1bi", True),
    (b"\x1bm", True)])
def test_cut_variants(data: bytes, partial: bool) -> None:
    (receipt,) = decode(b"x\n" + data)
    assert receipt.cut is not None and receipt.cut.partial is partial
    assert receipt.text == "x"


def test_python_escpos_cut_feeds_six_lines_then_cuts() -> None:
    (receipt,) = decode(b"total\n\x1b\x64\x06\x1d\x56\x00")
    assert receipt.elements == (TextLine((Span("total"),)), Feed(6))


def test_encoder_cut_is_feed_and_cut_function_b() -> None:
    assert cut() == b"\x1d\x56\x41\x03" and cut(partial=True, feed=0) == b"\x1d\x56\x42\x00"


def test_print_modes_double_size_bold() -> None:
    # python-escpos set(double_width=True, double_height=True) emits ESC ! 0x30.
    (receipt,) = decode(b"\x1b!\x00\x1b!\x00\x1b!\x30big\n\x1dx\x1d!\x12tall\n\x1bE\x01b\n")
    big, tall, bold = receipt.lines
    assert big.spans[0].style == Style(width=2, height=2)
    assert tall.spans[0].style == Style(width=2, height=3)
    assert bold.spans[0].style.bold


def test_alignment_counts_at_line_start() -> None:
    (receipt,) = decode(b"\x1ba\x01mid\n\x1ba\x02right\n")
    assert [(line.align, line.text) for line in receipt.lines] == [
        ("center", "mid"), ("right", "right")]
    assert render_text(receipt, width=10).splitlines() == ["   mid", "     right"]


def test_code_page_switch_decodes_accents_and_euro() -> None:
    # ESC t 19 = CP858 in the Epson default profile; 0xD5 is the euro sign there.
    (receipt,) = decode(b"\x1bt\x13Caf\x82 5\xd5\n")
    assert receipt.text == "Café 5€"


def test_chinese_mode_gb18030_four_byte_yen() -> None:
    # python-escpos/receiptline bytes for "合计 ¥12.50 Café" (reference §1.2).
    data = b"\x1c&" + bytes.fromhex("bacfbcc6 20 81308436 31322e3530 20 436166a8a6") + b"\x1c.\n"
    (receipt,) = decode(data)
    assert receipt.text == "合计 ¥12.50 Café"


def test_printer_that_powers_up_in_chinese_mode() -> None:
    (receipt,) = decode("中文".encode("gbk") + b"\n", chinese_mode=True, chinese_encoding="gbk")
    assert receipt.text == "中文"


def test_receiptline_init_sequence_is_understood() -> None:
    (receipt,) = decode(RECEIPTLINE_GB18030_INIT + b"\x1c&" + "合计".encode("gb18030") + b"\n"
                        + b"\x1d\x56\x42\x00")
    assert receipt.unknown == ()
    assert receipt.text == "合计"


def test_code128_code_set_c_and_b() -> None:
    assert code128("POS-1")[-7:] == b"{BPOS-1"
    assert code128("1234")[-4:] == b"{C\x0c\x22"
    (receipt,) = decode(code128("1234") + code128("POS-1"))
    assert [b.data for b in receipt.barcodes] == ["1234", "POS-1"]


def test_unknown_command_is_kept_and_parsing_goes_on() -> None:
    (receipt,) = decode(b"a\n\x1b\xfeb\n\x07")
    assert receipt.text == "a\nb"
    assert [(u.offset, u.raw) for u in receipt.unknown] == [(2, b"\x1b\xfe"), (6, b"\x07")]


def test_truncated_command_at_end_of_stream_is_reported() -> None:
    (receipt,) = decode(b"a\n\x1dv0\x00\x02\x00\x02\x00\xff")
    assert receipt.unknown[0].note == "truncated command"


def test_status_request_inside_the_stream_prints_nothing() -> None:
    (receipt,) = decode(b"a\x10\x04\x01b\n")
    assert receipt.text == "ab" and receipt.unknown == ()


def test_writer_text_outside_code_page_goes_out_in_chinese_mode() -> None:
    data = EscposWriter().text("A中B").getvalue()
    assert data == b"A\x1c&\xd6\xd0B\x1c."  # ASCII prints alike in both modes


@pytest.mark.parametrize(("replies", "words"), [
    ({1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}, ("online",)),
    ({4: 0x1E}, ("paper near end",)),
    ({4: 0x72}, ("paper end",)),
    ({4: 0x7E}, ("paper near end", "paper end")),
    ({1: 0x1A}, ("offline",)),
    ({1: 0x16}, ("online",)),  # drawer pin high: netprinter-xtd's "all clear"
    ({1: 0x1A, 2: 0x16}, ("offline", "cover open")),
    ({3: 0x1A}, ("cutter error",)),
    ({3: 0x32}, ("unrecoverable error",)),
    ({1: None}, ("no answer",)),
])
def test_status_words(replies: dict[int, int | None], words: tuple[str, ...]) -> None:
    assert decode_status(replies).words == words


@pytest.mark.parametrize("byte", [0x00, 0xFF, 0x13, 0x92])
def test_a_reply_without_the_fixed_bits_is_a_protocol_error(byte: int) -> None:
    with pytest.raises(ProtocolError):
        decode_status({1: byte})


def test_column_image_esc_star_becomes_raster() -> None:
    # ESC * m=0 (8-dot single density), 2 columns: top dot of column 0, bottom dot of column 1.
    (receipt,) = decode(b"\x1b*\x00\x02\x00\x80\x01")
    (image,) = receipt.images
    assert (image.width, image.height) == (8, 8)
    assert image.pixel(0, 0) and image.pixel(1, 7) and not image.pixel(1, 0)


def test_png_needs_pillow_and_says_so(tmp_path: Path) -> None:
    from posdiag.drivers.escpos.render_png import png_available, render_png

    (receipt,) = decode(b"hello\n\x1dV\x00")
    if png_available():
        assert render_png(receipt, tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
    else:
        with pytest.raises(UsageError, match="Pillow"):
            render_png(receipt, tmp_path / "r.png")
