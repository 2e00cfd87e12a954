"""File names of a backup set and the README.txt that explains it to a stranger.

Names are FAT-safe (lower-case ``[a-z0-9.-]``, far below 64 characters) and
write-once: a name that already exists is never written again, so a retry of a
piece after a crash is the next part number, not an overwrite.

    journal-000003-00017.age     piece 17 of journal segment 3 (one age file, whole records)
    journal-000003-00017.seal    its seal: signed, until a manifest names the piece
    journal-000003-index.json    the pieces of segment 3, in order (named by a manifest)
    journal-000003.age           a whole segment as one age file (format version 1 sets)
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from posdiag.i18n import _

README_NAME = "README.txt"
SIGNATURE_SUFFIX = ".minisig"
# In a passphrase set: the set's own age key, encrypted to the passphrase (docs/backup-set.md).
PASSPHRASE_KEY_NAME = "set-key.age"

# Snapshots: what the terminal says about itself at backup time, one age file each.
SNAPSHOT_KINDS = ("identity", "totals", "log")

MANIFEST_PATTERN = re.compile(r"manifest-(\d{6})\.json")
PIECE_PATTERN = re.compile(r"journal-(\d{6})-(\d{5})\.age")
SEAL_PATTERN = re.compile(r"journal-(\d{6})-(\d{5})\.seal")
INDEX_PATTERN = re.compile(r"journal-(\d{6})-index(?:-(\d{1,3}))?\.json")
V1_SEGMENT_PATTERN = re.compile(r"journal-(\d{6})(?:-(\d{1,3}))?\.age")
SNAPSHOT_PATTERN = re.compile(r"(identity|totals|log)(?:-(\d{1,3}))?\.age")

MAX_ATTEMPTS = 999
MAX_PARTS = 99_999


def manifest_name(generation: int) -> str:
    return f"manifest-{generation:06d}.json"


def signature_name(generation: int) -> str:
    return manifest_name(generation) + SIGNATURE_SUFFIX


def piece_name(segment: int, part: int) -> str:
    return f"journal-{segment:06d}-{part:05d}.age"


def seal_name(segment: int, part: int) -> str:
    return f"journal-{segment:06d}-{part:05d}.seal"


def index_name(segment: int, attempt: int = 1) -> str:
    suffix = "" if attempt == 1 else f"-{attempt}"
    return f"journal-{segment:06d}-index{suffix}.json"


def snapshot_name(kind: str, attempt: int = 1) -> str:
    return f"{kind}.age" if attempt == 1 else f"{kind}-{attempt}.age"


def parse_manifest_name(name: str) -> int | None:
    """Generation number of a manifest file name, or None if it is not one."""
    match = MANIFEST_PATTERN.fullmatch(name)
    return int(match.group(1)) if match else None


def parse_piece_name(name: str) -> tuple[int, int] | None:
    """(segment, part) of a piece file name, or None."""
    match = PIECE_PATTERN.fullmatch(name)
    return (int(match.group(1)), int(match.group(2))) if match else None


def parse_seal_name(name: str) -> tuple[int, int] | None:
    """(segment, part) of a seal file name, or None."""
    match = SEAL_PATTERN.fullmatch(name)
    return (int(match.group(1)), int(match.group(2))) if match else None


def parse_index_name(name: str) -> int | None:
    """Segment number of an index file name, or None."""
    match = INDEX_PATTERN.fullmatch(name)
    return int(match.group(1)) if match else None


def _first_free(candidates: Iterable[str], taken: Iterable[str], what: str) -> str:
    existing = {name.lower() for name in taken}  # FAT compares names case-insensitively
    for name in candidates:
        if name not in existing:
            return name
    raise RuntimeError(_("{what} has been attempted {max_attempts} times").format(
                           what=what, max_attempts=MAX_ATTEMPTS))


def free_index_name(segment: int, taken: Iterable[str]) -> str:
    """The first name for segment ``segment``'s index that does not exist yet (never overwrite)."""
    return _first_free((index_name(segment, n) for n in range(1, MAX_ATTEMPTS + 1)), taken,
                       f"the index of segment {segment}")


def free_snapshot_name(kind: str, taken: Iterable[str]) -> str:
    """The first name for a ``kind`` snapshot that does not exist yet (never overwrite)."""
    return _first_free((snapshot_name(kind, n) for n in range(1, MAX_ATTEMPTS + 1)), taken,
                       f"the {kind} snapshot")


