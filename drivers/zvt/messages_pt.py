"""Messages the PT sends to the ECR (PA00P015 §3) and the two response APDUs.

Layouts (the responses 80 00 and 84 xx are in messages_responses.py):
  04 FF  Intermediate Status    status [timeout (BCD minutes) [06 TLV 24{07 ...}]]
  04 0F  Status Information     BMPs (27, 04, 0B, 0C, 0D, 22, 8A, 06 ...)
  06 0F  Completion             BMPs; answering 05 01: [LLLVAR SW version] status [06 TLV]
  06 1E  Abort (from PT)        result code [CC, only for 6F] [BMPs: 06 TLV 1F16/1F17, 87]
  (06 D1 Print Line and 06 D3 Print Text-Block are in messages_print.py)
  04 01  Set Date/Time in ECR   AA date 0C time
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from posdiag.devices import BrandTotal, FileBlock, Totals
from posdiag.drivers.zvt import bcd, charsets, tlv
from posdiag.drivers.zvt.bmp import (
    Bmp,
    decoding_partially,
    encode_bmps,
    strict_decoding,
)
from posdiag.drivers.zvt.bmp_render import decode_totals
from posdiag.drivers.zvt.codes import (
    currency_alpha,
    intermediate_status_text,
    result_text,
    terminal_status_text,
)
from posdiag.drivers.zvt.messages_base import (
    TEXT_CODEC,
    BmpCommand,
    FieldView,
    Message,
    parse_bmps,
)
from posdiag.drivers.zvt.messages_responses import Ack, Nack  # noqa: F401  (re-exported)
from posdiag.errors import ProtocolError
from posdiag.i18n import _


@dataclass(frozen=True)
class IntermediateStatus(Message):
    COMMAND = (0x04, 0xFF)
    NAME = "Intermediate Status"

    status: int = 0
    # The byte as sent; BCD minutes per spec (see timeout_minutes). §3.7 says a TLV container
    # needs it, yet the spec's own MsgSeqId example (§5.1) sends 04 FF 09 17 06 06 1F73...:
    # status, then the container, no timeout. Both forms decode and re-encode as sent.
    timeout: int | None = None
    bmps: tuple[Bmp, ...] = ()  # 06 TLV with 24{07 text lines}, 1F73

    def data(self) -> bytes:
        timeout = b"" if self.timeout is None else bytes((self.timeout,))
        return bytes((self.status,)) + timeout + encode_bmps(self.bmps)

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        if not data:
            raise ProtocolError(_("Intermediate Status: status byte missing"))
        status, rest = data[0], data[1:]
        if not rest:
            return cls(status, long_length=long_length)
        try:
            with strict_decoding():
                return cls(status, rest[0], parse_bmps(rest[1:]), long_length=long_length)
        except ProtocolError as with_timeout:
            try:
                with strict_decoding():
                    return cls(status, None, parse_bmps(rest), long_length=long_length)
            except ProtocolError:
                if not decoding_partially():
                    raise with_timeout from None
        return cls(status, rest[0], parse_bmps(rest[1:]), long_length=long_length)

    @property
    def timeout_minutes(self) -> int | None:
        if self.timeout is None:
            return None
        try:
            return bcd.bcd_to_int(bytes((self.timeout,)))
        except ProtocolError:
            return None

    @property
    def texts(self) -> list[str]:
        """Display lines of TLV 24 (used with status FF)."""
        box = self.tlv_find(0x24)
        if box is None or not isinstance(box.value, tuple):
            return []
        return [n.value.decode(TEXT_CODEC) for n in box.value
                if n.tag == 0x07 and isinstance(n.value, bytes)]  # fmt: skip

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        views = [FieldView(None, "status", f"{self.status:02X} "
                           f"({intermediate_status_text(self.status)})")]  # fmt: skip
        if self.timeout is not None:
            minutes = self.timeout_minutes
            text = (_("{n} min").format(n=minutes) if minutes is not None
                    else _("0x{byte:02X} (not BCD)").format(byte=self.timeout))  # fmt: skip
            views.append(FieldView(None, "timeout T4", text))
        return views


@dataclass(frozen=True)
class TransactionData(BmpCommand):
    """Shared accessors for BMP-list messages that report a transaction."""

    @property
    def result_code(self) -> int | None:
        return self.value(0x27)

    @property
    def amount(self) -> int | None:
        return self.value(0x04)

    @property
    def trace(self) -> int | None:
        return self.value(0x0B)

    @property
    def receipt_number(self) -> int | None:
        return self.value(0x87)

    @property
    def terminal_id(self) -> str | None:
        return self.value(0x29)

    @property
    def pan_masked(self) -> str | None:
        """The PAN as first 6 / last 4 at most; the full number is never kept."""
        return self.value(0x22)

    @property
    def card_type(self) -> int | None:
        """ZVT card-type ID: BMP 8A, or TLV 41 when 8A is FF or absent."""
        node = self.tlv_find(0x41)
        use_tlv = self.value(0x8A) in (None, 0xFF)
        if use_tlv and node is not None and isinstance(node.value, bytes) and node.value:
            return int.from_bytes(node.value, "big")
        return self.value(0x8A)

    @property
    def card_name(self) -> str | None:
        name = self.value(0x8B)
        return None if name is None else name.rstrip("\x00")


@dataclass(frozen=True)
class StatusInformation(TransactionData):
    COMMAND = (0x04, 0x0F)
    NAME = "Status Information"

    def totals(self) -> Totals | None:
        """Turnover totals (after 06 10 / 06 50): BMP 04 total, optional BMP 60 breakdown."""
        if self.amount is None:
            return None
        raw = self.bmp(0x60)
        decoded = decode_totals(raw.raw) if raw is not None else None
        if decoded is None:
            return Totals(self.amount, self.currency)
        first, last, brands = decoded
        return Totals(self.amount, self.currency, first, last,
                      tuple(BrandTotal(n, c, a) for n, c, a in brands))  # fmt: skip

    def file_blocks(self) -> list[FileBlock]:
        """Read File data (TLV 2D{1C block, 1D id, 1E offset, 1F00 total size})."""
        blocks = []
        for node in tlv.find_all(self.tlv, 0x2D):
            if not isinstance(node.value, tuple):
                continue
            parts = {n.tag: n.value for n in node.value if isinstance(n.value, bytes)}
            if 0x1C not in parts:
                continue
            data = parts[0x1C]
            blocks.append(FileBlock(
                file_id=int.from_bytes(parts.get(0x1D, b"\x00"), "big"),
                offset=int.from_bytes(parts.get(0x1E, b"\x00"), "big"),
                data=data,
                file_size=int.from_bytes(parts[0x1F00], "big") if 0x1F00 in parts else len(data),
            ))  # fmt: skip
        return blocks


@dataclass(frozen=True)
class Completion(TransactionData):
    COMMAND = (0x06, 0x0F)
    NAME = "Completion"

    @property
    def status_byte(self) -> int | None:
        return self.value(0x19)


@dataclass(frozen=True)
class StatusEnquiryCompletion(Message):
    """06 0F answering 05 01: the SW version (untagged LLLVAR) and status byte are positional."""

    COMMAND = (0x06, 0x0F)
    NAME = "Completion (Status Enquiry)"

    terminal_status: int = 0
    software_version: bytes | None = None  # raw, ZVT 7-bit ASCII
    bmps: tuple[Bmp, ...] = ()

    def data(self) -> bytes:
        version = b""
        if self.software_version is not None:
            n = len(self.software_version)
            if n > 999:
                raise ProtocolError(_("software version longer than an LLLVAR allows (999)"))
            version = bytes(0xF0 | int(d) for d in f"{n:03d}") + self.software_version
        return version + bytes((self.terminal_status,)) + encode_bmps(self.bmps)

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        version = None
        if len(data) >= 3 and all(b >> 4 == 0xF and b & 0xF <= 9 for b in data[:3]):
            n = int("".join(str(b & 0xF) for b in data[:3]))
            version, data = bytes(data[3 : 3 + n]), data[3 + n :]
            if len(version) != n:
                raise ProtocolError(_("Status Enquiry Completion: software version truncated"))
        if not data:
            raise ProtocolError(_("Status Enquiry Completion: terminal status byte missing"))
        return cls(data[0], version, parse_bmps(data[1:]), long_length=long_length)

    @property
    def version_text(self) -> str | None:
        return None if self.software_version is None else self.software_version.decode(TEXT_CODEC)

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        views = []
        if self.software_version is not None:
            shown = charsets.show_bytes(self.software_version, charset, charsets.ZVT7)
            views.append(FieldView(None, "software version", shown))
        views.append(FieldView(None, "terminal status", f"{self.terminal_status:02X} "
                               f"({terminal_status_text(self.terminal_status)})"))  # fmt: skip
        return views


@dataclass(frozen=True)
class AbortFromTerminal(Message):
    COMMAND = (0x06, 0x1E)
    NAME = "Abort (from PT)"

    result_code: int = 0x6C
    currency_code: int | None = None  # only after result code 6F (wrong currency)
    bmps: tuple[Bmp, ...] = ()  # 06 TLV 1F16/1F17; 87 after B8 (open pre-auth enquiry)

    def __post_init__(self) -> None:
        if self.currency_code is not None and self.result_code != 0x6F:
            raise ProtocolError(_("Abort: a currency code follows only result code 6F"))

    def data(self) -> bytes:
        cc = b"" if self.currency_code is None else bcd.int_to_bcd(self.currency_code, 2)
        return bytes((self.result_code,)) + cc + encode_bmps(self.bmps)

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        if not data:
            raise ProtocolError(_("Abort: result code missing"))
        rc, rest = data[0], data[1:]
        currency = None
        if rc == 0x6F and len(rest) >= 2:
            # 6F: positional CC (§2.2.9), or 49<CC> 04<amount>... after a top-up (§2.58.2).
            try:
                with strict_decoding():
                    return cls(rc, None, parse_bmps(rest), long_length=long_length)
            except ProtocolError:
                # A positional CC is 0NNN in BCD: its first byte is 00-09, never BMP 49.
                if rest[0] <= 0x09 or not decoding_partially():
                    currency, rest = bcd.bcd_to_int(rest[:2]), rest[2:]
        return cls(rc, currency, parse_bmps(rest), long_length=long_length)

    @property
    def currency(self) -> int | None:
        return self.currency_code

    @property
    def error_text(self) -> str | None:
        """TLV 1F17, the terminal's own words for the failure."""
        node = self.tlv_find(0x1F17)
        return node.value.decode(TEXT_CODEC) if node and isinstance(node.value, bytes) else None

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        rc = self.result_code
        views = [FieldView(None, "result code", f"{rc:02X} ({result_text(rc)})")]
        if self.currency_code is not None:
            cc = self.currency_code
            views.append(FieldView(None, "currency code", f"{cc:03d} ({currency_alpha(cc)})"))
        return views


