"""What a test plan is, and what running it produced: frozen records, no behaviour.

A ``Plan`` is what the loader made of a TOML file (already validated); a ``RunResult`` is what
the runner made of a plan on one terminal. The JSON record (record.py), the JUnit file
(junit.py) and the console table (summary.py) are all views of these records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from posdiag.terminal_settings import TerminalSettings

# Outcomes (docs/test-record.md). ERROR carries an error class: "infrastructure" when the device
# or link failed (never the terminal's fault), "test" when the test itself could not decide,
# "operator" when the person at the terminal slipped (wrong PIN, nothing presented in time) and
# the terminal was not judged. A step the person chose to skip is SKIPPED with class "operator".
PASS, FAIL, ERROR, SKIPPED, ABORTED = "PASS", "FAIL", "ERROR", "SKIPPED", "ABORTED"
OUTCOMES = (PASS, FAIL, ERROR, SKIPPED, ABORTED)
INFRASTRUCTURE, TEST, OPERATOR = "infrastructure", "test", "operator"
# What the person chose after a slip (recorded with the attempt as "then").
RETRY, SKIP, ABORT = "retry", "skip", "abort"


@dataclass(frozen=True, slots=True)
class Limit:
    """Bounds a measurement must keep (inclusive); None = unbounded on that side."""

    minimum: float | None = None
    maximum: float | None = None

    def holds(self, value: float) -> bool:
        return (self.minimum is None or value >= self.minimum) and (
            self.maximum is None or value <= self.maximum)

    def describe(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"{self.minimum:g}..{self.maximum:g}"
        if self.maximum is not None:
            return f"<= {self.maximum:g}"
        return f">= {self.minimum:g}" if self.minimum is not None else "any"


@dataclass(frozen=True, slots=True)
class StepSpec:
    """One step of a plan, validated: kind, name, common settings and kind options."""

    kind: str
    name: str
    line: int  # line of the [[step]] header in the plan file
    timeout: float  # seconds per attempt
    retries: int = 0  # extra attempts after a FAIL or a test ERROR
    continue_on_fail: bool = False
    description: str = ""
    limits: dict[str, Limit] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def attempts(self) -> int:
        return 1 + self.retries


@dataclass(frozen=True, slots=True)
class ReplacedTerminal:
    """The terminal a replacement stands in for, as a repair case knows it.

    identity-match with ``source = "replaced"`` compares against ``identity`` (terminal_id,
    merchant_id, currency, ... as far as known); the arrival checklist asks for ``model``."""

    origin: str  # what the values come from, as a code: "case:2026-1130-52500001-01"
    identity: dict[str, Any] = field(default_factory=dict)
    model: str = ""


@dataclass(frozen=True, slots=True)
class Plan:
    name: str
    path: str
    sha256: str  # of the plan file's bytes, so a record names exactly what ran
    steps: tuple[StepSpec, ...]
    description: str = ""
    printer: str | None = None  # ESC/POS printer address for receipt-print device = "printer"
    expect: dict[str, Any] = field(default_factory=dict)  # identity-match source = "expect"
    cards_file: str | None = None  # None: the shipped testplans/cards.toml
    # Python codec of the text the terminal shows and prints (display, receipt lines); the
    # loader has checked every such text encodes in it.
    charset: str = "cp437"
    replaced: ReplacedTerminal | None = None  # the old terminal, for identity-match "replaced"
    terminal: TerminalSettings | None = None  # [terminal]: password, baud, charset

    def needs_backup(self) -> bool:
        return any(s.kind == "identity-match" and s.options.get("source") == "backup"
                   and not s.options.get("backup") for s in self.steps)


@dataclass(frozen=True, slots=True)
class Measurement:
    name: str
    value: float
    units: str
    limit: Limit | None = None

    @property
    def passed(self) -> bool:
        return self.limit is None or self.limit.holds(self.value)


@dataclass(frozen=True, slots=True)
class PromptRecord:
    """A prompt shown to the operator and how it was answered; texts are masked."""

    id: str
    kind: str  # "instruct" (do something), "confirm" (yes / no), "enter" (type a text) or
    # "choose" (one of the prompt's choices: retry / skip / abort after a slip)
    text: str
    answer: str | None  # "done", "yes", "no"; for "enter" the text typed; None: unanswered
    by: str  # "console", "answers", "emulator"
    at: str  # RFC 3339, UTC
    seconds: float
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Attempt:
    number: int
    outcome: str
    started: str
    seconds: float
    message: str = ""
    error_class: str | None = None
    measurements: tuple[Measurement, ...] = ()
    prompts: tuple[PromptRecord, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)  # what the step observed (masked)
    slip: str = ""  # the person's slip that ended it (posdiag.plan.slips), if any
    then: str = ""  # after a slip: "retry", "skip" or "abort" as the person chose; "" = plan


@dataclass(frozen=True, slots=True)
class StepResult:
    spec: StepSpec
    outcome: str
    attempts: tuple[Attempt, ...] = ()
    message: str = ""
    error_class: str | None = None

    @property
    def seconds(self) -> float:
        return sum(a.seconds for a in self.attempts)


@dataclass(frozen=True, slots=True)
class RunResult:
    plan: Plan
    outcome: str
    steps: tuple[StepResult, ...]
    started: str
    finished: str
    seconds: float
    terminal: dict[str, Any] | None = None
    error_class: str | None = None
    message: str = ""
    selected: tuple[str, ...] | None = None  # --only / --from: the steps run; None = all

    def count(self, outcome: str) -> int:
        return sum(1 for s in self.steps if s.outcome == outcome)