def next_part(segment: int, taken: Iterable[str]) -> int:
    """One above every part number of ``segment`` present as a piece or a seal."""
    numbers = [0]
    for name in taken:
        found = parse_piece_name(name.lower()) or parse_seal_name(name.lower())
        if found and found[0] == segment:
            numbers.append(found[1])
    part = max(numbers) + 1
    if part > MAX_PARTS:
        raise RuntimeError(_("segment {segment} has more than {max_parts} pieces").format(
                               segment=segment, max_parts=MAX_PARTS))
    return part


def next_generation(taken: Iterable[str]) -> int:
    """One above every manifest generation present (or whose signature is), damaged included."""
    numbers = [n for n in (parse_manifest_name(name.lower().removesuffix(SIGNATURE_SUFFIX))
                           for name in taken) if n is not None]
    return max(numbers, default=0) + 1


def set_dir_name(terminal_key: str, n: int = 1) -> str:
    """Folder name of a set on a medium chosen with ``--to auto``.

    The key (a serial number: device text) is PAN-masked first, so a serial number that
    reads as a card number never becomes a folder name (the masked digits become a dash)."""
    from posdiag.cards import mask_text

    masked = mask_text(terminal_key).lower()
    safe = re.sub(r"[^a-z0-9]+", "-", masked).strip("-")[:40] or "terminal"
    return f"posdiag-{safe}" if n == 1 else f"posdiag-{safe}-{n}"


README_TEXT = """\
posdiag backup set
==================

This folder holds an encrypted backup of a payment terminal's merchant journal,
totals, identity and log, written by posdiag. Nothing in it can be read without
the office age identity (secret key) the backup was encrypted to; the device
that wrote it cannot read it either.

Files
-----
journal-SSSSSS-PPPPP.age  Piece PPPPP of journal segment SSSSSS: whole journal records,
                          one age v1 file (https://age-encryption.org/v1), at most
                          56 KiB of journal each.
journal-SSSSSS-index.json The pieces of segment SSSSSS in order, with their sizes and
                          SHA-256 hashes. Decrypting the pieces listed by the indexes a
                          manifest names, in order, gives the journal byte for byte.
journal-SSSSSS-PPPPP.seal A piece written after the newest manifest, signed by the
                          kit so that an interrupted backup can be resumed; removed
                          once a manifest names the piece.
identity.age              The terminal's identity and its system-configuration printout
                          (JSON), as read when the backup started.
totals.age                The terminal's own turnover totals (JSON) at the end.
log.age                   The terminal's application log (file 02, text), card numbers
                          masked. A name like totals-2.age is a later attempt.
set-key.age               Only in a set made with a passphrase: the set's own age key,
                          encrypted to the passphrase; every other file is encrypted to it.
                          age -d set-key.age > set.key, then age -d -i set.key FILE.
manifest-NNNNNN.json      Manifest generation NNNNNN: the segments and snapshots, their
                          sizes and SHA-256 hashes, the terminal's identity, and the
                          comparison of the journal with the terminal's own totals.
                          Files are never rewritten; the highest generation that
                          verifies is the truth, and files no manifest names do not count.
manifest-NNNNNN.json.minisig
                          Ed25519 signature of the manifest by the backup kit, in
                          minisign format. The kit's public key is in the manifest
                          ("kit_key"); every generation of a set must carry the key of
                          its first one. Compare it with your register of kits.

Checking and reading
--------------------
  posdiag verify THIS-FOLDER                   hashes and signatures, no key needed
  posdiag verify THIS-FOLDER --kit-keys kits.txt   ... and the kit against a register
  posdiag verify THIS-FOLDER -i office.key     also decrypts and checks every record
  posdiag inspect THIS-FOLDER -i office.key    lists the transactions
  minisign -Vm manifest-NNNNNN.json -P <kit_key>
  posdiag inspect THIS-FOLDER -i office.key --part totals   (identity, totals, log)
  age -d -i office.key journal-000001-00001.age

The journal holds masked card numbers only; no track data, CVV or PIN data is
ever written (PCI DSS 3.3). Keep this medium secured and inventoried (PCI DSS 9.4).
"""
