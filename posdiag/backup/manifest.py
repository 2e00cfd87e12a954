"""Manifest generations of a backup set: records, canonical JSON, strict parsing.

A manifest is the commit record of a set (docs/backup-set.md). Its bytes are
canonical JSON (sorted keys, no spaces, ASCII, one trailing newline) so the
same manifest always signs to the same bytes; the signature is a minisign file
(signature.py).

Reading is strict, because a manifest comes off an untrusted stick: the bytes are
bounded (``MANIFEST_CAP``), every key and type is checked against the schema of
its format version before anything uses it, and the figures must add up
(segments contiguous from byte 0, counts summing to the journal's). Damaged,
foreign or inconsistent manifest bytes raise ``VerificationError``, never anything else.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from posdiag.backup import schema as s
from posdiag.backup.layout import (
    INDEX_PATTERN,
    MANIFEST_PATTERN,
    PASSPHRASE_KEY_NAME,
    README_NAME,
    SNAPSHOT_KINDS,
    SNAPSHOT_PATTERN,
    V1_SEGMENT_PATTERN,
    parse_manifest_name,
)
from posdiag.backup.signature import (  # re-exported: callers sign and check through here
    key_id,
    parse_public_key,
    public_key_string,
    raw_public_key,
    sign_manifest,
    verify_manifest_signature,
)
from posdiag.errors import VerificationError
from posdiag.i18n import _
from posdiag.journal import BRAND_ORDER

if TYPE_CHECKING:
    from posdiag.devices import TerminalIdentity

__all__ = [
    "FileEntry",
    "JournalState",
    "Manifest",
    "PassphraseKey",
    "PreviousGeneration",
    "SegmentEntry",
    "SnapshotEntry",
    "clean_terminal_text",
    "key_id",
    "manifest_from_bytes",
    "manifest_to_bytes",
    "parse_public_key",
    "public_key_string",
    "raw_public_key",
    "sha256_hex",
    "sign_manifest",
    "terminal_fields",
    "verify_manifest_signature",
]

MANIFEST_FORMAT = "posdiag-backup-set"
MANIFEST_VERSION = 2  # 2: journal segments are indexes of pieces; 1: one age file per segment
READABLE_VERSIONS = (1, 2)
# A manifest restates the whole set, a few hundred bytes per 8 MiB segment: a 100 GiB
# journal's would still be far below this. Anything larger is not a manifest and is not read.
MANIFEST_CAP = 4 << 20
MAX_SEGMENTS = 200_000
TERMINAL_KEYS = ("device_name", "serial_number", "software_version", "terminal_id",
                 "merchant_id", "currency")
TERMINAL_TEXT_MAX = 64


@dataclass(frozen=True, slots=True)
class FileEntry:
    """A file of the set as stored on the medium (ciphertext for segments)."""

    name: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class SegmentEntry:
    """One committed journal segment: a byte range of the journal, in encrypted pieces.

    Version 2: ``file`` is the segment's index (the list of its pieces, index.py) and
    ``parts`` their number. Version 1: ``file`` is the one age file, ``parts`` None.
    """

    index: int  # 1, 2, 3 ... in journal order
    file: FileEntry
    offset: int  # journal offset of the first plaintext byte
    length: int  # plaintext bytes (whole records)
    records: int
    first_seq: int | None
    last_seq: int | None
    tally: dict[str, list[int]]  # BMP 60 bucket -> [count, amount] for this segment
    parts: int | None = None
    kind: str = "journal"


@dataclass(frozen=True, slots=True)
class SnapshotEntry:
    """A segment holding what the terminal said about itself: identity, totals or its log.

    Unlike journal segments these are not ranges of an append-only file but whole
    readings taken during the backup; a later run replaces them by kind.
    """

    kind: str  # "identity", "totals" or "log" (layout.SNAPSHOT_KINDS)
    file: FileEntry
    offset: int  # of the plaintext within the terminal's file (log); 0 otherwise
    length: int  # plaintext bytes
    records: int  # log lines; 1 for identity and totals


@dataclass(frozen=True, slots=True)
class PassphraseKey:
    """A passphrase set's own age key: every file is encrypted to ``recipient``, and its
    secret half is ``file``, encrypted to the passphrase. One scrypt derivation per set (and
    per reader), not one per piece: scrypt costs a second and 64 MiB on a Pi."""

    recipient: str
    file: FileEntry


@dataclass(frozen=True, slots=True)
class PreviousGeneration:
    generation: int
    sha256: str  # of the previous manifest file; a hash chain makes a removed generation evident


@dataclass(frozen=True, slots=True)
class JournalState:
    file_id: int
    reported_size: int  # size the terminal reported when last read
    committed: int  # bytes of the journal held by the segments
    records: int
    last_seq: int | None
    complete: bool  # committed == reported_size at the time of this generation


@dataclass(frozen=True, slots=True)
class Manifest:
    generation: int
    set_id: str
    created: str  # kit clock, UTC, RFC 3339
    tool: str
    kit_key: str  # minisign public key of the signing kit
    terminal: dict[str, Any]
    recipients: tuple[str, ...]  # age recipients (public) or "scrypt"
    journal: JournalState
    segments: tuple[SegmentEntry, ...]
    readme: FileEntry | None = None
    snapshots: tuple[SnapshotEntry, ...] = ()
    previous: PreviousGeneration | None = None
    skipped: tuple[str, ...] = ()  # damaged newer generations this one supersedes
    totals: dict[str, Any] | None = None  # terminal totals vs journal, once the journal is complete
    currency: int | None = None
    passphrase_key: PassphraseKey | None = None  # version 2: a passphrase set's own key
    format: str = MANIFEST_FORMAT
    version: int = MANIFEST_VERSION
    extra: dict[str, Any] = field(default_factory=dict)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(obj: dict[str, Any]) -> bytes:
    """Sorted keys, compact, ASCII only, newline-terminated: one object, one byte string."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(
        "ascii") + b"\n"


