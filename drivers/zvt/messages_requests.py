"""What else the PT may send the ECR while it holds the master rights (PA00P015 §3).

  04 0C Request File Block     06 (2D{1D|1F80, 1E offset ...})   §2.41.2 (Write File)
  04 0D Input Request          06 (32{24, 1F38, 1F39, ...})      §3.15
  04 0E Menu Request           06 (2B{...})                      §3.13
  06 D0 Menu Selection with Graphic Display  70-75 F0 F1 F9 FB E1 06 (2B, 1C)  §3.16
  06 D8 Dial-Up                dialing data, 7-bit ZVT text: F|P <baud> : <number> [, <data>]
  06 D9 Transmit Data via Dial-Up  data for the host (shown by size: it is host traffic)
  06 DA Receive Data via Dial-Up   -   (the ECR answers 80 00 with the data received)
  06 DB Hang-Up                -
  06 DD Transparent Mode       -
  06 E4 Blocked-List Query     0E 17 22 8A (card data)           §3.14
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from posdiag.drivers.zvt import charsets
from posdiag.drivers.zvt.messages_base import BmpCommand, FieldView, Message
from posdiag.i18n import _


@dataclass(frozen=True)
class RequestFileBlock(BmpCommand):
    COMMAND = (0x04, 0x0C)
    NAME = "Request File Block"


@dataclass(frozen=True)
class InputRequest(BmpCommand):
    COMMAND = (0x04, 0x0D)
    NAME = "Input Request"


@dataclass(frozen=True)
class MenuRequest(BmpCommand):
    COMMAND = (0x04, 0x0E)
    NAME = "Menu Request"


@dataclass(frozen=True)
class MenuSelectionGraphic(BmpCommand):
    COMMAND = (0x06, 0xD0)
    NAME = "Menu Selection with Graphic Display"


@dataclass(frozen=True)
class BlockedListQuery(BmpCommand):
    COMMAND = (0x06, 0xE4)
    NAME = "Blocked-List Query to ECR"


@dataclass(frozen=True)
class HangUp(BmpCommand):
    COMMAND = (0x06, 0xDB)
    NAME = "Hang-Up"


@dataclass(frozen=True)
class ReceiveDataViaDialUp(BmpCommand):
    COMMAND = (0x06, 0xDA)
    NAME = "Receive Data via Dial-Up"


@dataclass(frozen=True)
class TransparentMode(BmpCommand):
    COMMAND = (0x06, 0xDD)
    NAME = "Transparent Mode"


@dataclass(frozen=True)
class DialUp(Message):
    COMMAND = (0x06, 0xD8)
    NAME = "Dial-Up"

    dialing_data: bytes = b""

    def data(self) -> bytes:
        return self.dialing_data

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        return cls(bytes(data), long_length=long_length)

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        text = charsets.show_bytes(self.dialing_data, None, charsets.ZVT7)
        return [FieldView(None, "dialing data", text)]


@dataclass(frozen=True)
class TransmitDataViaDialUp(Message):
    """06 D9: bytes for the host. Host messages carry card data: shown by size only."""

    COMMAND = (0x06, 0xD9)
    NAME = "Transmit Data via Dial-Up"

    payload: bytes = b""

    def data(self) -> bytes:
        return self.payload

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        return cls(bytes(data), long_length=long_length)

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        return [FieldView(None, "dial-up data",
                          _("<{n} bytes for the host, withheld>").format(n=len(self.payload)))]


REQUEST_MESSAGES: tuple[type[Message], ...] = (
    RequestFileBlock, InputRequest, MenuRequest, MenuSelectionGraphic, BlockedListQuery, HangUp,
    ReceiveDataViaDialUp, TransparentMode, DialUp, TransmitDataViaDialUp,
)  # fmt: skip
