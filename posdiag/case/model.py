"""What a repair case holds: frozen records, no behaviour (docs/case.md).

A ``Case`` is the content of one revision of the case file. Everything a document about the
case needs is here — the replacement request and the acceptance certificate are rendered from
a ``Case`` alone, read-only — so the model is complete rather than minimal: who, which terminal,
what is wrong, what the terminal said about itself, which warranty, which backup, what was
requested from whom, which replacement was tested how, and every action with time and place.

Times are UTC RFC 3339 (``2026-11-30T09:15:02Z``); dates a person gives (when the fault
started, when the terminal was bought) are ISO dates (``2026-11-28``). Amounts are minor units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CASE_FORMAT = "posdiag-case"
CASE_VERSION = 1


@dataclass(frozen=True, slots=True)
class Technician:
    name: str = ""
    id: str = ""


@dataclass(frozen=True, slots=True)
class Merchant:
    """The shop. ``merchant_number`` (商户号) as the terminal reports it (ZVT: the VU number)."""

    name: str = ""
    merchant_number: str = ""
    address: str = ""
    contact: str = ""
    phone: str = ""
    profile: str = ""  # the merchant profile file it was taken from, if any


@dataclass(frozen=True, slots=True)
class TerminalInfo:
    """A terminal's identity: read from it (``source = "read"``) or typed from its label
    (``"hand"``) when it no longer answers."""

    source: str  # "read" or "hand"
    manufacturer: str = ""
    model: str = ""
    device_name: str = ""  # what the terminal calls itself (ZVT TLV 1F40)
    serial_number: str = ""  # 序列号
    terminal_id: str = ""  # 终端号 (TID)
    merchant_id: str = ""  # the merchant number the terminal holds
    software_version: str = ""
    currency: int | None = None  # ISO 4217 numeric
    acquirer: str = ""  # acquirer or network, where known
    read_at: str = ""  # when it was read (source "read")
    port: str = ""  # where it was read

    @property
    def model_name(self) -> str:
        """The model as a person names it: manufacturer and model, else the device's own name."""
        named = " ".join(p for p in (self.manufacturer, self.model) if p)
        return named or self.device_name


@dataclass(frozen=True, slots=True)
class Fault:
    category: str  # a key of categories.FAULT_CATEGORIES
    description: str = ""
    since: str = ""  # ISO date (or date and time) the fault was first seen
    reported_by: str = ""
    frequency: str = ""  # a key of categories.FREQUENCIES, or "" when not known


@dataclass(frozen=True, slots=True)
class Probe:
    """One thing asked of the terminal while gathering diagnostics, and what came of it."""

    name: str  # "identify", "status", "diagnosis", "totals", "log"
    command: str  # the protocol command(s), e.g. "06 70"
    ok: bool
    seconds: float
    error: str = ""  # why it failed, as the driver said it (masked)


@dataclass(frozen=True, slots=True)
class TotalsReading:
    amount: int  # minor units
    count: int
    currency: int | None = None
    brands: tuple[dict[str, Any], ...] = ()  # {"brand", "count", "amount"}


@dataclass(frozen=True, slots=True)
class Diagnostics:
    """What the terminal said about itself when the case was opened.

    A terminal that does not answer is itself a result: ``answered`` is false and ``probes``
    says what was tried on which port and how it failed."""

    gathered_at: str
    port: str
    answered: bool
    probes: tuple[Probe, ...] = ()
    status_code: int | None = None  # ZVT terminal status byte (§11)
    status_text: str = ""
    diagnosis_lines: tuple[str, ...] = ()  # the 06 70 diagnosis printout (masked)
    diagnosis_result: dict[str, Any] = field(default_factory=dict)  # typed result, if any
    printer_ready: bool | None = None
    printer_text: str = ""
    totals: TotalsReading | None = None
    log_tail: tuple[str, ...] = ()  # last lines of the terminal's application log (masked)


@dataclass(frozen=True, slots=True)
class Party:
    """Whom a replacement request goes to."""

    role: str  # "manufacturer" or "service-provider"
    name: str = ""
    address: str = ""
    contact: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class Warranty:
    """Purchase or installation date + period → in or out of warranty → addressee and fee.

    Without a date there is no proof of warranty: the case counts as out of warranty
    (``basis = "no-date"``) and goes to the service provider."""

    in_warranty: bool
    basis: str  # "dates" or "no-date"
    judged_on: str  # the date compared (the day the case was opened)
    addressee: Party
    repair_fee: bool
    start: str = ""  # ISO date
    start_kind: str = ""  # "purchase" or "installation"
    months: int | None = None
    until: str = ""  # last day covered, ISO date
    # Both possible addressees as configured, so a later date judges again without profiles.
    manufacturer: Party | None = None
    service_provider: Party | None = None
    fee_out_of_warranty: bool = True


