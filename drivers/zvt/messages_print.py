"""Receipt printing messages, sent by the PT to the ECR and, where the PT has a printer, back.

  06 D1  Print Line        attribute text [06 TLV]   (attribute table 16 of PA00P015 §3.5)
  06 D3  Print Text-Block  06 TLV{25{09 attribute, 07 line ...}, 1F07 receipt type, 14 charset}

Text is in the PT's character set: CP437 unless Registration TLV 14 switched it
(card complete and Feig send ISO 8859-1), so decoding takes the charset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Self

from posdiag.drivers.zvt import charsets
from posdiag.drivers.zvt.bmp import TLV_BMP, Bmp, encode_bmps, parse_bmp, strict_decoding
from posdiag.drivers.zvt.messages_base import (
    TEXT_CODEC,
    BmpCommand,
    FieldView,
    Message,
    build_bmps,
    tlv_bmp,
)
from posdiag.drivers.zvt.tlv import TlvNode, parse_length
from posdiag.drivers.zvt.values import print_attribute_text
from posdiag.errors import ProtocolError
from posdiag.i18n import _


@dataclass(frozen=True)
class PrintLine(Message):
    COMMAND = (0x06, 0xD1)
    NAME = "Print Line"

    attribute: int = 0
    text_bytes: bytes = b""  # in the PT's character set (CP437 unless TLV 14 changed it)
    bmps: tuple[Bmp, ...] = ()  # card complete appends 06 TLV{1F07} after the text

    def data(self) -> bytes:
        return bytes((self.attribute,)) + self.text_bytes + encode_bmps(self.bmps)

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        if not data:
            raise ProtocolError(_("Print Line: attribute byte missing"))
        body = bytes(data[1:])
        text: bytes = body
        trailer: tuple[Bmp, ...] = ()
        # A trailing TLV container is recognised only when it ends exactly at the data end.
        # Its length is checked before its content is parsed: linear time on any text.
        for pos in range(len(body)):
            if body[pos] != TLV_BMP:
                continue
            try:
                size, start = parse_length(body, pos + 1)
                if start + size != len(body):
                    continue
                with strict_decoding():
                    bmp, _end = parse_bmp(body, pos)
            except ProtocolError:
                continue
            text, trailer = body[:pos], (bmp,)
            break
        return cls(data[0], text, trailer, long_length=long_length)

    @classmethod
    def create(cls, text: str, attribute: int = 0, charset: str = TEXT_CODEC) -> Self:
        return cls(attribute, text.encode(charset))

    def text(self, charset: str = TEXT_CODEC) -> str:
        """The line decoded; pass "latin-1" for terminals switched to ISO 8859-1."""
        return self.text_bytes.decode(charset, errors="replace")

    @property
    def is_line_feed(self) -> bool:
        return self.attribute == 0xFF

    @property
    def ends_receipt(self) -> bool:
        return bool(self.attribute & 0x80) and self.attribute not in (0x80, 0xFF)

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        attribute = FieldView(None, "attribute", print_attribute_text(self.attribute))
        if self.is_line_feed:
            count = self.text_bytes[0] if self.text_bytes else 1
            return [attribute, FieldView(None, "line feeds", str(count))]
        shown = charsets.show_bytes(self.text_bytes, charset)
        return [attribute, FieldView(None, "text", shown)]


@dataclass(frozen=True)
class PrintTextBlock(BmpCommand):
    COMMAND = (0x06, 0xD3)
    NAME = "Print Text-Block"

    @classmethod
    def create(
        cls, lines: Sequence[str], receipt_type: int | None = None, end_of_receipt: bool = True,
        charset: str = TEXT_CODEC,
    ) -> Self:  # fmt: skip
        items = [TlvNode(0x07, line.encode(charset)) for line in lines]
        if end_of_receipt:
            items.append(TlvNode(0x09, b"\xff"))
        nodes = [TlvNode(0x25, tuple(items))]
        if receipt_type is not None:
            nodes.append(TlvNode(0x1F07, bytes((receipt_type,))))
        return cls(bmps=build_bmps(tlv_bmp(nodes)))

    @property
    def receipt_type(self) -> int | None:
        node = self.tlv_find(0x1F07)
        return int.from_bytes(node.value, "big") if node and isinstance(node.value, bytes) else None

    def lines(self, charset: str = TEXT_CODEC) -> list[str]:
        box = self.tlv_find(0x25)
        if box is None or not isinstance(box.value, tuple):
            return []
        return [n.value.decode(charset, errors="replace") for n in box.value
                if n.tag == 0x07 and isinstance(n.value, bytes)]  # fmt: skip
