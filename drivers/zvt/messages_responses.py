"""The two response APDUs (PA00P016 §5.2.3): 80 00 positive, 84 xx negative (84 00 positive).

  80 00  Ack    [data]: key codes, 06 TLV, MsgSeqId echo ... (messages_answers.py types the
                answers whose data depends on the command answered)
  84 xx  Nack   xx = result code; 84 9C "repeat the Status-Information", 84 9D partial issue;
                84 1E <result code> [<CC>]: the PT refuses like an Abort (06 1E) would
                (§2.1.3 wrong currency at Registration, §2.64 Close Card Session)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

from posdiag.drivers.zvt import bcd, charsets
from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.bmp import TLV_BMP, Bmp, decoding_partially, strict_decoding
from posdiag.drivers.zvt.bmp_render import render_bmp
from posdiag.drivers.zvt.codes import currency_alpha, result_text
from posdiag.drivers.zvt.messages_base import FieldView, Message, parse_bmps
from posdiag.drivers.zvt.tlv import TlvNode
from posdiag.errors import ProtocolError
from posdiag.i18n import _

REFUSAL = 0x1E  # 84 1E: not result code 1E but the instruction of Abort (06 1E)


@dataclass(frozen=True)
class Ack(Message):
    COMMAND = (0x80, 0x00)
    NAME = "Positive Acknowledgement"

    payload: bytes = b""

    def data(self) -> bytes:
        return self.payload

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        return cls(data, long_length=long_length)

    def _tlv_bmps(self) -> tuple[int, tuple[Bmp, ...]] | None:
        """(bytes skipped, BMPs) when the data is [key code] followed only by TLV containers."""
        for skip in (0, 1):
            try:
                with strict_decoding():
                    bmps = parse_bmps(self.payload[skip:])
            except ProtocolError:
                continue
            if all(b.id == TLV_BMP for b in bmps):
                return skip, bmps
        return None

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        if not self.payload:
            return []
        # Answer data can be keyed input (06 E2) or an encrypted PIN block (06 E7): it is
        # shown only as TLV, whose rendering withholds card data and PIN blocks.
        found = self._tlv_bmps()
        if found is None:
            return [FieldView(None, "answer data", f"<{len(self.payload)} bytes, not shown>")]
        skip, bmps = found
        views = [FieldView(None, "key code", f"0x{self.payload[0]:02X}")] if skip else []
        return views + [FieldView(f"{b.id:02X}", b.name, render_bmp(b, None, charset))
                        for b in bmps]  # fmt: skip

    @property
    def tlv(self) -> tuple[TlvNode, ...]:
        found = self._tlv_bmps()
        return () if found is None else tuple(n for b in found[1] for n in b.value)


@dataclass(frozen=True)
class Nack(Message):
    """84 xx: xx is the error (a result code); 84 00 is positive, 84 9C asks to repeat later.

    As the ECR's answer to a Status-Information (§2.2.6, §3.1.1): 84 9C = not ready, send
    the Status-Information again in 2 s; 84 9D 04<amount> = only goods worth <amount> were
    issued; any other 84 yy = the issue of goods failed, the PT reverses the payment.
    ``answering`` (the command answered, when known) chooses the words, not the bytes.
    """

    COMMAND = (0x84, 0x00)
    NAME = "Negative Acknowledgement"

    error: int = 0x83
    payload: bytes = b""
    answering: tuple[int, int] | None = field(default=None, compare=False, kw_only=True)

    @property
    def command(self) -> tuple[int, int]:
        return (0x84, self.error)

    def data(self) -> bytes:
        return self.payload

    @classmethod
    def from_apdu(cls, apdu: Apdu) -> Self:
        if apdu.cls != 0x84:
            raise ProtocolError(_("a negative acknowledgement is 84 xx, got "
                                  "{value:02X}").format(value=apdu.cls))
        nack = cls(apdu.instr, apdu.data, long_length=apdu.long_length)
        left = nack.refusal()[2] if nack.error == REFUSAL else b""
        if left and not decoding_partially():
            raise ProtocolError(_("84 1E: {n} byte(s) after the result code and currency code "
                                  "not understood: {bytes}").format(
                                      n=len(left), bytes=charsets.hex_view(left)))
        return nack

    def refusal(self) -> tuple[int | None, int | None, bytes]:
        """84 1E data (§2.1.3): (result code, currency code after 6F, bytes left over)."""
        if not self.payload:
            return None, None, b""
        code, rest = self.payload[0], self.payload[1:]
        currency = None
        is_bcd = all(b >> 4 <= 9 and b & 0xF <= 9 for b in rest[:2])  # else left over
        if code == 0x6F and len(rest) >= 2 and is_bcd:
            currency, rest = bcd.bcd_to_int(rest[:2]), rest[2:]
        return code, currency, rest

    @property
    def positive(self) -> bool:
        return self.error in (0x00, 0x9C)

    @property
    def display_name(self) -> str:
        if self.error == 0x00:
            return "Positive Acknowledgement (84 00)"
        if self.error == 0x9C:
            return "Repeat Status-Information (84 9C)"
        if self.error == 0x9D:
            return "Partial Issue of Goods (84 9D)"
        return self.NAME

    @property
    def bmp_list(self) -> tuple[Bmp, ...]:
        return self._payload_bmps() or ()

    def _payload_bmps(self) -> tuple[Bmp, ...] | None:
        if not self.payload:
            return None
        try:
            with strict_decoding():
                return parse_bmps(self.payload)
        except ProtocolError:
            return None

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        views = [FieldView(None, "meaning", self._meaning())]
        if self.error == REFUSAL:
            code, currency, left = self.refusal()
            if code is not None:
                views.append(FieldView(None, "result code", f"{code:02X} ({result_text(code)})"))
            if currency is not None:
                views.append(FieldView(None, "currency code",
                                       f"{currency:03d} ({currency_alpha(currency)})"))
            if left:
                views.append(FieldView(None, "data", charsets.hex_view(left)))
            return views
        if self.payload and self._payload_bmps() is None:
            views.append(FieldView(None, "data", charsets.hex_view(self.payload)))
        return views

    def _meaning(self) -> str:
        code = f"{self.error:02X}"
        goods = self.answering == (0x04, 0x0F)
        if self.error == 0x00:
            return _("positive: same as 80 00")
        if self.error == 0x9C:
            if self.answering == (0x06, 0xE4):
                return _("9C: the ECR is not ready; the PT repeats the blocked-list query "
                         "in 2 s")  # fmt: skip
            return _("9C: the ECR is not ready; the PT sends the Status-Information again "
                     "in 2 s")  # fmt: skip
        if self.error == 0x9D:
            return _("9D: only part of the goods was issued; the amount of the goods issued "
                     "follows (no reversal)")  # fmt: skip
        if self.error == REFUSAL:
            return _("1E: the PT refuses the command (as Abort 06 1E)")
        if self.answering == (0x06, 0xE4) and self.error == 0x6E:
            return _("6E: the card is in the blocked list")
        if goods:
            return _("{code} ({text}): the issue of goods failed; the PT reverses the "
                     "payment").format(code=code, text=result_text(self.error))  # fmt: skip
        return f"{code} ({result_text(self.error)})"
