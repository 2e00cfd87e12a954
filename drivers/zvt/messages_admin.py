"""Administration commands of the ECR besides those in messages_ecr.py (PA00P015 §2).

Layouts ("pw" = 3-byte BCD password):
  06 18 Reset Terminal          -                     §2.44
  06 1B Set/Reset Terminal-ID   pw [29]               §2.46
  06 79 Selftest                -                     §2.48
  06 95 Change Password         old-pw new-pw         §2.49
  08 01 Activate Service Mode   [pw [03]]             §2.55
  08 02 Switch Protocol         protocol(1)           §2.61
  08 10 Software Update         [06 (0F)]             §2.37
  08 12 Delete File             [06 (1D ...)]         §2.39
  08 13 Change Configuration    06 (2D{1C ...})       §2.40
  08 14 Write File              pw 06 (2D{1D|1F80, 1F00, 1F81})  §2.41
  08 20 Start OPT Action        -                     §2.50
  08 21 Set OPT Point-in-Time   pw AA 0C              §2.51
  08 22 Start OPT Pre-Initialisation  -               §2.52
  08 23 Output OPT Data         pw                    §2.53
  08 24 OPT Out-of-Order        -                     §2.54
  08 30 Select Language         language(1)           §2.36
  08 40 Change Baudrate         baud rate(1)          §2.57
(Vendors' own 0F xx commands are in messages_vendor.py.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Self

from posdiag.drivers.zvt import bcd
from posdiag.drivers.zvt.bmp import Bmp, encode_bmps
from posdiag.drivers.zvt.messages_base import (
    BmpCommand,
    FieldView,
    Message,
    PasswordCommand,
    parse_bmps,
    password_field,
    split_password,
)
from posdiag.drivers.zvt.values import BAUD_RATE, BAUD_RATES, LANGUAGE, PROTOCOL_TYPE, enum_text
from posdiag.errors import ProtocolError
from posdiag.i18n import _


@dataclass(frozen=True)
class ResetTerminal(BmpCommand):
    COMMAND = (0x06, 0x18)
    NAME = "Reset Terminal"


@dataclass(frozen=True)
class SetTerminalId(PasswordCommand):
    COMMAND = (0x06, 0x1B)
    NAME = "Set/Reset Terminal-ID"


@dataclass(frozen=True)
class Selftest(BmpCommand):
    COMMAND = (0x06, 0x79)
    NAME = "Selftest"


@dataclass(frozen=True)
class ChangePassword(Message):
    COMMAND = (0x06, 0x95)
    NAME = "Change Password"

    old_password: str = "000000"
    new_password: str = "000000"

    def data(self) -> bytes:
        return bcd.encode_password(self.old_password) + bcd.encode_password(self.new_password)

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        if len(data) != 6:
            raise ProtocolError(_("Change Password: old and new password, 3 BCD bytes each"))
        return cls(bcd.decode_password(data[:3]), bcd.decode_password(data[3:]),
                   long_length=long_length)  # fmt: skip

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        return [FieldView(None, "old password", self.old_password),
                FieldView(None, "new password", self.new_password)]


@dataclass(frozen=True)
class ActivateServiceMode(Message):
    """08 01 (§2.55): [pw [03 service byte]]."""

    COMMAND = (0x08, 0x01)
    NAME = "Activate Service Mode"

    password: str | None = None
    bmps: tuple[Bmp, ...] = ()

    def __post_init__(self) -> None:
        if self.password is None and self.bmps:
            raise ProtocolError(_("Activate Service Mode: a service byte requires the password"))
        if self.password is not None:
            bcd.encode_password(self.password)

    def data(self) -> bytes:
        if self.password is None:
            return b""
        return bcd.encode_password(self.password) + encode_bmps(self.bmps)

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        if not data:
            return cls(long_length=long_length)
        password, rest = split_password(data)
        return cls(password, parse_bmps(rest), long_length=long_length)

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        return [] if self.password is None else [password_field(self.password)]


@dataclass(frozen=True)
class ParameterCommand(Message):
    """A command whose data is one positional byte with listed values."""

    LABEL: ClassVar[str] = "parameter"
    VALUES: ClassVar[Mapping[int, str]] = {}

    parameter: int = 0

    def data(self) -> bytes:
        return bytes((self.parameter,))

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        if len(data) != 1:
            raise ProtocolError(_("{name}: one {label} byte expected, got "
                                  "{data_length}").format(
                                    name=cls.NAME, label=cls.LABEL, data_length=len(data)))
        return cls(data[0], long_length=long_length)

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        return [FieldView(None, self.LABEL, enum_text(self.parameter, self.VALUES))]


@dataclass(frozen=True)
class SwitchProtocol(ParameterCommand):
    COMMAND = (0x08, 0x02)
    NAME = "Switch Protocol"
    LABEL = "protocol"
    VALUES = PROTOCOL_TYPE


@dataclass(frozen=True)
class SelectLanguage(ParameterCommand):
    COMMAND = (0x08, 0x30)
    NAME = "Select Language"
    LABEL = "language"
    VALUES = LANGUAGE


@dataclass(frozen=True)
class ChangeBaudrate(ParameterCommand):
    """08 40 (§2.57): the PT answers 80 00 at the old rate and takes commands at the new one
    2 s later; 84 7D = cannot change, 84 FD = rate not supported. No Completion."""

    COMMAND = (0x08, 0x40)
    NAME = "Change Baudrate"
    LABEL = "baud rate"
    VALUES = BAUD_RATE

    @classmethod
    def to(cls, baud: int) -> Self:
        """The command asking for ``baud`` (9600, 19200, 57600 or 115200)."""
        codes = {rate: code for code, rate in BAUD_RATES.items()}
        if baud not in codes:
            raise ProtocolError(_("Change Baudrate: {baud} is not a ZVT baud rate "
                                  "(9600, 19200, 57600, 115200)").format(baud=baud))  # fmt: skip
        return cls(codes[baud])

    @property
    def baud(self) -> int | None:
        return BAUD_RATES.get(self.parameter)


@dataclass(frozen=True)
class SoftwareUpdate(BmpCommand):
    COMMAND = (0x08, 0x10)
    NAME = "Software Update"


@dataclass(frozen=True)
class DeleteFile(BmpCommand):
    COMMAND = (0x08, 0x12)
    NAME = "Delete File"


@dataclass(frozen=True)
class ChangeConfiguration(BmpCommand):
    """08 13 (§2.40): TLV 2D containers with 1C blocks of manufacturer-specific content."""

    COMMAND = (0x08, 0x13)
    NAME = "Change Configuration"


@dataclass(frozen=True)
class WriteFile(PasswordCommand):
    """08 14 (§2.41): the PT then asks for each block with 04 0C and the ECR answers
    80 00 with TLV 2D{1C block, 1E offset ...}."""

    COMMAND = (0x08, 0x14)
    NAME = "Write File"


@dataclass(frozen=True)
class StartOptAction(BmpCommand):
    COMMAND = (0x08, 0x20)
    NAME = "Start OPT Action"


@dataclass(frozen=True)
class SetOptPointInTime(PasswordCommand):
    COMMAND = (0x08, 0x21)
    NAME = "Set OPT Point-in-Time"


@dataclass(frozen=True)
class StartOptPreInitialisation(BmpCommand):
    COMMAND = (0x08, 0x22)
    NAME = "Start OPT Pre-Initialisation"


@dataclass(frozen=True)
class OutputOptData(PasswordCommand):
    COMMAND = (0x08, 0x23)
    NAME = "Output OPT Data"


@dataclass(frozen=True)
class OptOutOfOrder(BmpCommand):
    COMMAND = (0x08, 0x24)
    NAME = "OPT Out-of-Order"


ADMIN_MESSAGES: tuple[type[Message], ...] = (
    ResetTerminal, SetTerminalId, Selftest, ChangePassword, ActivateServiceMode, SwitchProtocol,
    SelectLanguage, ChangeBaudrate, SoftwareUpdate, DeleteFile, ChangeConfiguration, WriteFile,
    StartOptAction, SetOptPointInTime, StartOptPreInitialisation, OutputOptData, OptOutOfOrder,
)  # fmt: skip
