"""The keyless scan of a set at its edges (docs/backup-set.md, "verify" and "Trust model").

What a stick holds besides the set's own files is a note, each stray file named up to twenty
and the rest counted; the chain is checked generation by generation, so two broken links are
two problems; a segment index must list exactly the pieces, bytes and records its generation
counts; a file that is not a regular file is a problem of the set, not a crash; and one trace
of removed generations is enough to say the set was rolled back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from set_tools import load_manifest, manifest_files, resign

from posdiag.backup.kitkey import load_or_create_kit_key
from posdiag.backup.manifest import SegmentEntry
from posdiag.backup.medium import Medium
from posdiag.backup.scan import FileChecks, scan_set
from posdiag.backup.verify import verify_set
from posdiag.errors import VerificationError

PORT = "sim:journal=250,seed=52"


@pytest.fixture(scope="module")
def original(tmp_path_factory, office_key) -> tuple[Path, Path]:
    from posdiag.backup.service import run_backup
    from posdiag.crypto.age import parse_recipient
    from posdiag.terminals import open_terminal

    root = tmp_path_factory.mktemp("scan")
    with open_terminal(PORT) as terminal:
        run_backup(terminal, root / "set", [parse_recipient(office_key[1])],
                   load_or_create_kit_key(root / "kit"), segment_bytes=20 * 1024,
                   piece_bytes=8 * 1024)
    return root / "set", root / "kit"


@pytest.fixture
def stick(original, tmp_path) -> Path:
    shutil.copytree(original[0], tmp_path / "set")
    return tmp_path / "set"


@pytest.fixture
def kit(original):
    return load_or_create_kit_key(original[1])


def newest(set_dir: Path) -> dict:
    return load_manifest(manifest_files(set_dir)[-1])


def test_the_untouched_set_has_neither_problems_nor_notes(stick) -> None:
    report = verify_set(stick)
    assert report.ok and report.problems == [] and report.notes == []
    assert len(manifest_files(stick)) >= 4 and len(newest(stick)["segments"]) >= 3


@pytest.mark.parametrize(("strays", "more"), [(1, None), (20, None), (21, 1), (26, 6)])
def test_stray_files_are_named_up_to_twenty_and_the_rest_counted(stick, strays, more) -> None:
    for number in range(strays):
        (stick / f"stray-{number:02d}.txt").write_text("not part of the set\n")
    report = verify_set(stick)
    assert report.ok  # strays are notes, not problems
    named = [n for n in report.notes if n.endswith("is named by no manifest (an interrupted "
                                                   "write, or not part of the set); ignored")]
    assert len(named) == min(strays, 20)
    counted = [n for n in report.notes if n.endswith("more files are named by no manifest; "
                                                     "ignored")]
    assert counted == ([] if more is None else [f"{more} more files are named by no manifest; "
                                                "ignored"])


def test_files_of_generations_after_a_damaged_one_are_still_the_sets(stick) -> None:
    """Generation 1 torn (as by a pulled stick): the files later generations name are theirs,
    not strays."""
    first = manifest_files(stick)[0]
    first.write_bytes(first.read_bytes()[:40])
    report = verify_set(stick)
    assert not [n for n in report.notes if "named by no manifest" in n and
                not n.startswith("manifest-000001.json")], report.notes


def test_a_generation_that_follows_none_names_the_first_it_skips_over(stick, kit) -> None:
    three = load_manifest(manifest_files(stick)[2])["generation"]
    resign(stick, three, kit, lambda obj: obj.update(previous=None, skipped=[]))
    assert (f"manifest-{three:06d}.json: it does not follow manifest-000001.json, which lies "
            "before it (a fork or an altered chain)") in verify_set(stick).problems


def test_every_broken_link_of_the_chain_is_reported(stick, kit) -> None:
    second = load_manifest(manifest_files(stick)[1])["generation"]
    fourth = load_manifest(manifest_files(stick)[3])["generation"]
    resign(stick, second, kit, lambda obj: obj["previous"].update(sha256="0" * 64))
    resign(stick, fourth, kit, lambda obj: obj["previous"].update(sha256="1" * 64))
    problems = verify_set(stick).problems
    for number, follows in ((second, second - 1), (fourth, fourth - 1)):
        assert (f"manifest-{number:06d}.json: the generation {follows} it follows is missing or "
                "altered") in problems, problems


def test_an_index_must_list_as_many_pieces_as_its_generation_counts(stick, kit) -> None:
    resign(stick, newest(stick)["generation"], kit,
           lambda obj: obj["segments"][1].update(parts=obj["segments"][1]["parts"] + 1))
    assert ("journal-000002-index.json lists other pieces than the manifest counts"
            in " ".join(verify_set(stick).problems))


def test_an_index_must_hold_as_many_bytes_as_its_generation_counts(stick, kit) -> None:
    def one_byte_more(obj: dict) -> None:
        obj["segments"][1]["length"] += 1
        for segment in obj["segments"][2:]:
            segment["offset"] += 1
        obj["journal"]["committed"] += 1
        obj["journal"]["reported_size"] += 1

    resign(stick, newest(stick)["generation"], kit, one_byte_more)
    assert ("journal-000002-index.json lists other pieces than the manifest counts"
            in " ".join(verify_set(stick).problems))


def test_an_index_is_read_back_only_as_its_generation_hashed_it(stick) -> None:
    """Between the keyless check and decryption a file may change: reading an index again
    holds it to the SHA-256 its generation names, whichever way the hash differs."""
    segment = next(s for s in scan_set(stick).committed.manifest.segments if s.index == 2)
    checks = FileChecks(Medium(), stick, os.listdir(stick))
    assert len(checks.read_index(segment)) == segment.parts
    for wrong in ("0" * 64, "f" * 64):
        with pytest.raises(VerificationError, match="does not match its SHA-256"):
            checks.read_index(dataclasses.replace(segment, file=dataclasses.replace(
                segment.file, sha256=wrong)))
    with pytest.raises(VerificationError, match="is missing"):
        checks.read_index(dataclasses.replace(segment, file=dataclasses.replace(
            segment.file, name="journal-000002-index-9.json")))
    assert isinstance(segment, SegmentEntry)


def test_a_named_file_that_is_not_a_regular_file_is_a_problem_not_a_crash(stick) -> None:
    name = next(s for s in newest(stick)["snapshots"] if s["kind"] == "identity")["file"]["name"]
    (stick / name).unlink()
    os.mkfifo(stick / name)  # a reader that opened it would block for ever
    report = verify_set(stick)
    assert any(name in p and "not a regular file" in p for p in report.problems), report.problems


def test_one_trace_of_removed_generations_is_enough(stick) -> None:
    """Pieces of two segments beyond the newest generation's: rolled back, said once."""
    for segment in (9, 10):
        (stick / f"journal-{segment:06d}-00001.age").write_bytes(b"age-encryption.org/v1\n")
    rolled = [p for p in verify_set(stick).problems if "belongs to segment" in p]
    assert len(rolled) == 1, rolled


def test_a_scan_cannot_be_changed_after_it_was_made(stick) -> None:
    scan = scan_set(stick)
    with pytest.raises(dataclasses.FrozenInstanceError):
        scan.set_key = "another kit"  # type: ignore[misc]
    check = scan.generations[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.problem = None  # type: ignore[misc]
    assert not hasattr(check, "__dict__")
    assert json.dumps([g.generation for g in scan.generations])  # plain values
    assert hashlib.sha256(manifest_files(stick)[0].read_bytes()).hexdigest() == \
        scan.generations[0].sha256
