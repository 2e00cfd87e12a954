"""What the report renderer is given: a record as loaded, and what its signature check said."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Outcomes counted in the summary, in the order they are shown; RUNNING is a record that
# never finished (a crash or a pulled cable left "state": "running").
SUMMARY_OUTCOMES = ("PASS", "FAIL", "ERROR", "SKIPPED", "ABORTED", "RUNNING")


@dataclass(frozen=True, slots=True)
class SignatureStatus:
    """The kit signature check of one record.

    ``verified`` is True only when the ``.minisig`` matched the record under ``key``.
    ``key_source`` says where that key came from ("record": the key named inside the record,
    which proves integrity only; "given": a key the user supplied, which proves the kit).
    ``detail`` is the trusted comment when verified, else why not."""

    verified: bool
    key: str | None
    key_source: str
    detail: str


@dataclass(frozen=True, slots=True)
class ReportEntry:
    """One record to show: where it came from, its JSON document, its signature status."""

    source: str
    record: Mapping[str, Any]
    signature: SignatureStatus

    @property
    def outcome(self) -> str:
        """The run's outcome; RUNNING for a record whose run never finished."""
        outcome = self.record.get("outcome")
        return outcome if isinstance(outcome, str) and outcome else "RUNNING"
