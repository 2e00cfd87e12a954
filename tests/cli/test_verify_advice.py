"""`verify` advises what `backup` will accept, and says what is missing in the terms of the set.

A damaged set is evidence: `backup --resume` refuses it, so verify must not suggest it. Only a
sound set that stopped before its end is continued with --resume. (docs/backup-set.md)
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_run import run_in_process


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A finished set of a small emulated journal, and the recipient it is encrypted to."""
    from posdiag.crypto.age import generate_identity

    root = tmp_path_factory.mktemp("advice")
    _secret, recipient = generate_identity()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POSDIAG_CONFIG_DIR", str(root / "config"))
        ran = run_in_process("backup", "--port", "sim:journal=20", "--to", root / "set",
                             "-r", recipient)
    assert ran.code == 0, ran.err
    return root / "set", recipient


@pytest.fixture
def copy(made, tmp_path, monkeypatch):
    """A copy of the set in tmp_path, and the kit config it was written with."""
    original, recipient = made
    monkeypatch.setenv("POSDIAG_CONFIG_DIR", str(original.parent / "config"))
    monkeypatch.chdir(tmp_path)
    shutil.copytree(original, tmp_path / "set")
    return tmp_path / "set", recipient


def _resume(set_dir: Path, recipient: str):
    return run_in_process("backup", "--port", "sim:journal=20", "--to", set_dir, "-r",
                          recipient, "--resume")


def test_a_flipped_byte_is_damage_and_verify_says_back_up_into_a_new_folder(copy):
    set_dir, recipient = copy
    journal = next(set_dir.glob("journal-*-00001.age"))
    data = bytearray(journal.read_bytes())
    data[len(data) // 2] ^= 1
    journal.write_bytes(bytes(data))
    verified = run_in_process("verify", set_dir)
    assert verified.code == 1
    assert "--resume" not in verified.out + verified.err
    assert "keep it as it is, as evidence, and back up the terminal into a new folder" \
        in verified.err
    report = json.loads(run_in_process("verify", set_dir, "--json").out)
    assert report["damaged"] is True and "new folder" in report["advice"]
    # ... which is what backup says too: it refuses to continue the set.
    resumed = _resume(set_dir, recipient)
    assert resumed.code == 2 and "back up into a new folder" in resumed.err


def test_a_set_without_its_final_generation_says_what_is_missing_and_resume_finishes_it(copy):
    """The newest manifest and everything it named removed: the stick holds an older, honest
    state (a run stopped before its end looks the same). --resume is the advice, and works."""
    set_dir, recipient = copy
    newest = max(set_dir.glob("manifest-*.json"))
    for name in (newest.name, newest.name + ".minisig", "totals.age", "log.age"):
        (set_dir / name).unlink()
    verified = run_in_process("verify", set_dir)
    assert verified.code == 1
    assert " of " not in verified.out.split("PROBLEM:")[-1]  # not "N of N bytes committed"
    assert "the whole journal" in verified.out and "final generation" in verified.out
    assert "run the same backup again with --resume" in verified.err
    assert _resume(set_dir, recipient).code == 0
    assert run_in_process("verify", set_dir).code == 0


def test_a_removed_generation_with_its_signature_left_is_rollback_evidence(copy):
    set_dir, recipient = copy
    newest = max(set_dir.glob("manifest-*.json"))
    newest.unlink()
    verified = run_in_process("verify", set_dir)
    assert verified.code == 1
    assert "a generation of this set is gone" in verified.out
    assert "final generation" in verified.out and "was removed" in verified.out
    assert "--resume" not in verified.out + verified.err
    assert "new folder" in verified.err
    assert _resume(set_dir, recipient).code == 2
