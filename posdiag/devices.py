"""The small typed interfaces every driver implements.

Services (backup, plan runner, kit) talk only to these; a driver package in
``posdiag.drivers`` supplies the implementation. Records are frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class TerminalIdentity:
    """Who a terminal is: enough to tell a replacement from the original."""

    device_name: str | None = None
    serial_number: str | None = None
    software_version: str | None = None
    terminal_id: str | None = None
    merchant_id: str | None = None  # ZVT: VU number
    currency: int | None = None  # ISO 4217 numeric
    status: int | None = None  # protocol status byte (ZVT terminal status)
    status_text: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BrandTotal:
    """One line of the terminal's turnover totals (ZVT BMP 60: count and amount per brand)."""

    brand: str
    count: int
    amount: int  # minor units (cents)


@dataclass(frozen=True, slots=True)
class Totals:
    """Turnover since the last end-of-day, as the terminal itself reports it."""

    amount: int  # minor units
    currency: int | None = None
    receipt_from: int | None = None
    receipt_to: int | None = None
    brands: tuple[BrandTotal, ...] = ()

    @property
    def count(self) -> int:
        return sum(b.count for b in self.brands)


@dataclass(frozen=True, slots=True)
class FileBlock:
    """One block of a file read from the terminal (ZVT Read File 08 11)."""

    file_id: int
    offset: int  # byte offset of data within the file
    data: bytes
    file_size: int  # total size the terminal reported


@dataclass(frozen=True, slots=True)
class PrintedReceipt:
    """A receipt the terminal sent to the ECR for printing (ZVT 06 D1 / 06 D3)."""

    kind: str  # "merchant", "customer", "admin" or "unknown"
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True, slots=True)
class DiagnosisResult:
    """The outcome of a terminal diagnosis (ZVT Diagnosis 06 70, PA00P015 §2.17).

    A diagnosis makes the terminal contact its host; ``ok`` says whether that succeeded.
    A terminal that could not reach its host ends the dialog with an abort and a result
    code: that is a result (ok False), not an error. ``host_time`` is the date and time the
    host sent back (ZVT 04 01, ISO 8601 without zone), when the terminal passed it on.
    """

    ok: bool
    result_code: int  # 00 when ok; else the terminal's result code (ZVT §10)
    result_text: str
    diagnosis_type: int | None = None  # ZVT TLV 1B as asked: 1 line, 2 extended, 3 configuration
    host_time: str | None = None  # "YYYY-MM-DDTHH:MM:SS"
    receipts: tuple[PrintedReceipt, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "result_code": self.result_code, "result_text": self.result_text,
                "diagnosis_type": self.diagnosis_type, "host_time": self.host_time,
                "receipts": [{"kind": r.kind, "lines": list(r.lines)} for r in self.receipts]}


# File ids of ZVT Read File (TLV 1D).
FILE_MERCHANT_JOURNAL = 0x01
FILE_APPLICATION_LOG = 0x02


@runtime_checkable
class Terminal(Protocol):
    """A payment terminal reached through an ECR protocol.

    A driver class is registered in the ``posdiag.drivers`` entry-point group and
    builds an opened instance with ``Class.open(port_spec, **options)``; services
    use only the methods below, and every failure is a typed PosdiagError.
    """

    def close(self) -> None: ...

    def identify(self) -> TerminalIdentity: ...

    def status(self) -> tuple[int, str]: ...

    def totals(self) -> Totals: ...

    def read_file(self, file_id: int, offset: int = 0) -> Iterator[FileBlock]:
        """Blocks of the file from offset to its end, in order; resumable from any offset."""
        ...

    def end_of_day(self, *, confirm: bool = False) -> Totals:
        """Settle and close the batch; refuses unless confirm=True."""
        ...

    def print_system_configuration(self) -> list[PrintedReceipt]: ...

    def diagnosis(self, diagnosis_type: int | None = None) -> DiagnosisResult:
        """The terminal's own diagnosis (ZVT 06 70, PA00P015 §2.17; TLV 1B 01 = line
        diagnosis, 02 = extended, the default): whether it reached its host, the host's time,
        what it printed. A failed host contact is a result, not an error."""
        ...

    def read_card(self, timeout: int = 30) -> CardRead: ...

    def pin_entry(self, prompt: str = ..., **options: object) -> PinEntry: ...

    def pay(self, amount_cents: int, **options: object) -> PaymentResult: ...

    def reverse(self, receipt: int, **options: object) -> PaymentResult: ...

    def refund(self, amount: int, **options: object) -> PaymentResult: ...

    def print_text(self, lines: Sequence[str], **options: object) -> None: ...

    def display_text(self, lines: Sequence[str], *, duration: int | None = None) -> None: ...


