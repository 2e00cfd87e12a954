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
from set_tools import emulator_set, load_manifest, manifest_files, resign

from posdiag.backup.kitkey import load_or_create_kit_key
from posdiag.backup.manifest import SegmentEntry
from posdiag.backup.medium import Medium
from posdiag.backup.scan import FileChecks, scan_set
from posdiag.backup.verify import verify_set
from posdiag.errors import VerificationError

PORT = "sim:journal=250,seed=52"


@pytest.fixture(scope="module")
def original(tmp_path_factory, office_key) -> tuple[Path, Path]:
    return emulator_set(tmp_path_factory.mktemp("scan"), PORT, office_key[1])


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


@pytest.mark.parametrize(("strays", "more"), [(1, None), (20, None), (21, 1), (45, 25)])
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
    assert not [n for n in report.notes if "sealed but not yet named" in n]  # no seal: no piece


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
    forks = [p for p in verify_set(stick).problems if p.startswith(f"manifest-{three:06d}.json")]
    assert forks == [f"manifest-{three:06d}.json: it does not follow manifest-000001.json, "
                     "which lies before it (a fork or an altered chain)"]  # one, not one each


def test_a_fork_after_a_damaged_generation_is_still_found(stick, kit) -> None:
    first = manifest_files(stick)[0]
    first.write_bytes(first.read_bytes()[:40])  # generation 1 torn
    number = newest(stick)["generation"]
    resign(stick, number, kit, lambda obj: obj.update(previous=None, skipped=[]))
    assert any(p.startswith(f"manifest-{number:06d}.json: it does not follow") for p in
               verify_set(stick).problems)


def test_a_generation_numbered_0_is_not_one_a_first_generation_skips(stick) -> None:
    (stick / "manifest-000000.json").write_bytes(b"{}")
    problems = verify_set(stick).problems
    assert not [p for p in problems if "does not follow manifest-000000.json" in p], problems


def test_every_broken_link_of_the_chain_is_reported(stick, kit) -> None:
    second = load_manifest(manifest_files(stick)[1])["generation"]
    fourth = load_manifest(manifest_files(stick)[3])["generation"]
    resign(stick, second, kit, lambda obj: obj["previous"].update(sha256="0" * 64))
    resign(stick, fourth, kit, lambda obj: obj["previous"].update(sha256="f" * 64))
    problems = verify_set(stick).problems
    for number, follows in ((second, second - 1), (fourth, fourth - 1)):
        assert (f"manifest-{number:06d}.json: the generation {follows} it follows is missing or "
                "altered") in problems, problems


@pytest.mark.parametrize("delta", [1, -1])
def test_an_index_must_list_as_many_pieces_as_its_generation_counts(stick, kit,
                                                                    delta) -> None:
    resign(stick, newest(stick)["generation"], kit,
           lambda obj: obj["segments"][1].update(parts=obj["segments"][1]["parts"] + delta))
    assert ("journal-000002-index.json lists other pieces than the manifest counts"
            in " ".join(verify_set(stick).problems))


@pytest.mark.parametrize("delta", [1, -1])
def test_an_index_must_hold_as_many_bytes_as_its_generation_counts(stick, kit, delta) -> None:
    def one_byte_more(obj: dict) -> None:
        obj["segments"][1]["length"] += delta
        for segment in obj["segments"][2:]:
            segment["offset"] += delta
        obj["journal"]["committed"] += delta
        obj["journal"]["reported_size"] += delta

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


def test_a_piece_that_is_not_a_regular_file_is_a_problem_not_a_crash(stick) -> None:
    index = json.loads((stick / "journal-000002-index.json").read_bytes())
    piece = index["parts"][1]["name"]
    (stick / piece).unlink()
    os.mkfifo(stick / piece)
    report = verify_set(stick)
    assert any(piece in p and "not a regular file" in p for p in report.problems), \
        report.problems


def test_a_set_folder_that_cannot_be_listed_is_a_media_error(tmp_path) -> None:
    from posdiag.errors import MediaError

    not_a_folder = tmp_path / "set"
    not_a_folder.write_text("a file where the set folder should be\n")
    with pytest.raises(MediaError):
        scan_set(not_a_folder)


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


