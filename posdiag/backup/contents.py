"""Reading a backup set with a key: every record and snapshot decrypted and compared.

The stage after scan.py: the committed generation's pieces are decrypted in
order and parsed (docs/journal.md); each piece's length and record count must
match its segment index, each segment's offset, length, counts, sequence numbers
and per-brand tally its manifest entry; every snapshot's length and line count,
the identity it holds and the totals it holds must match the manifest. Reads are
bounded by the sizes the manifest declares and decrypted in 64 KiB chunks, so
memory stays constant however large the set.

When none of the identities opens the set, that is its own outcome
(``WrongIdentity``, exit 2), not a damaged backup: the message lists the
recipients the set was encrypted to.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from posdiag.backup.manifest import (
    FileEntry,
    Manifest,
    SegmentEntry,
    SnapshotEntry,
    clean_terminal_text,
)
from posdiag.backup.medium import Medium, media_error
from posdiag.backup.pieces import IndexedPiece
from posdiag.backup.scan import FileChecks
from posdiag.backup.sealing import decrypting, set_key_identity
from posdiag.backup.snapshots import IDENTITY_FORMAT, TOTALS_FORMAT, parse_snapshot_json
from posdiag.errors import (
    BadInput,
    PosdiagError,
    ProtocolError,
    UnsafeFile,
    VerificationError,
    WrongIdentity,
)
from posdiag.i18n import _
from posdiag.journal import JournalParser, ParsedRecord, TurnoverTally

if TYPE_CHECKING:
    from posdiag.crypto.age import Identity

DECRYPT_CHUNK = 1 << 16
# Identity and totals snapshots are a few KiB; anything far larger is not one.
SMALL_SNAPSHOT = 1 << 20


class _Bounded:
    """A file read no further than its declared size (+1 to notice it is longer)."""

    def __init__(self, file: BinaryIO, limit: int, path: Path) -> None:
        self._file, self._left, self._path = file, limit + 1, path

    def read(self, size: int = -1) -> bytes:
        want = self._left if size < 0 else min(size, self._left)
        data = self._file.read(want) if want > 0 else b""
        self._left -= len(data)
        if self._left <= 0:
            raise UnsafeFile(_("{path} is longer than the manifest says; it was changed while "
                               "being read.").format(path=self._path))
        return data


def wrong_identity(manifest: Manifest) -> WrongIdentity:
    shown = [_("a passphrase") if label == "scrypt" else label for label in manifest.recipients]
    return WrongIdentity(_("None of the given identities can open this set (it is encrypted to "
                           "{recipients}); give the identity or passphrase it was made for.")
                         .format(recipients=", ".join(shown)))


def opening_identities(checks: FileChecks, medium: Medium, manifest: Manifest,
                       identities: Sequence[Identity]) -> Sequence[Identity]:
    """What opens the set's files: the identities given, or - in a passphrase set - the
    set's own key, which the passphrase opens (one scrypt for the whole set)."""
    key = manifest.passphrase_key
    if key is None:
        return identities
    path = checks.path(key.file.name)
    if path is None:
        raise VerificationError(_("{name} is missing").format(name=key.file.name))
    plaintext = b"".join(_decrypted(medium, path, key.file, identities, manifest))
    try:
        identity = set_key_identity(plaintext[:SMALL_SNAPSHOT])
    except BadInput as err:
        raise VerificationError(_("{name} does not hold the set's key").format(
            name=key.file.name)) from err
    if str(getattr(identity, "recipient", lambda: "")()) != key.recipient:
        raise VerificationError(_("{name} holds another key than the manifest names").format(
            name=key.file.name))
    return [identity]


def _decrypted(medium: Medium, path: Path, entry: FileEntry, identities: Sequence[Identity],
               manifest: Manifest) -> Iterator[bytes]:
    """The plaintext of one age file of the set, in chunks; bounded by its declared size."""
    from posdiag.crypto.age import NoIdentityMatch

    try:
        with medium.open_read(path) as file:
            medium.drop_cache(file)
            try:
                reader = decrypting(_Bounded(file, entry.size, path),  # type: ignore[arg-type]
                                    identities)
            except NoIdentityMatch as err:
                raise wrong_identity(manifest) from err
            while chunk := reader.read(DECRYPT_CHUNK):
                yield chunk
    except OSError as err:
        raise media_error(err, path) from err


def segment_pieces(checks: FileChecks, segment: SegmentEntry) -> list[IndexedPiece]:
    """The age files of a segment: its index's pieces, or the one file of a version-1 set."""
    if segment.parts is None:
        return [IndexedPiece(segment.file, segment.offset, segment.length, segment.records)]
    return checks.read_index(segment)


def iter_segment(checks: FileChecks, medium: Medium, manifest: Manifest, segment: SegmentEntry,
                 identities: Sequence[Identity], parser: JournalParser) -> Iterator[ParsedRecord]:
    """Records of one segment, piece by piece, decrypted and parsed in constant memory."""
    for piece in segment_pieces(checks, segment):
        path = checks.path(piece.file.name)
        if path is None:
            raise VerificationError(_("{name} is missing").format(name=piece.file.name))
        start, count = parser.offset, 0
        try:
            for chunk in _decrypted(medium, path, piece.file, identities, manifest):
                for parsed in parser.feed(chunk):
                    count += 1
                    yield parsed
            parser.finish()
        except ProtocolError as err:
            raise VerificationError(_("{name}: its content is not a clean journal: {why}")
                                    .format(name=piece.file.name, why=err)) from err
        if (parser.offset - start, count) != (piece.length, piece.records):
            raise VerificationError(_("{name}: decrypted {count} records / {length} bytes, its "
                                      "index says {records} / {expected}").format(
                name=piece.file.name, count=count, length=parser.offset - start,
                records=piece.records, expected=piece.length))


