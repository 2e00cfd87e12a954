"""Reading a backup set without a key: which generations verify, and whom to trust.

``scan_set`` checks every manifest generation on its own (bounded read, strict
schema, minisign signature, sizes and SHA-256 of every file it names, pieces
through their segment index) and then the set as a whole:

* **kit-key pin**: a set's signing key is fixed by its first generation; a later
  generation signed by another key is a problem and never the set's state;
* **register**: with known kit keys (``--kit-keys``), a set signed by another key is
  reported as signed by an unknown kit;
* **chain**: each generation names the one before it by SHA-256 and lists the damaged
  ones it supersedes; a removed, altered or forked generation shows;
* **rollback evidence**: files only a newer generation could have left (a signature
  without its manifest, a seal on a newer generation, pieces two segments on) mean
  newer generations were removed.

The newest generation that verifies and carries the set's key is the committed state
(what ``--resume`` continues and ``inspect`` shows). Nothing here decrypts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from posdiag.backup.layout import (
    README_NAME,
    SIGNATURE_SUFFIX,
    parse_index_name,
    parse_manifest_name,
    parse_piece_name,
    parse_seal_name,
    signature_name,
)
from posdiag.backup.manifest import (
    MANIFEST_CAP,
    FileEntry,
    Manifest,
    SegmentEntry,
    manifest_from_bytes,
    sha256_hex,
    verify_manifest_signature,
)
from posdiag.backup.medium import Medium, media_error, read_bounded
from posdiag.backup.pieces import INDEX_CAP, SEAL_CAP, IndexedPiece, decode_index, peek_seal_base
from posdiag.backup.plan import SetState
from posdiag.backup.writer import hash_file
from posdiag.errors import UnsafeFile, VerificationError
from posdiag.i18n import _, ngettext

SIGNATURE_CAP = 4096  # a minisign file is about 300 bytes


@dataclass(frozen=True, slots=True)
class GenerationCheck:
    generation: int
    name: str
    sha256: str | None  # of the manifest file as read (None if unreadable)
    manifest: Manifest | None  # parsed, signature good
    problem: str | None  # None: the generation verifies
    foreign: bool = False  # validly signed, but by another key than the set's first generation

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class SetScan:
    set_dir: Path
    files: tuple[str, ...]
    generations: tuple[GenerationCheck, ...]  # ascending
    set_key: str | None = None  # kit key of the first generation that verifies
    key_label: str | None = None  # its name in the register, if one was given and knows it
    trust_problems: tuple[str, ...] = ()  # foreign keys, unknown kit, chain, rollback
    notes: tuple[str, ...] = ()
    seal_names: tuple[str, ...] = field(default=())
    rolled_back: bool = False  # traces of newer generations that were removed

    @property
    def damage(self) -> tuple[str, ...]:
        """Damage or tampering: trust problems (another or an unknown kit, a broken chain,
        rollback evidence) and signed generations whose files are missing or altered. Only
        torn manifests (an interrupted write) are not. A set with damage is evidence: it is
        never continued (``--resume`` refuses it) and ``verify`` says to back up anew."""
        altered = [f"{g.name}: {g.problem}" for g in self.generations
                   if (g.manifest is not None or g.foreign) and g.problem is not None]
        return (*self.trust_problems, *altered)

    @property
    def committed(self) -> GenerationCheck | None:
        good = [g for g in self.generations if g.ok]
        return good[-1] if good else None

    def state(self) -> SetState:
        committed = self.committed
        if committed is None:
            return SetState(self.files, None, None, tuple(g.name for g in self.generations))
        damaged = tuple(g.name for g in self.generations if g.generation > committed.generation)
        return SetState(self.files, committed.manifest, committed.sha256, damaged)


def file_problem(entry: FileEntry, found: FileEntry | None) -> str | None:
    if found is None:
        return _("{name} is missing").format(name=entry.name)
    if found.size > entry.size:
        return _("{name} is larger than the {size} bytes recorded (altered)").format(
            name=entry.name, size=entry.size)
    if found.size != entry.size:
        return _("{name} has {found} bytes instead of {size} (truncated or altered)").format(
            name=entry.name, found=found.size, size=entry.size)
    if found.sha256 != entry.sha256:
        return _("{name} does not match its SHA-256 (altered or damaged)").format(
            name=entry.name)
    return None


class FileChecks:
    """Each file is read once per scan, however many generations name it; bounded reads only.

    A segment index is cached with its verdict on every piece it lists, so a set of
    many generations costs one pass over its pieces and a few hundred cache entries.
    """

    def __init__(self, medium: Medium, set_dir: Path, files: Sequence[str]) -> None:
        self._medium, self._dir = medium, set_dir
        self._present = {name.lower(): name for name in files}
        self._hashes: dict[tuple[str, int], FileEntry | str | None] = {}
        self._segments: dict[tuple[str, str, int, int | None, int, int], str | None] = {}
        self._named: dict[tuple[str, str, int], frozenset[str]] = {}

    def path(self, name: str) -> Path | None:
        real = self._present.get(name.lower())
        return self._dir / real if real else None

    def found(self, entry: FileEntry) -> FileEntry | str | None:
        """What the medium holds under the entry's name: read at most its size + 1 bytes."""
        key = (entry.name.lower(), entry.size)
        if key not in self._hashes:
            path = self.path(entry.name)
            try:
                self._hashes[key] = None if path is None else \
                    hash_file(self._medium, path, limit=entry.size)
            except UnsafeFile as err:
                self._hashes[key] = str(err)
        return self._hashes[key]

    def problem(self, entry: FileEntry) -> str | None:
        found = self.found(entry)
        return found if isinstance(found, str) else file_problem(entry, found)

    def read_index(self, segment: SegmentEntry) -> list[IndexedPiece]:
        """The pieces a version-2 segment's index lists (the index itself already checked)."""
        path = self.path(segment.file.name)
        if path is None:
            raise VerificationError(_("{name} is missing").format(name=segment.file.name))
        data = read_bounded(self._medium, path, min(segment.file.size, INDEX_CAP))
        if sha256_hex(data) != segment.file.sha256:
            raise VerificationError(_("{name} does not match its SHA-256 (altered or damaged)")
                                    .format(name=segment.file.name))
        return decode_index(data, segment.file.name, segment.index, segment.offset)

    def segment_problem(self, segment: SegmentEntry) -> str | None:
        """The first problem with the files of a segment: its index and every piece listed.

        The verdict is kept for every generation naming the same index at the same place and
        counting the same pieces, bytes and records: a generation that counts otherwise (one
        re-signed with other figures) is checked on its own."""
        key = (segment.file.name.lower(), segment.file.sha256, segment.offset, segment.parts,
               segment.length, segment.records)
        if key in self._segments:
            return self._segments[key]
        problem = self.problem(segment.file)
        if problem is None and segment.parts is not None:
            problem = self._pieces_problem(segment)
        self._segments[key] = problem
        return problem

    def _pieces_problem(self, segment: SegmentEntry) -> str | None:
        try:
            pieces = self.read_index(segment)
        except VerificationError as err:
            return str(err)
        if len(pieces) != segment.parts or \
                sum(p.length for p in pieces) != segment.length or \
                sum(p.records for p in pieces) != segment.records:
            return _("{name} lists other pieces than the manifest counts").format(
                name=segment.file.name)
        for piece in pieces:
            path = self.path(piece.file.name)
            try:
                found = None if path is None else \
                    hash_file(self._medium, path, limit=piece.file.size)
            except UnsafeFile as err:
                return str(err)
            problem = file_problem(piece.file, found)
            if problem:
                return problem
        return None

    def named_pieces(self, segment: SegmentEntry) -> frozenset[str]:
        """Lower-case names of the pieces a segment's index lists (each index read once)."""
        key = (segment.file.name.lower(), segment.file.sha256, segment.offset)
        if key not in self._named:
            try:
                self._named[key] = frozenset(p.file.name.lower()
                                             for p in self.read_index(segment))
            except VerificationError:
                self._named[key] = frozenset()
        return self._named[key]


