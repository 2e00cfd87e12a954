"""Typed ZVT messages: the registry keyed by (CLASS, INSTR) and `decode_message`.

An APDU nobody registered becomes an `UnknownMessage` holding it unchanged, so
the analyser can still show it. Completion (06 0F) and the 80 00 answer are
context-dependent: pass ``answering`` = the (CLASS, INSTR) of the ECR command
they answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.bmp import TLV_BMP, Bmp, decode_bmps, render_bmp
from posdiag.drivers.zvt.codes import command_name
from posdiag.drivers.zvt.messages_base import TEXT_CODEC, FieldView, Message
from posdiag.drivers.zvt.messages_ecr import (
    ECR_MESSAGES,
    AbortCommand,
    Authorisation,
    Diagnosis,
    DisplayText,
    EndOfDay,
    Initialisation,
    LogOff,
    NumericInputDukpt,
    PrintSystemConfiguration,
    PrintTurnoverReceipts,
    ReadCard,
    ReadFile,
    Refund,
    Registration,
    RepeatReceipt,
    Reversal,
    SetDateTime,
    StatusEnquiry,
    TurnoverTotals,
    permitted_commands,
)
from posdiag.drivers.zvt.messages_print import PrintLine, PrintTextBlock
from posdiag.drivers.zvt.messages_pt import (
    PT_MESSAGES,
    AbortFromTerminal,
    Ack,
    Completion,
    IntermediateStatus,
    Nack,
    NumericInputDukptAnswer,
    SetDateTimeInEcr,
    StatusEnquiryCompletion,
    StatusInformation,
)
from posdiag.drivers.zvt.tlv import TlvNode
from posdiag.errors import ProtocolError

STATUS_ENQUIRY = (0x05, 0x01)
NUMERIC_INPUT_DUKPT = (0x06, 0xE7)
_NO_APDU = Apdu(0, 0)


@dataclass(frozen=True)
class UnknownMessage(Message):
    """Any APDU without a typed class; kept byte for byte."""

    COMMAND = (0x00, 0x00)
    NAME = "unknown"

    apdu: Apdu = _NO_APDU

    @property
    def command(self) -> tuple[int, int]:
        return self.apdu.command

    @property
    def name(self) -> str:
        return command_name(*self.apdu.command)

    def to_apdu(self) -> Apdu:
        return self.apdu

    @classmethod
    def from_apdu(cls, apdu: Apdu) -> Self:
        return cls(apdu=apdu, long_length=apdu.long_length)

    def positional_fields(self, charset: str = TEXT_CODEC) -> list[FieldView]:
        # Many untyped commands (06 22-06 26, ...) are plain BMP lists: show them as such,
        # since BMP rendering masks card data. Anything else shows only its size.
        size = len(self.apdu.data)
        if not size:
            return []
        bmps = self._as_bmps()
        if bmps is None:
            return [FieldView(None, "data", f"<{size} bytes, not decoded>")]
        currency = next((b.value for b in bmps if b.id == 0x49), None)
        return [FieldView(None, "data", "read as a BMP list (command not typed)")] + [
            FieldView(f"{b.id:02X}", b.name, render_bmp(b, currency)) for b in bmps
        ]

    def _as_bmps(self) -> tuple[Bmp, ...] | None:
        try:
            return tuple(decode_bmps(self.apdu.data))
        except ProtocolError:
            return None

    def fields(self, charset: str = TEXT_CODEC) -> list[FieldView]:
        return self.positional_fields(charset)

    @property
    def tlv(self) -> tuple[TlvNode, ...]:
        bmps = self._as_bmps() or ()
        return tuple(n for b in bmps if b.id == TLV_BMP for n in b.value)


REGISTRY: dict[tuple[int, int], type[Message]] = {
    cls.COMMAND: cls for cls in (*ECR_MESSAGES, *PT_MESSAGES, PrintLine, PrintTextBlock)
}


def message_class(command: tuple[int, int]) -> type[Message] | None:
    if command[0] == 0x84:
        return Nack
    return REGISTRY.get(command)


def decode_message(apdu: Apdu, answering: tuple[int, int] | None = None) -> Message:
    """The typed message for an APDU; raises ProtocolError when its data is malformed."""
    if apdu.command == (0x06, 0x0F) and answering == STATUS_ENQUIRY:
        try:
            return StatusEnquiryCompletion.from_apdu(apdu)
        except ProtocolError as first:
            # Some terminals answer 05 01 with a plain Completion; accept that too.
            try:
                return Completion.from_apdu(apdu)
            except ProtocolError:
                raise first from None
    if apdu.command == (0x80, 0x00) and answering == NUMERIC_INPUT_DUKPT and apdu.data:
        return NumericInputDukptAnswer.from_apdu(apdu)
    cls = message_class(apdu.command)
    if cls is None:
        return UnknownMessage.from_apdu(apdu)
    return cls.from_apdu(apdu)


def message_name(msg: Message) -> str:
    return msg.name if isinstance(msg, UnknownMessage) else msg.NAME


__all__ = [
    "REGISTRY",
    "AbortCommand",
    "AbortFromTerminal",
    "Ack",
    "Authorisation",
    "Completion",
    "Diagnosis",
    "DisplayText",
    "EndOfDay",
    "FieldView",
    "Initialisation",
    "IntermediateStatus",
    "LogOff",
    "Message",
    "Nack",
    "NumericInputDukpt",
    "NumericInputDukptAnswer",
    "PrintLine",
    "PrintSystemConfiguration",
    "PrintTextBlock",
    "PrintTurnoverReceipts",
    "ReadCard",
    "ReadFile",
    "Refund",
    "Registration",
    "RepeatReceipt",
    "Reversal",
    "SetDateTime",
    "SetDateTimeInEcr",
    "StatusEnquiry",
    "StatusEnquiryCompletion",
    "StatusInformation",
    "TurnoverTotals",
    "UnknownMessage",
    "decode_message",
    "message_class",
    "message_name",
    "permitted_commands",
]
