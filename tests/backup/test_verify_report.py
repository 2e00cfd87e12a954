"""What `verify` reports about a set, figure by figure (issue 10: mutants of verify.py lived).

Sets are written from the in-memory FakeTerminal, then altered as a pulled stick, a hostile
stick or someone holding the kit's signing key would. Each test names one rule of the
verdict: what a set with no verifying generation claims to hold, when the outcome is
"problems", which damage a later generation may excuse, the passphrase set's own key, the
note for a set without snapshots, and which folders count as sets.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import io
import json
import os
from pathlib import Path

import pytest
from backup_fakes import FakeTerminal, make_journal

from posdiag.backup.layout import manifest_name, signature_name
from posdiag.backup.manifest import canonical_json, sign_manifest
from posdiag.backup.medium import Medium
from posdiag.backup.service import run_backup
from posdiag.backup.verify import find_sets, require_set_folder, verify_set
from posdiag.crypto.age import ScryptIdentity, ScryptRecipient, encrypt_stream
from posdiag.errors import LinkClosed, MediaError, UsageError
from posdiag.journal import totals_from_records

SEGMENT = 4096
PASSPHRASE = b"verify report test passphrase (test material)"


def backup(set_dir: Path, recipients, kit_key, records: int = 60, **kw):
    journal, rows = make_journal(records)
    return run_backup(FakeTerminal(journal, rows, **kw), set_dir, recipients, kit_key,
                      segment_bytes=SEGMENT)


def manifests(set_dir: Path) -> list[Path]:
    return sorted(set_dir.glob("manifest-*.json"))


def write_signed(set_dir: Path, obj: dict, kit_key) -> None:
    """Write ``obj`` as its generation, signed by the kit key (what only its holder can do)."""
    data = canonical_json(obj)
    (set_dir / manifest_name(obj["generation"])).write_bytes(data)
    comment = f"posdiag set {obj['set_id']} generation {obj['generation']}"
    (set_dir / signature_name(obj["generation"])).write_bytes(
        sign_manifest(data, kit_key.private_key, comment))


def append_generation(set_dir: Path, kit_key, change) -> int:
    newest = manifests(set_dir)[-1]
    obj = json.loads(newest.read_bytes())
    obj["previous"] = {"generation": obj["generation"],
                       "sha256": hashlib.sha256(newest.read_bytes()).hexdigest()}
    obj["generation"] += 1
    obj["skipped"] = []
    change(obj)
    write_signed(set_dir, obj, kit_key)
    return obj["generation"]


# --- a set where nothing verifies claims nothing ----------------------------------------------


def test_a_set_whose_every_manifest_is_torn_reports_nothing_held(tmp_path, recipients,
                                                                 identities, kit_key) -> None:
    set_dir = tmp_path / "set"
    backup(set_dir, recipients, kit_key)
    for path in manifests(set_dir):
        path.write_bytes(path.read_bytes()[:40])  # the stick pulled while each was written
    for given in (None, identities):  # with a key too: nothing to decrypt, and no crash
        report = verify_set(set_dir, given)
        assert (report.ok, report.outcome, report.generation) == (False, "problems", None)
        assert (report.segments, report.ciphertext_bytes, report.journal_bytes) == (0, 0, 0)
        assert report.records is None and not report.complete
        assert "no manifest generation verifies" in report.problems


def test_a_sound_but_unfinished_set_has_the_outcome_problems(tmp_path, recipients, identities,
                                                           kit_key) -> None:
    set_dir = tmp_path / "set"
    with pytest.raises(LinkClosed):
        backup(set_dir, recipients, kit_key, fail_after_blocks=3)
    report = verify_set(set_dir, identities)
    assert report.generation is not None and report.journal_bytes > 0
    assert (report.ok, report.outcome) == (False, "problems")
    assert report.only_incomplete and "incomplete" in report.problems[0]
    # Unfinished and damaged is more than unfinished: inspect reads the first, not this one.
    readme = set_dir / "README.txt"
    readme.write_bytes(readme.read_bytes() + b"altered\n")
    report = verify_set(set_dir, identities)
    assert len(report.problems) == 2 and not report.only_incomplete, report.problems


# --- damage only a verifying generation may excuse --------------------------------------------


def excused_torn_generation(set_dir: Path, recipients, kit_key, *, excuser_verifies: bool
                             ) -> str:
    """A set whose generation N+1 is torn on the stick and whose N+2, signed by the kit and
    chained onto N, names N+1 as skipped (an interrupted write it superseded). Unless
    ``excuser_verifies``, a file N+2 lists is gone, so N+2 does not verify either."""
    backup(set_dir, recipients, kit_key)
    torn = append_generation(set_dir, kit_key, lambda obj: None)
    torn_name = manifest_name(torn)
    (set_dir / torn_name).write_bytes((set_dir / torn_name).read_bytes()[:40])
    before = set_dir / manifest_name(torn - 1)
    obj = json.loads(before.read_bytes())
    obj["previous"] = {"generation": torn - 1,
                       "sha256": hashlib.sha256(before.read_bytes()).hexdigest()}
    obj["generation"] = torn + 1
    obj["skipped"] = [torn_name]
    write_signed(set_dir, obj, kit_key)
    if not excuser_verifies:
        segment = json.loads((set_dir / manifest_name(torn + 1)).read_bytes())["segments"][0]
        (set_dir / segment["file"]["name"]).unlink()
    return torn_name


def test_a_generation_that_does_not_verify_excuses_no_damage(tmp_path, recipients,
                                                            kit_key) -> None:
    torn = excused_torn_generation(tmp_path / "set", recipients, kit_key,
                                   excuser_verifies=False)
    report = verify_set(tmp_path / "set")
    assert any(p.startswith(f"{torn}: ") for p in report.problems), report.problems
    assert not any("superseded" in n for n in report.notes)


def test_a_verifying_generation_excuses_the_torn_write_it_superseded(tmp_path, recipients,
                                                                    kit_key) -> None:
    torn = excused_torn_generation(tmp_path / "set", recipients, kit_key,
                                   excuser_verifies=True)
    report = verify_set(tmp_path / "set")
    assert report.ok, report.problems
    assert any(n.startswith(f"{torn}: interrupted write, superseded") for n in report.notes)


# --- what the report says it checked ---------------------------------------------------------


def test_the_kit_key_counts_as_checked_only_when_one_was_given(tmp_path, recipients,
                                                               kit_key) -> None:
    set_dir = tmp_path / "set"
    backup(set_dir, recipients, kit_key)
    assert not verify_set(set_dir).key_checked
    assert verify_set(set_dir, None, kit_key.public_key).key_checked
    assert verify_set(set_dir, kit_keys={kit_key.public_key: "kit 1"}).key_checked


def test_totals_that_disagree_with_the_journal_are_reported_as_disagreeing(
        tmp_path, recipients, kit_key) -> None:
    journal, rows = make_journal(30)
    agreeing = totals_from_records(rows, 978)
    off_by_one_cent = dataclasses.replace(agreeing, amount=agreeing.amount + 1)
    for totals, agree in ((agreeing, True), (off_by_one_cent, False)):
        set_dir = tmp_path / f"set-{agree}"
        run_backup(FakeTerminal(journal, rows, totals=totals), set_dir, recipients, kit_key,
                   segment_bytes=SEGMENT)
        assert verify_set(set_dir).totals_agree is agree


# --- a passphrase set's own key ---------------------------------------------------------------


def test_a_passphrase_set_whose_key_file_holds_no_key_is_a_problem(tmp_path, kit_key) -> None:
    # Someone holding the kit key swaps set-key.age for another file the passphrase opens and
    # re-signs the manifest: the hashes agree, but what it holds is not the set's key.
    set_dir = tmp_path / "set"
    recipient = ScryptRecipient(PASSPHRASE, work_factor=10)  # test material: a fast scrypt
    journal, rows = make_journal(40)
    run_backup(FakeTerminal(journal, rows), set_dir, [recipient], kit_key,
               recipient_labels=["scrypt"], segment_bytes=SEGMENT)
    identity = ScryptIdentity(PASSPHRASE)
    assert verify_set(set_dir, [identity]).ok
    forged = io.BytesIO()
    encrypt_stream(io.BytesIO(b"not an age identity (test material)\n"), forged, [recipient])
    name = json.loads(manifests(set_dir)[0].read_bytes())["passphrase_key"]["file"]["name"]
    (set_dir / name).write_bytes(forged.getvalue())
    previous = None
    for path in manifests(set_dir):  # every generation re-signed, the chain kept
        obj = json.loads(path.read_bytes())
        obj["passphrase_key"]["file"].update(size=len(forged.getvalue()), sha256=hashlib.sha256(
            forged.getvalue()).hexdigest())
        if previous is not None:
            obj["previous"]["sha256"] = hashlib.sha256(previous.read_bytes()).hexdigest()
        write_signed(set_dir, obj, kit_key)
        previous = path
    keyless = verify_set(set_dir)
    assert keyless.ok, keyless.problems  # every hash and signature holds
    report = verify_set(set_dir, [identity])
    assert report.problems == [f"{name} does not hold the set's key"]
    assert (report.outcome, report.wrong_identity, report.records) == ("problems", None, None)


# --- the note for a set without snapshots -----------------------------------------------------


def test_a_finished_set_without_snapshots_says_so_in_a_note(tmp_path, recipients,
                                                           kit_key) -> None:
    set_dir = tmp_path / "set"
    backup(set_dir, recipients, kit_key)
    report = verify_set(set_dir)
    assert report.snapshots  # this posdiag writes them, and then no note is due
    assert not any("snapshot" in n for n in report.notes), report.notes

    def as_an_older_posdiag(obj: dict) -> None:
        for snapshot in obj["snapshots"]:
            (set_dir / snapshot["file"]["name"]).unlink()
        obj["snapshots"] = []

    newest = manifests(set_dir)[-1]
    obj = json.loads(newest.read_bytes())
    as_an_older_posdiag(obj)
    write_signed(set_dir, obj, kit_key)
    report = verify_set(set_dir)
    assert report.complete and report.snapshots == []
    assert any("holds no identity, totals or log snapshot" in n for n in report.notes), \
        report.notes


def test_an_unfinished_set_gets_no_snapshot_note(tmp_path, recipients, kit_key) -> None:
    set_dir = tmp_path / "set"
    with pytest.raises(LinkClosed):
        backup(set_dir, recipients, kit_key, fail_after_blocks=3)
    report = verify_set(set_dir)
    assert not report.complete
    assert not any("snapshot" in n for n in report.notes), report.notes


# --- which folders are sets -------------------------------------------------------------------


def make_set_folder(folder: Path) -> None:
    """A folder that looks like a set to the one-level search (a manifest name in it)."""
    folder.mkdir(parents=True)
    (folder / manifest_name(1)).write_bytes(b"{}")


def test_a_folder_of_sets_names_its_sets_only(tmp_path) -> None:
    stick = tmp_path / "stick"
    make_set_folder(stick / "set-a")
    make_set_folder(stick / "set-b")
    (stick / "photos").mkdir()
    (stick / "photos" / "holiday.jpg").write_bytes(b"\xff\xd8")
    (stick / "notes.txt").write_bytes(b"")  # a file, not a folder
    make_set_folder(tmp_path / "elsewhere")
    os.symlink(tmp_path / "elsewhere", stick / "linked")  # a hostile stick's link is not followed
    assert sorted(find_sets(stick, Medium())) == ["set-a", "set-b"]
    with pytest.raises(UsageError, match="holds 2 of them: set-a, set-b"):
        require_set_folder(stick, Medium())


def test_the_search_for_sets_looks_at_no_more_than_a_thousand_entries(tmp_path) -> None:
    # A hostile stick may hold millions of folders; one level and a thousand names is enough.
    stick = tmp_path / "stick"
    for number in range(1001):
        make_set_folder(stick / f"set-{number:04d}")
    assert len(find_sets(stick, Medium())) == 1000


class UnlistableMedium(Medium):
    """A stick on which listing one folder fails (a damaged directory entry)."""

    def __init__(self, broken: Path, code: int = errno.EIO) -> None:
        super().__init__()
        self.broken = broken
        self.code = code

    def listdir(self, path: Path) -> list[str]:
        if path == self.broken:
            raise OSError(self.code, os.strerror(self.code), str(path))
        return super().listdir(path)


def test_a_sub_folder_that_cannot_be_listed_is_passed_over(tmp_path) -> None:
    stick = tmp_path / "stick"
    make_set_folder(stick / "a-damaged")
    make_set_folder(stick / "set-b")
    assert find_sets(stick, UnlistableMedium(stick / "a-damaged")) == ["set-b"]


def test_a_set_folder_that_cannot_be_listed_is_a_media_error(tmp_path) -> None:
    set_dir = tmp_path / "set"
    make_set_folder(set_dir)
    with pytest.raises(MediaError, match="medium failed"):
        verify_set(set_dir, medium=UnlistableMedium(set_dir))
