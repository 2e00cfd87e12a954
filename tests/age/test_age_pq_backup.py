"""Hybrid office keys through the whole product: keygen --pq, backup, verify -i, inspect -i
against the emulated ZVT terminal (sim: a real pty, the real driver), the kit config, and
the rule that post-quantum and classic recipients never share a backup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posdiag.cli import main
from posdiag.crypto import age
from posdiag.errors import PlanError
from posdiag.kit.config import parse_kit_config

PORT = "sim:journal=40,seed=11"


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("POSDIAG_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config"


def cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_a_backup_to_hybrid_office_and_escrow_keys_verifies_and_inspects(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    office, escrow = tmp_path / "office.key", tmp_path / "escrow.key"
    _, office_recipient, _ = cli(capsys, "keygen", "--pq", "-o", office)
    _, escrow_recipient, _ = cli(capsys, "keygen", "--pq", "-o", escrow)
    set_dir = tmp_path / "set"
    code, out, err = cli(capsys, "backup", "--port", PORT, "--to", set_dir,
                         "-r", office_recipient.strip(), "-r", escrow_recipient.strip(), "--json")
    assert code == 0, err
    assert json.loads(out)["complete"]
    journal = set_dir / "journal-000001-00001.age"  # the first piece of the journal
    with journal.open("rb") as src:
        reader = age.open_decrypting(src, age.parse_identity_file(office.read_text(), "office"))
        assert reader.stanza_types == ("mlkem768x25519", "mlkem768x25519")
    for key in (office, escrow):
        code, out, err = cli(capsys, "verify", set_dir, "-i", key)
        assert code == 0, out + err
        assert "40 records decrypted and checked" in out
        code, out, err = cli(capsys, "inspect", set_dir, "-i", key, "--format", "jsonl")
        assert code == 0, err
        assert len(out.splitlines()) == 40
    stranger = tmp_path / "stranger.key"
    cli(capsys, "keygen", "--pq", "-o", stranger)
    code, _, err = cli(capsys, "verify", set_dir, "-i", stranger)
    assert code == 2 and "None of the given identities can open this set" in err  # wrong key


def test_mixing_hybrid_and_classic_recipients_is_refused_before_the_terminal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hybrid = age.generate_identity(post_quantum=True)[1]
    classic = age.generate_identity()[1]
    code, out, err = cli(capsys, "backup", "--port", PORT, "--to", tmp_path / "set",
                         "-r", hybrid, "-r", classic)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "cannot share a file" in err
    assert not (tmp_path / "set").exists()


def test_the_kit_config_takes_hybrid_recipients_and_refuses_a_mix() -> None:
    office = age.generate_identity(post_quantum=True)[1]
    escrow = age.generate_identity(post_quantum=True)[1]
    config = parse_kit_config(f'recipients = ["{office}", "{escrow}"]\n', Path("/etc/kit.toml"))
    assert config.recipients == (office, escrow)
    classic = age.generate_identity()[1]
    with pytest.raises(PlanError) as caught:
        parse_kit_config(f'recipients = ["{office}", "{classic}"]\n', Path("/etc/kit.toml"))
    assert "/etc/kit.toml" in str(caught.value) and "cannot share a file" in str(caught.value)
    secret = age.generate_identity(post_quantum=True)[0]  # test material
    with pytest.raises(PlanError, match="secret age key"):
        parse_kit_config(f'recipients = ["{office}"]\n# {secret}\n', Path("/etc/kit.toml"))