def _file_json(entry: FileEntry) -> dict[str, Any]:
    return {"name": entry.name, "size": entry.size, "sha256": entry.sha256}


def _segment_json(segment: SegmentEntry) -> dict[str, Any]:
    data = {"kind": segment.kind, "index": segment.index, "file": _file_json(segment.file),
            "offset": segment.offset, "length": segment.length, "records": segment.records,
            "first_seq": segment.first_seq, "last_seq": segment.last_seq,
            "tally": segment.tally}
    if segment.parts is not None:
        data["parts"] = segment.parts
    return data


def manifest_to_json(manifest: Manifest) -> dict[str, Any]:
    journal = manifest.journal
    data = {
        "format": manifest.format, "version": manifest.version,
        "generation": manifest.generation, "set_id": manifest.set_id,
        "created": manifest.created, "tool": manifest.tool, "kit_key": manifest.kit_key,
        "terminal": manifest.terminal, "recipients": list(manifest.recipients),
        "journal": {"file_id": journal.file_id, "reported_size": journal.reported_size,
                    "committed": journal.committed, "records": journal.records,
                    "last_seq": journal.last_seq, "complete": journal.complete},
        "segments": [_segment_json(seg) for seg in manifest.segments],
        "readme": _file_json(manifest.readme) if manifest.readme else None,
        "snapshots": [{"kind": snap.kind, "file": _file_json(snap.file), "offset": snap.offset,
                       "length": snap.length, "records": snap.records}
                      for snap in manifest.snapshots],
        "previous": ({"generation": manifest.previous.generation,
                      "sha256": manifest.previous.sha256} if manifest.previous else None),
        "skipped": list(manifest.skipped),
        "totals": manifest.totals,
        "currency": manifest.currency,
        "extra": manifest.extra,
    }
    if manifest.version >= 2:
        key = manifest.passphrase_key
        data["passphrase_key"] = ({"recipient": key.recipient, "file": _file_json(key.file)}
                                  if key else None)
    return data


