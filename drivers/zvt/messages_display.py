"""Display and input commands of the ECR besides 06 E0 and 06 E7 (PA00P015 §2.26-§2.35).

  06 E1 Display Text with Function-Key Input   F0-F9 BMPs [06 (1F18)]    §2.28
  06 E2 Display Text with Numeric Input        F0-F9 FB E0-EB [06 (1F35)] §2.30
  06 E3 PIN Verification for Customer Card     F0-F9 FB E0-EA D0 D1 D3    §2.34
  06 F0 Display Image                          70-75 F0 06 (1C)            §2.33
  06 85 Display Text (old)                      text1 [duration [text2]]  §2.27
  06 88 Display Text with Function-Key (old)    as 06 85                  §2.29
  06 86 Display Text with Numeric Input (old)   max confirm pos(2) echo text1 text2 MAC  §2.32
  06 87 PIN Verification (old)                  algorithm length confirm echo text [...]  §2.35

The old commands have no BMPs: a text is <position (BCD)> <characters> 00, in the 7-bit
ZVT set; a character with its top bit set also sounds a beep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from posdiag.drivers.zvt import charsets
from posdiag.drivers.zvt.messages_base import BmpCommand, FieldView, Message
from posdiag.drivers.zvt.values import PIN_ALGORITHM, enum_text, seconds_text, yes_no_text
from posdiag.errors import ProtocolError
from posdiag.i18n import _


@dataclass(frozen=True)
class DisplayTextFunctionKey(BmpCommand):
    COMMAND = (0x06, 0xE1)
    NAME = "Display Text with Function-Key Input"


@dataclass(frozen=True)
class NumericInput(BmpCommand):
    COMMAND = (0x06, 0xE2)
    NAME = "Display Text with Numeric Input"


@dataclass(frozen=True)
class PinVerification(BmpCommand):
    COMMAND = (0x06, 0xE3)
    NAME = "PIN Verification for Customer Card"


@dataclass(frozen=True)
class DisplayImage(BmpCommand):
    """06 F0; with no data it stops the image shown before (§2.33.2)."""

    COMMAND = (0x06, 0xF0)
    NAME = "Display Image"


@dataclass(frozen=True, slots=True)
class PositionedText:
    """<position><text><00> of the old display commands; position is BCD (line * width)."""

    position: int
    text: bytes

    def encode(self) -> bytes:
        return bytes((self.position,)) + self.text + b"\x00"

    def view(self, charset: str | None) -> str:
        beeps = sum(1 for b in self.text if b & 0x80)
        text = charsets.show_bytes(bytes(b & 0x7F for b in self.text), charset, charsets.ZVT7)
        where = _("at position {pos:02X}").format(pos=self.position)
        extra = " " + _("({n} beep(s))").format(n=beeps) if beeps else ""
        return f"{where}: {text}{extra}"


def take_text(data: bytes, pos: int, what: str) -> tuple[PositionedText, int]:
    """The positioned text at data[pos]; returns it and the position after its 00."""
    if pos >= len(data):
        raise ProtocolError(_("{what}: text expected, data ended").format(what=what))
    end = data.find(b"\x00", pos + 1)
    if end < 0:
        raise ProtocolError(_("{what}: text not terminated by 00").format(what=what))
    return PositionedText(data[pos], bytes(data[pos + 1 : end])), end + 1


@dataclass(frozen=True)
class DisplayTextOld(Message):
    COMMAND = (0x06, 0x85)
    NAME = "Display Text (old)"

    text1: PositionedText = PositionedText(0, b"")
    duration: int | None = None  # seconds, 00 = infinite; default 5 s
    text2: PositionedText | None = None

    def __post_init__(self) -> None:
        if self.text2 is not None and self.duration is None:
            raise ProtocolError(_("{name}: a second text requires the display "
                                  "duration").format(name=self.NAME))

    def data(self) -> bytes:
        out = self.text1.encode()
        if self.duration is not None:
            out += bytes((self.duration,))
        if self.text2 is not None:
            out += self.text2.encode()
        return out

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        text1, pos = take_text(data, 0, cls.NAME)
        duration = text2 = None
        if pos < len(data):
            duration, pos = data[pos], pos + 1
        if pos < len(data):
            text2, pos = take_text(data, pos, cls.NAME)
        if pos != len(data):
            raise ProtocolError(_("{name}: {value} byte(s) after the second text").format(
                                    name=cls.NAME, value=len(data) - pos))
        return cls(text1, duration, text2, long_length=long_length)

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        views = [FieldView(None, "text 1", self.text1.view(charset))]
        if self.duration is not None:
            views.append(FieldView(None, "display duration", seconds_text(self.duration)))
        if self.text2 is not None:
            views.append(FieldView(None, "text 2", self.text2.view(charset)))
        return views


@dataclass(frozen=True)
class FunctionKeyInputOld(DisplayTextOld):
    COMMAND = (0x06, 0x88)
    NAME = "Display Text with Function-Key Input (old)"


@dataclass(frozen=True)
class NumericInputOld(Message):
    COMMAND = (0x06, 0x86)
    NAME = "Display Text with Numeric Input (old)"

    max_length: int = 0
    confirm: int = 0
    confirm_position: bytes = b"\x00\x00"  # ignored by the PT
    echo_position: int = 0  # ignored by the PT
    text1: PositionedText = PositionedText(0, b"")
    text2: PositionedText = PositionedText(0, b"")
    mac: bytes = b""  # over all fields before it

    def data(self) -> bytes:
        return (bytes((self.max_length, self.confirm)) + self.confirm_position
                + bytes((self.echo_position,)) + self.text1.encode() + self.text2.encode()
                + self.mac)  # fmt: skip

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        if len(data) < 5:
            raise ProtocolError(_("{name}: 5 parameter bytes expected before the "
                                  "texts").format(name=cls.NAME))
        text1, pos = take_text(data, 5, cls.NAME)
        text2, pos = take_text(data, pos, cls.NAME)
        return cls(data[0], data[1], bytes(data[2:4]), data[4], text1, text2, bytes(data[pos:]),
                   long_length=long_length)  # fmt: skip

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        return [
            FieldView(None, "max. input length", str(self.max_length)),
            FieldView(None, "confirmation with OK", yes_no_text(self.confirm)),
            FieldView(None, "text 1", self.text1.view(charset)),
            FieldView(None, "text 2", self.text2.view(charset)),
            FieldView(None, "MAC", charsets.hex_view(self.mac)),
        ]


@dataclass(frozen=True)
class PinVerificationOld(Message):
    """06 87: the driver-code fields (optional) and the card-specific check data that
    follow the PIN prompt are PIN-verification data: kept, never shown."""

    COMMAND = (0x06, 0x87)
    NAME = "PIN Verification for Customer Card (old)"

    algorithm: int = 0
    pin_length: int = 0
    confirm: int = 0
    echo_position: int = 0
    prompt: PositionedText = PositionedText(0, b"")
    check_data: bytes = b""

    def data(self) -> bytes:
        return (bytes((self.algorithm, self.pin_length, self.confirm, self.echo_position))
                + self.prompt.encode() + self.check_data)  # fmt: skip

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        if len(data) < 4:
            raise ProtocolError(_("{name}: 4 parameter bytes expected before the "
                                  "prompt").format(name=cls.NAME))
        prompt, pos = take_text(data, 4, cls.NAME)
        return cls(data[0], data[1], data[2], data[3], prompt, bytes(data[pos:]),
                   long_length=long_length)  # fmt: skip

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        views = [
            FieldView(None, "algorithm", enum_text(self.algorithm, PIN_ALGORITHM)),
            FieldView(None, "PIN length", str(self.pin_length)),
            FieldView(None, "confirmation with OK", yes_no_text(self.confirm)),
            FieldView(None, "prompt", self.prompt.view(charset)),
        ]
        if self.check_data:
            views.append(FieldView(None, "driver code fields and card check data",
                                   _("<{n} bytes, withheld>").format(n=len(self.check_data))))
        return views


DISPLAY_MESSAGES: tuple[type[Message], ...] = (
    DisplayTextFunctionKey, NumericInput, PinVerification, DisplayImage, DisplayTextOld,
    FunctionKeyInputOld, NumericInputOld, PinVerificationOld,
)  # fmt: skip
