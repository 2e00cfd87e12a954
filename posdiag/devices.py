"""The small typed interfaces every driver implements.

Services (backup, plan runner, kit) talk only to these; a driver package in
``posdiag.drivers`` supplies the implementation. Records are frozen dataclasses.
"""

from __future__ import annotations

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


@runtime_checkable
class Terminal(Protocol):
    """A payment terminal reached through an ECR protocol. Extended by later issues."""

    def open(self) -> None: ...

    def close(self) -> None: ...

    def identify(self) -> TerminalIdentity: ...
