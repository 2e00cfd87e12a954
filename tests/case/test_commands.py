"""The case commands as a technician meets them: one clear sentence and the README's exit code
for a missing or foreign folder, an illegal step, a dead terminal, an altered case file; edits
kept with their old values; list answering "what happened to this terminal"."""

import json

import pytest
from case_helpers import without_digests

from posdiag.cards import assert_no_pans
from posdiag.case.store import load_case, revision_name

DEAD = "sim:fault=silent,t2=0.2"


def one_sentence(err):
    """The error line: exactly one, one sentence (progress lines above it are fine)."""
    lines = [line for line in err.splitlines() if line.startswith("posdiag: ")]
    assert len(lines) == 1 and lines[0].endswith("."), err
    assert err.rstrip().endswith(lines[0]), err
    return lines[0]


@pytest.fixture
def opened(tmp_path, cli, shop):
    """A case for a dead terminal (no emulator needed): state backup-impossible."""
    code, _out, err = cli("case", "open", "--no-terminal", "--model", "EMU-700",
                         "--serial", "EMU0000001", "--tid", "52500001",
                         "--fault", "display", "--describe", "black screen",
                         "--root", tmp_path / "cases", "--merchant", shop("2020-01-01"))
    assert code == 0, err
    [folder] = (tmp_path / "cases").iterdir()
    return folder


def test_a_missing_or_foreign_case_folder_is_one_sentence_exit_2(tmp_path, cli):
    code, _, err = cli("case", "show", tmp_path / "nowhere")
    assert code == 2 and "There is no case folder" in one_sentence(err)
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "manifest-000001.json").write_text("{}")
    code, _, err = cli("case", "request", tmp_path / "set")
    assert code == 2 and "is not a case folder" in one_sentence(err)


def test_an_illegal_step_is_one_sentence_exit_2_and_force_records_it(tmp_path, cli, opened):
    code, _, err = cli("case", "close", opened)
    line = one_sentence(err)
    assert code == 2 and "the next step is backed-up / requested, not closed" in line
    assert "--force" in line
    code, _, err = cli("case", "close", opened, "--force")
    assert code == 2 and "--reason" in one_sentence(err)
    code, _, err = cli("case", "close", opened, "--force", "--reason", "merchant withdrew")
    assert code == 0, err
    [closing] = [a for a in load_case(opened).case.actions if a.kind == "closed"]
    assert (closing.state_before, closing.forced, closing.reason) == (
        "backup-impossible", True, "merchant withdrew")
    code, _, err = cli("case", "edit", opened, "--note", "late")
    assert code == 2 and "is closed" in one_sentence(err)


def test_a_dead_terminal_is_one_sentence_exit_3_pointing_to_no_terminal(tmp_path, cli, shop):
    code, _, err = cli("case", "open", "--port", DEAD, "--merchant", shop(), "--fault",
                       "no-power", "--describe", "dead", "--root", tmp_path / "cases")
    line = one_sentence(err)
    assert code == 3 and "does not answer" in line and "--no-terminal" in line
    assert not (tmp_path / "cases").exists() or not any((tmp_path / "cases").iterdir())


def test_a_backup_of_a_dead_case_terminal_fails_and_the_case_says_so(tmp_path, cli, opened):
    from datetime import UTC, datetime

    from posdiag.age_files import write_identity_file

    recipient = write_identity_file(tmp_path / "k", now=datetime.now(UTC))
    code, _, err = cli("backup", "--case", opened, "--port", DEAD, "-r", recipient)
    assert code == 3, err
    assert load_case(opened).case.state == "backup-impossible"


def test_a_case_file_edited_by_hand_fails_verification_and_show_says_so(cli, opened):
    first = opened / revision_name(1)
    first.write_text(first.read_text(encoding="utf-8").replace("black screen", "all fine"),
                     encoding="utf-8")
    code, out, err = cli("case", "show", opened)
    assert code == 1
    assert "THE CASE FILE DOES NOT VERIFY" in out
    assert "case-0001.json does not match its signature" in out
    assert "does not verify" in one_sentence(err)
    code, out, _ = cli("case", "show", opened, "--json")
    shown = json.loads(out)
    assert code == 1 and shown["verified"] is False and shown["case"] is None
    code, _, err = cli("case", "request", opened)
    assert code == 1 and "not changed until someone has examined it" in one_sentence(err)
    code, out, _ = cli("case", "list", opened.parent)
    assert code == 0 and "UNREADABLE" in out and "does not match its signature" in out


