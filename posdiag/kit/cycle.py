"""One kit cycle: identify the terminal, back it up (or resume), verify, run the plan, eject.

The backup always goes to posdiag-<terminal>[-N] on the stick. If the newest
such set is unfinished (the kit lost power, the cable or the stick), the cycle
resumes it; if it is complete, a new set is started, so every finished cycle
leaves one complete, verified set. The kit encrypts to the config's public
recipients and signs with its own key: it can never decrypt what it wrote.
Every state goes through ``StateSignal``; a failure is signalled, then raised.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from posdiag.backup.kitkey import KitKey, config_dir, load_or_create_kit_key
from posdiag.backup.media import choose_set_dir
from posdiag.backup.service import DEFAULT_SEGMENT_BYTES, BackupProgress, BackupResult
from posdiag.backup.writer import Medium
from posdiag.errors import MediaRemoved, PosdiagError, UsageError, VerificationError
from posdiag.i18n import _
from posdiag.kit import signals
from posdiag.kit.config import KitConfig
from posdiag.kit.eject import EjectOutcome, eject
from posdiag.kit.lock import cycle_lock, lock_path
from posdiag.kit.signals import StateSignal, log
from posdiag.kit.stick import check_folder, check_set_folder
from posdiag.terminal_settings import TerminalSettings

if TYPE_CHECKING:
    from posdiag.devices import TerminalIdentity

RECORDS_FOLDER = "posdiag-records"  # acceptance-test records, next to the backup sets
PLAN_TIMEOUT = 1800.0


@dataclass(frozen=True, slots=True)
class CycleResult:
    state: str  # the last state signalled: safe-to-remove or done
    port: str
    set_dir: Path
    terminal: str  # serial number or terminal id
    generation: int
    records: int
    journal_bytes: int
    resumed_from: int  # journal offset this cycle started at; > 0 after an interruption
    totals_agree: bool | None
    verified: bool
    plan_passed: bool | None  # None: no plan configured
    powered_off: bool
    eject_message: str


@dataclass(frozen=True, slots=True)
class PlanOutcome:
    passed: bool
    message: str | signals.Said  # Said: put into words in the language of who reads it

    def text(self) -> str:
        return self.message.text() if isinstance(self.message, signals.Said) else self.message


PlanRunner = Callable[[Path, str, Path], PlanOutcome]
Ejector = Callable[[Path], EjectOutcome]


def run_plan(plan: Path, port: str, record_dir: Path, state_dir: Path | None = None, *,
             settings: TerminalSettings | None = None) -> PlanOutcome:
    """Run the acceptance plan through `posdiag test` (its CLI is the stable contract), with
    the config's terminal settings (the password in the environment, not the command line).

    While the kit's page is served (`posdiag kit serve` on the same state folder), the
    plan's questions go to the technician's phone (`--kit-page`)."""
    options, environment = (settings or TerminalSettings()).command_line()
    command = [sys.executable, "-m", "posdiag", "test", "--port", port, "--plan", str(plan),
               "--record", str(record_dir), *options]
    if state_dir is not None:
        from posdiag.kit.web.channel import server_running, web_dir

        if server_running(web_dir(state_dir)):
            command += ["--kit-page", str(web_dir(state_dir))]
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=PLAN_TIMEOUT, check=False,
                              env={**os.environ, **environment})
    except subprocess.TimeoutExpired:
        return PlanOutcome(False, signals.said(signals.PLAN_TIMED_OUT, plan=plan,
                                               minutes=f"{PLAN_TIMEOUT / 60:.0f}"))
    if done.returncode == 0:
        return PlanOutcome(True, signals.said(signals.PLAN_PASSED, plan=plan.name,
                                              folder=record_dir))
    last = (done.stderr or done.stdout or "").strip().splitlines()
    if not last:
        return PlanOutcome(False, signals.said(signals.PLAN_FAILED_SILENTLY, plan=plan.name,
                                               code=done.returncode))
    return PlanOutcome(False, signals.said(signals.PLAN_FAILED, plan=plan.name,
                                           code=done.returncode, last=last[-1]))


def kit_set_dir(root: Path, identity: TerminalIdentity, medium: Medium | None = None,
                kit_key: KitKey | None = None,
                recipients: Sequence[str] = ()) -> tuple[Path, bool]:
    """(set folder, resume?): the newest unfinished set of this terminal, else a new one.

    Each folder is checked before anything in it is read or written (posdiag.kit.stick): a
    symbolic link, or a set folder holding anything but regular files, is refused. An
    unfinished set this kit may not continue (another kit's, tampered with, another
    terminal's, other recipients: posdiag.backup.resume) is left as it is, as evidence, and
    the backup starts in a new folder: a headless kit has nobody to ask, and refusing would
    fail every cycle on that stick."""
    from posdiag.backup.resume import check_resumable
    from posdiag.backup.verify import scan_set

    latest = choose_set_dir(root, identity, resume=True)
    check_set_folder(root, latest)
    scan = scan_set(latest, medium)
    state = scan.state()
    if state.is_empty:
        return latest, False
    if state.committed is None or not state.committed.journal.complete:
        # interrupted: power loss, pulled stick or cable
        if kit_key is None:
            return latest, True
        try:
            check_resumable(scan, kit_key, identity, recipients)
            return latest, True
        except UsageError as refused:
            log.warning(_("not continuing the unfinished set in {latest}: {refused} "
                          "Starting a new set; the old one is kept as it is.").format(
                            latest=latest, refused=refused))
    fresh = choose_set_dir(root, identity, resume=False)
    check_set_folder(root, fresh)
    return fresh, False


class _ProgressLog:
    """A journal line per tenth of the journal, so `journalctl -f` shows a backup moving;
    every step to the phone page (the signal's board throttles it)."""

    def __init__(self, signal: StateSignal | None = None) -> None:
        self._next = 0
        self._signal = signal

    def __call__(self, progress: BackupProgress) -> None:
        if self._signal is not None:
            self._signal.progress(progress.done, progress.total, progress.records)
        if not progress.total:
            return
        percent = 100 * progress.done // progress.total
        if percent >= self._next:
            log.info("%s", _("backup {percent}%: {done} of {total} journal bytes, {records} "
                             "records").format(percent=percent, done=progress.done,
                                               total=progress.total, records=progress.records))
            self._next = percent - percent % 10 + 10


def run_cycle(config: KitConfig, port: str, media_root: Path, *,
              state_dir: Path | None = None, signal: StateSignal | None = None,
              medium: Medium | None = None, segment_bytes: int = DEFAULT_SEGMENT_BYTES,
              ejector: Ejector = eject, plan_runner: PlanRunner | None = None) -> CycleResult:
    """One full cycle under the cycle lock; UsageError at once if another cycle runs.

    plan_runner defaults to `posdiag test` with the config's terminal settings."""
    state_dir = config_dir(state_dir)
    signal = signal or StateSignal(config.hook)
    if signal.board is None:
        from posdiag.kit.web.channel import web_dir
        from posdiag.kit.web.status import StatusBoard

        signal.board = StatusBoard(web_dir(state_dir))
    plan_runner = plan_runner or functools.partial(run_plan, state_dir=state_dir,
                                                   settings=config.terminal)
    with cycle_lock(lock_path(state_dir)):
        try:
            return _cycle(config, port, media_root, state_dir, signal, medium, segment_bytes,
                          ejector, plan_runner)
        except PosdiagError as err:
            signal(signals.FAILED, str(err))
            raise
        except OSError as err:
            signal(signals.FAILED, signals.said(signals.FILE_PROBLEM,
                                                problem=err.strerror or err,
                                                file=err.filename or _("no file")))
            raise


def _cycle(config: KitConfig, port: str, media_root: Path, state_dir: Path,
           signal: StateSignal, medium: Medium | None, segment_bytes: int,
           ejector: Ejector, plan_runner: PlanRunner) -> CycleResult:
    if not media_root.is_dir():
        raise MediaRemoved(_("The stick folder {media_root} is not there; mount the "
                             "stick (or fix --media) and run the cycle again.").format(
                               media_root=media_root))
    if config.plan is not None:  # the plan's records go there: it must be on the stick
        check_folder(media_root, media_root / RECORDS_FOLDER)
    kit_key = _kit_key(state_dir)
    signal.note(kit_key=kit_key.public_key, media=str(media_root), port=port)
    signal(signals.IDENTIFYING, signals.said(signals.OPENING_TERMINAL, port=port))
    result, terminal_name = _back_up(config, port, media_root, kit_key, signal, medium,
                                     segment_bytes)
    signal(signals.VERIFYING, signals.said(signals.VERIFYING_SET, folder=result.set_dir))
    _verify(result.set_dir, kit_key, medium)
    totals_agree = None if result.totals is None else result.totals.agree
    if totals_agree is False:
        log.warning(_("The journal does not add up to the terminal's totals: {value}").format(
                        value='; '.join(result.totals.differences) if result.totals else ''))
    plan_passed = None
    if config.plan is not None:
        signal(signals.TESTING, signals.said(signals.RUNNING_PLAN, plan=config.plan))
        outcome = plan_runner(config.plan, port, media_root / RECORDS_FOLDER)
        plan_passed = outcome.passed
        if outcome.passed:
            log.info("%s", outcome.text())
        else:
            signal(signals.TEST_FAILED, outcome.message)
    signal(signals.SYNCING, signals.said(signals.FLUSHING, folder=media_root))
    ejected = ejector(media_root)
    summary = signals.said(signals.FINISHED, terminal=terminal_name, records=result.records,
                           size=result.journal_bytes, folder=result.set_dir.name,
                           generation=result.generation, ejected=ejected.message)
    final = signals.SAFE_TO_REMOVE if ejected.safe else signals.DONE
    signal(final, summary)
    return CycleResult(final, port, result.set_dir, terminal_name, result.generation,
                       result.records, result.journal_bytes, result.resumed_from, totals_agree,
                       True, plan_passed, ejected.powered_off, ejected.message)


def _kit_key(state_dir: Path) -> KitKey:
    kit_key = load_or_create_kit_key(state_dir)
    if kit_key.created:
        log.info("%s", _("created the kit signing key {path}; register its public key "
                         "{key}").format(path=kit_key.path, key=kit_key.public_key))
    return kit_key


def _back_up(config: KitConfig, port: str, media_root: Path, kit_key: KitKey,
             signal: StateSignal, medium: Medium | None,
             segment_bytes: int) -> tuple[BackupResult, str]:
    from posdiag.backup.sealing import recipients_from
    from posdiag.backup.service import run_backup
    from posdiag.terminals import open_terminal

    recipients, labels = recipients_from(config.recipients)
    case_dir = None
    with open_terminal(port, settings=config.terminal, fast_line=True) as terminal:
        identity = terminal.identify()
        name = identity.serial_number or identity.terminal_id or "unknown"
        set_dir, resume = kit_set_dir(media_root, identity, medium, kit_key, labels)
        if config.case_open:
            from posdiag.case.kit import kit_case

            case_dir = kit_case(media_root, port, terminal, identity, kit_key,
                                description=config.case_description)
        signal(signals.BACKING_UP, signals.said(
            signals.RESUMING_BACKUP if resume else signals.STARTING_BACKUP, terminal=name,
            model=identity.device_name or _("unnamed"), folder=set_dir))
        result = run_backup(terminal, set_dir, recipients, kit_key, recipient_labels=labels,
                            resume=resume, medium=medium, segment_bytes=segment_bytes,
                            on_progress=_ProgressLog(signal))
    if case_dir is not None:
        from posdiag.case.kit import link_kit_backup

        link_kit_backup(case_dir, result.set_dir, kit_key)
        log.info("%s", _("backup filed under case {case}").format(case=case_dir.name))
    return result, name


def _verify(set_dir: Path, kit_key: KitKey, medium: Medium | None) -> None:
    from posdiag.backup.verify import verify_set

    report = verify_set(set_dir, None, kit_key.public_key, medium)
    if not report.ok or not report.complete:
        first = report.problems[0] if report.problems else "the newest generation is incomplete"
        raise VerificationError(_("The backup in {set_dir} does not verify "
                                  "({first}); keep the stick and run the cycle again "
                                  "to resume.").format(set_dir=set_dir, first=first))
