"""Checking a backup set: signatures, hash chain and file hashes; with a key, every record.

Without a key (``scan_set``/``verify_set``): each manifest generation must
carry a good minisign signature, name only files whose size and SHA-256 match,
and chain to the generation before it. The newest generation that passes is
the set's committed state (what ``--resume`` continues). With identities,
every committed segment is also decrypted and its records parsed and counted
against the manifest. Anything that does not hold is a problem (exit 1).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from posdiag.backup.layout import README_NAME, parse_manifest_name, signature_name
from posdiag.backup.manifest import (
    FileEntry,
    Manifest,
    SegmentEntry,
    SnapshotEntry,
    manifest_from_bytes,
    sha256_hex,
    verify_manifest_signature,
)
from posdiag.backup.plan import SetState
from posdiag.backup.sealing import decrypting
from posdiag.backup.snapshots import (
    IDENTITY_FORMAT,
    TOTALS_FORMAT,
    parse_snapshot_json,
)
from posdiag.backup.writer import Medium, hash_file, media_error
from posdiag.cards import mask_text
from posdiag.errors import PosdiagError, ProtocolError, UsageError, VerificationError
from posdiag.journal import JournalParser, ParsedRecord, TurnoverTally

if TYPE_CHECKING:
    from posdiag.crypto.age import Identity

DECRYPT_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class GenerationCheck:
    generation: int
    name: str
    sha256: str | None  # of the manifest file as read (None if unreadable)
    manifest: Manifest | None  # parsed, signature good
    problem: str | None  # None: the generation verifies

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class SetScan:
    files: tuple[str, ...]
    generations: tuple[GenerationCheck, ...]  # ascending

    @property
    def committed(self) -> GenerationCheck | None:
        good = [g for g in self.generations if g.ok]
        return good[-1] if good else None

    def state(self) -> SetState:
        committed = self.committed
        if committed is None:
            return SetState(self.files, None, None,
                            tuple(g.name for g in self.generations))
        damaged = tuple(g.name for g in self.generations if g.generation > committed.generation)
        return SetState(self.files, committed.manifest, committed.sha256, damaged)


class _HashCache:
    """Each file is read once per scan, however many generations name it."""

    def __init__(self, medium: Medium, set_dir: Path, files: Sequence[str]) -> None:
        self._medium, self._dir = medium, set_dir
        self._present = {name.lower(): name for name in files}
        self._cache: dict[str, FileEntry | None] = {}

    def get(self, name: str) -> FileEntry | None:
        if name not in self._cache:
            real = self._present.get(name.lower())
            self._cache[name] = hash_file(self._medium, self._dir / real) if real else None
        return self._cache[name]


def _file_problem(entry: FileEntry, found: FileEntry | None) -> str | None:
    if found is None:
        return f"{entry.name} is missing"
    if found.size != entry.size:
        return f"{entry.name} has {found.size} bytes instead of {entry.size} (truncated or altered)"
    if found.sha256 != entry.sha256:
        return f"{entry.name} does not match its SHA-256 (altered or damaged)"
    return None


def _check_generation(medium: Medium, set_dir: Path, name: str, generation: int,
                      hashes: _HashCache, kit_key: str | None) -> GenerationCheck:
    try:
        with medium.open_read(set_dir / name) as file:
            medium.drop_cache(file)
            data = file.read()
    except OSError as err:
        raise media_error(err, set_dir / name) from err
    digest = sha256_hex(data)
    sig_name = signature_name(generation)
    if hashes.get(sig_name) is None:
        return GenerationCheck(generation, name, digest, None, f"{sig_name} is missing")
    try:
        with medium.open_read(set_dir / sig_name) as file:
            signature = file.read()
        manifest = manifest_from_bytes(data, name)
        if manifest.generation != generation:
            raise VerificationError(f"{name} says it is generation {manifest.generation}")
        if kit_key is not None and manifest.kit_key != kit_key:
            raise VerificationError(f"{name} was signed by kit key {manifest.kit_key}, not the "
                                    "expected one")
        verify_manifest_signature(data, signature, manifest.kit_key, name)
    except OSError as err:
        raise media_error(err, set_dir / sig_name) from err
    except VerificationError as err:
        return GenerationCheck(generation, name, digest, None, str(err))
    for entry in (*(s.file for s in manifest.segments), *(s.file for s in manifest.snapshots)):
        problem = _file_problem(entry, hashes.get(entry.name))
        if problem:
            return GenerationCheck(generation, name, digest, manifest, problem)
    return GenerationCheck(generation, name, digest, manifest, None)


def scan_set(set_dir: Path, medium: Medium | None = None,
             kit_key: str | None = None) -> SetScan:
    """Every generation of the set checked without a key. A missing folder is an empty set."""
    medium = medium or Medium()
    try:
        files = tuple(medium.listdir(set_dir)) if set_dir.exists() else ()
    except OSError as err:
        raise media_error(err, set_dir) from err
    hashes = _HashCache(medium, set_dir, files)
    numbered = sorted((n, name) for name in files
                      if (n := parse_manifest_name(name.lower())) is not None)
    checks = tuple(_check_generation(medium, set_dir, name, n, hashes, kit_key)
                   for n, name in numbered)
    return SetScan(files, checks)


@dataclass
class VerifyReport:
    set_dir: Path
    generation: int | None = None  # newest generation that verifies
    kit_keys: list[str] = field(default_factory=list)
    segments: int = 0
    ciphertext_bytes: int = 0
    journal_bytes: int = 0
    records: int | None = None  # counted by decryption (None without identities)
    complete: bool = False
    snapshots: list[str] = field(default_factory=list)  # kinds held by the newest good generation
    totals_agree: bool | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.generation is not None


def verify_set(set_dir: Path, identities: Sequence[Identity] | None = None,
               kit_key: str | None = None, medium: Medium | None = None) -> VerifyReport:
    medium = medium or Medium()
    if not set_dir.is_dir():
        raise UsageError(f"{set_dir} is not a folder; give the backup set's folder.")
    scan = scan_set(set_dir, medium, kit_key)
    report = VerifyReport(set_dir)
    committed = scan.committed
    if not scan.generations:
        report.problems.append("no manifest generation found; this is not a complete backup set")
        return report
    tolerated = {s.lower() for g in scan.generations if g.manifest and g.ok
                 for s in g.manifest.skipped}
    by_number = {g.generation: g for g in scan.generations}
    for check in scan.generations:
        if check.ok:
            continue
        if check.name.lower() in tolerated:
            report.notes.append(f"{check.name}: interrupted write, superseded ({check.problem})")
        else:
            report.problems.append(f"{check.name}: {check.problem}")
    for check in scan.generations:
        if check.manifest is None or check.manifest.previous is None:
            continue
        prev = check.manifest.previous
        earlier = by_number.get(prev.generation)
        if earlier is None or earlier.sha256 != prev.sha256:
            report.problems.append(f"{check.name}: the generation {prev.generation} it follows "
                                   "is missing or altered")
    if committed is None or committed.manifest is None:
        report.problems.append("no manifest generation verifies")
        return report
    manifest = committed.manifest
    report.generation = committed.generation
    report.kit_keys = sorted({g.manifest.kit_key for g in scan.generations if g.manifest})
    report.segments = len(manifest.segments)
    report.ciphertext_bytes = sum(s.file.size for s in manifest.segments)
    report.journal_bytes = manifest.journal.committed
    report.complete = manifest.journal.complete
    if not report.complete:
        # A set that stopped part-way (link, medium or process lost) must never pass as a
        # finished backup, however sound its files are.
        report.problems.append(f"the backup is incomplete: {manifest.journal.committed} of "
                               f"{manifest.journal.reported_size} journal bytes committed; run "
                               "the backup again with --resume")
    report.snapshots = [s.kind for s in manifest.snapshots]
    if report.complete and not manifest.snapshots:
        report.notes.append("the set holds no identity, totals or log snapshot (written by an "
                            "older posdiag)")
    if manifest.totals is not None:
        report.totals_agree = bool(manifest.totals.get("agree"))
    if manifest.readme is not None:
        problem = _file_problem(manifest.readme, _HashCache(medium, set_dir, scan.files)
                                .get(README_NAME))
        if problem:
            report.problems.append(problem)
    named = {n.lower() for g in scan.generations if g.manifest
             for n in [*(s.file.name for s in g.manifest.segments),
                       *(s.file.name for s in g.manifest.snapshots)]}
    for name in scan.files:
        lower = name.lower()
        if lower.endswith(".age") and lower not in named:
            report.notes.append(f"{name} is named by no manifest (an interrupted write); ignored")
    if identities is not None:
        report.records = _check_contents(medium, set_dir, manifest, identities, report.problems)
        for snapshot in manifest.snapshots:
            problem = check_snapshot(medium, set_dir, manifest, snapshot, identities)
            if problem:
                report.problems.append(f"{snapshot.file.name}: {problem}")
    return report


def _check_contents(medium: Medium, set_dir: Path, manifest: Manifest,
                    identities: Sequence[Identity], problems: list[str]) -> int:
    """Decrypt every segment, parse its records and compare with the manifest's figures."""
    offset, last_seq, records = 0, None, 0
    for segment in manifest.segments:
        if segment.offset != offset:
            problems.append(f"{segment.file.name}: starts at journal byte {segment.offset}, "
                            f"expected {offset}")
        parser = JournalParser(segment.offset, last_seq)
        tally = TurnoverTally(manifest.currency)
        count = 0
        try:
            for parsed in iter_segment(medium, set_dir, segment, identities, parser):
                tally.add(parsed.record)
                count += 1
        except PosdiagError as err:
            problems.append(f"{segment.file.name}: {err}")
            return records
        length = parser.offset - segment.offset
        if (length, count) != (segment.length, segment.records) or \
                parser.last_seq != segment.last_seq or tally.to_json() != segment.tally:
            problems.append(f"{segment.file.name}: decrypted {count} records / {length} bytes, "
                            f"manifest says {segment.records} / {segment.length}")
        offset, last_seq = segment.offset + segment.length, parser.last_seq
        records += count
    if offset != manifest.journal.committed or records != manifest.journal.records:
        problems.append(f"the segments hold {records} records / {offset} bytes, the manifest "
                        f"says {manifest.journal.records} / {manifest.journal.committed}")
    return records


