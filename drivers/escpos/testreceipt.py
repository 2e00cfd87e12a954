"""The acceptance test receipt: one of every feature the driver prints, and its checker.

Acceptance plans (printer.toml) print ``build_test_receipt()`` and pass what the
printer (or the emulator) decoded to ``check_test_receipt``; an empty list means
every feature came out as sent.
"""

from __future__ import annotations

from posdiag.drivers.escpos.encoder import EscposWriter
from posdiag.drivers.escpos.graphics import image_from_rows
from posdiag.drivers.escpos.model import Image, Receipt, Style

TITLE = "POSDIAG TEST RECEIPT"
CODEPAGE_LINE = "Café Größe 5,00 €"  # needs cp858: é, ö, ß and the euro sign
CHINESE_LINE = "中文打印测试：合计 ￥12.50"  # GBK and GB18030 both have every character
QR_DATA = "POSDIAG-TEST-QR-0001"
BARCODE_DATA = "POSDIAG-0001"
LOGO: Image = image_from_rows([
    "################################",
    "#..............................#",
    "#..######..######..######..##..#",
    "#..##..##..##..##..##......##..#",
    "#..######..##..##..######..##..#",
    "#..##......##..##......##......#",
    "#..##......######..######..##..#",
    "#..............................#",
    "################################",
])


def build_test_receipt(*, chinese_encoding: str = "gb18030", codepage: str = "cp858") -> bytes:
    w = EscposWriter(codepage=codepage, chinese_encoding=chinese_encoding)
    w.init()
    w.align("center").bold().size(2, 2).line(TITLE).size().bold(False)
    w.align("left").line("left / centre / right:")
    w.align("left").line("left")
    w.align("center").line("centre")
    w.align("right").line("right")
    w.align("left").bold().line("bold").bold(False)
    w.size(2, 1).line("double width").size(1, 2).line("double height").size()
    w.underline(1).line("underlined").underline(0)
    w.line(CODEPAGE_LINE)
    w.line(CHINESE_LINE)
    w.align("center").qr(QR_DATA, module_size=6, level="M")
    w.barcode128(BARCODE_DATA)
    w.image(LOGO)
    w.align("left").line("END OF TEST").feed(3)
    w.cut()
    return w.getvalue()


def check_test_receipt(receipt: Receipt) -> list[str]:
    """What differs from the test receipt, one sentence each; empty when it printed right."""
    problems: list[str] = []
    lines = {line.text: line for line in receipt.lines}

    def expect_line(text: str, align: str = "left", **style: object) -> None:
        line = lines.get(text)
        if line is None:
            problems.append(f"line {text!r} is missing or garbled.")
            return
        if line.align != align:
            problems.append(f"line {text!r} is aligned {line.align}, expected {align}.")
        got = line.spans[0].style if line.spans else Style()
        for key, value in style.items():
            if getattr(got, key) != value:
                problems.append(f"line {text!r} has {key}={getattr(got, key)}, expected {value}.")

    expect_line(TITLE, "center", bold=True, width=2, height=2)
    expect_line("left")
    expect_line("centre", "center")
    expect_line("right", "right")
    expect_line("bold", bold=True)
    expect_line("double width", width=2, height=1)
    expect_line("double height", width=1, height=2)
    expect_line("underlined", underline=1)
    expect_line(CODEPAGE_LINE)
    expect_line(CHINESE_LINE)
    if [q.data for q in receipt.qr_codes] != [QR_DATA.encode()]:
        problems.append("the QR code is missing or carries other data.")
    if [(b.symbology, b.data) for b in receipt.barcodes] != [("CODE128", BARCODE_DATA)]:
        problems.append("the CODE128 barcode is missing or carries other data.")
    if [(i.width, i.height, i.bits) for i in receipt.images] != [
            (LOGO.width, LOGO.height, LOGO.bits)]:
        problems.append("the raster image is missing or differs.")
    if receipt.cut is None:
        problems.append("the paper was not cut.")
    if receipt.unknown:
        problems.append(f"{len(receipt.unknown)} command(s) were not understood.")
    return problems