def manifest_to_bytes(manifest: Manifest) -> bytes:
    """Canonical JSON: sorted keys, compact, ASCII only, newline-terminated."""
    return canonical_json(manifest_to_json(manifest))


def terminal_fields(identity: TerminalIdentity) -> dict[str, Any]:
    """The identity a manifest names, in the form it is stored and compared.

    Values come from the terminal, so they are masked (no PAN in any field, whatever its
    name), stripped of control characters and cut to 64 characters: a manifest never
    holds what its own reader would refuse.
    """
    fields: dict[str, Any] = {}
    for name in TERMINAL_KEYS:
        value = getattr(identity, name)
        if isinstance(value, str):
            cleaned = clean_terminal_text(value)
            if cleaned:
                fields[name] = cleaned
        elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 9999:
            fields[name] = value
    return fields


def clean_terminal_text(value: str) -> str:
    """A terminal-supplied text as a manifest stores it: masked, no control characters, short."""
    from posdiag.cards import mask_text

    return re.sub(r"[\x00-\x1f\x7f]", "?", mask_text(value))[:TERMINAL_TEXT_MAX]


# --- the schema (docs/backup-set.md "Manifest JSON") -----------------------------------------

_HEX64 = s.text(s.HEX64, 64)
_COUNT = s.integer()
_SIGNED = s.integer(-s.MAX_SIZE, s.MAX_SIZE)  # amounts and net counts may be negative
_SEQ = s.nullable(s.integer(0, (1 << 63) - 1))


def _file(name: re.Pattern[str] | str) -> s.Check:
    """A file of the set: its name must be one the layout gives this kind of file."""
    return s.record({"name": s.text(name, 64), "size": _COUNT, "sha256": _HEX64})


_TALLY = s.mapping(s.literal(*BRAND_ORDER), s.pair(_SIGNED, _SIGNED), len(BRAND_ORDER))
_TOTALS_SIDE = s.record({
    "amount": _SIGNED, "currency": s.nullable(s.integer(0, 9999)),
    "receipt_from": s.nullable(_COUNT), "receipt_to": s.nullable(_COUNT),
    "brands": s.mapping(s.text(None, 64), s.pair(_SIGNED, _SIGNED), 64),
})
_TOTALS = s.nullable(s.record(
    {"agree": s.boolean, "brands_compared": s.boolean,
     "differences": s.list_of(s.text(None, 256), 64),
     "terminal": _TOTALS_SIDE, "journal": _TOTALS_SIDE},
    {"counts_modulo_256": s.boolean}))
_TERMINAL = s.record({}, {**{k: s.text(None, 256) for k in TERMINAL_KEYS if k != "currency"},
                          "currency": s.integer(0, 9999)})
_JOURNAL = s.record({"file_id": s.integer(0, 255), "reported_size": _COUNT,
                     "committed": _COUNT, "records": _COUNT, "last_seq": _SEQ,
                     "complete": s.boolean})
_SNAPSHOT = s.record({"kind": s.literal(*SNAPSHOT_KINDS), "file": _file(SNAPSHOT_PATTERN),
                      "offset": _COUNT, "length": _COUNT, "records": _COUNT})
_SEGMENT_FIELDS = {"kind": s.literal("journal"), "index": s.integer(1, MAX_SEGMENTS),
                   "offset": _COUNT, "length": s.integer(1), "records": s.integer(1),
                   "first_seq": _SEQ, "last_seq": _SEQ, "tally": _TALLY}
_ONE_FILE_SEGMENT = s.record({**_SEGMENT_FIELDS, "file": _file(V1_SEGMENT_PATTERN)})
_SEGMENT = {
    1: _ONE_FILE_SEGMENT,
    # A version-1 set continued by --resume keeps its one-file segments (without parts).
    2: s.with_or_without("parts", s.record({**_SEGMENT_FIELDS, "file": _file(INDEX_PATTERN),
                                            "parts": s.integer(1, 99_999)}),
                         _ONE_FILE_SEGMENT),
}


