"""Receipt PNGs carry real symbols (issue 12, Receipts): a scanner reads back what was printed.

Each job is ESC/POS bytes as a POS application sends them; the emulator's decoder turns them
into a receipt, render_png draws it, and zbar (Debian zbar-tools, an implementation that
shares nothing with posdiag) decodes the PNG. Micro QR, which zbar does not read, and the
QR error level are checked with zxing-cpp. Every symbology the decoder understands is here;
QR model 1, which no library draws, is shown as a note and said so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from posdiag.drivers.escpos import EscposWriter, build_test_receipt, decode
from posdiag.drivers.escpos.layout import LINE_DOTS, element_dots
from posdiag.drivers.escpos.model import Receipt
from posdiag.drivers.escpos.render_png import render_png
from posdiag.drivers.escpos.testreceipt import BARCODE_DATA, QR_DATA

PIL = pytest.importorskip("PIL.Image")


@pytest.fixture(scope="session")
def zbarimg() -> str:
    """zbarimg from Debian's zbar-tools; missing it fails under CI and skips locally."""
    found = shutil.which("zbarimg")
    if found is None:
        message = "zbarimg is not installed; apt-get install zbar-tools"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def only_receipt(job: bytes) -> Receipt:
    (receipt,) = decode(job)
    return receipt


def scan(zbarimg: str, png: Path) -> list[str]:
    """What zbar reads in the picture: one "SYMBOLOGY:payload" per symbol."""
    out = subprocess.run([zbarimg, "--quiet", str(png)], capture_output=True, check=False,
                         timeout=60)
    return out.stdout.decode("latin-1").splitlines()


def barcode_job(m: int, data: bytes, *, width: int = 3, height: int = 80, hri: int = 2,
                nul: bool = False) -> bytes:
    setup = b"\x1dw" + bytes([width]) + b"\x1dh" + bytes([height]) + b"\x1dH" + bytes([hri])
    if nul:
        return setup + b"\x1dk" + bytes([m]) + data + b"\x00"
    return setup + b"\x1dk" + bytes([m, len(data)]) + data


# GS k m, data as sent -> what a scanner reads. zbar reports UPC-A, and UPC-E expanded,
# as EAN-13 with a leading 0.
BARCODES = [
    pytest.param(65, b"01234567890", "EAN-13:0012345678905", id="UPC-A, check digit added"),
    pytest.param(65, b"012345678905", "EAN-13:0012345678905", id="UPC-A, check digit given"),
    pytest.param(66, b"123456", "EAN-13:0012345000065", id="UPC-E, 6 digits"),
    pytest.param(66, b"0123456", "EAN-13:0012345000065", id="UPC-E, NSC and 6 digits"),
    pytest.param(66, b"01234500006", "EAN-13:0012345000065", id="UPC-E from UPC-A"),
    pytest.param(67, b"400638133393", "EAN-13:4006381333931", id="EAN13, check digit added"),
    pytest.param(67, b"4006381333931", "EAN-13:4006381333931", id="EAN13, 13 digits"),
    pytest.param(68, b"9638507", "EAN-8:96385074", id="EAN8"),
    pytest.param(69, b"POS-39 $/+%", "CODE-39:POS-39 $/+%", id="CODE39"),
    pytest.param(70, b"12345678", "I2/5:12345678", id="ITF"),
    pytest.param(71, b"A40156B", "Codabar:A40156B", id="CODABAR"),
    pytest.param(72, b"Code93 -.$/+%", "CODE-93:Code93 -.$/+%", id="CODE93, full ASCII"),
    pytest.param(73, b"{B" + BARCODE_DATA.encode(), f"CODE-128:{BARCODE_DATA}",
                 id="CODE128 set B"),
    pytest.param(73, b"{AABC\x01DEF", "CODE-128:ABC\x01DEF", id="CODE128 set A"),
    pytest.param(73, b"{C\x0c\x22\x38\x4e", "CODE-128:12345678", id="CODE128 set C"),
    pytest.param(73, b"{C\x0c\x22{Babc{A\x01{SzZ", "CODE-128:1234abc\x01zZ",
                 id="CODE128 C, B, A and a shift"),
    pytest.param(73, b"{Ba{{b", "CODE-128:a{b", id="CODE128 escaped brace"),
    pytest.param(74, b"(01)09501101530003", "CODE-128:0109501101530003", id="GS1-128"),
]


@pytest.mark.parametrize(("m", "data", "scanned"), BARCODES)
def test_each_barcode_scans_back_to_its_payload(zbarimg: str, tmp_path: Path, m: int,
                                                data: bytes, scanned: str) -> None:
    receipt = only_receipt(barcode_job(m, data, width=2))
    assert receipt.unknown == () and len(receipt.barcodes) == 1
    assert scan(zbarimg, render_png(receipt, tmp_path / "r.png")) == [scanned]


def test_the_nul_terminated_form_draws_the_same_symbol(zbarimg: str, tmp_path: Path) -> None:
    receipt = only_receipt(barcode_job(2, b"400638133393", nul=True))
    assert scan(zbarimg, render_png(receipt, tmp_path / "r.png")) == ["EAN-13:4006381333931"]


