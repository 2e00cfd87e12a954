"""Everything a backup writes into a set folder: pieces, seals, indexes, snapshots, manifests.

Each file is written once and read back past the page cache before anything names it
(writer.py). The order is what makes a kill at any moment harmless:

    piece → its seal → … → the segment's index → manifest → signature → seals removed

A piece without a seal is an interrupted write (ignored); sealed pieces are adopted by
``--resume``; an index without its generation is superseded by the next one; a torn
manifest is skipped by the next generation. Seals are the only files ever removed,
and only once a read-back generation names their pieces.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posdiag import __version__
from posdiag.backup import plan as planning
from posdiag.backup.kitkey import KitKey
from posdiag.backup.layout import (
    PASSPHRASE_KEY_NAME,
    README_NAME,
    README_TEXT,
    manifest_name,
    parse_seal_name,
    piece_name,
    seal_name,
    signature_name,
)
from posdiag.backup.manifest import (
    JournalState,
    Manifest,
    PassphraseKey,
    SnapshotEntry,
    manifest_from_bytes,
    manifest_to_bytes,
    sign_manifest,
)
from posdiag.backup.medium import Medium
from posdiag.backup.pieces import Piece, Seal, SealBase, encode_index, encode_seal
from posdiag.backup.plan import BackupPlan
from posdiag.backup.reconcile import TotalsComparison, comparison_to_json
from posdiag.backup.sealing import encrypting
from posdiag.backup.writer import HashingWriter, hash_file, write_once
from posdiag.devices import FILE_MERCHANT_JOURNAL
from posdiag.errors import UnsafeFile
from posdiag.i18n import _
from posdiag.journal import ParsedRecord, TurnoverTally

if TYPE_CHECKING:
    from posdiag.crypto.age import Recipient


README_CAP = 64 * 1024


class PieceBuffer:
    """Whole records waiting to become the next piece (at most PIECE_BYTES of them)."""

    def __init__(self, currency: int | None) -> None:
        self._currency = currency
        self.clear(0)

    def clear(self, offset: int) -> None:
        self.data = bytearray()
        self.offset = offset
        self.records = 0
        self.first_seq: int | None = None
        self.last_seq: int | None = None
        self.tally = TurnoverTally(self._currency)

    def __len__(self) -> int:
        return len(self.data)

    def add(self, record: ParsedRecord) -> None:
        self.data += record.raw
        self.records += 1
        self.last_seq = record.record.seq
        if self.first_seq is None:
            self.first_seq = record.record.seq
        self.tally.add(record.record)


class SetWriter:
    """Writes one backup set, step by step, keeping the plan of what it has written."""

    def __init__(self, medium: Medium, set_dir: Path, plan: BackupPlan, kit_key: KitKey,
                 recipients: Sequence[Recipient], labels: tuple[str, ...],
                 terminal: dict[str, Any], currency: int | None,
                 now: Callable[[], datetime]) -> None:
        assert plan.set_id is not None
        self.medium, self.set_dir, self.plan = medium, set_dir, plan
        self.kit_key, self.recipients, self.labels = kit_key, recipients, labels
        self.terminal, self.currency, self.now = terminal, currency, now
        self.set_id: str = plan.set_id
        self.manifest_sha256: str | None = plan.previous.sha256 if plan.previous else None
        self.segments_written = 0
        self._seals_pending: list[str] = []  # seals to remove once a generation names the piece
        self._stale_seals = [name for name in plan.taken if (found := parse_seal_name(name))
                             and found[0] < plan.next_index]

    # --- plain files ------------------------------------------------------------------------

    def write_readme(self) -> None:
        entry = write_once(self.medium, self.set_dir, README_NAME,
                           lambda out: out.write(README_TEXT.encode("utf-8")))
        self.plan = planning.with_readme(self.plan, entry)

    def name_readme(self) -> None:
        """An existing README no generation names yet (the first one was torn): name it."""
        entry = hash_file(self.medium, self.set_dir / README_NAME, limit=README_CAP)
        if entry.size > README_CAP:
            raise UnsafeFile(_("{path} is larger than a posdiag README; this folder does not "
                               "hold a posdiag backup set.").format(
                path=self.set_dir / README_NAME))
        self.plan = planning.with_readme(self.plan, entry)

    def write_passphrase_key(self, secret: bytes, passphrase: Recipient,
                             recipient: Recipient) -> None:
        """set-key.age: the set's own key, encrypted to the passphrase (the one scrypt)."""
        def produce(out: HashingWriter) -> None:
            with encrypting(out, [passphrase]) as encryptor:  # type: ignore[arg-type]
                encryptor.write(secret)

        entry = write_once(self.medium, self.set_dir, PASSPHRASE_KEY_NAME, produce)
        self.plan = planning.with_passphrase_key(self.plan, PassphraseKey(str(recipient), entry))

    def write_snapshot(self, kind: str, chunks: Iterable[bytes],
                       offset: Callable[[], int] = lambda: 0,
                       count: Callable[[], int] = lambda: 1) -> None:
        """Encrypt ``chunks`` into a new write-once ``kind`` snapshot file.

        ``offset`` and ``count`` are asked once the chunks are written (a log's first
        offset and line count are known only then)."""
        length = 0

        def produce(out: HashingWriter) -> None:
            nonlocal length
            with encrypting(out, self.recipients) as encryptor:  # type: ignore[arg-type]
                for chunk in chunks:
                    encryptor.write(chunk)
                    length += len(chunk)

        entry = write_once(self.medium, self.set_dir, self.plan.snapshot_name(kind), produce)
        self.plan = planning.with_snapshot(
            self.plan, SnapshotEntry(kind, entry, offset(), length, count()))

    # --- journal pieces ---------------------------------------------------------------------

    def write_piece(self, buffer: PieceBuffer) -> None:
        """The buffered records as the next piece, then its seal; the buffer is emptied."""
        if not buffer.records:
            return
        assert buffer.first_seq is not None and buffer.last_seq is not None
        plan, data = self.plan, bytes(buffer.data)

        def produce(out: HashingWriter) -> None:
            with encrypting(out, self.recipients) as encryptor:  # type: ignore[arg-type]
                encryptor.write(data)

        self.plan, part = planning.reserve_part(plan)
        # The seal's folder fsync, right after, makes both names durable: one fsync fewer
        # per 56 KiB. A seal whose piece did not survive is not adopted (resume.py checks).
        entry = write_once(self.medium, self.set_dir, piece_name(plan.next_index, part), produce,
                           sync_dir=False)
        piece = Piece(plan.next_index, part, entry, buffer.offset, len(data),
                      buffer.records, buffer.first_seq, buffer.last_seq, buffer.tally.to_json())
        self._seal(piece)
        buffer.clear(piece.offset + piece.length)

    def _seal(self, piece: Piece) -> None:
        previous = self.plan.previous
        assert previous is not None, "pieces follow the set's first generation"
        seal = Seal(self.set_id, self.kit_key.public_key,
                    SealBase(previous.generation, previous.sha256), piece)
        data = encode_seal(seal, self.kit_key.private_key)
        name = seal_name(piece.segment, piece.part)
        write_once(self.medium, self.set_dir, name, lambda out: out.write(data))
        self.plan = planning.with_piece(self.plan, piece)
        self._seals_pending.append(name)

    def adopt(self, pieces: Iterable[Piece]) -> None:
        """Sealed pieces a killed run left (already read back): they join the open segment."""
        for piece in pieces:
            name = seal_name(piece.segment, piece.part)
            self.plan = planning.with_piece(self.plan, piece)
            self._seals_pending.append(name)

    def close_segment(self) -> None:
        """Write the index of the open pieces: they become the next segment of the set."""
        pieces = list(self.plan.open_pieces)
        if not pieces:
            return
        data = encode_index(self.plan.next_index, pieces)
        entry = write_once(self.medium, self.set_dir, self.plan.index_name(),
                           lambda out: out.write(data))
        self.plan = planning.close_segment(self.plan, entry, self.currency)
        self.segments_written += 1

    # --- generations ------------------------------------------------------------------------

    def commit(self, reported_size: int | None, *, complete: bool,
               totals: TotalsComparison | None) -> None:
        """Write and read back the next manifest generation and its signature."""
        self.close_segment()
        plan = self.plan
        generation = plan.next_generation
        size = plan.offset if reported_size is None else max(reported_size, plan.offset)
        manifest = Manifest(
            generation=generation,
            set_id=self.set_id,
            created=self.now().astimezone(UTC).isoformat(timespec="seconds"),
            tool=f"posdiag {__version__}",
            kit_key=self.kit_key.public_key,
            terminal=self.terminal,
            recipients=self.labels,
            journal=JournalState(FILE_MERCHANT_JOURNAL, size, plan.offset, plan.records,
                                 plan.last_seq, complete and plan.offset == size),
            segments=plan.segments,
            passphrase_key=plan.passphrase_key,
            readme=plan.readme,
            snapshots=plan.snapshots,
            previous=plan.previous,
            skipped=plan.skipped,
            totals=comparison_to_json(totals) if totals else None,
            currency=self.currency,
        )
        data = manifest_to_bytes(manifest)
        manifest_from_bytes(data, manifest_name(generation))  # never write what cannot be read
        comment = (f"posdiag set {self.set_id} generation {generation} terminal "
                   f"{self.terminal.get('terminal_id', '-')} serial "
                   f"{self.terminal.get('serial_number', '-')} at {manifest.created}")
        signature = sign_manifest(data, self.kit_key.private_key, comment)
        entry = write_once(self.medium, self.set_dir, manifest_name(generation),
                           lambda out: out.write(data))
        write_once(self.medium, self.set_dir, signature_name(generation),
                   lambda out: out.write(signature))
        self.plan = planning.advance_generation(
            plan, generation, entry.sha256, (manifest_name(generation), signature_name(generation)))
        self.manifest_sha256 = entry.sha256
        self._remove_seals()

    def _remove_seals(self) -> None:
        """Seals whose pieces a read-back generation now names have done their job."""
        done, self._seals_pending = [*self._stale_seals, *self._seals_pending], []
        self._stale_seals = []
        for name in done:
            with contextlib.suppress(OSError):  # a failing stick fails the next write anyway
                self.medium.remove(self.set_dir / name)

    @property
    def generation(self) -> int:
        return self.plan.next_generation - 1

    def figures(self) -> tuple[int, int]:
        """(journal bytes committed or sealed, records) so far."""
        return self.plan.offset, self.plan.records