def _schema(version: int) -> s.Check:
    later = {} if version < 2 else {"passphrase_key": s.nullable(s.record({
        "recipient": s.text(r"[\x21-\x7e]{1,4096}", 4096),
        "file": _file(re.escape(PASSPHRASE_KEY_NAME))}))}
    return s.record({
        **later,
        "format": s.literal(MANIFEST_FORMAT), "version": s.literal(version),
        "generation": s.integer(1, 999_999), "set_id": s.text(r"[0-9a-f]{32}", 32),
        "created": s.text(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:[+-]\d{2}:\d{2}|Z)", 32),
        "tool": s.text(None, 100), "kit_key": s.text(r"[A-Za-z0-9+/]{56}", 56),
        "terminal": _TERMINAL,
        # Recipients are listed, never interpreted here: new types (age1pq1…) need no change.
        "recipients": s.list_of(s.text(r"[\x21-\x7e]{1,4096}", 4096), 64, 1),
        "journal": _JOURNAL,
        "segments": s.list_of(_SEGMENT[version], MAX_SEGMENTS),
        "readme": s.nullable(_file(re.escape(README_NAME))),
        "snapshots": s.list_of(_SNAPSHOT, len(SNAPSHOT_KINDS)),
        "previous": s.nullable(s.record({"generation": s.integer(1, 999_999),
                                         "sha256": _HEX64})),
        "skipped": s.list_of(s.text(MANIFEST_PATTERN, 32), 999),
        "totals": _TOTALS,
        "currency": s.nullable(s.integer(0, 9999)),
        "extra": s.record({}),
    })


_SCHEMAS = {version: _schema(version) for version in READABLE_VERSIONS}


def _consistency_problem(obj: dict[str, Any]) -> str | None:
    """Why the figures of a schema-valid manifest do not add up, or None."""
    generation, journal = obj["generation"], obj["journal"]
    offset, records = 0, 0
    last_seq: int | None = None
    for number, segment in enumerate(obj["segments"], start=1):
        if segment["index"] != number:
            return _("segment {number} is numbered {index}").format(number=number,
                                                                    index=segment["index"])
        if segment["offset"] != offset:
            return _("segment {number} starts at journal byte {offset}, where segment "
                     "{previous} ended at {end}").format(number=number, offset=segment["offset"],
                                                         previous=number - 1, end=offset)
        first, last = segment["first_seq"], segment["last_seq"]
        if first is None or last is None or first > last or \
                (last_seq is not None and first <= last_seq):
            return _("segment {number} has sequence numbers out of order").format(number=number)
        found = INDEX_PATTERN.fullmatch(segment["file"]["name"]) or \
            V1_SEGMENT_PATTERN.fullmatch(segment["file"]["name"])
        if found is None or int(found.group(1)) != number:
            return _("segment {number} names the file of another segment").format(number=number)
        offset += segment["length"]
        records += segment["records"]
        last_seq = last
    if (offset, records) != (journal["committed"], journal["records"]):
        return _("the segments hold {records} records / {offset} bytes, the journal entry says "
                 "{jrecords} / {jcommitted}").format(records=records, offset=offset,
                                                     jrecords=journal["records"],
                                                     jcommitted=journal["committed"])
    if obj["segments"] and journal["last_seq"] != last_seq:
        return _("the journal's last sequence number is not its last segment's")
    if journal["committed"] > journal["reported_size"]:
        return _("more journal bytes are committed than the terminal reported")
    if journal["complete"] and journal["committed"] != journal["reported_size"]:
        return _("the journal is called complete but not all of it is committed")
    if obj.get("passphrase_key") and obj["recipients"] != ["scrypt"]:
        return _("a set key for a passphrase is named, but the set is not encrypted to one")
    kinds = [snapshot["kind"] for snapshot in obj["snapshots"]]
    if len(set(kinds)) != len(kinds):
        return _("a snapshot kind is named twice")
    for snapshot in obj["snapshots"]:
        match = SNAPSHOT_PATTERN.fullmatch(snapshot["file"]["name"])
        if match is None or match.group(1) != snapshot["kind"]:
            return _("the {kind} snapshot names a file of another kind").format(
                kind=snapshot["kind"])
    previous = obj["previous"]
    floor = previous["generation"] if previous else 0
    if floor >= generation:
        return _("it follows generation {number}, which is not older than itself").format(
            number=floor)
    for name in obj["skipped"]:
        skipped = parse_manifest_name(name)
        if skipped is None or not floor < skipped < generation:
            return _("it skips {name}, which does not lie between it and the generation it "
                     "follows").format(name=name)
    return None


