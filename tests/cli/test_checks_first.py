"""Exit 2 means nothing was touched: options and folders are checked before the terminal.

A port that does not exist proves it: a command that opened the terminal first would end 3
(device or link), not 2.
"""

from __future__ import annotations

import pytest

from posdiag.crypto.age import generate_identity

DEAD_PORT = "/dev/posdiag-no-such-port"


@pytest.fixture
def recipient() -> str:
    return generate_identity()[1]


def test_backup_into_a_folder_that_holds_a_set_is_refused_before_connecting(
        posdiag, tmp_path, recipient):
    assert posdiag("backup", "--port", "sim:journal=3", "--to", tmp_path / "set1", "-r",
                   recipient).code == 0
    ran = posdiag("backup", "--port", DEAD_PORT, "--to", tmp_path / "set1", "-r", recipient)
    assert ran.code == 2, ran.err
    assert "already holds files; add --resume" in ran.err
    assert "backing up into" not in ran.err


def test_resume_of_a_set_encrypted_to_others_is_refused_before_connecting(posdiag, tmp_path,
                                                                           recipient):
    assert posdiag("backup", "--port", "sim:journal=3", "--to", tmp_path / "set1", "-r",
                   recipient).code == 0
    (tmp_path / "set1" / max(p.name for p in (tmp_path / "set1").glob("manifest-*.json"))
     ).unlink()  # unfinished: a --resume candidate
    ran = posdiag("backup", "--port", DEAD_PORT, "--to", tmp_path / "set1", "-r",
                  generate_identity()[1], "--resume")
    assert ran.code == 2, ran.err
    assert "backing up into" not in ran.err


def test_backup_into_a_case_folder_given_with_to_is_checked_before_connecting(
        posdiag, tmp_path, recipient):
    shop = tmp_path / "shop.toml"
    shop.write_text('[merchant]\nname = "Test shop"\nnumber = "100200300"\n', encoding="utf-8")
    assert posdiag("case", "open", "--no-terminal", "--model", "EMU-700", "--serial",
                   "EMU0000001", "--tid", "52500001", "--merchant", shop, "--fault", "no-power",
                   "--describe", "dead", "--root", tmp_path / "cases").code == 0
    case_dir = next((tmp_path / "cases").iterdir())
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("someone's files\n")
    ran = posdiag("backup", "--case", case_dir, "--port", DEAD_PORT, "--to",
                  tmp_path / "taken", "-r", recipient)
    assert ran.code == 2, ran.err
    assert "already holds files" in ran.err


@pytest.mark.parametrize("option, value, says", [
    ("--fault", "printr", "is not a fault category"),
    ("--frequency", "daily", "is not a frequency"),
    ("--since", "last week", "is not a date"),
    ("--attach", "no-such-photo.jpg", "does not exist"),
])
def test_case_open_checks_its_options_before_reading_the_terminal(posdiag, tmp_path, option,
                                                                   value, says):
    args = {"--fault": "printer", "--describe": "blank receipts", option: value}
    ran = posdiag("case", "open", "--port", DEAD_PORT, "--merchant-name", "Test shop",
                  *[w for pair in args.items() for w in pair], "--root", tmp_path / "cases")
    assert ran.code == 2, ran.err
    assert says in ran.err
    assert "Reading the terminal" not in ran.err
    assert not (tmp_path / "cases").exists()
