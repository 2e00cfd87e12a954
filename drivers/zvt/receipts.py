"""Collecting the receipts a terminal sends to the ECR: 06 D1 lines and 06 D3 blocks."""

from __future__ import annotations

from posdiag.devices import PrintedReceipt
from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.messages_print import PrintLine, PrintTextBlock

RECEIPT_KINDS = {0x01: "merchant", 0x02: "customer", 0x03: "admin"}


class ReceiptCollector:
    """Feed every PT message; finished receipts accumulate in ``receipts``.

    A receipt ends with a Print Line whose attribute is 1xxx xxxx (not 80, not FF),
    or with a text block whose last attribute says so; lines left over when the
    dialog ends form a last receipt.
    """

    def __init__(self, charset: str = "cp437") -> None:
        self.charset = charset
        self.receipts: list[PrintedReceipt] = []
        self._lines: list[str] = []
        self._kind = "unknown"

    def feed(self, apdu: Apdu) -> None:
        if apdu.command == PrintLine.COMMAND:
            line = PrintLine.from_apdu(apdu)
            if line.is_line_feed:
                count = line.text_bytes[0] if line.text_bytes else 1
                self._lines.extend([""] * count)
                return
            self._lines.append(line.text(self.charset))
            if line.ends_receipt:
                self._finish()
        elif apdu.command == PrintTextBlock.COMMAND:
            block = PrintTextBlock.from_apdu(apdu)
            if block.receipt_type is not None:
                self._kind = RECEIPT_KINDS.get(block.receipt_type, "unknown")
            self._lines.extend(block.lines(self.charset))
            box = block.tlv_find(0x25)
            last_attr = None
            if box is not None and isinstance(box.value, tuple):
                attrs = [n.value for n in box.value if n.tag == 0x09 and isinstance(n.value, bytes)]
                last_attr = attrs[-1][0] if attrs and attrs[-1] else None
            if last_attr is not None and last_attr & 0x80 and last_attr != 0x80:
                self._finish()

    def close(self) -> list[PrintedReceipt]:
        if self._lines:
            self._finish()
        return self.receipts

    def _finish(self) -> None:
        self.receipts.append(PrintedReceipt(self._kind, tuple(self._lines)))
        self._lines = []
        self._kind = "unknown"
