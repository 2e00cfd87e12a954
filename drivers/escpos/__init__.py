"""ESC/POS receipt printers: codec (encoder, decoder, receipt model, renderers) and driver.

The codec modules are pure; I/O lives in transport.py (serial, raw TCP) and
usb.py (pyusb). ``EscposPrinter`` implements ``posdiag.devices.Printer``.
"""

from posdiag.drivers.escpos.decoder import Decoder, decode
from posdiag.drivers.escpos.encoder import EscposWriter
from posdiag.drivers.escpos.model import Receipt
from posdiag.drivers.escpos.printer import EscposPrinter
from posdiag.drivers.escpos.render_text import render_text
from posdiag.drivers.escpos.status import decode_status
from posdiag.drivers.escpos.testreceipt import build_test_receipt, check_test_receipt

__all__ = [
    "Decoder",
    "EscposPrinter",
    "EscposWriter",
    "Receipt",
    "build_test_receipt",
    "check_test_receipt",
    "decode",
    "decode_status",
    "render_text",
]