def iter_segment(medium: Medium, set_dir: Path, segment: SegmentEntry,
                 identities: Sequence[Identity], parser: JournalParser) -> Iterator[ParsedRecord]:
    """Records of one segment, decrypted and parsed in constant memory."""
    path = set_dir / segment.file.name
    try:
        with medium.open_read(path) as file:
            medium.drop_cache(file)
            reader = decrypting(file, identities)
            while chunk := reader.read(DECRYPT_CHUNK):
                yield from parser.feed(chunk)
        parser.finish()
    except OSError as err:
        raise media_error(err, path) from err
    except ProtocolError as err:
        raise VerificationError(f"its content is not a clean journal: {err}") from err


def iter_snapshot(medium: Medium, set_dir: Path, snapshot: SnapshotEntry,
                  identities: Sequence[Identity]) -> Iterator[bytes]:
    """The decrypted bytes of a snapshot segment, in chunks (constant memory)."""
    path = set_dir / snapshot.file.name
    try:
        with medium.open_read(path) as file:
            medium.drop_cache(file)
            reader = decrypting(file, identities)
            while chunk := reader.read(DECRYPT_CHUNK):
                yield chunk
    except OSError as err:
        raise media_error(err, path) from err


# Identity and totals snapshots are a few KiB; anything far larger is not one.
_SMALL_SNAPSHOT = 1 << 20


