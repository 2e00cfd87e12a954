"""Reading a backup set back: the records of its newest verifying generation, decrypted.

Only files named by a manifest generation whose signature and hashes verify
are read, so what is shown is what the kit committed. Records stream out one
at a time (constant memory) and are masked by construction (the journal
format holds masked PANs only).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from posdiag.backup.manifest import Manifest
from posdiag.backup.verify import iter_segment, iter_snapshot, scan_set
from posdiag.backup.writer import Medium
from posdiag.errors import UsageError, VerificationError
from posdiag.journal import JournalParser, JournalRecord

if TYPE_CHECKING:
    from posdiag.crypto.age import Identity


@dataclass(frozen=True)
class OpenedSet:
    set_dir: Path
    generation: int
    manifest: Manifest
    medium: Medium

    def records(self, identities: Sequence[Identity]) -> Iterator[JournalRecord]:
        last_seq = None
        for segment in self.manifest.segments:
            parser = JournalParser(segment.offset, last_seq)
            for parsed in iter_segment(self.medium, self.set_dir, segment, identities, parser):
                yield parsed.record
            last_seq = parser.last_seq

    def snapshot(self, kind: str, identities: Sequence[Identity]) -> Iterator[bytes]:
        """The decrypted bytes of the identity, totals or log snapshot, in chunks."""
        entry = next((s for s in self.manifest.snapshots if s.kind == kind), None)
        if entry is None:
            raise VerificationError(f"The backup set holds no {kind} snapshot (generation "
                                    f"{self.generation}); it was interrupted before it, or "
                                    "written by an older posdiag.")
        yield from iter_snapshot(self.medium, self.set_dir, entry, identities)


def open_set(set_dir: Path, medium: Medium | None = None,
             kit_key: str | None = None) -> OpenedSet:
    """The newest generation that verifies; VerificationError if there is none."""
    medium = medium or Medium()
    if not set_dir.is_dir():
        raise UsageError(f"{set_dir} is not a folder; give the backup set's folder.")
    committed = scan_set(set_dir, medium, kit_key).committed
    if committed is None or committed.manifest is None:
        raise VerificationError(f"No manifest generation in {set_dir} verifies; run "
                                "'posdiag verify' on it to see what is wrong.")
    return OpenedSet(set_dir, committed.generation, committed.manifest, medium)
