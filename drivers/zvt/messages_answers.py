"""80 00 answers whose data depends on the command they answer (PA00P015 §2-§3).

The registry cannot pick these by CLASS INSTR: ``messages.decode_message`` chooses one
when told the command answered, and falls back to the generic Ack when the data does
not fit.

  answering 06 E1 / 06 88   80 00 01 <key code>                  §2.28, §2.29
  answering 06 E2 / 06 86   80 00 xx <digits typed | key code>   §2.30, §2.32
  answering 06 87           80 00 xx [driver code]               §2.35
  answering 06 DA           80 00 xx <data received from the host>  §3.11
  (06 E7: NumericInputDukptAnswer in messages_pt.py)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from posdiag.drivers.zvt import charsets
from posdiag.drivers.zvt.messages_base import FieldView, Message
from posdiag.drivers.zvt.values import FUNCTION_KEY, NUMERIC_INPUT_KEY, enum_text
from posdiag.errors import ProtocolError
from posdiag.i18n import _


@dataclass(frozen=True)
class RawAnswer(Message):
    COMMAND = (0x80, 0x00)
    NAME = "Positive Acknowledgement"

    payload: bytes = b""

    def data(self) -> bytes:
        return self.payload

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        return cls(bytes(data), long_length=long_length)


@dataclass(frozen=True)
class FunctionKeyAnswer(RawAnswer):
    NAME = "Positive Acknowledgement (function key)"

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        if len(data) != 1:
            raise ProtocolError(_("function-key answer: one key code expected, got "
                                  "{data_length}").format(data_length=len(data)))
        return cls(bytes(data), long_length=long_length)

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        return [FieldView(None, "key code", enum_text(self.payload[0], FUNCTION_KEY))]


@dataclass(frozen=True)
class NumericInputAnswer(RawAnswer):
    """The digits typed, or a function key. Typed digits are never shown: a numeric input
    can be abused to ask for a PIN (that is why its texts carry a MAC)."""

    NAME = "Positive Acknowledgement (numeric input)"

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        if not self.payload:
            return [FieldView(None, "input", _("(nothing entered)"))]
        if len(self.payload) == 1 and self.payload[0] in NUMERIC_INPUT_KEY:
            return [FieldView(None, "key code", enum_text(self.payload[0], NUMERIC_INPUT_KEY))]
        return [FieldView(None, "input", _("<{n} characters typed, withheld: numeric input can "
                                           "be a PIN>").format(n=len(self.payload)))]  # fmt: skip


@dataclass(frozen=True)
class DriverCodeAnswer(RawAnswer):
    NAME = "Positive Acknowledgement (PIN correct)"

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        if not self.payload:
            return []
        return [FieldView(None, "driver code", charsets.hex_view(self.payload))]


@dataclass(frozen=True)
class DialUpDataAnswer(RawAnswer):
    NAME = "Positive Acknowledgement (data from the host)"

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        if not self.payload:
            return [FieldView(None, "dial-up data", _("(none received)"))]
        return [FieldView(None, "dial-up data", _("<{n} bytes from the host, withheld>").format(
            n=len(self.payload)))]


# The command answered -> the class of its 80 00 answer.
ANSWERS: dict[tuple[int, int], type[Message]] = {
    (0x06, 0xE1): FunctionKeyAnswer, (0x06, 0x88): FunctionKeyAnswer,
    (0x06, 0xE2): NumericInputAnswer, (0x06, 0x86): NumericInputAnswer,
    (0x06, 0x87): DriverCodeAnswer, (0x06, 0xDA): DialUpDataAnswer,
}  # fmt: skip