# --- Receipt printers and card readers ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """A receipt printer's real-time status (ESC/POS DLE EOT 1..4); None = not reported."""

    responding: bool
    online: bool | None = None
    cover_open: bool | None = None
    paper_near_end: bool | None = None
    paper_end: bool | None = None
    cutter_error: bool | None = None
    unrecoverable_error: bool | None = None
    recoverable_error: bool | None = None
    raw: tuple[tuple[int, int], ...] = ()  # (DLE EOT n, reply byte) as received

    @property
    def words(self) -> tuple[str, ...]:
        """The status in words, e.g. ("online",) or ("offline", "cover open")."""
        if not self.responding:
            return ("no answer",)
        words = [] if self.online is None else ["online" if self.online else "offline"]
        flags = (("cover open", self.cover_open), ("paper near end", self.paper_near_end),
                 ("paper end", self.paper_end), ("cutter error", self.cutter_error),
                 ("unrecoverable error", self.unrecoverable_error),
                 ("recoverable error", self.recoverable_error))
        return tuple(words + [word for word, on in flags if on])

    @property
    def ready(self) -> bool:
        """Online with paper, cover shut and no error."""
        return self.responding and self.online is not False and not any(
            (self.cover_open, self.paper_end, self.cutter_error, self.unrecoverable_error,
             self.recoverable_error))


@runtime_checkable
class Printer(Protocol):
    """A receipt printer. print_bytes takes a finished ESC/POS stream."""

    def open(self) -> None: ...

    def close(self) -> None: ...

    def status(self) -> PrinterStatus: ...

    def print_bytes(self, data: bytes) -> None: ...


@dataclass(frozen=True, slots=True)
class TrackRead:
    """One track of a swipe. Only the verdict is shown; the track itself never is."""

    number: int  # 1, 2 or 3
    ok: bool
    error: str | None = None  # why the read is bad: "no data", "LRC mismatch", ...
    length: int = 0  # characters read
    masked_pan: str | None = None  # first 6 / last 4
    # The track codec's object (posdiag.tracks), for comparison with a test card; never print it.
    parsed: object | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Swipe:
    """What a card reader delivered for one swipe."""

    tracks: tuple[TrackRead, ...]
    source: str  # "magtek-hid" or "keyboard"

    def track(self, number: int) -> TrackRead | None:
        return next((t for t in self.tracks if t.number == number), None)

    @property
    def ok(self) -> bool:
        """At least one track read and none of those with data failed."""
        present = [t for t in self.tracks if t.error != "no data"]
        return bool(present) and all(t.ok for t in present)


@runtime_checkable
class CardReader(Protocol):
    """A magnetic-stripe reader."""

    def open(self) -> None: ...

    def close(self) -> None: ...

    def read_swipe(self, timeout: float = 30.0) -> Swipe: ...


# --- Payment-side results (ZVT 06 C0, 06 E7, 06 01/06 30/06 31) ---------------------------


@dataclass(frozen=True, slots=True)
class CardRead:
    """A card the terminal read for the ECR (Read Card). Only the masked PAN is ever shown.

    The tracks are kept in memory so a test can compare them with the card it swiped; they are
    left out of repr, equality and ``to_dict``. Never log or store them (PCI DSS 3.3.1).
    """

    masked_pan: str | None  # first 6 / last 4
    expiry_yymm: str | None = None
    tracks: tuple[int, ...] = ()  # which tracks the terminal sent (1, 2, 3)
    track1: str | None = field(default=None, repr=False, compare=False)
    track2: str | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, object]:
        return {"masked_pan": self.masked_pan, "expiry_yymm": self.expiry_yymm,
                "tracks": list(self.tracks)}


@dataclass(frozen=True, slots=True)
class PinEntry:
    """Digits typed on the PIN pad (06 E7), decrypted on the ECR side.

    Shows only the length and a mask; ``matches`` compares with an expected PIN without the
    PIN ever appearing in repr, str or ``to_dict``.
    """

    length: int
    ksn: str  # hex; identifies the DUKPT key, not a secret by itself
    pin_format: int  # ISO 9564 format of the block the terminal sent
    _pin: str = field(default="", repr=False, compare=False)

    @property
    def masked(self) -> str:
        return "*" * self.length

    def matches(self, pin: str) -> bool:
        import hmac

        return hmac.compare_digest(self._pin.encode(), pin.encode())

    def to_dict(self) -> dict[str, object]:
        return {"length": self.length, "masked": self.masked, "ksn": self.ksn,
                "pin_format": self.pin_format}


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """The outcome of a payment, reversal or refund, as the terminal reported it (04 0F)."""

    kind: str  # "payment", "reversal" or "refund"
    approved: bool
    result_code: int
    result_text: str
    amount: int | None = None  # minor units
    currency: int | None = None
    receipt_number: int | None = None
    trace: int | None = None
    time: str | None = None  # HHMMSS
    date: str | None = None  # MMDD
    card_type: int | None = None  # ZVT card-type id
    card_name: str | None = None
    masked_pan: str | None = None
    auth_code: str | None = None  # BMP 3B
    aid: str | None = None  # EMV AID (TLV 43), upper-case hex
    receipts: tuple[PrintedReceipt, ...] = ()

    def to_dict(self) -> dict[str, object]:
        data = {name: getattr(self, name) for name in self.__slots__ if name != "receipts"}
        data["receipts"] = [{"kind": r.kind, "lines": list(r.lines)} for r in self.receipts]
        return data