def _read_generation(medium: Medium, set_dir: Path, name: str, generation: int,
                     present: Mapping[str, str]) -> tuple[str | None, Manifest | None, str | None]:
    """(sha256, manifest, problem) of one manifest file and its signature, checked alone."""
    try:
        data = read_bounded(medium, set_dir / name, MANIFEST_CAP)
    except UnsafeFile as err:
        return None, None, str(err)
    digest = sha256_hex(data)
    sig_name = present.get(signature_name(generation))
    if sig_name is None:
        return digest, None, _("{name} is missing").format(name=signature_name(generation))
    try:
        signature = read_bounded(medium, set_dir / sig_name, SIGNATURE_CAP)
        manifest = manifest_from_bytes(data, name)
        if manifest.generation != generation:
            raise VerificationError(_("{name} says it is generation {number}").format(
                name=name, number=manifest.generation))
        verify_manifest_signature(data, signature, manifest.kit_key, name)
    except VerificationError as err:  # UnsafeFile included
        return digest, None, str(err)
    return digest, manifest, None


def scan_set(set_dir: Path, medium: Medium | None = None, kit_key: str | None = None, *,
             kit_keys: Mapping[str, str] | None = None) -> SetScan:
    """Every generation of the set checked without a key. A missing folder is an empty set.

    ``kit_key`` pins the key the set must be signed by (``--kit-key``, or the kit's own on
    resume); ``kit_keys`` is a register of known kit keys (key -> label).
    """
    medium = medium or Medium()
    try:
        files = tuple(medium.listdir(set_dir)) if set_dir.exists() else ()
    except OSError as err:
        raise media_error(err, set_dir) from err
    present = {name.lower(): name for name in files}
    checks = FileChecks(medium, set_dir, files)
    raw = []
    for number, name in sorted((n, name) for name in files
                               if (n := parse_manifest_name(name.lower())) is not None):
        raw.append((number, name, *_read_generation(medium, set_dir, name, number, present)))
    set_key = next((m.kit_key for _n, _name, _d, m, _p in raw if m is not None), None)
    generations = []
    for number, name, digest, manifest, problem in raw:
        foreign = manifest is not None and manifest.kit_key != set_key
        if manifest is not None and foreign:
            problem = _("signed by kit key {key}, but the set's first generation by {first}: "
                        "another kit extended this set, do not trust that generation").format(
                key=manifest.kit_key, first=set_key)
            manifest = None  # another kit's generation is never the set's state
        elif manifest is not None:
            problem = _files_problem(manifest, checks)
        generations.append(GenerationCheck(number, name, digest, manifest, problem, foreign))
    scan = SetScan(set_dir, files, tuple(generations), set_key,
                   (kit_keys or {}).get(set_key or ""),
                   seal_names=tuple(n for n in files if parse_seal_name(n.lower())))
    rollback = _rollback_evidence(scan, medium, checks)
    trust = [*_register_problems(scan, kit_key, kit_keys), *_chain_problems(scan), *rollback]
    return SetScan(scan.set_dir, files, scan.generations, set_key, scan.key_label, tuple(trust),
                   tuple(_unnamed_notes(scan, checks)), scan.seal_names, bool(rollback))