@pytest.mark.parametrize("module", [2, 3, 4, 5, 6])
def test_gs_w_sets_the_module_width_in_dots(zbarimg: str, tmp_path: Path, module: int) -> None:
    receipt = only_receipt(barcode_job(73, b"{C\x0c\x22", width=module, hri=0))
    png = render_png(receipt, tmp_path / "r.png")
    assert scan(zbarimg, png) == ["CODE-128:1234"]
    left, _top, right, _bottom = PIL.open(png).convert("L").point(lambda v: 255 - v).getbbox()
    # start, 2 data, check: 11 modules each, stop 13: 57 modules
    assert right - left == 57 * module


@pytest.mark.parametrize(("hri", "bars_top"), [(0, 0), (1, LINE_DOTS), (2, 0), (3, LINE_DOTS)])
def test_gs_h_and_gs_H_set_bar_height_and_hri_position(tmp_path: Path, hri: int,
                                                        bars_top: int) -> None:
    receipt = only_receipt(barcode_job(67, b"400638133393", height=100, hri=hri))
    png = PIL.open(render_png(receipt, tmp_path / "r.png")).convert("L")
    quiet = 10 * 3
    column = [png.getpixel((quiet, y)) for y in range(png.height)]  # the left guard bar
    assert column.index(0) == bars_top and column.count(0) == 100
    text_above = any(png.getpixel((x, y)) == 0 for x in range(png.width)
                     for y in range(bars_top))
    text_below = any(png.getpixel((x, y)) == 0 for x in range(png.width)
                     for y in range(bars_top + 100, png.height))
    assert (text_above, text_below) == (hri in (1, 3), hri in (2, 3))


def test_a_barcode_wider_than_the_paper_is_not_printed_but_noted(zbarimg: str,
                                                                 tmp_path: Path) -> None:
    receipt = only_receipt(barcode_job(69, b"THIRTY CHARACTERS OF CODE 39", width=6))
    png = render_png(receipt, tmp_path / "r.png")
    assert scan(zbarimg, png) == []
    assert PIL.open(png).height == LINE_DOTS  # one note line, not a symbol


@pytest.mark.parametrize("level", ["L", "M", "Q", "H"])
@pytest.mark.parametrize("size", [2, 3, 8])
def test_qr_codes_scan_back_with_their_size_and_level(zbarimg: str, tmp_path: Path, size: int,
                                                      level: str) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    payload = "posdiag 合计 ￥12.50 https://example.com/r?id=0001"
    receipt = only_receipt(EscposWriter().qr(payload, module_size=size, level=level).getvalue())
    png = render_png(receipt, tmp_path / "r.png")
    assert scan(zbarimg, png) == [f"QR-Code:{payload}".encode().decode("latin-1")]
    (found,) = zxingcpp.read_barcodes(PIL.open(png).convert("L"))
    assert (found.format, found.ec_level, found.bytes) == (
        zxingcpp.BarcodeFormat.QRCode, level, payload.encode())
    left, top, right, bottom = PIL.open(png).convert("L").point(lambda v: 255 - v).getbbox()
    side = right - left
    assert side == bottom - top and side % size == 0 and (side // size - 17) % 4 == 0
    assert PIL.open(png).height <= element_dots(receipt.qr_codes[0])


def test_binary_qr_data_scans_back_byte_for_byte(zbarimg: str, tmp_path: Path) -> None:
    data = bytes(range(256))
    receipt = only_receipt(EscposWriter().qr(data, module_size=3, level="L").getvalue())
    png = render_png(receipt, tmp_path / "r.png")
    out = subprocess.run([zbarimg, "--quiet", "--raw", "-Sbinary", str(png)],
                         capture_output=True, check=True, timeout=60)
    assert out.stdout.rstrip(b"\n") == data


def test_micro_qr_is_drawn_as_micro_qr(tmp_path: Path) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    job = b"\x1d(k\x04\x001A3\x00" + EscposWriter().qr(b"12345", module_size=6).getvalue()[9:]
    receipt = only_receipt(job)
    assert receipt.qr_codes[0].model == 3
    png = render_png(receipt, tmp_path / "r.png")
    (found,) = zxingcpp.read_barcodes(PIL.open(png).convert("L"))
    assert (found.format, found.bytes) == (zxingcpp.BarcodeFormat.MicroQRCode, b"12345")


def test_qr_model_1_is_a_note_not_a_fake_symbol(zbarimg: str, tmp_path: Path) -> None:
    job = b"\x1d(k\x04\x001A1\x00" + EscposWriter().qr(b"12345").getvalue()[9:]
    receipt = only_receipt(job)
    assert receipt.qr_codes[0].model == 1
    png = render_png(receipt, tmp_path / "r.png")
    assert scan(zbarimg, png) == [] and PIL.open(png).height == LINE_DOTS


def test_qr_data_too_long_for_any_version_is_a_note(tmp_path: Path) -> None:
    receipt = only_receipt(EscposWriter().qr(b"x" * 3000, level="H").getvalue())
    assert PIL.open(render_png(receipt, tmp_path / "r.png")).height == LINE_DOTS


def test_the_test_receipt_png_scans_back_its_qr_and_barcode(zbarimg: str,
                                                             tmp_path: Path) -> None:
    receipt = only_receipt(build_test_receipt())
    found = scan(zbarimg, render_png(receipt, tmp_path / "r.png"))
    assert sorted(found) == [f"CODE-128:{BARCODE_DATA}", f"QR-Code:{QR_DATA}"]
