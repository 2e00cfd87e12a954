"""File names of a backup set and the README.txt that explains it to a stranger.

Names are FAT-safe (lower-case ``[a-z0-9.-]``, far below 64 characters) and
write-once: a name that already exists is never written again, so a retry of
segment 3 after a crash is ``journal-000003-2.age``, not an overwrite.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

README_NAME = "README.txt"
SIGNATURE_SUFFIX = ".minisig"

_SEGMENT = re.compile(r"journal-(\d{6})(?:-(\d{1,3}))?\.age")
_MANIFEST = re.compile(r"manifest-(\d{6})\.json")

# Snapshots: what the terminal says about itself at backup time, one age file each.
SNAPSHOT_KINDS = ("identity", "totals", "log")


def segment_name(index: int, attempt: int = 1) -> str:
    return f"journal-{index:06d}.age" if attempt == 1 else f"journal-{index:06d}-{attempt}.age"


def manifest_name(generation: int) -> str:
    return f"manifest-{generation:06d}.json"


def signature_name(generation: int) -> str:
    return manifest_name(generation) + SIGNATURE_SUFFIX


def parse_manifest_name(name: str) -> int | None:
    """Generation number of a manifest file name, or None if it is not one."""
    match = _MANIFEST.fullmatch(name)
    return int(match.group(1)) if match else None


def is_segment_name(name: str) -> bool:
    return _SEGMENT.fullmatch(name) is not None


def free_segment_name(index: int, taken: Iterable[str]) -> str:
    """The first name for segment ``index`` that does not exist yet (never overwrite)."""
    existing = {name.lower() for name in taken}  # FAT compares names case-insensitively
    for attempt in range(1, 1000):
        name = segment_name(index, attempt)
        if name not in existing:
            return name
    raise RuntimeError(f"segment {index} has been attempted 999 times")


def snapshot_name(kind: str, attempt: int = 1) -> str:
    return f"{kind}.age" if attempt == 1 else f"{kind}-{attempt}.age"


def free_snapshot_name(kind: str, taken: Iterable[str]) -> str:
    """The first name for a ``kind`` snapshot that does not exist yet (never overwrite)."""
    existing = {name.lower() for name in taken}
    for attempt in range(1, 1000):
        name = snapshot_name(kind, attempt)
        if name not in existing:
            return name
    raise RuntimeError(f"the {kind} snapshot has been attempted 999 times")


def next_generation(taken: Iterable[str]) -> int:
    """One above every manifest generation present, damaged ones included."""
    numbers = [n for n in (parse_manifest_name(name.lower()) for name in taken) if n is not None]
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
journal-NNNNNN.age        The journal, cut into segments at record boundaries.
                          Each segment is one age v1 file (https://age-encryption.org/v1).
                          Decrypting the segments named by a manifest and joining them
                          in that order gives the journal byte for byte.
journal-NNNNNN-K.age      A later attempt at the same segment (an earlier attempt was
                          interrupted); only files named by a manifest count.
identity.age              The terminal's identity and its system-configuration printout
                          (JSON), as read when the backup started.
totals.age                The terminal's own turnover totals (JSON) at the end.
log.age                   The terminal's application log (file 02, text), card numbers
                          masked. A name like totals-2.age is a later attempt.
manifest-NNNNNN.json      Manifest generation NNNNNN: the segments, their sizes and
                          SHA-256 hashes, the terminal's identity, and the comparison of
                          the journal with the terminal's own totals. Files are never
                          rewritten; the highest generation that verifies is the truth.
manifest-NNNNNN.json.minisig
                          Ed25519 signature of the manifest by the backup kit, in
                          minisign format. The kit's public key is in the manifest
                          ("kit_key"); compare it with your register of kits.

Checking and reading
--------------------
  posdiag verify THIS-FOLDER                   hashes and signatures, no key needed
  posdiag verify THIS-FOLDER -i office.key     also decrypts and checks every record
  posdiag inspect THIS-FOLDER -i office.key    lists the transactions
  minisign -Vm manifest-NNNNNN.json -P <kit_key>
  posdiag inspect THIS-FOLDER -i office.key --part totals   (identity, totals, log)
  age -d -i office.key journal-000001.age

The journal holds masked card numbers only; no track data, CVV or PIN data is
ever written (PCI DSS 3.3). Keep this medium secured and inventoried (PCI DSS 9.4).
"""
