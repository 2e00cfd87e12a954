"""run_backup: terminal journal → sanitised → age pieces → signed manifest generations.

The steps, each a method of ``_Backup`` below:

1. **open** - identify the terminal once, choose the set folder, scan what is there;
   with ``--resume`` check the set is this kit's own sound work for this terminal
   (resume.py) and find the pieces a killed run sealed;
2. **prepare** - read the configuration printout (the ``identity`` snapshot), start
   the journal read and take its first block, so the free-space check knows the
   journal's size before anything is written; then README, adopted pieces, the
   identity snapshot and a generation that commits them;
3. **dump** - records into pieces of at most 56 KiB, each sealed at once, a segment
   index and a generation every ``segment_bytes``;
4. **finish** - the terminal's totals and log snapshots, the totals comparison
   (reconcile.py) and the final generation.

Interruptions keep what was read: a dropped link, Ctrl-C or SIGTERM commit the
records received (a shorter piece, the segment, a generation) and end with the
link error or ``Interrupted`` naming ``--resume``; a kill loses at most the piece
in flight, under 64 KiB. The service never prints: progress goes to callbacks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar
from uuid import uuid4

from posdiag.backup import plan as planning
from posdiag.backup.kitkey import KitKey
from posdiag.backup.manifest import terminal_fields
from posdiag.backup.media import require_free_space, space_needed
from posdiag.backup.medium import Medium, media_error
from posdiag.backup.pieces import PIECE_BYTES
from posdiag.backup.plan import BackupPlan
from posdiag.backup.pump import JournalPump
from posdiag.backup.reconcile import TotalsComparison, compare_totals
from posdiag.backup.resume import (
    check_continuable,
    check_same_terminal,
    sealed_pieces,
    unlock_set_key,
)
from posdiag.backup.scan import SetScan, scan_set
from posdiag.backup.sealing import (
    is_passphrase,
    new_set_key,
    parse_set_recipient,
    passphrase_identity,
)
from posdiag.backup.setwriter import PieceBuffer, SetWriter
from posdiag.backup.snapshots import (
    LogMasker,
    encode_identity,
    encode_totals,
    read_configuration,
    read_log_blocks,
)
from posdiag.devices import FILE_MERCHANT_JOURNAL, Terminal, TerminalIdentity
from posdiag.errors import DeviceError, Interrupted, LinkError, UsageError
from posdiag.i18n import _

if TYPE_CHECKING:
    from posdiag.crypto.age import Recipient

# 8 MiB of journal per segment (one index and one manifest generation): a 100 MiB journal
# makes 13 generations, and a manifest stays a few KiB. What an interruption can lose is
# bounded by the pieces (PIECE_BYTES), not by this.
DEFAULT_SEGMENT_BYTES = 8 << 20

STAGE_CONNECTED = "connected"
STAGE_CONFIGURATION = "configuration"
STAGE_JOURNAL = "journal"
STAGE_TOTALS = "totals"
STAGE_LOG = "log"

SetFolder = Path | Callable[[TerminalIdentity, bool], Path]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BackupProgress:
    done: int  # journal bytes received (committed or in flight)
    total: int | None  # journal size the terminal reported
    records: int


@dataclass(frozen=True, slots=True)
class BackupStage:
    """A step of the backup besides the journal's bytes, for whoever shows progress."""

    stage: str  # STAGE_*
    identity: TerminalIdentity | None = None  # with STAGE_CONNECTED
    set_dir: Path | None = None  # with STAGE_CONNECTED
    done: int | None = None  # bytes so far (the log)
    total: int | None = None  # bytes expected, when the terminal says


@dataclass(frozen=True, slots=True)
class BackupResult:
    set_dir: Path
    generation: int
    kit_key: str
    resumed_from: int  # journal offset this run started at (0: a fresh set)
    segments_written: int
    journal_bytes: int  # committed in the set
    journal_size: int  # reported by the terminal
    records: int
    complete: bool
    totals: TotalsComparison | None
    snapshots: tuple[str, ...] = ()  # kinds of the snapshot segments the set holds
    set_id: str = ""
    manifest_sha256: str = ""  # of the final generation's manifest file (what a case cites)

    @property
    def totals_agree(self) -> bool | None:
        return None if self.totals is None else self.totals.agree


