"""Receipts the emulated terminal produces, and where they go.

A receipt goes to the ECR as Print Line 06 D1 or Print Text-Block 06 D3 when the
ECR registered to print that kind (config byte, Table 1; 06 D3 only if TLV 26
permits it), otherwise to the terminal's own printer, where it is captured.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.bmp import TLV_BMP, Bmp
from posdiag.drivers.zvt.tlv import TlvNode

# Receipt types of TLV 1F07.
MERCHANT = 0x01
CUSTOMER = 0x02
ADMIN = 0x03

LAST_LINE = 0x81  # Table 16: 1xxx xxxx (not 80) marks the last line of a receipt
CENTRED = 0x40
DOUBLE_WIDTH = 0x20
DOUBLE_HEIGHT = 0x10

TEXT_CODEC = "cp437"  # the ZVT default character set (a terminal may be set to another)


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    text: str
    attribute: int = 0x00


@dataclass(frozen=True, slots=True)
class Receipt:
    kind: int  # MERCHANT, CUSTOMER, ADMIN
    lines: tuple[ReceiptLine, ...]
    source: str = "terminal"  # "terminal" or "ecr" (printed on request of the ECR, 06 D1/D3)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass
class Printer:
    """The terminal's own printer: captures what it prints; faults make it refuse."""

    paper_out: bool = False
    cover_open: bool = False
    printed: list[Receipt] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def ready(self) -> bool:
        return not (self.paper_out or self.cover_open)

    def print_receipt(self, receipt: Receipt) -> bool:
        """True if printed; False if the printer is not ready (result code CC)."""
        if not self.ready:
            return False
        with self._lock:
            self.printed.append(receipt)
        return True

    def take(self) -> list[Receipt]:
        with self._lock:
            taken, self.printed = self.printed, []
        return taken


def print_line_apdus(lines: tuple[ReceiptLine, ...], charset: str = TEXT_CODEC) -> list[Apdu]:
    """One 06 D1 per line; the last one carries the last-line attribute."""
    apdus = []
    for i, line in enumerate(lines):
        attribute = LAST_LINE if i == len(lines) - 1 else line.attribute
        text = line.text.encode(charset, "replace")
        apdus.append(Apdu(0x06, 0xD1, bytes((attribute,)) + text))
    return apdus


def text_block_apdu(receipt: Receipt, charset: str = TEXT_CODEC) -> Apdu:
    """One 06 D3: TLV 06 { 1F07 receipt type, 25 { 09 attr, 07 line, … , 09 end } }."""
    children: list[TlvNode] = []
    attribute = None
    for line in receipt.lines:
        if line.attribute != attribute:
            children.append(TlvNode(0x09, bytes((line.attribute,))))
            attribute = line.attribute
        children.append(TlvNode(0x07, line.text.encode(charset, "replace")))
    children.append(TlvNode(0x09, b"\xff"))  # end of receipt
    receipt_type = TlvNode(0x1F07, bytes((receipt.kind,)))
    container = Bmp.of(TLV_BMP, (receipt_type, TlvNode(0x25, tuple(children))))
    return Apdu(0x06, 0xD3, container.encode())
