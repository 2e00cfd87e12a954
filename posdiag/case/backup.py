"""`posdiag backup --case`: the backup as a step of the case.

Before the terminal is touched the case is checked (it must verify and be at a stage where a
backup belongs) and the caution "do not unplug the terminal or press RESET" is shown and
recorded. The terminal must be the case's old terminal. Afterwards the set is linked by
reference — set ID, manifest generation and its SHA-256, record count, totals agreement —
read back through posdiag.backup's own verifier, and the case moves to ``backed-up``. A backup
that fails is recorded too (what failed), and the case stays where it was.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posdiag.case import states
from posdiag.case.actions import Actor, act, change_case
from posdiag.case.cautions import BEFORE_BACKUP, Show, show_and_record
from posdiag.case.model import BackupRef, Case
from posdiag.case.store import BACKUP_DIR, CaseFile, load_case, reference
from posdiag.errors import IllegalTransition, PosdiagError, UsageError, VerificationError
from posdiag.i18n import _

if TYPE_CHECKING:
    from posdiag.backup.kitkey import KitKey
    from posdiag.backup.service import BackupProgress, BackupResult, BackupStage
    from posdiag.devices import TerminalIdentity

BACKUP_STATES = (states.OPEN, states.BACKUP_IMPOSSIBLE, states.BACKED_UP)


@dataclass(frozen=True, slots=True)
class CaseBackup:
    result: BackupResult
    case: CaseFile


def default_set_dir(case_dir: Path) -> Path:
    return case_dir / BACKUP_DIR


def check_backup_allowed(case: Case) -> None:
    if case.state not in BACKUP_STATES:
        raise IllegalTransition(_(
            "The case {case_id} is {state}; a backup belongs before the replacement request. "
            "Back up without --case, or open a new case.").format(case_id=case.case_id,
                                                                  state=case.state))


def check_same_terminal(case: Case, identity: TerminalIdentity) -> None:
    """The terminal on the port must be the case's old terminal (serial number, TID)."""
    old = case.old_terminal
    for name, label in (("serial_number", _("serial number")), ("terminal_id", _("TID"))):
        ours, theirs = getattr(old, name), getattr(identity, name)
        if ours and theirs and ours != theirs:
            raise UsageError(_(
                "This terminal's {what} is {found}, but case {case_id} is about {expected}; "
                "connect the case's terminal or give another --case.").format(
                    what=label, found=theirs, case_id=case.case_id, expected=ours))


def backup_ref(case_dir: Path, set_dir: Path, linked_at: str) -> BackupRef:
    """The reference to the newest verified generation of a set (posdiag.backup's verifier)."""
    from posdiag.backup.verify import scan_set

    committed = scan_set(set_dir).committed
    if committed is None or committed.manifest is None or committed.sha256 is None:
        raise VerificationError(_("The backup set {set_dir} has no generation that verifies; "
                                  "it cannot be linked to the case.").format(set_dir=set_dir))
    manifest = committed.manifest
    totals: dict[str, Any] = manifest.totals or {}
    return BackupRef(
        set_id=manifest.set_id, generation=manifest.generation, manifest=committed.name,
        manifest_sha256=committed.sha256, set_dir=reference(case_dir, set_dir),
        kit_key=manifest.kit_key, records=manifest.journal.records,
        journal_bytes=manifest.journal.committed, complete=manifest.journal.complete,
        totals_agree=totals.get("agree") if totals else None,
        totals_differences=tuple(str(d) for d in totals.get("differences", ())),
        terminal=dict(manifest.terminal), created=manifest.created, linked_at=linked_at)


def link_backup(case: Case, actor: Actor, ref: BackupRef) -> Case:
    """The case with the set linked; ``backed-up`` unless it already was."""
    to_state = "" if case.state == states.BACKED_UP else states.BACKED_UP
    if ref.terminal:
        from posdiag.devices import TerminalIdentity

        check_same_terminal(case, TerminalIdentity(
            serial_number=ref.terminal.get("serial_number"),
            terminal_id=ref.terminal.get("terminal_id")))
    return act(case, actor, "backup-linked", to_state=to_state, details={
        "set_id": ref.set_id, "generation": ref.generation, "records": ref.records,
        "complete": ref.complete, "totals_agree": ref.totals_agree},
        backups=(*case.backups, ref))


def backup_for_case(case_dir: Path, port: str, recipients: Sequence[Any], kit_key: KitKey, *,
                    set_dir: Path | None = None, recipient_labels: Sequence[str] | None = None,
                    resume: bool = False, segment_bytes: int | None = None,
                    on_progress: Callable[[BackupProgress], None] | None = None,
                    on_stage: Callable[[BackupStage], None] | None = None,
                    show: Show = lambda _text: None, actor: Actor | None = None,
                    terminal: Any = None) -> CaseBackup:
    """Back up the case's old terminal into ``set_dir`` (default: the case's backup/ folder)
    and link the set to the case. ``terminal``: one already open (else PORT is opened)."""
    from contextlib import nullcontext

    from posdiag.backup.service import DEFAULT_SEGMENT_BYTES, run_backup
    from posdiag.terminals import open_terminal

    actor = actor or Actor()
    current = load_case(case_dir)
    current.require_unaltered()
    check_backup_allowed(current.case)
    set_dir = set_dir or default_set_dir(case_dir)
    with nullcontext(terminal) if terminal is not None else open_terminal(port) as terminal:
        identity = terminal.identify()
        check_same_terminal(current.case, identity)
        current = change_case(case_dir, kit_key, lambda case: show_and_record(
            case, actor, BEFORE_BACKUP, show, moment="before-backup"), actor=actor)
        try:
            result = run_backup(terminal, set_dir, recipients, kit_key,
                                recipient_labels=recipient_labels, resume=resume,
                                segment_bytes=segment_bytes or DEFAULT_SEGMENT_BYTES,
                                on_progress=on_progress, on_stage=on_stage)
        except (PosdiagError, OSError) as err:
            _record_failure(case_dir, kit_key, actor, set_dir, err)
            raise
    ref = backup_ref(case_dir, set_dir, actor.now())
    linked = change_case(case_dir, kit_key, lambda case: link_backup(case, actor, ref),
                         actor=actor)
    return CaseBackup(result, linked)


def _record_failure(case_dir: Path, kit_key: KitKey, actor: Actor, set_dir: Path,
                    err: BaseException) -> None:
    """Keep the failed attempt in the case; never hide the original error behind a new one."""
    with contextlib.suppress(PosdiagError, OSError):
        change_case(case_dir, kit_key, lambda case: act(case, actor, "backup-failed", details={
            "set_dir": reference(case_dir, set_dir), "error": str(err) or type(err).__name__}),
            actor=actor)