def utc_now() -> datetime:
    return datetime.now(UTC)


def run_backup(terminal: Terminal, set_dir: SetFolder, recipients: Sequence[Recipient],
               kit_key: KitKey, *, recipient_labels: Sequence[str] | None = None,
               resume: bool = False, medium: Medium | None = None,
               segment_bytes: int = DEFAULT_SEGMENT_BYTES, piece_bytes: int = PIECE_BYTES,
               now: Callable[[], datetime] = utc_now,
               on_progress: Callable[[BackupProgress], None] | None = None,
               on_stage: Callable[[BackupStage], None] | None = None) -> BackupResult:
    """Back up the terminal's journal, identity, totals and log into ``set_dir``.

    ``set_dir`` is the set folder, or a function choosing it from the terminal's identity
    and ``resume`` (``--to auto``: media.on_medium). With ``resume``, continue the set
    found there from its last verified generation and the pieces sealed after it.
    """
    backup = _Backup(terminal, recipients, kit_key,
                     tuple(recipient_labels or (str(r) for r in recipients)),
                     medium or Medium(), segment_bytes, piece_bytes, now,
                     on_progress or (lambda _p: None), on_stage or (lambda _s: None))
    writer = backup.open(set_dir, resume)
    pump = backup.prepare(writer)
    try:
        backup.dump(writer, pump)
        return backup.finish(writer, pump)
    except (KeyboardInterrupt, Interrupted) as err:
        backup.interrupted(writer, err)


def check_set_folder(set_dir: Path, kit_key: KitKey, labels: Sequence[str], resume: bool,
                     medium: Medium | None = None) -> SetScan:
    """The folder a backup goes into, checked as far as it can be without the terminal:
    UsageError for a symbolic link, for files there without ``resume``, and for a set
    ``--resume`` may not continue (another kit's, damaged, other recipients). The CLI calls
    this before it opens the terminal (exit 2 touches nothing); ``run_backup`` again."""
    medium = medium or Medium()
    if medium.is_link(set_dir):
        raise UsageError(_("{path} is a symbolic link; a backup set is written into a real "
                           "folder, give that folder instead.").format(path=set_dir))
    scan = scan_set(set_dir, medium)
    if scan.state().is_empty:
        return scan
    if not resume:
        raise UsageError(_("{path} already holds files; add --resume to continue that backup "
                           "set or choose an empty folder.").format(path=set_dir))
    check_continuable(scan, kit_key, labels)
    return scan


