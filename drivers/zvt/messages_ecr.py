"""Commands the ECR sends to the PT (PA00P015 §2), as typed, lossless messages.

Layouts ("pw" = 3-byte BCD password; [] = optional; BMPs in any order):
  06 00 Registration       pw config [CC [03 service] [06 TLV]]
  06 01 Authorisation      BMPs (04 amount, 49 CC, 19 payment type, 06 TLV, ...)
  06 02 Log-Off            -
  06 10 Turnover Totals    pw [BMPs]          06 12 Print Turnover Receipts  pw from [to]
  06 1A Print System Conf. -                  06 20 Repeat Receipt  pw [03] [06]
  06 30 Reversal           pw BMPs (87 receipt number, ...)   06 31 Refund  pw BMPs
  06 50 End-of-Day         pw [06]            06 70 Diagnosis  [06 TLV 1B]
  06 91 Set Date and Time  pw AA date 0C time 06 93 Initialisation  pw
  06 B0 Abort              [D2] [FA]          06 C0 Read Card  [timeout [19] [FC] [06]]
  06 E0 Display Text       F0 F1-F8 F9 FD     06 E7 Numeric Input (DUKPT)  F0-F9 FB E0-EB 22 06
  05 01 Status Enquiry     [pw [03] [06]]     08 11 Read File  06 TLV 2D{1D [1E]} [1A]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Self

from posdiag.drivers.zvt import bcd
from posdiag.drivers.zvt.bmp import (
    TLV_BMP,
    Bmp,
    decoding_partially,
    encode_bmps,
    strict_decoding,
)
from posdiag.drivers.zvt.codes import currency_alpha
from posdiag.drivers.zvt.messages_base import (
    BmpCommand,
    FieldView,
    Message,
    PasswordCommand,
    build_bmps,
    int_node,
    parse_bmps,
    password_field,
    split_password,
    tlv_bmp,
)
from posdiag.drivers.zvt.tlv import TlvNode
from posdiag.drivers.zvt.values import CONFIG_BYTE, flags_text
from posdiag.errors import ProtocolError
from posdiag.i18n import _

EUR = 978


# --- 06 00 Registration ---------------------------------------------------------------------


@dataclass(frozen=True)
class Registration(Message):
    COMMAND = (0x06, 0x00)
    NAME = "Registration"

    password: str = "000000"
    config: int = 0
    currency_code: int | None = None  # positional CC (no BMP 49 tag here)
    bmps: tuple[Bmp, ...] = ()  # 03 service byte, 06 TLV

    def __post_init__(self) -> None:
        # §2.1.1 puts the CC before 03/06; some ECRs leave it out, and such a Registration
        # is kept as sent (and says so when shown) rather than refused.
        bcd.encode_password(self.password)

    def data(self) -> bytes:
        cc = b"" if self.currency_code is None else bcd.int_to_bcd(self.currency_code, 2)
        return bcd.encode_password(self.password) + bytes((self.config,)) + cc + encode_bmps(
            self.bmps
        )

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        password, rest = split_password(data)
        if not rest:
            raise ProtocolError(_("Registration: config byte missing"))
        config, rest = rest[0], rest[1:]
        currency = None
        if rest:
            if len(rest) < 2:
                raise ProtocolError(_("Registration: currency code truncated"))
            try:
                with strict_decoding():
                    return cls(password, config, bcd.bcd_to_int(rest[:2]), parse_bmps(rest[2:]),
                               long_length=long_length)  # fmt: skip
            except ProtocolError as in_spec_order:
                if rest[0] in (0x03, TLV_BMP):  # 03/06 straight after the config byte
                    try:
                        with strict_decoding():
                            return cls(password, config, None, parse_bmps(rest),
                                       long_length=long_length)  # fmt: skip
                    except ProtocolError:
                        pass
                if not decoding_partially():
                    raise in_spec_order from None
            currency, rest = bcd.bcd_to_int(rest[:2]), rest[2:]
        return cls(password, config, currency, parse_bmps(rest), long_length=long_length)

    @classmethod
    def create(
        cls,
        password: str,
        config: int,
        currency: int | None = EUR,
        service_byte: int | None = None,
        tlv: Iterable[TlvNode] | None = None,
    ) -> Self:
        return cls(password, config, currency, build_bmps((0x03, service_byte), tlv_bmp(tlv)))

    @property
    def currency(self) -> int | None:
        return self.currency_code

    @property
    def service_byte(self) -> int | None:
        return self.value(0x03)

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        config = FieldView(None, "config byte", flags_text(self.config, CONFIG_BYTE))
        views = [password_field(self.password), config]
        if self.currency_code is not None:
            cc = self.currency_code
            views.append(FieldView(None, "currency code", f"{cc:03d} ({currency_alpha(cc)})"))
        elif self.bmps:
            views.append(FieldView(None, "currency code", _(
                "none: no currency code before the service byte/TLV container (PA00P015 "
                "§2.1.1 puts it first; read as sent)")))
        return views


def permitted_commands(commands: Sequence[tuple[int, int]]) -> TlvNode:
    """TLV 26: the list of commands the PT may send (e.g. [(0x06, 0xD3)] for text blocks)."""
    return TlvNode(0x26, tuple(TlvNode(0x0A, bytes(c)) for c in commands))


# --- payment and administration commands ----------------------------------------------------


@dataclass(frozen=True)
class Authorisation(BmpCommand):
    COMMAND = (0x06, 0x01)
    NAME = "Authorisation"

    @classmethod
    def create(
        cls,
        amount: int,
        currency: int | None = EUR,
        payment_type: int | None = None,
        tlv: Iterable[TlvNode] | None = None,
    ) -> Self:
        return cls(bmps=build_bmps((0x04, amount), (0x49, currency), (0x19, payment_type),
                                   tlv_bmp(tlv)))  # fmt: skip

    @property
    def amount(self) -> int | None:
        return self.value(0x04)


@dataclass(frozen=True)
class LogOff(BmpCommand):
    COMMAND = (0x06, 0x02)
    NAME = "Log-Off"


@dataclass(frozen=True)
class TurnoverTotals(PasswordCommand):
    COMMAND = (0x06, 0x10)
    NAME = "Send Turnover Totals"


@dataclass(frozen=True)
class PrintTurnoverReceipts(Message):
    COMMAND = (0x06, 0x12)
    NAME = "Print Turnover Receipts"

    password: str = "000000"
    first: int = 0  # receipt numbers, 2-byte BCD
    last: int | None = None

    def data(self) -> bytes:
        last = b"" if self.last is None else bcd.int_to_bcd(self.last, 2)
        return bcd.encode_password(self.password) + bcd.int_to_bcd(self.first, 2) + last

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        password, rest = split_password(data)
        if len(rest) not in (2, 4):
            raise ProtocolError(_("Print Turnover Receipts: expected <from> [<to>], "
                                  "2 BCD bytes each"))
        last = bcd.bcd_to_int(rest[2:]) if len(rest) == 4 else None
        return cls(password, bcd.bcd_to_int(rest[:2]), last, long_length=long_length)

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        views = [password_field(self.password), FieldView(None, "from receipt", str(self.first))]
        if self.last is not None:
            views.append(FieldView(None, "to receipt", str(self.last)))
        return views


@dataclass(frozen=True)
class PrintSystemConfiguration(BmpCommand):
    COMMAND = (0x06, 0x1A)
    NAME = "Print System Configuration"


@dataclass(frozen=True)
class RepeatReceipt(PasswordCommand):
    COMMAND = (0x06, 0x20)
    NAME = "Repeat Receipt"

    @classmethod
    def with_service(
        cls, password: str, service_byte: int | None = None,
        tlv: Iterable[TlvNode] | None = None,
    ) -> Self:  # fmt: skip
        """Service byte bit 0: resend the last Status-Information; bit 1: no printout."""
        return cls(password=password, bmps=build_bmps((0x03, service_byte), tlv_bmp(tlv)))


@dataclass(frozen=True)
class Reversal(PasswordCommand):
    COMMAND = (0x06, 0x30)
    NAME = "Reversal"

    @classmethod
    def of_receipt(cls, password: str, receipt_number: int, currency: int | None = None) -> Self:
        return cls(password=password, bmps=build_bmps((0x87, receipt_number), (0x49, currency)))


@dataclass(frozen=True)
class Refund(PasswordCommand):
    COMMAND = (0x06, 0x31)
    NAME = "Refund"

    @classmethod
    def of_amount(cls, password: str, amount: int, currency: int | None = EUR) -> Self:
        return cls(password=password, bmps=build_bmps((0x04, amount), (0x49, currency)))


@dataclass(frozen=True)
class EndOfDay(PasswordCommand):
    COMMAND = (0x06, 0x50)
    NAME = "End-of-Day"


@dataclass(frozen=True)
class Diagnosis(BmpCommand):
    COMMAND = (0x06, 0x70)
    NAME = "Diagnosis"

    @classmethod
    def create(cls, diagnosis_type: int | None = None) -> Self:
        """diagnosis_type (TLV 1B): 1 line, 2 extended (default), 3 configuration, 4 EMV."""
        nodes = None if diagnosis_type is None else [int_node(0x1B, diagnosis_type)]
        return cls(bmps=build_bmps(tlv_bmp(nodes)))


@dataclass(frozen=True)
class SetDateTime(PasswordCommand):
    COMMAND = (0x06, 0x91)
    NAME = "Set Date and Time in PT"

    @classmethod
    def at(cls, password: str, when: datetime) -> Self:
        date, time = when.strftime("%y%m%d"), when.strftime("%H%M%S")
        return cls(password=password, bmps=build_bmps((0xAA, date), (0x0C, time)))


@dataclass(frozen=True)
class Initialisation(PasswordCommand):
    COMMAND = (0x06, 0x93)
    NAME = "Initialisation"


@dataclass(frozen=True)
class AbortCommand(BmpCommand):
    COMMAND = (0x06, 0xB0)
    NAME = "Abort (from ECR)"


@dataclass(frozen=True)
class ReadCard(Message):
    COMMAND = (0x06, 0xC0)
    NAME = "Read Card"

    timeout: int | None = None  # seconds, 0 = infinite; None = PT default
    bmps: tuple[Bmp, ...] = ()  # 19 card type, FC dialog control, 06 TLV

    def __post_init__(self) -> None:
        if self.timeout is None and self.bmps:
            raise ProtocolError(_("Read Card: card type, dialog control or TLV require a timeout"))

    def data(self) -> bytes:
        return b"" if self.timeout is None else bytes((self.timeout,)) + encode_bmps(self.bmps)

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        if not data:
            return cls(long_length=long_length)
        return cls(data[0], parse_bmps(data[1:]), long_length=long_length)

    @classmethod
    def create(
        cls, timeout: int, card_type: int | None = None, dialog_control: int | None = None,
        tlv: Iterable[TlvNode] | None = None,
    ) -> Self:  # fmt: skip
        return cls(timeout, build_bmps((0x19, card_type), (0xFC, dialog_control), tlv_bmp(tlv)))

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        if self.timeout is None:
            return []
        text = "infinite" if self.timeout == 0 else f"{self.timeout} s"
        return [FieldView(None, "timeout", text)]


def _text_lines(first_bmp: int, lines: Sequence[str]) -> list[tuple[int, str]]:
    if len(lines) > 8:
        raise ProtocolError(_("at most 8 display lines"))
    return [(first_bmp + i, line) for i, line in enumerate(lines)]


@dataclass(frozen=True)
class DisplayText(BmpCommand):
    COMMAND = (0x06, 0xE0)
    NAME = "Display Text"

    @classmethod
    def create(
        cls, lines: Sequence[str], duration: int | None = None, beeps: int | None = None,
        device: int | None = None,
    ) -> Self:  # fmt: skip
        return cls(bmps=build_bmps((0xF0, duration), *_text_lines(0xF1, lines), (0xF9, beeps),
                                   (0xFD, device)))  # fmt: skip


@dataclass(frozen=True)
class NumericInputDukpt(BmpCommand):
    """06 E7 (§2.31): the PT shows text1, reads digits, returns them DUKPT-encrypted.

    BMPs as 06 E2 (F0-F9 texts and beeps, FB confirm, E0 min length, E1-E8 text2,
    E9 max length, EA echo, EB MAC) plus optional 22 PAN (PIN block format 0 with,
    format 1 without) and 06 TLV (1F35 ECR id, 1F77 DUKPT engine index). The PT
    answers 80 00 <key code> 06 TLV{1F32 SMID/KSN, 1F75 encrypted block}.
    """

    COMMAND = (0x06, 0xE7)
    NAME = "Display Text with Numeric Input (DUKPT)"

    @classmethod
    def create(
        cls, lines: Sequence[str], min_length: int | None = None, max_length: int | None = None,
        echo: int | None = None, confirm: int | None = None, mac: bytes | None = None,
        pan: str | None = None, duration: int | None = None,
        tlv: Iterable[TlvNode] | None = None,
    ) -> Self:  # fmt: skip
        return cls(bmps=build_bmps(
            (0xF0, duration), *_text_lines(0xF1, lines), (0xFB, confirm), (0xE0, min_length),
            (0xE9, max_length), (0xEA, echo), (0xEB, mac), (0x22, pan), tlv_bmp(tlv),
        ))  # fmt: skip


@dataclass(frozen=True)
class StatusEnquiry(Message):
    COMMAND = (0x05, 0x01)
    NAME = "Status Enquiry"

    password: str | None = None
    bmps: tuple[Bmp, ...] = ()  # 03 service byte, 06 TLV

    def __post_init__(self) -> None:
        if self.password is None and self.bmps:
            raise ProtocolError(_("Status Enquiry: service byte or TLV require the password"))
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

    @classmethod
    def create(
        cls, password: str | None = None, service_byte: int | None = None,
        tlv: Iterable[TlvNode] | None = None,
    ) -> Self:  # fmt: skip
        """service_byte bit 1: do not send the SW version; bit 2: send the TLV container."""
        return cls(password, build_bmps((0x03, service_byte), tlv_bmp(tlv)))

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        return [] if self.password is None else [password_field(self.password)]


@dataclass(frozen=True)
class ReadFile(BmpCommand):
    COMMAND = (0x08, 0x11)
    NAME = "Read File"

    @classmethod
    def create(
        cls, file_id: int = 1, offset: int | None = None, max_apdu_length: int | None = None
    ) -> Self:
        """file_id (TLV 1D): 1 merchant journal, 2 application log, ...; offset: TLV 1E."""
        file_nodes = [int_node(0x1D, file_id)]
        if offset is not None:
            file_nodes.append(int_node(0x1E, offset))
        nodes = [TlvNode(0x2D, tuple(file_nodes))]
        if max_apdu_length is not None:
            nodes.append(int_node(0x1A, max_apdu_length, 2))
        return cls(bmps=build_bmps(tlv_bmp(nodes)))


ECR_MESSAGES: tuple[type[Message], ...] = (
    Registration, Authorisation, LogOff, TurnoverTotals, PrintTurnoverReceipts,
    PrintSystemConfiguration, RepeatReceipt, Reversal, Refund, EndOfDay, Diagnosis,
    SetDateTime, Initialisation, AbortCommand, ReadCard, DisplayText, NumericInputDukpt,
    StatusEnquiry, ReadFile,
)  # fmt: skip
