"""run_backup: terminal journal → sanitised → age segments → signed manifest generations.

First the terminal's identity and configuration printout become the ``identity``
snapshot; at the end its totals and application log become the ``totals`` and
``log`` snapshots (snapshots.py), each its own age file named by the manifest.

Per segment: read journal blocks, parse every record (the sanitiser: no track
data, CVV, PIN data or full PAN passes), encrypt whole records into one age
file written once and read back, then write and read back a new signed
manifest generation naming it. An interruption loses at most the segment in
flight; a dropped link still commits the records already received. At the
end the journal's records are added up and compared with the terminal's own
totals (reconcile.py). The service never prints: progress goes to a callback.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from posdiag import __version__
from posdiag.backup import plan as planning
from posdiag.backup.kitkey import KitKey
from posdiag.backup.layout import README_NAME, README_TEXT, manifest_name, signature_name
from posdiag.backup.manifest import (
    JournalState,
    Manifest,
    SegmentEntry,
    SnapshotEntry,
    manifest_to_bytes,
    sign_manifest,
)
from posdiag.backup.media import require_free_space
from posdiag.backup.plan import BackupPlan
from posdiag.backup.reconcile import TotalsComparison, compare_totals, comparison_to_json
from posdiag.backup.sealing import encrypting
from posdiag.backup.snapshots import (
    LogMasker,
    encode_identity,
    encode_totals,
    read_configuration,
    read_log_blocks,
)
from posdiag.backup.verify import scan_set
from posdiag.backup.writer import HashingWriter, Medium, hash_file, media_error, write_once
from posdiag.cards import mask_data
from posdiag.devices import FILE_MERCHANT_JOURNAL, FileBlock, Terminal, TerminalIdentity
from posdiag.errors import DeviceError, ProtocolError, UsageError
from posdiag.journal import JournalParser, ParsedRecord, TurnoverTally

if TYPE_CHECKING:
    from posdiag.crypto.age import Recipient

# 8 MiB: on a 9600-baud line that is hours of transfer, so a drop costs at most one segment,
# yet a 100 MiB journal makes only 13 files (FAT directories stay small) and the age
# header/manifest overhead stays below 0.01 %. Only one record and one 64 KiB age chunk
# are held in memory at a time, whatever the segment size.
DEFAULT_SEGMENT_BYTES = 8 << 20


@dataclass(frozen=True, slots=True)
class BackupProgress:
    done: int  # journal bytes committed or in flight
    total: int | None  # journal size the terminal reported
    records: int


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


def utc_now() -> datetime:
    return datetime.now(UTC)


class _JournalPump:
    """Journal blocks → checked records, one at a time. A dropped link ends the stream early."""

    def __init__(self, blocks: Iterator[FileBlock], start: int, last_seq: int | None,
                 on_block: Callable[[int, int | None], None]) -> None:
        self._blocks = blocks
        self.parser = JournalParser(start, last_seq)
        # A resumed read starts one byte early: the committed part ends with a record's "\n",
        # so that byte proves the journal still reaches that far and tells its size.
        self._overlap = start > 0
        self._next_offset = start - 1 if self._overlap else start
        self._queue: deque[ParsedRecord] = deque()
        self._on_block = on_block
        self.reported_size: int | None = None
        self.exhausted = False
        self.interrupted: DeviceError | None = None

    @property
    def queued(self) -> int:
        return len(self._queue)

    def next_record(self) -> ParsedRecord | None:
        while not self._queue:
            if self.exhausted:
                return None
            try:
                block = next(self._blocks)
            except StopIteration:
                self.exhausted = True
                if self._overlap:
                    raise _JournalShrank(self._next_offset) from None
                self.parser.finish()
                return None
            except ProtocolError:
                raise
            except DeviceError as err:
                # Keep what is complete: the caller commits it, then re-raises.
                self.exhausted, self.interrupted = True, err
                return None
            if block.file_id != FILE_MERCHANT_JOURNAL or block.offset != self._next_offset:
                raise ProtocolError(f"The terminal sent journal bytes at offset {block.offset} "
                                    f"where {self._next_offset} was expected; retry the backup.")
            self._next_offset += len(block.data)
            self.reported_size = block.file_size
            data = block.data
            if self._overlap and data:
                if data[:1] != b"\n":
                    raise _JournalShrank(self._next_offset - len(data))
                self._overlap, data = False, data[1:]
            self._queue.extend(self.parser.feed(data))
            self._on_block(self._next_offset, block.file_size)
        return self._queue.popleft()


class _JournalShrank(Exception):
    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


def _check_same_terminal(manifest: Manifest, identity: TerminalIdentity) -> None:
    for key in ("serial_number", "terminal_id"):
        # The manifest holds the identity PAN-masked (_identity_json), so compare masked.
        theirs, ours = manifest.terminal.get(key), mask_data(getattr(identity, key))
        if theirs and ours and theirs != ours:
            raise UsageError(f"This backup set belongs to the terminal with {key} {theirs}, not "
                             f"{ours}; choose another folder to back up this terminal.")


def _identity_json(identity: TerminalIdentity) -> dict[str, Any]:
    """The identity as the plaintext manifest holds it: device text, so PAN-masked."""
    fields = ("device_name", "serial_number", "software_version", "terminal_id", "merchant_id",
              "currency")
    masked: dict[str, Any] = mask_data({name: getattr(identity, name) for name in fields
                                        if getattr(identity, name) is not None})
    return masked


def run_backup(terminal: Terminal, set_dir: Path, recipients: Sequence[Recipient],
               kit_key: KitKey, *, recipient_labels: Sequence[str] | None = None,
               resume: bool = False, medium: Medium | None = None,
               segment_bytes: int = DEFAULT_SEGMENT_BYTES,
               now: Callable[[], datetime] = utc_now,
               on_progress: Callable[[BackupProgress], None] | None = None) -> BackupResult:
    """Back up the terminal's journal, identity, totals and log into ``set_dir`` (created if
    missing); with ``resume``, continue the set found there from its last verified generation."""
    medium = medium or Medium()
    labels = tuple(recipient_labels or (str(r) for r in recipients))
    identity = terminal.identify()
    state = scan_set(set_dir, medium).state()
    if not state.is_empty and not resume:
        raise UsageError(f"{set_dir} already holds files; add --resume to continue that backup "
                         "set or choose an empty folder.")
    if state.committed is not None:
        _check_same_terminal(state.committed, identity)
    plan = planning.make_plan(state)
    try:
        medium.makedirs(set_dir)
    except OSError as err:
        raise media_error(err, set_dir) from err
    if plan.write_readme:
        readme = write_once(medium, set_dir, README_NAME,
                            lambda out: out.write(README_TEXT.encode("utf-8")))
        plan = planning.with_readme(plan, readme)
    elif plan.readme is None:
        plan = planning.with_readme(plan, hash_file(medium, set_dir / README_NAME))

    identity_snapshot: bytes | None = None
    if not plan.has_snapshot("identity"):
        # Read first, written with the first generation: even if the journal dump then fails,
        # the set says which terminal this was and how it was configured.
        config = read_configuration(terminal)
        identity_snapshot = encode_identity(identity, config.receipts, config.note)
    writer = _SetWriter(medium, set_dir, kit_key, identity, labels, now,
                        plan.set_id or uuid4().hex, identity.currency)
    started_at = plan.offset
    progress = on_progress or (lambda _p: None)
    records_before = plan.records
    state_box = {"records": 0}

    def on_block(done: int, total: int | None) -> None:
        # Records received so far: written ones plus those parsed and waiting to be encrypted.
        received = records_before + state_box["records"] + pump.queued
        progress(BackupProgress(done, total, received))

    blocks = iter(terminal.read_file(FILE_MERCHANT_JOURNAL, max(plan.offset - 1, 0)))
    pump = _JournalPump(blocks, plan.offset, plan.last_seq, on_block)
    segments_written = 0
    space_checked = False
    while (first := _next_or_shrank(pump, plan.offset)) is not None:
        if not space_checked and pump.reported_size is not None:
            require_free_space(medium, set_dir, pump.reported_size - plan.offset)
            space_checked = True
        segment = _write_segment(medium, set_dir, plan, pump, first, recipients,
                                 segment_bytes, identity.currency, state_box)
        plan = planning.advance_segment(plan, segment)
        segments_written += 1
        if identity_snapshot is not None:
            plan = _write_snapshot(medium, set_dir, plan, recipients, "identity",
                                   [identity_snapshot])
            identity_snapshot = None
        plan = writer.commit(plan, pump.reported_size, complete=False, totals=None)
    reported = pump.reported_size if pump.reported_size is not None else plan.offset
    progress(BackupProgress(plan.offset, reported, plan.records))
    if pump.interrupted is not None:
        # Everything received before the drop is committed; --resume continues from there.
        raise pump.interrupted
    if identity_snapshot is not None:  # an empty journal: no segment was written
        plan = _write_snapshot(medium, set_dir, plan, recipients, "identity", [identity_snapshot])
    terminal_totals = terminal.totals()
    comparison = compare_totals(terminal_totals, plan.tally(identity.currency).to_totals())
    plan = _write_snapshot(medium, set_dir, plan, recipients, "totals",
                           [encode_totals(terminal_totals)])
    plan = _write_log_snapshot(medium, set_dir, plan, recipients, terminal)
    plan = writer.commit(plan, reported, complete=True, totals=comparison)
    return BackupResult(set_dir, plan.next_generation - 1, kit_key.public_key, started_at,
                        segments_written, plan.offset, reported, plan.records, True, comparison,
                        tuple(s.kind for s in plan.snapshots))


def _write_snapshot(medium: Medium, set_dir: Path, plan: BackupPlan,
                    recipients: Sequence[Recipient], kind: str, chunks: Iterable[bytes],
                    offset: int = 0, count: Callable[[], int] = lambda: 1) -> BackupPlan:
    """Encrypt ``chunks`` into a new write-once ``kind`` snapshot file; the plan naming it."""
    length = 0

    def produce(out: HashingWriter) -> None:
        nonlocal length
        with encrypting(out, recipients) as encryptor:  # type: ignore[arg-type]
            for chunk in chunks:
                encryptor.write(chunk)
                length += len(chunk)

    entry = write_once(medium, set_dir, plan.snapshot_name(kind), produce)
    return planning.with_snapshot(plan, SnapshotEntry(kind, entry, offset, length, count()))


def _write_log_snapshot(medium: Medium, set_dir: Path, plan: BackupPlan,
                        recipients: Sequence[Recipient], terminal: Terminal) -> BackupPlan:
    """The application log (file 02), streamed block by block with card numbers masked."""
    masker = LogMasker()
    start = {"offset": 0, "seen": False}

    def chunks() -> Iterator[bytes]:
        for offset, data in read_log_blocks(terminal):
            if not start["seen"]:
                start.update(offset=offset, seen=True)
            yield masker.feed(data)
        yield masker.finish()

    plan = _write_snapshot(medium, set_dir, plan, recipients, "log", chunks(),
                           count=lambda: masker.lines)
    entry = plan.snapshots[-1]
    return planning.with_snapshot(plan, SnapshotEntry("log", entry.file, start["offset"],
                                                      entry.length, entry.records))


def _next_or_shrank(pump: _JournalPump, committed: int) -> ParsedRecord | None:
    try:
        return pump.next_record()
    except _JournalShrank as err:
        raise UsageError(f"The terminal's journal no longer matches this set at byte "
                         f"{err.offset} (the set holds {committed} bytes); it was cleared or "
                         "this is another terminal: back it up into a new folder.") from None


def _write_segment(medium: Medium, set_dir: Path, plan: BackupPlan, pump: _JournalPump,
                   first: ParsedRecord, recipients: Sequence[Recipient], segment_bytes: int,
                   currency: int | None, state_box: dict[str, int]) -> SegmentEntry:
    tally = TurnoverTally(currency)
    figures = {"length": 0, "records": 0, "first_seq": first.record.seq, "last_seq": 0}

    def produce(out: HashingWriter) -> None:
        record: ParsedRecord | None = first
        with encrypting(out, recipients) as encryptor:  # type: ignore[arg-type]
            while record is not None:
                encryptor.write(record.raw)
                tally.add(record.record)
                figures["length"] += record.length
                figures["records"] += 1
                figures["last_seq"] = record.record.seq
                state_box["records"] += 1
                if figures["length"] >= segment_bytes:
                    break
                record = pump.next_record()

    entry = write_once(medium, set_dir, plan.segment_name(), produce)
    return SegmentEntry(index=plan.next_index, file=entry, offset=plan.offset,
                        length=figures["length"], records=figures["records"],
                        first_seq=figures["first_seq"], last_seq=figures["last_seq"],
                        tally=tally.to_json())


class _SetWriter:
    """Writes manifest generations: canonical JSON, then its minisign signature, both read back."""

    def __init__(self, medium: Medium, set_dir: Path, kit_key: KitKey,
                 identity: TerminalIdentity, recipients: tuple[str, ...],
                 now: Callable[[], datetime], set_id: str, currency: int | None) -> None:
        self.medium, self.set_dir, self.kit_key = medium, set_dir, kit_key
        self.identity, self.recipients, self.now = identity, recipients, now
        self.set_id, self.currency = set_id, currency

    def commit(self, plan: BackupPlan, reported_size: int | None, *, complete: bool,
               totals: TotalsComparison | None) -> BackupPlan:
        generation = plan.next_generation
        size = plan.offset if reported_size is None else reported_size
        manifest = Manifest(
            generation=generation,
            set_id=self.set_id,
            created=self.now().astimezone(UTC).isoformat(timespec="seconds"),
            tool=f"posdiag {__version__}",
            kit_key=self.kit_key.public_key,
            terminal=_identity_json(self.identity),
            recipients=self.recipients,
            journal=JournalState(FILE_MERCHANT_JOURNAL, size, plan.offset, plan.records,
                                 plan.last_seq, complete and plan.offset == size),
            segments=plan.segments,
            readme=plan.readme,
            snapshots=plan.snapshots,
            previous=plan.previous,
            skipped=plan.skipped,
            totals=comparison_to_json(totals) if totals else None,
            currency=self.currency,
        )
        data = manifest_to_bytes(manifest)
        comment = (f"posdiag set {self.set_id} generation {generation} terminal "
                   f"{self.identity.terminal_id or '-'} serial "
                   f"{self.identity.serial_number or '-'} at {manifest.created}")
        signature = sign_manifest(data, self.kit_key.private_key, comment)
        entry = write_once(self.medium, self.set_dir, manifest_name(generation),
                           lambda out: out.write(data))
        write_once(self.medium, self.set_dir, signature_name(generation),
                   lambda out: out.write(signature))
        return planning.advance_generation(
            plan, generation, entry.sha256,
            (manifest_name(generation), signature_name(generation)))
