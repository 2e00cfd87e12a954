"""The limits docs/backup-set.md promises are the ones the code enforces.

A technician or an independent reader sizes sticks and checks hostile files by what the
format document says: a cap changed in code and not in the document (or the other way
round) is a broken promise, so each figure is read out of the document and compared.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from posdiag.backup.contents import DECRYPT_CHUNK, SMALL_SNAPSHOT
from posdiag.backup.manifest import MANIFEST_CAP, MAX_SEGMENTS
from posdiag.backup.medium import MAX_FOLDER_ENTRIES
from posdiag.backup.pieces import INDEX_CAP, PIECE_BYTES, SEAL_CAP
from posdiag.backup.scan import SIGNATURE_CAP
from posdiag.backup.setwriter import README_CAP

DOC = (Path(__file__).resolve().parents[2] / "docs" / "backup-set.md").read_text(
    encoding="utf-8")
UNITS = {"KiB": 1024, "MiB": 1024 * 1024}


def documented_cap(what: str) -> int:
    """The figure of ``what`` in the sentence on bounded reads: "manifest 4 MiB, ..."."""
    sentence = re.search(r"otherwise by a cap:(.*?)\.\n", DOC, re.S)
    assert sentence, "docs/backup-set.md lost its sentence on bounded reads"
    found = re.search(rf"\b{what} ([\d ]+?) ?(KiB|MiB|entries)", " ".join(sentence[1].split()))
    assert found, f"docs/backup-set.md names no cap for {what}"
    return int(found[1].replace(" ", "")) * UNITS.get(found[2], 1)


@pytest.mark.parametrize(("what", "cap"), [
    ("manifest", MANIFEST_CAP), ("signature", SIGNATURE_CAP), ("seal", SEAL_CAP),
    ("index", INDEX_CAP), ("README", README_CAP), ("snapshot", SMALL_SNAPSHOT),
    ("folder", MAX_FOLDER_ENTRIES),
])
def test_every_read_cap_is_the_documented_one(what: str, cap: int) -> None:
    assert cap == documented_cap(what)


def test_a_piece_holds_at_most_the_documented_journal_bytes() -> None:
    found = re.search(r"at most \*\*(\d+) KiB\*\* of\s+journal each \(`pieces.PIECE_BYTES`\)", DOC)
    assert found and int(found[1]) * 1024 == PIECE_BYTES


def test_a_manifest_lists_at_most_the_documented_number_of_segments() -> None:
    found = re.search(r"\| `segments` \| list \(at most ([\d ]+)\)", DOC)
    assert found and int(found[1].replace(" ", "")) == MAX_SEGMENTS


def test_decryption_streams_chunks_of_the_documented_size() -> None:
    found = re.search(r"Decryption streams (\d+) KiB chunks", DOC)
    assert found and int(found[1]) * 1024 == DECRYPT_CHUNK