def _files_problem(manifest: Manifest, checks: FileChecks) -> str | None:
    for segment in manifest.segments:
        problem = checks.segment_problem(segment)
        if problem:
            return problem
    for entry in (*(s.file for s in manifest.snapshots),
                  *((manifest.passphrase_key.file,) if manifest.passphrase_key else ())):
        problem = checks.problem(entry)
        if problem:
            return problem
    return None


def _register_problems(scan: SetScan, pinned: str | None,
                       register: Mapping[str, str] | None) -> list[str]:
    """The set's key against ``--kit-key`` and the register of known kits."""
    if scan.set_key is None:
        return []
    problems = []
    if pinned is not None and scan.set_key != pinned:
        problems.append(_("the set is signed by kit key {key}, not the expected {expected}")
                        .format(key=scan.set_key, expected=pinned))
    if register is not None and scan.set_key not in register:
        problems.append(_("the set is signed by an unknown kit: key {key} is not in the register "
                          "of known kits, so it was not written by one of your kits").format(
            key=scan.set_key))
    return problems


def _chain_problems(scan: SetScan) -> list[str]:
    """Each good generation must follow the newest good one before it, skipping only damage."""
    problems = []
    by_number = {g.generation: g for g in scan.generations}
    for check in scan.generations:
        manifest = check.manifest
        if manifest is None:
            continue
        previous = manifest.previous
        floor = previous.generation if previous else 0
        if previous is not None:
            earlier = by_number.get(previous.generation)
            if earlier is None or earlier.sha256 != previous.sha256:
                problems.append(_("{name}: the generation {number} it follows is missing or "
                                  "altered").format(name=check.name, number=previous.generation))
                continue
        skipped = {name.lower() for name in manifest.skipped}
        between = [g for g in scan.generations if floor < g.generation < check.generation]
        for other in between:
            if other.ok or other.name.lower() not in skipped:
                problems.append(_("{name}: it does not follow {other}, which lies before it "
                                  "(a fork or an altered chain)").format(name=check.name,
                                                                         other=other.name))
                break
    return problems


