"""Pieces of a journal segment: the records, the segment index that lists them, and seals.

A segment (several MiB of journal, one manifest generation) is written as pieces:
age files of at most ``PIECE_BYTES`` of whole records each, so an interruption at
any moment loses at most one piece in flight (docs/backup-set.md "Pieces and seals").

Two small canonical-JSON documents go with them, encoded and checked here (no I/O):

* the **segment index** ``journal-SSSSSS-index.json`` lists the pieces of a closed
  segment in order (name, size, SHA-256, offset, length, records); the manifest
  names the index, so one hash covers every piece;
* a **seal** ``journal-SSSSSS-PPPPP.seal`` is written right after each piece, signed
  with the kit key and bound to the newest generation at the time (``base``). It
  is what lets ``--resume`` continue after a kill without re-reading the piece; once
  a generation names the piece, the seal has done its job and is removed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from posdiag.backup import schema as s
from posdiag.backup.layout import PIECE_PATTERN, parse_piece_name
from posdiag.backup.manifest import FileEntry, canonical_json
from posdiag.backup.signature import record_signature_holds, sign_record
from posdiag.errors import VerificationError
from posdiag.i18n import _
from posdiag.journal import BRAND_ORDER, TurnoverTally

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# 56 KiB of journal per piece: with one Read File block (at most 4 KiB as posdiag announces
# it) and one partial record (at most 2 KiB) still in flight, a kill loses under 64 KiB of
# transfer; and the piece's ciphertext (plus an age header for up to ~20 recipients) stays
# within 64 KiB, two clusters of a 32 KiB-cluster stick.
PIECE_BYTES = 56 * 1024
INDEX_FORMAT = "posdiag-segment-index"
SEAL_FORMAT = "posdiag-piece-seal"
FORMAT_VERSION = 1
SEAL_CAP = 16 * 1024  # a seal is about 700 bytes; nothing larger is read
INDEX_CAP = 8 << 20  # 99 999 pieces of about 190 bytes; the manifest bounds it more tightly
_SEAL_CONTEXT = b"posdiag piece seal v1"


@dataclass(frozen=True, slots=True)
class Piece:
    """One written and read-back piece: an age file of whole journal records."""

    segment: int
    part: int
    file: FileEntry
    offset: int  # journal offset of the first record
    length: int  # plaintext bytes
    records: int
    first_seq: int
    last_seq: int
    tally: dict[str, list[int]]


@dataclass(frozen=True, slots=True)
class IndexedPiece:
    """A piece as a segment index lists it."""

    file: FileEntry
    offset: int
    length: int
    records: int


@dataclass(frozen=True, slots=True)
class SealBase:
    """The generation a seal continues (the newest one when its piece was written)."""

    generation: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Seal:
    set_id: str
    kit_key: str
    base: SealBase
    piece: Piece


# --- segment index ---------------------------------------------------------------------------


def encode_index(segment: int, pieces: list[Piece]) -> bytes:
    return canonical_json({
        "format": INDEX_FORMAT, "version": FORMAT_VERSION, "segment": segment,
        "parts": [{"name": p.file.name, "size": p.file.size, "sha256": p.file.sha256,
                   "offset": p.offset, "length": p.length, "records": p.records}
                  for p in pieces],
    })


_HEX64 = s.text(s.HEX64, 64)
_PART = s.record({"name": s.text(PIECE_PATTERN, 32), "size": s.integer(),
                  "sha256": _HEX64, "offset": s.integer(), "length": s.integer(1),
                  "records": s.integer(1)})
_INDEX = s.record({"format": s.literal(INDEX_FORMAT), "version": s.literal(FORMAT_VERSION),
                   "segment": s.integer(1, 999_999), "parts": s.list_of(_PART, 99_999, 1)})


def decode_index(data: bytes, name: str, segment: int, offset: int) -> list[IndexedPiece]:
    """The pieces a segment index lists; VerificationError unless it is exactly one.

    ``segment`` and ``offset`` are what the manifest says: the index must be of that
    segment, and its pieces must follow each other from that journal offset.
    """
    obj = _parse(data, name, _INDEX)
    pieces = []
    position = offset
    seen: set[int] = set()
    for entry in obj["parts"]:
        found = parse_piece_name(entry["name"])
        if obj["segment"] != segment or found is None or found[0] != segment:
            raise _broken(name, _("it lists a piece of another segment"))
        if found[1] in seen or entry["offset"] != position:
            raise _broken(name, _("its pieces do not follow each other"))
        seen.add(found[1])
        position += entry["length"]
        pieces.append(IndexedPiece(FileEntry(entry["name"], entry["size"], entry["sha256"]),
                                   entry["offset"], entry["length"], entry["records"]))
    if encode_index(segment, [_as_piece(segment, p) for p in pieces]) != data:
        raise _broken(name, _("it is not in canonical form"))
    return pieces


def _as_piece(segment: int, indexed: IndexedPiece) -> Piece:
    return Piece(segment, 0, indexed.file, indexed.offset, indexed.length, indexed.records,
                 0, 0, {})


# --- seals -----------------------------------------------------------------------------------


def _seal_json(seal: Seal) -> dict[str, Any]:
    piece = seal.piece
    return {
        "format": SEAL_FORMAT, "version": FORMAT_VERSION, "set_id": seal.set_id,
        "kit_key": seal.kit_key,
        "base": {"generation": seal.base.generation, "sha256": seal.base.sha256},
        "segment": piece.segment, "part": piece.part,
        "file": {"name": piece.file.name, "size": piece.file.size,
                 "sha256": piece.file.sha256},
        "offset": piece.offset, "length": piece.length, "records": piece.records,
        "first_seq": piece.first_seq, "last_seq": piece.last_seq, "tally": piece.tally,
    }


def encode_seal(seal: Seal, private_key: Ed25519PrivateKey) -> bytes:
    """Seal file bytes: the canonical JSON line, then a line with its Ed25519 signature."""
    body = canonical_json(_seal_json(seal))
    return body + sign_record(body, private_key, _SEAL_CONTEXT).encode("ascii") + b"\n"


_SEQ = s.integer(0, (1 << 63) - 1)
_SIGNED = s.integer(-s.MAX_SIZE, s.MAX_SIZE)
_SEAL = s.record({
    "format": s.literal(SEAL_FORMAT), "version": s.literal(FORMAT_VERSION),
    "set_id": s.text(r"[0-9a-f]{32}", 32), "kit_key": s.text(r"[A-Za-z0-9+/]{56}", 56),
    "base": s.record({"generation": s.integer(1, 999_999), "sha256": _HEX64}),
    "segment": s.integer(1, 999_999), "part": s.integer(1, 99_999),
    "file": s.record({"name": s.text(PIECE_PATTERN, 32), "size": s.integer(),
                      "sha256": _HEX64}),
    "offset": s.integer(), "length": s.integer(1), "records": s.integer(1),
    "first_seq": _SEQ, "last_seq": _SEQ,
    "tally": s.mapping(s.literal(*BRAND_ORDER), s.pair(_SIGNED, _SIGNED), len(BRAND_ORDER)),
})


def decode_seal(data: bytes, name: str, kit_key: str) -> Seal:
    """A seal signed by ``kit_key``; VerificationError for anything else."""
    body, newline, rest = data.partition(b"\n")
    body += newline
    signature = rest.rstrip(b"\n").decode("ascii", "replace")
    if not newline or rest.count(b"\n") != 1 or not rest.endswith(b"\n"):
        raise _broken(name, _("it is not a seal"))
    obj = _parse(body, name, _SEAL)
    if obj["kit_key"] != kit_key or not record_signature_holds(body, signature, kit_key,
                                                               _SEAL_CONTEXT):
        raise _broken(name, _("it is not signed by this kit"))
    found = parse_piece_name(obj["file"]["name"])
    if found != (obj["segment"], obj["part"]) or obj["first_seq"] > obj["last_seq"]:
        raise _broken(name, _("its figures do not add up"))
    piece = Piece(obj["segment"], obj["part"],
                  FileEntry(obj["file"]["name"], obj["file"]["size"], obj["file"]["sha256"]),
                  obj["offset"], obj["length"], obj["records"], obj["first_seq"],
                  obj["last_seq"], obj["tally"])
    seal = Seal(obj["set_id"], obj["kit_key"],
                SealBase(obj["base"]["generation"], obj["base"]["sha256"]), piece)
    if canonical_json(_seal_json(seal)) != body:
        raise _broken(name, _("it is not in canonical form"))
    return seal


def peek_seal_base(data: bytes) -> int | None:
    """The base generation a seal claims, unchecked (for rollback evidence), or None."""
    try:
        obj = json.loads(data.partition(b"\n")[0].decode("ascii"))
        generation = obj["base"]["generation"]
    except (ValueError, UnicodeDecodeError, KeyError, TypeError, RecursionError):
        return None
    return generation if isinstance(generation, int) and not isinstance(generation, bool) \
        else None


# --- shared ----------------------------------------------------------------------------------


def _broken(name: str, why: str) -> VerificationError:
    return VerificationError(_("{name} is damaged or altered ({why}).").format(name=name,
                                                                                why=why))


def _parse(data: bytes, name: str, schema: s.Check) -> dict[str, Any]:
    try:
        obj = json.loads(data.decode("ascii"))
        checked: dict[str, Any] = schema(obj, "")
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise _broken(name, str(err)) from err
    return checked


def segment_figures(pieces: list[Piece], currency: int | None) -> dict[str, Any]:
    """What a manifest says of a segment made of ``pieces``: range, counts, seqs, tally."""
    tally = TurnoverTally(currency)
    for piece in pieces:
        tally.merge(TurnoverTally.from_json(piece.tally, currency))
    return {"offset": pieces[0].offset, "length": sum(p.length for p in pieces),
            "records": sum(p.records for p in pieces), "first_seq": pieces[0].first_seq,
            "last_seq": pieces[-1].last_seq, "tally": tally.to_json()}
