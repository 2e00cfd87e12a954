"""Typed ZVT messages: the registry keyed by (CLASS, INSTR) and `decode_message`.

An APDU nobody registered becomes an `UnknownMessage` holding it unchanged, so
the analyser can still show it. Completion (06 0F), the 80 00 answer and 84 xx
depend on context: pass ``answering`` = the (CLASS, INSTR) of the command they
answer (for a Completion: the ECR command it completes).

Without context a Completion is recognised by its shape: the Status-Enquiry
Completion (§2.56.5) starts with an LLLVAR software version (F0-F9 three times)
or with a terminal status byte, where a plain Completion (§3.2) holds only the
BMPs 27, 0C, AA, 19, 29, 49 and 06.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.bmp import (
    TLV_BMP,
    Bmp,
    decode_bmps,
    decoding_partially,
    strict_decoding,
)
from posdiag.drivers.zvt.bmp_render import render_bmp
from posdiag.drivers.zvt.codes import TERMINAL_STATUS, command_name
from posdiag.drivers.zvt.messages_admin import ADMIN_MESSAGES, ChangeBaudrate
from posdiag.drivers.zvt.messages_answers import ANSWERS
from posdiag.drivers.zvt.messages_base import FieldView, Message
from posdiag.drivers.zvt.messages_display import DISPLAY_MESSAGES
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
from posdiag.drivers.zvt.messages_payment import PAYMENT_MESSAGES
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
from posdiag.drivers.zvt.messages_requests import REQUEST_MESSAGES
from posdiag.drivers.zvt.messages_vendor import VENDOR_MESSAGES, CvendSystemInformation
from posdiag.drivers.zvt.tlv import TlvNode
from posdiag.errors import ProtocolError

STATUS_ENQUIRY = (0x05, 0x01)
NUMERIC_INPUT_DUKPT = (0x06, 0xE7)
COMPLETION = (0x06, 0x0F)
# §3.2: what a plain Completion holds (Registration, Software Update, Read File ...).
COMPLETION_BMPS = frozenset({0x27, 0x0C, 0xAA, 0x19, 0x29, 0x49, TLV_BMP})
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

    @property
    def display_name(self) -> str:
        return self.name

    def to_apdu(self) -> Apdu:
        return self.apdu

    @classmethod
    def from_apdu(cls, apdu: Apdu) -> Self:
        return cls(apdu=apdu, long_length=apdu.long_length)

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
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
            FieldView(f"{b.id:02X}", b.name, render_bmp(b, currency, charset)) for b in bmps
        ]

    def _as_bmps(self) -> tuple[Bmp, ...] | None:
        try:
            with strict_decoding():
                return tuple(decode_bmps(self.apdu.data))
        except ProtocolError:
            return None

    def fields(self, charset: str | None = None) -> list[FieldView]:
        return self.positional_fields(charset)

    @property
    def tlv(self) -> tuple[TlvNode, ...]:
        bmps = self._as_bmps() or ()
        return tuple(n for b in bmps if b.id == TLV_BMP for n in b.value)


_TYPED: tuple[type[Message], ...] = (
    *ECR_MESSAGES, *PT_MESSAGES, PrintLine, PrintTextBlock, *PAYMENT_MESSAGES, *ADMIN_MESSAGES,
    *DISPLAY_MESSAGES, *REQUEST_MESSAGES, *VENDOR_MESSAGES,
)  # fmt: skip
REGISTRY: dict[tuple[int, int], type[Message]] = {cls.COMMAND: cls for cls in _TYPED}
assert len(REGISTRY) == len(_TYPED), "two message classes claim one command"
_VENDOR = frozenset(VENDOR_MESSAGES)


def message_class(command: tuple[int, int]) -> type[Message] | None:
    if command[0] == 0x84:
        return Nack
    return REGISTRY.get(command)


def decode_message(apdu: Apdu, answering: tuple[int, int] | None = None) -> Message:
    """The typed message for an APDU; raises ProtocolError when its data is malformed."""
    if apdu.command == COMPLETION:
        return _completion(apdu, answering)
    if apdu.command == (0x80, 0x00) and answering is not None and apdu.data:
        return _answer(apdu, answering)
    if apdu.cls == 0x84:
        nack = Nack.from_apdu(apdu)
        return Nack(nack.error, nack.payload, answering=answering, long_length=apdu.long_length)
    cls = message_class(apdu.command)
    if cls is None:
        return UnknownMessage.from_apdu(apdu)
    if cls in _VENDOR:
        try:
            with strict_decoding():
                return cls.from_apdu(apdu)
        except ProtocolError:
            return UnknownMessage.from_apdu(apdu)  # another vendor's use of the code
    return cls.from_apdu(apdu)


def _answer(apdu: Apdu, answering: tuple[int, int]) -> Message:
    typed: type[Message] | None = NumericInputDukptAnswer if answering == NUMERIC_INPUT_DUKPT \
        else ANSWERS.get(answering)  # fmt: skip
    if typed is not None:
        try:
            with strict_decoding():
                return typed.from_apdu(apdu)
        except ProtocolError:
            pass
    return Ack.from_apdu(apdu)


def looks_like_status_enquiry_completion(data: bytes) -> bool:
    """An LLLVAR software version first, or a terminal status code (§11) first."""
    if len(data) >= 3 and all(b >> 4 == 0xF and b & 0xF <= 9 for b in data[:3]):
        return True
    return bool(data) and data[0] in TERMINAL_STATUS


CVEND_FUNCTION = (0x0F, 0xA1)


def _completion(apdu: Apdu, answering: tuple[int, int] | None) -> Message:
    plain, enquiry = Completion.from_apdu, StatusEnquiryCompletion.from_apdu
    if answering == CVEND_FUNCTION:
        try:
            with strict_decoding():
                return CvendSystemInformation.from_apdu(apdu)
        except ProtocolError:
            pass  # another cVEND function: its Completion is a plain one
    if answering == STATUS_ENQUIRY:
        order = (enquiry, plain)
    elif answering is not None:
        order = (plain, enquiry)
    else:
        order = (enquiry, plain)
        try:
            with strict_decoding():
                found = plain(apdu)
            if all(b.id in COMPLETION_BMPS for b in found.bmp_list):
                return found
        except ProtocolError:
            pass
    errors: list[ProtocolError] = []
    for parse in order:
        try:
            with strict_decoding():
                return parse(apdu)
        except ProtocolError as err:
            errors.append(err)
    shaped_as_enquiry = answering == STATUS_ENQUIRY or (
        answering is None and looks_like_status_enquiry_completion(apdu.data))
    if decoding_partially():
        return enquiry(apdu) if shaped_as_enquiry else plain(apdu)
    raise errors[order.index(enquiry if shaped_as_enquiry else plain)]


def message_name(msg: Message) -> str:
    return msg.display_name


__all__ = [
    "REGISTRY",
    "AbortCommand",
    "AbortFromTerminal",
    "Ack",
    "Authorisation",
    "ChangeBaudrate",
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
    "looks_like_status_enquiry_completion",
    "message_class",
    "message_name",
    "permitted_commands",
]
