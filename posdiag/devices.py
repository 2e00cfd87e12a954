"""The small typed interfaces every driver implements.

Services (backup, plan runner, kit) talk only to these; a driver package in
``posdiag.drivers`` supplies the implementation. Records are frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterator
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


# File ids of ZVT Read File (TLV 1D).
FILE_MERCHANT_JOURNAL = 0x01
FILE_APPLICATION_LOG = 0x02


@runtime_checkable
class Terminal(Protocol):
    """A payment terminal reached through an ECR protocol. Extended by later issues."""

    def open(self) -> None: ...

    def close(self) -> None: ...

    def identify(self) -> TerminalIdentity: ...

    def totals(self) -> Totals: ...

    def read_file(self, file_id: int, offset: int = 0) -> Iterator[FileBlock]:
        """Blocks of the file from offset to its end, in order; resumable from any offset."""
        ...