@pytest.mark.parametrize("moved", [1, -1])
def test_an_index_must_hold_as_many_records_as_counted_either_way(stick, kit, moved) -> None:
    def move(obj: dict) -> None:
        obj["segments"][1]["records"] += moved
        obj["segments"][2]["records"] -= moved

    resign(stick, newest(stick)["generation"], kit, move)
    assert ("journal-000002-index.json lists other pieces than the manifest counts"
            in " ".join(verify_set(stick).problems))


def test_an_index_with_the_named_hash_but_no_index_inside_is_a_problem(stick, kit) -> None:
    data = b'{"format": "not an index"}\n'
    (stick / "journal-000002-index-9.json").write_bytes(data)
    resign(stick, newest(stick)["generation"], kit, lambda obj: obj["segments"][1].update(
        file={"name": "journal-000002-index-9.json", "size": len(data),
              "sha256": hashlib.sha256(data).hexdigest()}))
    assert any("journal-000002-index-9.json is damaged or altered" in p
               for p in verify_set(stick).problems)


def test_a_manifest_file_that_is_not_a_regular_file_is_a_problem(stick) -> None:
    first = manifest_files(stick)[0]
    first.unlink()
    os.mkfifo(first)
    report = verify_set(stick)
    assert any(first.name in p and "not a regular file" in p for p in report.problems), \
        report.problems


def test_a_manifest_under_another_generations_name_is_a_problem(stick) -> None:
    second = manifest_files(stick)[1]
    shutil.copy(second, stick / "manifest-000009.json")
    shutil.copy(stick / f"{second.name}.minisig", stick / "manifest-000009.json.minisig")
    problems = " ".join(verify_set(stick).problems)
    assert f"manifest-000009.json says it is generation {second.name[9:15].lstrip('0')}" \
        in problems


def test_a_manifest_under_an_older_generations_name_is_a_problem(stick) -> None:
    second = manifest_files(stick)[1]
    shutil.copy(second, stick / "manifest-000000.json")
    shutil.copy(stick / f"{second.name}.minisig", stick / "manifest-000000.json.minisig")
    problems = " ".join(verify_set(stick).problems)
    assert f"manifest-000000.json says it is generation {second.name[9:15].lstrip('0')}" \
        in problems


def test_a_good_generation_cannot_be_skipped(stick, kit) -> None:
    """The newest generation claims to follow the one two before it, skipping a generation
    that verifies: a fork, not damage superseded."""
    files = manifest_files(stick)
    grandparent, parent = files[-3], files[-2]
    number = newest(stick)["generation"]
    resign(stick, number, kit, lambda obj: obj.update(
        previous={"generation": number - 2,
                  "sha256": hashlib.sha256(grandparent.read_bytes()).hexdigest()},
        skipped=[parent.name]))
    assert (f"manifest-{number:06d}.json: it does not follow {parent.name}, which lies before "
            "it (a fork or an altered chain)") in verify_set(stick).problems


def write_seal_claiming(stick: Path, name: str, base: int) -> None:
    (stick / name).write_bytes(json.dumps({"base": {"generation": base}}).encode() + b"\nx\n")


def test_one_seal_on_a_removed_generation_is_enough_and_an_unreadable_one_is_passed_over(
        stick) -> None:
    top = newest(stick)["generation"]
    os.mkfifo(stick / "journal-000007-00001.seal")  # unreadable: not evidence, not a stop
    write_seal_claiming(stick, "journal-000007-00002.seal", top + 1)
    write_seal_claiming(stick, "journal-000007-00003.seal", top + 2)
    rolled = [p for p in verify_set(stick).problems if "was sealed on generation" in p]
    assert rolled == [f"journal-000007-00002.seal was sealed on generation {top + 1}, which is "
                      "no longer here: newer generations were removed (rolled back)"]


def test_one_unsealed_index_of_the_open_segment_is_enough(stick) -> None:
    segment = len(newest(stick)["segments"]) + 1
    for retry in ("", "-2"):
        (stick / f"journal-{segment:06d}-index{retry}.json").write_text(json.dumps(
            {"parts": [{"name": f"journal-{segment:06d}-00001.age"}]}))
    rolled = [p for p in verify_set(stick).problems if "neither sealed nor named" in p]
    assert len(rolled) == 1, rolled