@dataclass(frozen=True)
class SetDateTimeInEcr(BmpCommand):
    COMMAND = (0x04, 0x01)
    NAME = "Set Date and Time in ECR"


@dataclass(frozen=True)
class NumericInputDukptAnswer(Message):
    """80 00 answering 06 E7: key code (00 OK, 1B stop, 6C timeout) + 06 TLV{1F32, 1F75}."""

    COMMAND = (0x80, 0x00)
    NAME = "Positive Acknowledgement (DUKPT numeric input)"

    key_code: int = 0
    bmps: tuple[Bmp, ...] = ()

    def data(self) -> bytes:
        return bytes((self.key_code,)) + encode_bmps(self.bmps)

    @classmethod
    def parse_data(cls, data: bytes, long_length: bool) -> Self:
        if not data:
            raise ProtocolError(_("DUKPT numeric input answer: key code missing"))
        return cls(data[0], parse_bmps(data[1:]), long_length=long_length)

    def positional_fields(self, charset: str | None = None) -> list[FieldView]:
        names = {0x00: "OK", 0x1B: "abort key", 0x6C: "timeout"}
        text = names.get(self.key_code, "unknown key code")
        return [FieldView(None, "key code", f"0x{self.key_code:02X} ({text})")]


PT_MESSAGES: tuple[type[Message], ...] = (
    Ack, IntermediateStatus, StatusInformation, Completion, AbortFromTerminal, SetDateTimeInEcr,
)  # fmt: skip