def check_snapshot(medium: Medium, set_dir: Path, manifest: Manifest, snapshot: SnapshotEntry,
                   identities: Sequence[Identity]) -> str | None:
    """Decrypt a snapshot and compare it with the manifest; the problem, or None if it holds."""
    length, lines, small = 0, 0, bytearray()
    try:
        for chunk in iter_snapshot(medium, set_dir, snapshot, identities):
            length += len(chunk)
            lines += chunk.count(b"\n")
            if snapshot.kind != "log" and len(small) <= _SMALL_SNAPSHOT:
                small += chunk
        if length != snapshot.length:
            return f"decrypted {length} bytes, the manifest says {snapshot.length}"
        if snapshot.kind == "log":
            # The last line of a log may lack its newline.
            if lines != snapshot.records and lines + 1 != snapshot.records:
                return f"decrypted {lines} log lines, the manifest says {snapshot.records}"
        elif snapshot.kind == "identity":
            doc = parse_snapshot_json(bytes(small), IDENTITY_FORMAT, snapshot.file.name)
            held = doc.get("identity") or {}
            for key, value in manifest.terminal.items():
                if held.get(key) != (mask_text(value) if isinstance(value, str) else value):
                    return f"holds {key} {held.get(key)!r}, the manifest says {value!r}"
        elif snapshot.kind == "totals":
            doc = parse_snapshot_json(bytes(small), TOTALS_FORMAT, snapshot.file.name)
            stated = (manifest.totals or {}).get("terminal")
            if stated is not None and doc.get("totals") != stated:
                return "holds other terminal totals than the manifest compared the journal with"
        else:
            return f"is a snapshot of unknown kind {snapshot.kind!r}"
    except PosdiagError as err:
        return str(err)
    return None