def _rollback_evidence(scan: SetScan, medium: Medium, checks: FileChecks) -> list[str]:
    """Traces of generations newer than the committed one that are no longer there."""
    committed = scan.committed
    newest = committed.generation if committed else 0
    problems = []
    manifests = {g.generation for g in scan.generations}
    for name in scan.files:
        lower = name.lower()
        if lower.endswith(SIGNATURE_SUFFIX):
            number = parse_manifest_name(lower.removesuffix(SIGNATURE_SUFFIX))
            if number is not None and number not in manifests:
                problems.append(_("{name} remains but its manifest was removed: a generation "
                                  "of this set is gone").format(name=name))
    if any(g.generation > newest for g in scan.generations):
        return problems  # damaged newer generations are reported as such; not a rollback
    for name in scan.seal_names:
        try:
            base = peek_seal_base(read_bounded(medium, scan.set_dir / name, SEAL_CAP))
        except VerificationError:
            continue
        if base is not None and base > newest:
            problems.append(_("{name} was sealed on generation {number}, which is no longer "
                              "here: newer generations were removed (rolled back)").format(
                name=name, number=base))
            break
    segments = committed.manifest.segments if committed and committed.manifest else ()
    open_segment = len(segments) + 1
    sealed = {parse_seal_name(n.lower()) for n in scan.seal_names}
    for name in scan.files:
        lower = name.lower()
        found = parse_piece_name(lower)
        segment = found[0] if found else parse_index_name(lower)
        if segment is not None and segment > open_segment:
            problems.append(_("{name} belongs to segment {segment}, but the newest generation "
                              "holds {count} segments: newer generations were removed (rolled "
                              "back)").format(name=name, segment=segment, count=len(segments)))
            break
        if found is None and segment == open_segment:
            # An index is written only after every piece it lists is sealed, and seals are
            # removed only once a generation names the index: unsealed, it lost its generation.
            listed = _index_pieces(medium, checks, name)
            if listed and not any(parse_piece_name(p.lower()) in sealed for p in listed):
                problems.append(_("{name} lists pieces that are neither sealed nor named by a "
                                  "generation: newer generations were removed (rolled back)")
                                .format(name=name))
                break
    return problems


def _index_pieces(medium: Medium, checks: FileChecks, name: str) -> list[str]:
    """Piece names an index not named by any manifest lists (unchecked beyond its form)."""
    path = checks.path(name)
    if path is None:
        return []
    try:
        obj = json.loads(read_bounded(medium, path, INDEX_CAP).decode("ascii"))
        return [str(part["name"]) for part in obj["parts"]][:1000]
    except (VerificationError, ValueError, UnicodeDecodeError, KeyError, TypeError,
            RecursionError):
        return []


def _unnamed_notes(scan: SetScan, checks: FileChecks) -> list[str]:
    """Files no generation names: interrupted writes, seals awaiting --resume, strangers."""
    named = {README_NAME.lower()}
    for check in scan.generations:
        manifest = check.manifest
        named.add(check.name.lower())
        named.add(signature_name(check.generation))
        if manifest is None:
            continue
        for segment in manifest.segments:
            named.add(segment.file.name.lower())
            if segment.parts is not None:
                named.update(checks.named_pieces(segment))
        named.update(s.file.name.lower() for s in manifest.snapshots)
        if manifest.passphrase_key:
            named.add(manifest.passphrase_key.file.name.lower())
    sealed = {n.lower().removesuffix(".seal") + ".age" for n in scan.seal_names}
    notes = []
    unsealed = [n for n in scan.files if n.lower() not in named and n.lower() not in sealed
                and not n.lower().endswith(".seal")]
    pending = [n for n in scan.files if n.lower() in sealed and n.lower() not in named]
    if pending:
        notes.append(ngettext(
            "{count} journal piece written after the newest generation is sealed but not yet "
            "named by a manifest; 'posdiag backup --resume' commits it",
            "{count} journal pieces written after the newest generation are sealed but not yet "
            "named by a manifest; 'posdiag backup --resume' commits them",
            len(pending)).format(count=len(pending)))
    for name in unsealed[:20]:
        notes.append(_("{name} is named by no manifest (an interrupted write, or not part of "
                       "the set); ignored").format(name=name))
    if len(unsealed) > 20:
        notes.append(_("{count} more files are named by no manifest; ignored").format(
            count=len(unsealed) - 20))
    return notes