def test_an_unsealed_index_is_read_for_its_first_thousand_pieces(stick) -> None:
    """Only the first 1000 names of an index no generation names are looked at: the 1000th
    piece sealed clears it, the 1001st would not be seen."""
    segment = len(newest(stick)["segments"]) + 1
    names = [f"journal-{segment:06d}-{part:05d}.age" for part in range(1, 1002)]
    index = stick / f"journal-{segment:06d}-index.json"
    index.write_text(json.dumps({"parts": [{"name": n} for n in names]}))
    (stick / names[999].replace(".age", ".seal")).write_bytes(b"{}\nx\n")
    assert not [p for p in verify_set(stick).problems if "neither sealed nor named" in p]
    (stick / names[999].replace(".age", ".seal")).unlink()
    (stick / names[1000].replace(".age", ".seal")).write_bytes(b"{}\nx\n")
    assert [p for p in verify_set(stick).problems if "neither sealed nor named" in p]


@pytest.mark.parametrize("content", [
    b"{", b"\xff\xfe", b"{}", b'{"parts": [{}]}', b'{"parts": 5}', b"[" * 100_000,
    b" " * (8 * 1024 * 1024 + 1),
], ids=["json", "ascii", "no parts", "no name", "not a list", "deep", "over the cap"])
def test_an_unreadable_index_of_the_open_segment_is_no_evidence_and_no_crash(stick,
                                                                             content) -> None:
    segment = len(newest(stick)["segments"]) + 1
    (stick / f"journal-{segment:06d}-index.json").write_bytes(content)
    report = verify_set(stick)
    assert report.ok, report.problems


def test_a_segment_of_hundreds_of_pieces_verifies(tmp_path, office_key) -> None:
    """Counts past 256 are distinct objects in CPython: compared by value, not identity."""
    from posdiag.backup.service import run_backup
    from posdiag.crypto.age import parse_recipient
    from posdiag.terminals import open_terminal

    with open_terminal("sim:journal=300,seed=53") as terminal:
        run_backup(terminal, tmp_path / "set", [parse_recipient(office_key[1])],
                   load_or_create_kit_key(tmp_path / "kit"), segment_bytes=1 << 20,
                   piece_bytes=128)
    segment = newest(tmp_path / "set")["segments"][0]
    assert segment["parts"] > 256
    report = verify_set(tmp_path / "set")
    assert report.ok, report.problems


def test_a_set_of_hundreds_of_generations_verifies(tmp_path, office_key) -> None:
    from posdiag.backup.service import run_backup
    from posdiag.crypto.age import parse_recipient
    from posdiag.terminals import open_terminal

    with open_terminal("sim:journal=300,seed=54") as terminal:
        run_backup(terminal, tmp_path / "set", [parse_recipient(office_key[1])],
                   load_or_create_kit_key(tmp_path / "kit"), segment_bytes=200,
                   piece_bytes=200)
    assert len(manifest_files(tmp_path / "set")) > 256
    report = verify_set(tmp_path / "set")
    assert report.ok, report.problems
    # ... and the open segment, numbered past 256 too, is still recognised as such.
    segment = len(newest(tmp_path / "set")["segments"]) + 1
    (tmp_path / "set" / f"journal-{segment:06d}-index.json").write_text(json.dumps(
        {"parts": [{"name": f"journal-{segment:06d}-00001.age"}]}))
    assert [p for p in verify_set(tmp_path / "set").problems
            if "neither sealed nor named" in p]


def test_a_seal_on_no_generation_is_no_rollback_evidence(tmp_path) -> None:
    """A stick holding only a seal that claims generation 0 (a seal always continues a
    generation, the first is 1): malformed, not a trace of removed generations."""
    folder = tmp_path / "set"
    folder.mkdir()
    write_seal_claiming(folder, "journal-000001-00001.seal", 0)
    assert not [p for p in verify_set(folder).problems if "rolled back" in p]
    write_seal_claiming(folder, "journal-000001-00001.seal", 1)
    assert [p for p in verify_set(folder).problems if "was sealed on generation 1" in p]