def check_journal(checks: FileChecks, medium: Medium, manifest: Manifest,
                  identities: Sequence[Identity], problems: list[str]) -> int:
    """Decrypt every segment, parse its records and compare with the manifest's figures.

    Returns the records counted. WrongIdentity propagates: it is not a problem of the set.
    That the segments follow each other from byte 0 and add up to the journal's figures
    was checked when the manifest was read (manifest.py); here each is held to its content.
    """
    last_seq, records = None, 0
    for segment in manifest.segments:
        parser = JournalParser(segment.offset, last_seq)
        tally = TurnoverTally(manifest.currency)
        count, first_seq = 0, None
        try:
            for parsed in iter_segment(checks, medium, manifest, segment, identities, parser):
                tally.add(parsed.record)
                count += 1
                first_seq = parsed.record.seq if first_seq is None else first_seq
        except WrongIdentity:
            raise
        except PosdiagError as err:
            problems.append(_("segment {index}: {why}").format(index=segment.index, why=err))
            return records
        length = parser.offset - segment.offset
        if (length, count) != (segment.length, segment.records):
            problems.append(_("segment {index}: decrypted {count} records / {length} bytes, the "
                              "manifest says {records} / {expected}").format(
                index=segment.index, count=count, length=length, records=segment.records,
                expected=segment.length))
        if (first_seq, parser.last_seq) != (segment.first_seq, segment.last_seq):
            problems.append(_("segment {index}: its records run from sequence number {first} to "
                              "{last}, the manifest says {mfirst} to {mlast}").format(
                index=segment.index, first=first_seq, last=parser.last_seq,
                mfirst=segment.first_seq, mlast=segment.last_seq))
        if tally.to_json() != segment.tally:
            problems.append(_("segment {index}: its records add up to other per-brand counts "
                              "and amounts than the manifest states").format(index=segment.index))
        last_seq = parser.last_seq
        records += count
    return records


def iter_snapshot(checks: FileChecks, medium: Medium, manifest: Manifest,
                  snapshot: SnapshotEntry, identities: Sequence[Identity]) -> Iterator[bytes]:
    """The decrypted bytes of a snapshot, in chunks (constant memory)."""
    path = checks.path(snapshot.file.name)
    if path is None:
        raise VerificationError(_("{name} is missing").format(name=snapshot.file.name))
    yield from _decrypted(medium, path, snapshot.file, identities, manifest)


def log_lines(length: int, newlines: int, ends_with_newline: bool) -> int:
    """Lines of a log as the writer counts them: a last line without its newline counts."""
    return newlines + (1 if length and not ends_with_newline else 0)


def check_snapshot(checks: FileChecks, medium: Medium, manifest: Manifest,
                   snapshot: SnapshotEntry, identities: Sequence[Identity]) -> str | None:
    """Decrypt a snapshot and compare it with the manifest; the problem, or None if it holds."""
    length, newlines, last, small = 0, 0, b"", bytearray()
    try:
        for chunk in iter_snapshot(checks, medium, manifest, snapshot, identities):
            length += len(chunk)
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
            if snapshot.kind != "log" and len(small) <= SMALL_SNAPSHOT:
                small += chunk
        if length != snapshot.length:
            return _("decrypted {length} bytes, the manifest says {expected}").format(
                length=length, expected=snapshot.length)
        if snapshot.kind == "log":
            lines = log_lines(length, newlines, last == b"\n")
            if lines != snapshot.records:
                return _("decrypted {lines} log lines, the manifest says {expected}").format(
                    lines=lines, expected=snapshot.records)
        elif snapshot.kind == "identity":
            return _identity_problem(manifest, bytes(small), snapshot.file.name)
        elif snapshot.kind == "totals":
            doc = parse_snapshot_json(bytes(small), TOTALS_FORMAT, snapshot.file.name)
            stated = (manifest.totals or {}).get("terminal")
            if stated is not None and doc.get("totals") != stated:
                return _("holds other terminal totals than the manifest compared the journal "
                         "with")
    except WrongIdentity:
        raise
    except PosdiagError as err:
        return str(err)
    return None


def _identity_problem(manifest: Manifest, data: bytes, name: str) -> str | None:
    doc = parse_snapshot_json(data, IDENTITY_FORMAT, name)
    held = doc.get("identity")
    held = held if isinstance(held, dict) else {}
    for key, value in manifest.terminal.items():
        stored = held.get(key)
        if isinstance(stored, str):
            stored = clean_terminal_text(stored)
        if stored != value:
            return _("holds {key} {held!r}, the manifest says {value!r}").format(
                key=key, held=stored, value=value)
    return None


__all__ = ["check_journal", "check_snapshot", "iter_segment", "iter_snapshot",
           "opening_identities", "segment_pieces", "wrong_identity"]