def test_edits_keep_old_and_new_values_and_judge_the_warranty_again(tmp_path, cli, opened):
    assert not load_case(opened).case.warranty.in_warranty  # the profile date is long gone
    photo = tmp_path / "label.jpg"
    photo.write_bytes(b"\xff\xd8 label \xff\xd9")
    code, _out, err = cli("case", "edit", opened, "--fault", "printer", "--frequency", "often",
                         "--purchased", "2026-11-01", "--attach", photo,
                         "--note", "merchant found the invoice")
    assert code == 0, err
    case = load_case(opened).case
    edited = [a for a in case.actions if a.kind == "edited"][-1]
    assert edited.details["fault"]["category"] == ["display", "printer"]
    assert edited.details["warranty"]["in_warranty"] == [False, True]
    assert case.warranty.in_warranty and case.warranty.addressee.role == "manufacturer"
    assert case.attachments[0].name == "label.jpg"
    assert case.actions[-1].details == {"text": "merchant found the invoice"}
    code, _, err = cli("case", "edit", opened, "--fault", "broken")
    assert code == 2 and "not a fault category" in one_sentence(err)


def test_a_read_identity_cannot_be_edited_a_hand_one_can(tmp_path, cli, shop, opened):
    assert cli("case", "edit", opened, "--serial", "EMU0000009")[0] == 0
    assert load_case(opened).case.old_terminal.serial_number == "EMU0000009"
    code, _, err = cli("case", "open", "--port", "sim", "--merchant", shop(), "--fault",
                       "keys", "--describe", "key error", "--root", tmp_path / "read")
    assert code == 0, err
    [read] = (tmp_path / "read").iterdir()
    code, _, err = cli("case", "edit", read, "--serial", "X")
    assert code == 2 and "was read from it" in one_sentence(err)


def test_an_attachment_holding_a_card_number_is_refused(tmp_path, cli, opened):
    note = tmp_path / "note.txt"
    note.write_text("customer card 4761739001010010 jammed\n", encoding="utf-8")
    code, _, err = cli("case", "edit", opened, "--attach", note)
    assert code == 2 and "holds a card number" in one_sentence(err)
    assert_no_pans(without_digests("".join(p.read_text(errors="replace")
                                           for p in opened.rglob("*") if p.is_file())))


def test_list_answers_what_happened_to_a_terminal(tmp_path, cli, shop):
    root = tmp_path / "stick" / "posdiag-cases"
    for serial, tid, fault in (("A1", "11111111", "printer"), ("B2", "22222222", "display"),
                               ("C3", "11111111", "keys")):
        code, _, err = cli("case", "open", "--no-terminal", "--model", "M", "--serial", serial,
                           "--tid", tid, "--merchant", shop(), "--fault", fault,
                           "--describe", "x", "--root", root)
        assert code == 0, err
    code, out, _ = cli("case", "list", tmp_path / "stick", "--tid", "11111111", "--json")
    found = json.loads(out)
    assert code == 0 and sorted(f["case"]["fault"]["category"] for f in found) == [
        "keys", "printer"]
    assert all(f["verified"] for f in found)
    code, out, _ = cli("case", "list", root, "--serial", "b-2")
    assert code == 0 and "22222222" in out and "11111111" not in out
    code, out, _ = cli("case", "list", root, "--merchant", "张记", "--state", "backup-impossible")
    assert len(out.splitlines()) == 4  # header + three cases
    code, _, err = cli("case", "list", root, "--state", "lost")
    assert code == 2 and "not a case state" in one_sentence(err)


def test_diagnostics_of_a_terminal_whose_printer_is_not_ready(tmp_path, kit_key):
    """Status byte CC (§11: printer not ready): the case says so, and gathers the rest."""
    from posdiag.case.model import Fault
    from posdiag.case.opening import Opening, open_case
    from posdiag.terminals import build_emulator, open_terminal

    emulator = build_emulator({"journal": "5"})
    emulator.state.status = 0xCC
    opening = Opening(root=tmp_path / "cases", fault=Fault("printer", "no receipts"),
                      port="sim", merchant={"name": "Shop"})
    with open_terminal("sim", emulator=emulator) as terminal:
        case = open_case(opening, kit_key, terminal=terminal).case
    diagnostics = case.diagnostics
    assert diagnostics.answered and diagnostics.status_code == 0xCC
    assert diagnostics.status_text == "printer not ready"
    assert diagnostics.printer_ready is False and diagnostics.printer_text == "printer not ready"
    assert diagnostics.totals is not None and len(diagnostics.log_tail) == 5


def test_a_case_accepts_a_replacement_only_with_inspection_and_binding(tmp_path, cli, opened):
    code, _, err = cli("test", "--case", opened, "--port", "sim", "--plan", "quick", "--force",
                       "--reason", "x")
    assert code == 2 and "has no checklist / identity-match step" in one_sentence(err)
    assert load_case(opened).case.state == "backup-impossible"  # untouched
