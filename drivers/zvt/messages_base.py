"""What every typed ZVT message shares: APDU conversion, BMP access, a field view.

A message is a frozen dataclass that converts losslessly to and from an Apdu:
decoding keeps the BMPs in the order and form they were sent, so
``Msg.from_apdu(a).to_apdu() == a`` for every APDU the decoder accepts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from posdiag.drivers.zvt import bcd, tlv
from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.bmp import TLV_BMP, Bmp, decode_bmps, encode_bmps
from posdiag.drivers.zvt.bmp_render import render_bmp
from posdiag.drivers.zvt.tlv import TlvNode
from posdiag.errors import ProtocolError
from posdiag.i18n import _

TEXT_CODEC = "cp437"  # ZVT's 8-bit character set, the default of every PT


@dataclass(frozen=True, slots=True)
class FieldView:
    """One field as the analyser shows it: BMP id (hex) or None for a positional field."""

    id: str | None
    name: str
    value: str


@dataclass(frozen=True)
class Message:
    """Base of all typed messages; subclasses set COMMAND and NAME."""

    COMMAND: ClassVar[tuple[int, int]]
    NAME: ClassVar[str]

    # Kept so that a sender's FF-form length for short data re-encodes identically.
    long_length: bool = field(default=False, kw_only=True, repr=False)

    # --- conversion ---------------------------------------------------------------------

    def data(self) -> bytes:
        raise NotImplementedError

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        raise NotImplementedError

    def to_apdu(self) -> Apdu:
        return Apdu(*self.command, self.data(), long_length=self.long_length)

    @property
    def command(self) -> tuple[int, int]:
        return self.COMMAND

    @classmethod
    def from_apdu(cls, apdu: Apdu) -> Self:
        if apdu.command != cls.COMMAND:
            raise ProtocolError(
                _("{name} is {command:02X} {command2:02X}, got {value:02X} "
                  "{instr:02X}").format(
                    name=cls.NAME, command=cls.COMMAND[0], command2=cls.COMMAND[1], value=apdu.cls,
                    instr=apdu.instr)
            )
        return cls.parse_data(apdu.data, apdu.long_length)

    def encode(self) -> bytes:
        return self.to_apdu().encode()

    # --- BMP access ---------------------------------------------------------------------

    @property
    def bmp_list(self) -> tuple[Bmp, ...]:
        return getattr(self, "bmps", ())

    def bmp(self, bmp_id: int) -> Bmp | None:
        """First BMP with this id, or None."""
        return next((b for b in self.bmp_list if b.id == bmp_id), None)

    def value(self, bmp_id: int) -> Any:
        found = self.bmp(bmp_id)
        return None if found is None else found.value

    @property
    def tlv(self) -> tuple[TlvNode, ...]:
        """All data objects of the TLV container(s), () when none was sent."""
        return tuple(node for b in self.bmp_list if b.id == TLV_BMP for node in b.value)

    def tlv_find(self, tag: int) -> TlvNode | None:
        return tlv.find(self.tlv, tag)

    @property
    def currency(self) -> int | None:
        return self.value(0x49)

    # --- the analyser's view ------------------------------------------------------------

    @property
    def display_name(self) -> str:
        """The name the analyser shows; messages whose name depends on their data override."""
        return self.NAME

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        """Fields before the BMPs (password, config byte, ...); subclasses extend.

        ``charset`` is the session character set (None: each field's spec default, CP437
        for printed text, the 7-bit ZVT set for display text)."""
        return []

    def fields(self, charset: str | None = None) -> list[FieldView]:
        currency = self.currency
        views = self.positional_fields(charset)
        views += [FieldView(f"{b.id:02X}", b.name, render_bmp(b, currency, charset, self.command))
                  for b in self.bmp_list]  # fmt: skip
        return views


@dataclass(frozen=True)
class BmpCommand(Message):
    """A command whose whole data block is a BMP list."""

    bmps: tuple[Bmp, ...] = ()

    def data(self) -> bytes:
        return encode_bmps(self.bmps)

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        return cls(bmps=parse_bmps(data), long_length=long_length)


@dataclass(frozen=True)
class PasswordCommand(Message):
    """A command whose data is the password followed by a BMP list."""

    password: str = "000000"
    bmps: tuple[Bmp, ...] = ()

    def __post_init__(self) -> None:
        bcd.encode_password(self.password)  # validates: 6 digits

    def data(self) -> bytes:
        return bcd.encode_password(self.password) + encode_bmps(self.bmps)

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        password, rest = split_password(data)
        return cls(password=password, bmps=parse_bmps(rest), long_length=long_length)

    @classmethod
    def create(cls, password: str, tlv: Iterable[TlvNode] | None = None) -> Self:
        return cls(password=password, bmps=build_bmps(tlv_bmp(tlv)))

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        return [password_field(self.password)]


def build_bmps(*pairs: tuple[int, Any]) -> tuple[Bmp, ...]:
    """BMPs in the given order, skipping pairs whose value is None."""
    return tuple(Bmp.of(bmp_id, value) for bmp_id, value in pairs if value is not None)


def tlv_bmp(nodes: Iterable[TlvNode] | None) -> tuple[int, Any]:
    """A (06, nodes) pair for build_bmps; None stays None (no container sent)."""
    return (TLV_BMP, None if nodes is None else tuple(nodes))


def int_node(tag: int, value: int, size: int | None = None) -> TlvNode:
    """A primitive TLV object holding a big-endian unsigned integer (minimal size by default)."""
    width = size if size is not None else max(1, (value.bit_length() + 7) // 8)
    return TlvNode(tag, value.to_bytes(width, "big"))


def password_field(password: str) -> FieldView:
    return FieldView(None, "password", password)


def split_password(data: bytes) -> tuple[str, bytes]:
    if len(data) < bcd.PASSWORD_SIZE:
        raise ProtocolError(_("password expected: {data_length} byte(s), need 3").format(
                                data_length=len(data)))
    return bcd.decode_password(data[:3]), data[3:]


def parse_bmps(data: bytes) -> tuple[Bmp, ...]:
    return tuple(decode_bmps(data))


def join(*parts: bytes) -> bytes:
    return b"".join(parts)


__all__ = [
    "BmpCommand",
    "FieldView",
    "Message",
    "PasswordCommand",
    "build_bmps",
    "encode_bmps",
    "int_node",
    "join",
    "parse_bmps",
    "password_field",
    "split_password",
    "tlv_bmp",
]
