"""Vendors' own commands, where a public document defines them (0F xx is reserved for
manufacturers, PA00P015 §14). Each is labelled vendor-specific wherever it is shown, and
decode_message shows one as an unknown command when its bytes do not fit, since another
vendor may use the same code.

  0F 10 Cash Report               pw [03 00 simple | 01 detailed]
        card complete ZVT-Präzisierungen v22 §3.2.55.1
  0F A1 cVEND function            [pw] function(2, big-endian): 0001 enhanced system
        information (no password), 0255 factory reset
  06 0F answering 0F A1 0001      device ID(8) SW version(17) terminal ID(8)
        [battery voltage(4)] temperature(3-4), all ASCII
        Feig cVEND, as EVerest/zvt's Feig packets (zvt/src/feig) document and test them
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from posdiag.drivers.zvt import bcd, charsets
from posdiag.drivers.zvt.messages_base import (
    FieldView,
    Message,
    PasswordCommand,
    build_bmps,
    password_field,
)
from posdiag.drivers.zvt.values import enum_text
from posdiag.errors import ProtocolError
from posdiag.i18n import N_, _

CVEND_FUNCTIONS = {0x0001: N_("enhanced system information"), 0x0255: N_("factory reset")}


@dataclass(frozen=True)
class CashReport(PasswordCommand):
    """0F 10: card complete's cash report since the last end-of-day."""

    COMMAND = (0x0F, 0x10)
    NAME = "Cash Report [vendor-specific: card complete]"

    @classmethod
    def detailed(cls, password: str, detailed: bool = False) -> Self:
        return cls(password=password, bmps=build_bmps((0x03, 1 if detailed else None)))


@dataclass(frozen=True)
class CvendFunction(Message):
    COMMAND = (0x0F, 0xA1)
    NAME = "cVEND Function [vendor-specific: Feig]"

    password: str | None = None
    function: int = 0x0001

    def data(self) -> bytes:
        password = b"" if self.password is None else bcd.encode_password(self.password)
        return password + self.function.to_bytes(2, "big")

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        if len(data) == 2:
            return cls(None, int.from_bytes(data, "big"), long_length=long_length)
        if len(data) == 5:
            return cls(bcd.decode_password(data[:3]), int.from_bytes(data[3:], "big"),
                       long_length=long_length)  # fmt: skip
        raise ProtocolError(_("cVEND function: [password] and a 2-byte function expected"))

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        views = [] if self.password is None else [password_field(self.password)]
        return [*views, FieldView(None, "function",
                                  enum_text(self.function, CVEND_FUNCTIONS, 4))]


@dataclass(frozen=True)
class CvendSystemInformation(Message):
    """06 0F answering 0F A1 0001: fixed-width ASCII fields, no BMPs."""

    COMMAND = (0x06, 0x0F)
    NAME = "Completion (cVEND enhanced system information) [vendor-specific: Feig]"

    device_id: bytes = b""
    software_version: bytes = b""
    terminal_id: bytes = b""
    battery_voltage: bytes = b""
    temperature: bytes = b""

    def data(self) -> bytes:
        return (self.device_id + self.software_version + self.terminal_id
                + self.battery_voltage + self.temperature)  # fmt: skip

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        if len(data) < 36 or not charsets.printable_ascii(data):
            raise ProtocolError(_("cVEND system information: 36 or more ASCII characters expected"))
        rest = data[33:]
        battery, temperature = (rest[:4], rest[4:]) if len(rest) > 4 else (b"", rest)
        return cls(data[:8], data[8:25], data[25:33], battery, temperature,
                   long_length=long_length)  # fmt: skip

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        views = [
            FieldView(None, "device ID", charsets.shown(self.device_id.decode("ascii"))),
            FieldView(None, "software version",
                      charsets.shown(self.software_version.decode("ascii"))),
            FieldView(None, "terminal ID", charsets.shown(self.terminal_id.decode("ascii"))),
        ]
        if self.battery_voltage:
            views.append(FieldView(None, "battery voltage",
                                   charsets.shown(self.battery_voltage.decode("ascii"))))
        views.append(FieldView(None, "temperature",
                               charsets.shown(self.temperature.decode("ascii"))))
        return views


# Commands only a vendor's document defines (registered by their CLASS INSTR).
VENDOR_MESSAGES: tuple[type[Message], ...] = (CashReport, CvendFunction)
