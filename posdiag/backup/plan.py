"""What is still to do for a backup set: pure functions over the set's verified state.

``make_plan`` reads the state found on the medium (files present, the newest
generation that verifies, damaged newer generations) and says where the journal
continues, which segment, piece and generation numbers come next and which names
are taken. ``adoptable`` picks the sealed pieces a killed run left after that
generation, so ``--resume`` continues from the last piece, not the last segment.
The ``with_*``/``advance_*``/``close_segment`` functions give the plan after one more
step. No I/O here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from posdiag.backup.layout import (
    README_NAME,
    free_index_name,
    free_snapshot_name,
    next_generation,
    next_part,
    piece_name,
)
from posdiag.backup.manifest import (
    FileEntry,
    Manifest,
    PassphraseKey,
    PreviousGeneration,
    SegmentEntry,
    SnapshotEntry,
)
from posdiag.backup.pieces import Piece, Seal, segment_figures
from posdiag.journal import TurnoverTally


@dataclass(frozen=True, slots=True)
class SetState:
    """A backup set folder as found: every name in it and the newest generation that verifies."""

    files: tuple[str, ...] = ()
    committed: Manifest | None = None
    committed_sha256: str | None = None  # of the committed manifest file
    damaged: tuple[str, ...] = ()  # manifest files newer than ``committed`` that do not verify

    @property
    def is_empty(self) -> bool:
        return not self.files


@dataclass(frozen=True, slots=True)
class BackupPlan:
    offset: int  # journal offset to read from
    next_index: int  # index of the segment being written
    next_part: int  # part number of the next piece of that segment
    next_generation: int
    last_seq: int | None
    records: int  # records committed or sealed
    segments: tuple[SegmentEntry, ...]  # closed segments
    open_pieces: tuple[Piece, ...]  # sealed pieces of the segment being written
    previous: PreviousGeneration | None
    skipped: tuple[str, ...]  # damaged generations the next manifest supersedes
    set_id: str | None  # None: a new set
    write_readme: bool
    taken: frozenset[str]  # names that exist; never written again
    readme: FileEntry | None = None
    snapshots: tuple[SnapshotEntry, ...] = ()  # identity, totals, log: at most one of each
    passphrase_key: PassphraseKey | None = None  # a passphrase set's own key (set-key.age)

    def piece_name(self) -> str:
        return piece_name(self.next_index, self.next_part)

    def index_name(self) -> str:
        return free_index_name(self.next_index, self.taken)

    def snapshot_name(self, kind: str) -> str:
        return free_snapshot_name(kind, self.taken)

    def has_snapshot(self, kind: str) -> bool:
        return any(s.kind == kind for s in self.snapshots)

    @property
    def open_length(self) -> int:
        """Journal bytes of the segment being written (sealed pieces)."""
        return sum(p.length for p in self.open_pieces)

    def tally(self, currency: int | None) -> TurnoverTally:
        """The turnover of every closed segment and sealed piece, summed."""
        total = TurnoverTally(currency)
        for segment in self.segments:
            total.merge(TurnoverTally.from_json(segment.tally, currency))
        for piece in self.open_pieces:
            total.merge(TurnoverTally.from_json(piece.tally, currency))
        return total


def make_plan(state: SetState) -> BackupPlan:
    taken = frozenset(name.lower() for name in state.files)
    manifest = state.committed
    write_readme = README_NAME.lower() not in taken
    if manifest is None:
        return BackupPlan(offset=0, next_index=1, next_part=next_part(1, taken),
                          next_generation=next_generation(taken), last_seq=None, records=0,
                          segments=(), open_pieces=(), previous=None, skipped=state.damaged,
                          set_id=None, write_readme=write_readme, taken=taken)
    assert state.committed_sha256 is not None
    index = len(manifest.segments) + 1
    return BackupPlan(
        offset=manifest.journal.committed,
        next_index=index,
        next_part=next_part(index, taken),
        next_generation=next_generation(taken),
        last_seq=manifest.journal.last_seq,
        records=manifest.journal.records,
        segments=manifest.segments,
        open_pieces=(),
        previous=PreviousGeneration(manifest.generation, state.committed_sha256),
        skipped=state.damaged,
        set_id=manifest.set_id,
        write_readme=write_readme,
        taken=taken,
        readme=manifest.readme,
        snapshots=manifest.snapshots,
        passphrase_key=manifest.passphrase_key,
    )


def adoptable(plan: BackupPlan, seals: Iterable[Seal], kit_key: str) -> list[Piece]:
    """The sealed pieces that continue the plan's committed state without a gap, in order.

    A seal counts when this kit signed it (checked when it was read), it belongs to
    this set, it was written on top of the committed generation, and its piece is
    the next one of the segment being written at the very next journal offset.
    Anything else (stale seals of an older generation, a gap) ends the chain.
    """
    if plan.set_id is None or plan.previous is None:
        return []
    candidates = sorted((seal for seal in seals
                         if seal.set_id == plan.set_id and seal.kit_key == kit_key
                         and seal.base.generation == plan.previous.generation
                         and seal.base.sha256 == plan.previous.sha256
                         and seal.piece.segment == plan.next_index),
                        key=lambda seal: seal.piece.part)
    chain: list[Piece] = []
    offset, last_seq = plan.offset, plan.last_seq
    for seal in candidates:
        piece = seal.piece
        if piece.offset != offset or (last_seq is not None and piece.first_seq <= last_seq):
            break
        chain.append(piece)
        offset, last_seq = piece.offset + piece.length, piece.last_seq
    return chain


def with_piece(plan: BackupPlan, piece: Piece) -> BackupPlan:
    """The plan once ``piece`` (and its seal) is written and read back.

    Piece and seal names are not added to ``taken``: part numbers only grow (reserve_part),
    so they cannot be reused, and a growing set copied per piece would cost O(pieces²)."""
    return dataclasses.replace(
        plan,
        offset=piece.offset + piece.length,
        next_part=max(plan.next_part, piece.part + 1),
        last_seq=piece.last_seq,
        records=plan.records + piece.records,
        open_pieces=(*plan.open_pieces, piece),
    )


def reserve_part(plan: BackupPlan) -> tuple[BackupPlan, int]:
    """The part number for the next piece, taken for good: a piece whose write was cut off
    (even by Ctrl-C between the piece and its seal) is never overwritten by a retry."""
    part = plan.next_part
    return dataclasses.replace(plan, next_part=part + 1), part


def close_segment(plan: BackupPlan, index_file: FileEntry, currency: int | None) -> BackupPlan:
    """The plan once the index of the open pieces is written: they form the next segment."""
    pieces = list(plan.open_pieces)
    figures = segment_figures(pieces, currency)
    segment = SegmentEntry(index=plan.next_index, file=index_file, parts=len(pieces), **figures)
    following = plan.next_index + 1
    return dataclasses.replace(
        plan,
        next_index=following,
        next_part=next_part(following, plan.taken),
        segments=(*plan.segments, segment),
        open_pieces=(),
        taken=plan.taken | {index_file.name.lower()},
    )


def advance_generation(plan: BackupPlan, generation: int, manifest_sha256: str,
                       names: tuple[str, ...]) -> BackupPlan:
    """The plan once manifest ``generation`` (files ``names``) is committed."""
    return dataclasses.replace(
        plan,
        next_generation=generation + 1,
        previous=PreviousGeneration(generation, manifest_sha256),
        skipped=(),
        taken=plan.taken | {n.lower() for n in names},
    )


def with_snapshot(plan: BackupPlan, snapshot: SnapshotEntry) -> BackupPlan:
    """The plan once ``snapshot`` is written and verified; it replaces one of the same kind."""
    kept = tuple(s for s in plan.snapshots if s.kind != snapshot.kind)
    return dataclasses.replace(plan, snapshots=(*kept, snapshot),
                               taken=plan.taken | {snapshot.file.name.lower()})


def with_readme(plan: BackupPlan, readme: FileEntry) -> BackupPlan:
    return dataclasses.replace(plan, write_readme=False, readme=readme,
                               taken=plan.taken | {README_NAME.lower()})


def with_passphrase_key(plan: BackupPlan, key: PassphraseKey) -> BackupPlan:
    return dataclasses.replace(plan, passphrase_key=key,
                               taken=plan.taken | {key.file.name.lower()})


def with_set_id(plan: BackupPlan, set_id: str) -> BackupPlan:
    return dataclasses.replace(plan, set_id=set_id)
