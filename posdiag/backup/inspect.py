"""Reading a backup set back: the records of its newest verifying generation, decrypted.

``open_set`` applies the same keyless verification as ``posdiag verify`` (signatures,
hashes, kit-key pin and register, chain, rollback evidence) and refuses a set with
any problem but one: a set that is merely incomplete (an interrupted backup) can
still be read, and says so. Only files named by that generation are read, so what
is shown is what the kit committed. Records stream out one at a time (constant
memory) and are masked by construction (the journal format holds masked PANs only).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from posdiag.backup.contents import (
    iter_segment,
    iter_snapshot,
    opening_identities,
    segment_pieces,
)
from posdiag.backup.manifest import Manifest
from posdiag.backup.medium import Medium
from posdiag.backup.scan import FileChecks, scan_set
from posdiag.backup.verify import VerifyReport, report_scan, require_set_folder
from posdiag.errors import VerificationError
from posdiag.i18n import _
from posdiag.journal import JournalParser, JournalRecord

if TYPE_CHECKING:
    from posdiag.crypto.age import Identity


@dataclass(frozen=True)
class OpenedSet:
    set_dir: Path
    generation: int
    manifest: Manifest
    medium: Medium
    checks: FileChecks
    report: VerifyReport

    @property
    def complete(self) -> bool:
        return self.manifest.journal.complete

    def records(self, identities: Sequence[Identity]) -> Iterator[JournalRecord]:
        identities = opening_identities(self.checks, self.medium, self.manifest, identities)
        last_seq = None
        for segment in self.manifest.segments:
            parser = JournalParser(segment.offset, last_seq)
            for parsed in iter_segment(self.checks, self.medium, self.manifest, segment,
                                       identities, parser):
                yield parsed.record
            last_seq = parser.last_seq

    def journal_files(self) -> list[Path]:
        """The age files holding the journal, in order: decrypting and joining them (with
        posdiag or the age tool) gives the journal byte for byte."""
        files = []
        for segment in self.manifest.segments:
            for piece in segment_pieces(self.checks, segment):
                files.append(self.set_dir / piece.file.name)
        return files

    def snapshot(self, kind: str, identities: Sequence[Identity]) -> Iterator[bytes]:
        """The decrypted bytes of the identity, totals or log snapshot, in chunks."""
        entry = next((s for s in self.manifest.snapshots if s.kind == kind), None)
        if entry is None:
            raise VerificationError(_("The backup set holds no {kind} snapshot (generation "
                                      "{generation}); it was interrupted before it, or written "
                                      "by an older posdiag.").format(kind=kind,
                                                                     generation=self.generation))
        identities = opening_identities(self.checks, self.medium, self.manifest, identities)
        yield from iter_snapshot(self.checks, self.medium, self.manifest, entry, identities)


def open_set(set_dir: Path, medium: Medium | None = None, kit_key: str | None = None, *,
             kit_keys: Mapping[str, str] | None = None) -> OpenedSet:
    """The newest generation that verifies; VerificationError if the set does not verify."""
    medium = medium or Medium()
    require_set_folder(set_dir, medium, "inspect")
    scan = scan_set(set_dir, medium, kit_key, kit_keys=kit_keys)
    report = report_scan(scan, medium, key_checked=kit_key is not None or kit_keys is not None)
    committed = scan.committed
    if committed is None or committed.manifest is None:
        raise VerificationError(_("No manifest generation in {path} verifies; run 'posdiag "
                                  "verify' on it to see what is wrong.").format(path=set_dir))
    if report.problems and not report.only_incomplete:
        raise VerificationError(_("The backup set {path} does not verify ({problem}); run "
                                  "'posdiag verify' on it, and do not rely on it.").format(
            path=set_dir, problem=report.problems[0]))
    return OpenedSet(set_dir, committed.generation, committed.manifest, medium,
                     FileChecks(medium, set_dir, scan.files), report)
