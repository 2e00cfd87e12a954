"""What is still to do for a backup set: pure functions over the set's verified state.

``make_plan`` reads the state found on the medium (files present, the newest
generation that verifies, damaged newer generations) and says where the journal
continues, which segment and generation numbers come next and which names are
taken. ``--resume`` is nothing more than computing this again. ``advance`` is
the plan after one more committed segment. No I/O here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from posdiag.backup.layout import (
    README_NAME,
    free_segment_name,
    free_snapshot_name,
    next_generation,
)
from posdiag.backup.manifest import (
    FileEntry,
    Manifest,
    PreviousGeneration,
    SegmentEntry,
    SnapshotEntry,
)
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
    next_index: int  # index of the next segment
    next_generation: int
    last_seq: int | None
    records: int  # records already committed
    segments: tuple[SegmentEntry, ...]
    previous: PreviousGeneration | None
    skipped: tuple[str, ...]  # damaged generations the next manifest supersedes
    set_id: str | None  # None: a new set
    write_readme: bool
    taken: frozenset[str]  # names that exist; never written again
    readme: FileEntry | None = None
    snapshots: tuple[SnapshotEntry, ...] = ()  # identity, totals, log: at most one of each

    def segment_name(self) -> str:
        return free_segment_name(self.next_index, self.taken)

    def snapshot_name(self, kind: str) -> str:
        return free_snapshot_name(kind, self.taken)

    def has_snapshot(self, kind: str) -> bool:
        return any(s.kind == kind for s in self.snapshots)

    def tally(self, currency: int | None) -> TurnoverTally:
        """The turnover of every committed segment, summed."""
        total = TurnoverTally(currency)
        for segment in self.segments:
            total.merge(TurnoverTally.from_json(segment.tally, currency))
        return total


def make_plan(state: SetState) -> BackupPlan:
    taken = frozenset(name.lower() for name in state.files)
    manifest = state.committed
    if manifest is None:
        return BackupPlan(offset=0, next_index=1, next_generation=next_generation(taken),
                          last_seq=None, records=0, segments=(), previous=None,
                          skipped=state.damaged, set_id=None,
                          write_readme=README_NAME.lower() not in taken, taken=taken)
    assert state.committed_sha256 is not None
    return BackupPlan(
        offset=manifest.journal.committed,
        next_index=len(manifest.segments) + 1,
        next_generation=next_generation(taken),
        last_seq=manifest.journal.last_seq,
        records=manifest.journal.records,
        segments=manifest.segments,
        previous=PreviousGeneration(manifest.generation, state.committed_sha256),
        skipped=state.damaged,
        set_id=manifest.set_id,
        write_readme=README_NAME.lower() not in taken,
        taken=taken,
        readme=manifest.readme,
        snapshots=manifest.snapshots,
    )


def advance_segment(plan: BackupPlan, segment: SegmentEntry) -> BackupPlan:
    """The plan once ``segment`` is written and verified (not yet named by a manifest)."""
    return dataclasses.replace(
        plan,
        offset=segment.offset + segment.length,
        next_index=segment.index + 1,
        last_seq=segment.last_seq if segment.last_seq is not None else plan.last_seq,
        records=plan.records + segment.records,
        segments=(*plan.segments, segment),
        taken=plan.taken | {segment.file.name.lower()},
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