@dataclass(frozen=True, slots=True)
class BackupRef:
    """A backup set of the old terminal, by reference: never the data itself."""

    set_id: str
    generation: int
    manifest: str  # file name of the manifest generation
    manifest_sha256: str
    set_dir: str  # relative to the case folder when inside it, else absolute
    kit_key: str
    records: int
    journal_bytes: int
    complete: bool
    totals_agree: bool | None
    totals_differences: tuple[str, ...] = ()
    terminal: dict[str, Any] = field(default_factory=dict)  # identity named in the manifest
    created: str = ""  # of the manifest generation
    linked_at: str = ""


@dataclass(frozen=True, slots=True)
class RecordRef:
    """A signed test record (docs/test-record.md) by reference."""

    run_id: str
    file: str  # relative to the case folder when inside it, else absolute
    sha256: str
    signature_sha256: str
    plan: str
    plan_sha256: str
    outcome: str  # PASS, FAIL, ERROR, SKIPPED, ABORTED
    started: str
    finished: str
    kit_key: str = ""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file (a photo of the fault or of the label) copied into the case by its SHA-256."""

    name: str  # the file's original name
    file: str  # attachments/<sha256><suffix>, relative to the case folder
    sha256: str
    size: int
    added: str
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Request:
    """The replacement request as made: what the request document needs, and nothing more."""

    made_at: str
    addressee: Party
    in_warranty: bool
    repair_fee: bool
    requested_model: str
    backup: BackupRef | None  # the set the request refers to (the newest linked one)
    backup_impossible: str = ""  # why there is no backup, when there is none
    attachments: tuple[str, ...] = ()  # SHA-256 of the attachments named in the request
    note: str = ""


@dataclass(frozen=True, slots=True)
class InspectionAnswer:
    """One question of the arrival inspection and its answer."""

    item: str  # "seals", "no-tampering", "serial-label", "model", or a plan's own question
    question: str
    answer: str  # "yes" / "no"; for serial-label what the operator typed
    ok: bool
    reason: str = ""
    expected: str = ""  # what the answer was compared with, where it was


@dataclass(frozen=True, slots=True)
class BindingCheck:
    """The replacement's identity compared with the old terminal's: the merchant binding."""

    ok: bool
    against: str  # where the expected values came from
    fields: dict[str, Any] = field(default_factory=dict)  # name -> {"expected", "actual"}
    message: str = ""


@dataclass(frozen=True, slots=True)
class Replacement:
    """One replacement terminal tested for this case."""

    terminal: TerminalInfo | None  # as it identified itself (None: it never answered)
    record: RecordRef
    verdict: str  # "accepted", "rejected" or "not-judged" (the test could not decide)
    reason: str = ""
    inspection: tuple[InspectionAnswer, ...] = ()
    binding: BindingCheck | None = None


@dataclass(frozen=True, slots=True)
class Action:
    """One thing done on the case, in order: when, where (host), who, what."""

    number: int
    at: str
    host: str
    technician: str
    kind: str  # see docs/case.md: opened, caution, backup-linked, requested, ...
    state_before: str = ""
    state_after: str = ""  # "" when the action did not change the state
    forced: bool = False
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Decision:
    """How the case ended for the replacement: accepted or rejected, and why."""

    verdict: str  # "accepted" or "rejected"
    at: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Case:
    case_id: str
    state: str
    opened: str
    technician: Technician
    merchant: Merchant
    old_terminal: TerminalInfo
    fault: Fault
    warranty: Warranty
    diagnostics: Diagnostics | None = None
    backups: tuple[BackupRef, ...] = ()
    backup_impossible: str = ""  # the reason, once the case went that way
    request: Request | None = None
    replacements: tuple[Replacement, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    decision: Decision | None = None
    closed: str = ""
    actions: tuple[Action, ...] = ()

    @property
    def backup(self) -> BackupRef | None:
        """The newest linked backup set."""
        return self.backups[-1] if self.backups else None

    @property
    def replacement(self) -> Replacement | None:
        """The newest replacement tested."""
        return self.replacements[-1] if self.replacements else None


@dataclass(frozen=True, slots=True)
class Revision:
    """The envelope of one revision of the case file: number, chain, signer, content."""

    case_id: str
    revision: int
    written: str
    kit_key: str  # minisign public key of the kit that signed this revision
    host: str
    case: Case
    previous_sha256: str = ""  # SHA-256 of the previous revision's file ("" for the first)
    skipped: tuple[str, ...] = ()  # torn revision files this one supersedes
    format: str = CASE_FORMAT
    version: int = CASE_VERSION
