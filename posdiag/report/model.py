"""What the report is made of: a record as loaded, and what its signature check said."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Outcomes counted in the summary, in the order they are shown; RUNNING is a record that
# never finished (a crash or a pulled cable left "state": "running"), shown as "interrupted".
SUMMARY_OUTCOMES = ("PASS", "FAIL", "ERROR", "SKIPPED", "ABORTED", "RUNNING")

VERIFIED, INTERRUPTED, NOT_VERIFIED = "verified", "interrupted", "not-verified"


@dataclass(frozen=True, slots=True)
class SignatureStatus:
    """The kit signature check of one record.

    ``verified`` is True only when the ``.minisig`` matched the record under ``key``.
    ``key_source`` says where that key came from ("record": the key named inside the record,
    which proves integrity only; "given": a key the user supplied, which proves the kit).
    ``detail`` is the trusted comment when verified, else why not. ``interrupted``: the run
    never finished, so it was never signed — not a sign of tampering."""

    verified: bool
    key: str | None
    key_source: str
    detail: str
    interrupted: bool = False

    @property
    def state(self) -> str:
        if self.verified:
            return VERIFIED
        return INTERRUPTED if self.interrupted else NOT_VERIFIED


@dataclass(frozen=True, slots=True)
class ReportEntry:
    """One record to show: where it came from, its JSON document, its signature status."""

    source: str
    record: Mapping[str, Any]
    signature: SignatureStatus
    sha256: str = ""  # of the record file's bytes

    @property
    def outcome(self) -> str:
        """The run's outcome; RUNNING for a record whose run never finished."""
        outcome = self.record.get("outcome")
        return outcome if isinstance(outcome, str) and outcome else "RUNNING"

    @property
    def started(self) -> str:
        started = self.record.get("started")
        return started if isinstance(started, str) else ""


def outcome_counts(entries: Iterable[ReportEntry]) -> dict[str, int]:
    """How many records ended in each outcome (every SUMMARY_OUTCOMES key, then any other)."""
    counts = dict.fromkeys(SUMMARY_OUTCOMES, 0)
    for entry in entries:
        counts[entry.outcome] = counts.get(entry.outcome, 0) + 1
    return counts
