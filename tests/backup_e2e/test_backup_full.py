"""`posdiag backup`, `verify`, `inspect` end to end against the emulated ZVT terminal.

The terminal is the built-in emulator on a real pty (`sim:` ports), driven by the real ZVT
driver; nothing is stubbed. Covers issue 4's commands: a full backup with its one-line JSON
summary, verify without and with the office key, inspect of the journal and of each snapshot
(identity + configuration, totals, log), an unknown recipient (exit 2) and the PCI DSS rule
that no full card number appears in any plaintext file or any output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from set_tools import journal_bytes, plaintext_files, scannable_text

from posdiag.cards import find_pans

PORT = "sim:journal=300,seed=11"


@pytest.fixture
def backed_up(tmp_path: Path, cli, office_key) -> tuple[Path, dict, str, str]:
    set_dir = tmp_path / "set"
    code, out, err = cli("backup", "--port", PORT, "--to", str(set_dir), "-r", office_key[1],
                         "--segment-mib", "0.03", "--json")
    assert code == 0, err
    return set_dir, json.loads(out), out, err


def test_backup_writes_a_complete_signed_set_and_a_one_line_json_summary(backed_up) -> None:
    set_dir, summary, out, err = backed_up
    assert out.count("\n") == 1 and out.endswith("}\n")  # exactly one JSON line on stdout
    assert summary["complete"] and summary["records"] == 300
    assert summary["journal_bytes"] == summary["journal_size"] > 0
    assert summary["totals"]["agree"] and summary["totals"]["brands_compared"]
    assert summary["snapshots"] == ["identity", "totals", "log"]
    assert summary["segments_written"] >= 2  # 0.03 MiB segments: several files
    names = {p.name for p in set_dir.iterdir()}
    assert {"README.txt", "identity.age", "totals.age", "log.age"} <= names
    assert {"journal-000001-00001.age", "journal-000001-index.json"} <= names
    assert f"manifest-{summary['generation']:06d}.json" in names
    assert not [n for n in names if n.endswith(".seal")]  # every seal removed once committed
    # stderr is not a terminal here: no progress line, only the kit-key notice.
    assert "\r" not in err and "ETA" not in err


def test_verify_without_key_checks_signatures_and_hashes(backed_up, cli) -> None:
    set_dir, summary, _, _ = backed_up
    code, out, err = cli("verify", str(set_dir), "--json")
    assert code == 0, out + err
    report = json.loads(out)
    assert report["ok"] and report["complete"] and report["records"] is None
    assert report["generation"] == summary["generation"]
    assert report["snapshots"] == ["identity", "totals", "log"]


def test_verify_with_key_decrypts_every_segment_and_snapshot(backed_up, cli,
                                                             identity_file) -> None:
    set_dir = backed_up[0]
    code, out, err = cli("verify", str(set_dir), "-i", str(identity_file))
    assert code == 0, out + err
    assert "300 records decrypted and checked" in out
    assert "snapshots: identity, totals, log" in out and "Totals agree" in out


def test_verify_with_the_wrong_key_is_its_own_outcome(backed_up, cli, tmp_path,
                                                      office_key) -> None:
    """Issue 16.1: a wrong key is not a damaged backup (exit 2, names the recipients)."""
    from posdiag.crypto.age import generate_identity

    wrong = tmp_path / "other.key"
    wrong.write_text(generate_identity()[0] + "\n")  # test material
    set_dir = backed_up[0]
    code, out, err = cli("verify", str(set_dir), "-i", str(wrong))
    assert code == 2
    assert "PROBLEM" not in out and "does not verify" not in err
    assert err == (f"posdiag: None of the given identities can open this set (it is encrypted "
                   f"to {office_key[1]}); give the identity or passphrase it was made for. "
                   "Without a key its signatures and hashes verify; what it holds was not "
                   "read.\n")
    assert out == ""  # nothing said of contents it could not read


def test_verify_of_a_folder_holding_sets_lists_them(backed_up, cli, tmp_path) -> None:
    """Issue 16.1: pointing verify at the stick's top folder names the sets in it."""
    code, out, err = cli("verify", str(tmp_path))
    assert code == 2 and out == ""
    assert err == f"posdiag: {tmp_path} is not a backup set but holds one: set; verify that one.\n"


def test_inspect_shows_the_journal_and_each_snapshot(backed_up, cli, identity_file,
                                                     office_key) -> None:
    set_dir = backed_up[0]
    code, out, err = cli("inspect", str(set_dir), "-i", str(identity_file), "--format", "jsonl")
    assert code == 0, err
    assert out.encode() == journal_bytes(set_dir, office_key[0])
    assert len(out.splitlines()) == 300

    code, out, _ = cli("inspect", str(set_dir), "-i", str(identity_file), "--part", "identity")
    identity = json.loads(out)
    assert identity["identity"]["serial_number"] == "7000000001"
    assert "SYSTEM CONFIGURATION" in identity["system_configuration"][0]["text"]

    code, out, _ = cli("inspect", str(set_dir), "-i", str(identity_file), "--part", "totals")
    totals = json.loads(out)["totals"]
    assert totals == backed_up[1]["totals"]["terminal"]  # what the journal was compared with

    code, out, _ = cli("inspect", str(set_dir), "-i", str(identity_file), "--part", "log")
    assert code == 0 and "receipt 0300" in out


def test_no_full_pan_in_any_plaintext_file_or_output(backed_up, cli, identity_file) -> None:
    set_dir, _, out, err = backed_up
    seen = [out, err]
    for path in plaintext_files(set_dir):
        seen.append(scannable_text(path))
    for args in (["verify", str(set_dir), "-i", str(identity_file)],
                 ["inspect", str(set_dir), "-i", str(identity_file)],
                 ["inspect", str(set_dir), "-i", str(identity_file), "--format", "csv"],
                 ["inspect", str(set_dir), "-i", str(identity_file), "--part", "log"],
                 ["inspect", str(set_dir), "-i", str(identity_file), "--part", "identity"]):
        code, more_out, more_err = cli(*args)
        assert code == 0, more_err
        seen += [more_out, more_err]
    text = "\n".join(seen)
    assert "******" in text  # masked PANs are there (the check can see card numbers)
    assert find_pans(text) == []


def test_unknown_recipient_is_a_usage_error_before_touching_the_terminal(tmp_path, cli) -> None:
    code, out, err = cli("backup", "--port", PORT, "--to", str(tmp_path / "s"),
                         "-r", "age1notarecipient")
    assert code == 2
    assert out == "" and len(err.strip().splitlines()) == 1 and "recipient" in err.lower()
    assert not (tmp_path / "s").exists()