def manifest_from_bytes(data: bytes, name: str = "manifest") -> Manifest:
    """Parse a manifest; VerificationError if it is not a well-formed posdiag manifest."""
    def damaged(why: object) -> VerificationError:
        return VerificationError(_("{name} is damaged or not a posdiag manifest ({why}); fall "
                                   "back to an older generation or re-run the backup.")
                                 .format(name=name, why=why))

    if len(data) > MANIFEST_CAP:
        raise damaged(_("larger than {cap} bytes").format(cap=MANIFEST_CAP))
    try:
        obj = json.loads(data.decode("ascii"))
        if not isinstance(obj, dict) or obj.get("format") != MANIFEST_FORMAT:
            raise s.SchemaError(_("it is not a posdiag manifest"))
        version = obj.get("version")
        if version not in READABLE_VERSIONS or isinstance(version, bool):
            raise s.SchemaError(_("format version {version!r} is not one this posdiag reads")
                                .format(version=version))
        _SCHEMAS[version](obj, "")
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        # ValueError covers JSON syntax, SchemaError and integers too long to convert;
        # RecursionError deeply nested JSON from a damaged file.
        raise damaged(err) from err
    problem = _consistency_problem(obj)
    if problem:
        raise VerificationError(_("{name} does not add up ({problem}); it was altered or "
                                  "written wrongly.").format(name=name, problem=problem))
    manifest = _from_json(obj)
    if manifest_to_bytes(manifest) != data:
        raise VerificationError(_("{name} is not in canonical form; it was altered after "
                                  "signing.").format(name=name))
    return manifest


def _file_entry(obj: dict[str, Any]) -> FileEntry:
    return FileEntry(obj["name"], obj["size"], obj["sha256"])


def _from_json(obj: dict[str, Any]) -> Manifest:
    """A Manifest from a schema-checked object (every key and type already verified)."""
    journal = obj["journal"]
    return Manifest(
        generation=obj["generation"], set_id=obj["set_id"], created=obj["created"],
        tool=obj["tool"], kit_key=obj["kit_key"], terminal=dict(obj["terminal"]),
        recipients=tuple(obj["recipients"]),
        journal=JournalState(journal["file_id"], journal["reported_size"], journal["committed"],
                             journal["records"], journal["last_seq"], journal["complete"]),
        segments=tuple(
            SegmentEntry(index=seg["index"], file=_file_entry(seg["file"]), offset=seg["offset"],
                         length=seg["length"], records=seg["records"],
                         first_seq=seg["first_seq"], last_seq=seg["last_seq"],
                         tally=seg["tally"], parts=seg.get("parts"))
            for seg in obj["segments"]),
        readme=_file_entry(obj["readme"]) if obj["readme"] else None,
        snapshots=tuple(SnapshotEntry(snap["kind"], _file_entry(snap["file"]), snap["offset"],
                                      snap["length"], snap["records"])
                        for snap in obj["snapshots"]),
        previous=(PreviousGeneration(obj["previous"]["generation"], obj["previous"]["sha256"])
                  if obj["previous"] else None),
        skipped=tuple(obj["skipped"]), totals=obj["totals"], currency=obj["currency"],
        passphrase_key=(PassphraseKey(obj["passphrase_key"]["recipient"],
                                      _file_entry(obj["passphrase_key"]["file"]))
                        if obj.get("passphrase_key") else None),
        format=obj["format"], version=obj["version"], extra=dict(obj["extra"]),
    )
