"""The case file: signed write-once revisions in a hash chain. Whatever is changed by hand —
a revision's bytes, its signature, the order, a removed or swapped revision, an earlier action —
fails verification and says where; an interrupted write does not."""

import json
import shutil

import pytest

from posdiag.backup.kitkey import load_or_create_kit_key
from posdiag.backup.manifest import sign_manifest
from posdiag.case.flow import CaseEdit, edit_case
from posdiag.case.model import Fault
from posdiag.case.opening import HandIdentity, Opening, open_case
from posdiag.case.store import load_case, revision_name, write_revision
from posdiag.errors import CaseAltered, CaseNotFound, NotACase


@pytest.fixture
def case_dir(tmp_path, kit_key):
    """A case with three revisions: opened (backup impossible), edited, a note."""
    opening = Opening(root=tmp_path / "cases", fault=Fault("display", "black screen"),
                      no_terminal=True, merchant={"name": "Shop"},
                      hand=HandIdentity(model="EMU-700", serial_number="EMU0000001",
                                        terminal_id="52500001", merchant_id="100200300"))
    folder = open_case(opening, kit_key).path
    edit_case(folder, kit_key, CaseEdit(description="black screen, backlight on"))
    edit_case(folder, kit_key, CaseEdit(note="merchant brings the papers tomorrow"))
    return folder


def revisions(folder):
    return sorted(folder.glob("case-*.json"))


def test_a_written_case_verifies_and_its_revisions_chain(case_dir):
    case_file = load_case(case_dir)
    assert case_file.ok and [c.number for c in case_file.checks] == [1, 2, 3]
    first, second, third = (c.revision for c in case_file.checks)
    assert first.previous_sha256 == ""
    assert second.previous_sha256 == case_file.checks[0].sha256
    assert third.previous_sha256 == case_file.checks[1].sha256
    assert case_file.case.fault.description == "black screen, backlight on"
    assert [a.kind for a in case_file.case.actions] == ["opened", "backup-impossible", "edited",
                                                        "note"]
    edited = case_file.case.actions[2]
    assert edited.details == {"fault": {"description": ["black screen",
                                                        "black screen, backlight on"]}}


def test_a_revision_edited_by_hand_fails_and_says_which(case_dir):
    second = case_dir / revision_name(2)
    second.write_text(second.read_text(encoding="utf-8").replace("backlight on", "backlight off"),
                      encoding="utf-8")
    case_file = load_case(case_dir)
    assert not case_file.ok
    assert "case-0002.json does not match its signature" in case_file.problems[0]
    assert case_file.head.number == 1  # the last revision that can be trusted
    with pytest.raises(CaseAltered, match="does not verify"):
        edit_case(case_dir, load_or_create_kit_key(), CaseEdit(note="more"))


def test_a_re_signed_revision_breaks_the_chain(case_dir, tmp_path):
    """Someone with *another* key rewrites revision 2 and signs it: the chain shows it."""
    forger = load_or_create_kit_key(tmp_path / "forger")
    second = case_dir / revision_name(2)
    doc = json.loads(second.read_text(encoding="utf-8"))
    doc["case"]["fault"]["description"] = "nothing wrong"
    doc["kit_key"] = forger.public_key
    data = (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode()
    second.write_bytes(data)
    (case_dir / (revision_name(2) + ".minisig")).write_bytes(
        sign_manifest(data, forger.private_key, "forged"))
    case_file = load_case(case_dir)
    assert case_file.problems == ("case-0003.json does not follow the revision before it (the "
                                  "hash chain is broken: a revision was replaced or removed)",)
    assert case_file.head.number == 2  # revision 2 verifies on its own, with the forger's key
    assert case_file.case.fault.description == "nothing wrong"
    kit_key = load_or_create_kit_key()
    assert not load_case(case_dir, public_key=kit_key.public_key).checks[1].ok


def test_a_removed_middle_revision_is_missing(case_dir):
    for name in (revision_name(2), revision_name(2) + ".minisig"):
        (case_dir / name).unlink()
    assert "revision 2 is missing" in load_case(case_dir).problems[0]


def test_an_earlier_action_rewritten_in_a_new_signed_revision_is_caught(case_dir, kit_key):
    """Even the kit itself cannot quietly rewrite history: actions only ever grow."""
    from dataclasses import replace

    current = load_case(case_dir)
    case = current.case
    first = replace(case.actions[0], technician="someone else")
    write_revision(current, replace(case, actions=(first, *case.actions[1:])), kit_key)
    problems = load_case(case_dir).problems
    assert problems == ("case-0004.json: an earlier action was changed or removed",)


def test_an_interrupted_write_is_superseded_not_a_failure(case_dir, kit_key):
    torn = case_dir / revision_name(4)
    torn.write_bytes(b'{"format": "posdiag-case", "vers')  # power lost mid-write
    case_file = load_case(case_dir)
    assert case_file.ok and case_file.head.number == 3
    assert "case-0004.json was not completely written" in case_file.notes[0]
    edit_case(case_dir, kit_key, CaseEdit(note="after the power cut"))
    after = load_case(case_dir)
    assert after.ok and after.head.number == 5 and after.revision.skipped == ("case-0004.json",)
    assert "superseded by case-0005.json" in after.notes[0]


def test_an_attachment_changed_after_it_was_attached_fails(case_dir, kit_key, tmp_path):
    photo = tmp_path / "label.png"
    photo.write_bytes(b"\x89PNG label photo")
    edit_case(case_dir, kit_key, CaseEdit(attachments=(photo,)))
    [attachment] = load_case(case_dir).case.attachments
    (case_dir / attachment.file).write_bytes(b"\x89PNG another photo")
    assert "does not match the SHA-256" in load_case(case_dir).problems[0]


def test_a_revision_holding_a_card_number_fails(case_dir, kit_key):
    """write_revision masks; a file written around it (and signed) is still caught."""
    current = load_case(case_dir)
    third = case_dir / revision_name(3)
    doc = json.loads(third.read_text(encoding="utf-8"))
    doc["revision"] = 4
    doc["previous_sha256"] = current.checks[2].sha256
    doc["case"]["fault"]["description"] = "card 4761739001010010 stuck"  # Visa TEST card
    data = (json.dumps(doc, indent=1) + "\n").encode()
    (case_dir / revision_name(4)).write_bytes(data)
    (case_dir / (revision_name(4) + ".minisig")).write_bytes(
        sign_manifest(data, kit_key.private_key, "x"))
    assert load_case(case_dir).problems == ("case-0004.json holds a card number",)


def test_written_text_is_masked(case_dir, kit_key):
    edit_case(case_dir, kit_key, CaseEdit(note="customer card 4761739001010010 was stuck"))
    case = load_case(case_dir).case
    assert case.actions[-1].details["text"] == "customer card 476173******0010 was stuck"


def test_missing_and_foreign_folders_are_usage_errors(tmp_path, case_dir):
    with pytest.raises(CaseNotFound, match="There is no case folder"):
        load_case(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(NotACase, match=r"holds no case-0001\.json"):
        load_case(tmp_path / "empty")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "case-0001.json").write_text('{"format": "someone-else"}')
    with pytest.raises(NotACase, match="another tool's files"):
        load_case(foreign)
    with pytest.raises(NotACase, match="is a file"):
        load_case(revisions(case_dir)[0])


def test_a_copied_case_still_verifies(case_dir, tmp_path):
    copy = tmp_path / "stick" / case_dir.name
    shutil.copytree(case_dir, copy)
    assert load_case(copy).ok