class _Backup:
    """One run of run_backup: the terminal, the kit, and the steps in order."""

    def __init__(self, terminal: Terminal, recipients: Sequence[Recipient], kit_key: KitKey,
                 labels: tuple[str, ...], medium: Medium, segment_bytes: int,
                 piece_bytes: int, now: Callable[[], datetime],
                 progress: Callable[[BackupProgress], None],
                 stage: Callable[[BackupStage], None]) -> None:
        self.terminal, self.recipients, self.kit_key = terminal, recipients, kit_key
        self.labels, self.medium, self.now = labels, medium, now
        self.segment_bytes, self.piece_bytes = segment_bytes, piece_bytes
        self.progress, self.stage = progress, stage
        self.identity = TerminalIdentity()
        self.started_at = 0
        self.buffer = PieceBuffer(None)
        self._set_key: bytes | None = None  # a new passphrase set's key, until written

    # --- 1. open ---------------------------------------------------------------------------

    def open(self, destination: SetFolder, resume: bool) -> SetWriter:
        """Identify the terminal (once), choose and scan the set folder, plan the run."""
        self.identity = identity = self.terminal.identify()
        set_dir = destination if isinstance(destination, Path) else destination(identity, resume)
        scan = check_set_folder(set_dir, self.kit_key, self.labels, resume, self.medium)
        self.stage(BackupStage(STAGE_CONNECTED, identity=identity, set_dir=set_dir))
        state = scan.state()
        if not state.is_empty:
            check_same_terminal(scan, identity)
        plan = planning.make_plan(state)
        adopted = sealed_pieces(scan, plan, self.kit_key, self.medium) if plan.set_id else []
        if plan.set_id is None:
            plan = planning.with_set_id(plan, uuid4().hex)
        writer = SetWriter(self.medium, set_dir, plan, self.kit_key,
                           self._encrypt_to(set_dir, plan), self.labels,
                           terminal_fields(identity), identity.currency, self.now)
        writer.adopt(adopted)  # sealed by a run that was killed: not read again
        self.started_at = writer.plan.offset
        self.buffer = PieceBuffer(identity.currency)
        self.buffer.clear(writer.plan.offset)
        return writer

    def _encrypt_to(self, set_dir: Path, plan: BackupPlan) -> Sequence[Recipient]:
        """Whom the set's files are encrypted to. A passphrase set gets its own age key, its
        secret encrypted to the passphrase once (set-key.age, written in prepare): scrypt
        per piece would cost a second and 64 MiB on a Pi every 56 KiB."""
        if not is_passphrase(self.recipients):
            return self.recipients
        if plan.passphrase_key is not None:
            unlock_set_key(self.medium, set_dir, plan.passphrase_key,
                           passphrase_identity(self.recipients[0]))
            return [parse_set_recipient(plan.passphrase_key.recipient)]
        if plan.segments or plan.snapshots:
            return self.recipients  # a version-1 passphrase set: keep encrypting as it did
        self._set_key, recipient = new_set_key()
        return [recipient]

    # --- 2. prepare ------------------------------------------------------------------------

    def prepare(self, writer: SetWriter) -> JournalPump:
        """Configuration printout, the journal's first block, free space, then the first
        files: README, identity snapshot, and a generation naming them (and adopted pieces)."""
        identity_snapshot = None
        if not writer.plan.has_snapshot("identity"):
            # Read first, written before the dump: even if the dump then fails, the set
            # says which terminal this was and how it was configured.
            self.stage(BackupStage(STAGE_CONFIGURATION))
            config = self._before_writing(lambda: read_configuration(self.terminal))
            identity_snapshot = encode_identity(self.identity, config.receipts, config.note)
        self.stage(BackupStage(STAGE_JOURNAL))
        pump = self._start_journal(writer)
        self._before_writing(pump.prime)
        if pump.stopped is not None:
            self._before_writing(lambda: _reraise(pump.stopped))
        if pump.reported_size is not None:
            require_free_space(self.medium, writer.set_dir, space_needed(
                max(pump.reported_size - writer.plan.offset, 0), self.piece_bytes,
                self.segment_bytes, self._cluster(writer.set_dir)))
        try:
            self.medium.makedirs(writer.set_dir)
        except OSError as err:
            raise media_error(err, writer.set_dir) from err
        if writer.plan.write_readme:
            writer.write_readme()
        elif writer.plan.readme is None:
            writer.name_readme()
        if self._set_key is not None:
            writer.write_passphrase_key(self._set_key, self.recipients[0], writer.recipients[0])
            self._set_key = None
        if identity_snapshot is not None:
            writer.write_snapshot("identity", [identity_snapshot])
        if writer.plan.previous is None or writer.plan.open_pieces or identity_snapshot:
            writer.commit(pump.reported_size, complete=False, totals=None)
        return pump

    def _start_journal(self, writer: SetWriter) -> JournalPump:
        start = writer.plan.offset

        def on_block(done: int, total: int | None) -> None:
            # Records received: sealed ones, those waiting in the piece, those parsed and queued.
            received = writer.plan.records + self.buffer.records + pump.queued
            self.progress(BackupProgress(done, total, received))

        blocks = iter(self.terminal.read_file(FILE_MERCHANT_JOURNAL, max(start - 1, 0)))
        pump = JournalPump(blocks, start, writer.plan.last_seq, on_block)
        return pump

    def _cluster(self, set_dir: Path) -> int:
        try:
            return self.medium.cluster_bytes(set_dir)
        except OSError:
            return 32 * 1024

    # --- 3. dump ---------------------------------------------------------------------------

    def dump(self, writer: SetWriter, pump: JournalPump) -> None:
        """Records into pieces (sealed at once), a segment and a generation every
        segment_bytes; a dropped link or Ctrl-C commits what arrived."""
        buffer = self.buffer
        while (record := pump.next_record()) is not None:
            if len(buffer) + record.length > self.piece_bytes:
                writer.write_piece(buffer)
            buffer.add(record)
            if writer.plan.open_length + len(buffer) >= self.segment_bytes:
                writer.write_piece(buffer)
                writer.commit(pump.reported_size, complete=False, totals=None)
        writer.write_piece(buffer)
        if writer.plan.open_pieces:
            writer.commit(pump.reported_size, complete=False, totals=None)
        reported = pump.reported_size if pump.reported_size is not None else writer.plan.offset
        self.progress(BackupProgress(writer.plan.offset, reported, writer.plan.records))
        if pump.stopped is not None:
            raise pump.stopped
        if pump.interrupted is not None:
            self._link_lost(writer, pump.interrupted, reported)

    def _link_lost(self, writer: SetWriter, err: DeviceError, reported: int) -> NoReturn:
        """Everything received before the drop is committed; the message says how to go on."""
        message = _("{error} {committed} of {size} journal bytes are saved in {path}; reconnect "
                    "and run the same command with --resume to continue.").format(
            error=str(err).rstrip(), committed=writer.plan.offset, size=reported,
            path=writer.set_dir)
        try:
            raised = type(err)(message)
        except TypeError:
            raised = DeviceError(message)
        raise raised from err

    # --- 4. finish -------------------------------------------------------------------------

    def finish(self, writer: SetWriter, pump: JournalPump) -> BackupResult:
        reported = pump.reported_size if pump.reported_size is not None else writer.plan.offset
        self.stage(BackupStage(STAGE_TOTALS))
        try:
            terminal_totals = self.terminal.totals()
            writer.write_snapshot("totals", [encode_totals(terminal_totals)])
            self._write_log(writer)
        except LinkError as err:
            self._link_lost(writer, err, reported)
        comparison = compare_totals(terminal_totals,
                                    writer.plan.tally(self.identity.currency).to_totals())
        writer.commit(reported, complete=True, totals=comparison)
        plan = writer.plan
        return BackupResult(writer.set_dir, writer.generation, self.kit_key.public_key,
                            self.started_at, writer.segments_written,
                            plan.offset, max(reported, plan.offset), plan.records, True,
                            comparison, tuple(s.kind for s in plan.snapshots), writer.set_id,
                            writer.manifest_sha256 or "")

    def _write_log(self, writer: SetWriter) -> None:
        """The application log (file 02), streamed block by block with card numbers masked."""
        masker = LogMasker()
        first: dict[str, int] = {}
        self.stage(BackupStage(STAGE_LOG, done=0))

        def chunks() -> Iterator[bytes]:
            done = 0
            for block in read_log_blocks(self.terminal):
                first.setdefault("offset", block.offset)
                done += len(block.data)
                self.stage(BackupStage(STAGE_LOG, done=done, total=block.file_size))
                yield masker.feed(block.data)
            yield masker.finish()

        writer.write_snapshot("log", chunks(), offset=lambda: first.get("offset", 0),
                              count=lambda: masker.lines)

    # --- interruptions ---------------------------------------------------------------------

    def _before_writing(self, step: Callable[[], T]) -> T:
        """A terminal step before anything is written; Ctrl-C there ends with Interrupted."""
        try:
            return step()
        except (KeyboardInterrupt, Interrupted) as err:
            raise Interrupted(_("The backup was interrupted before anything of the journal was "
                                "written; run the same command again (with --resume if the "
                                "folder already holds the set).")) from err

    def interrupted(self, writer: SetWriter, err: BaseException) -> NoReturn:
        """Ctrl-C or SIGTERM during the dump or the finish: commit what was read, then stop."""
        try:
            writer.write_piece(self.buffer)
            if writer.plan.open_pieces:
                writer.commit(None, complete=False, totals=None)
        except (KeyboardInterrupt, Interrupted, OSError, DeviceError) as second:
            # Another Ctrl-C or a failing stick: the sealed pieces still let --resume go on.
            err.__context__ = second
        except Exception as second:
            err.__context__ = second
        raise Interrupted(_("The backup was interrupted; {committed} journal bytes are saved in "
                            "{path}. Run the same command with --resume to continue.").format(
            committed=writer.plan.offset, path=writer.set_dir)) from err


def _reraise(error: BaseException | None) -> NoReturn:
    assert error is not None
    raise error
