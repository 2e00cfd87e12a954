"""A backup to a passphrase: one scrypt for the set, not one per 56 KiB piece.

Pieces made an interruption cheap (issue 13.3) but multiplied the age files; with a
passphrase each file would cost one scrypt derivation (64 MiB and about a second on a Pi).
So a passphrase set gets its own age key: `set-key.age` holds it, encrypted to the
passphrase; every other file is encrypted to its public half. Here against the emulated
terminal: the headers show it, verify and inspect open the set with the passphrase, a
wrong passphrase is its own outcome, and --resume needs the same passphrase.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from posdiag.backup.inspect import open_set
from posdiag.backup.kitkey import load_or_create_kit_key
from posdiag.backup.service import run_backup
from posdiag.backup.verify import verify_set
from posdiag.crypto.age import ScryptIdentity, ScryptRecipient, parse_recipient
from posdiag.errors import LinkError, UsageError
from posdiag.terminals import open_terminal

PASSPHRASE = b"correct horse battery staple (test material)"
PORT = "sim:journal=300,seed=71"


def stanzas(path: Path) -> list[str]:
    """The stanza types of an age file's header ("X25519", "scrypt", …)."""
    types = []
    with open(path, "rb") as file:
        for line in file:
            if line.startswith(b"---"):
                break
            if line.startswith(b"-> "):
                types.append(line.split()[1].decode())
    return types


def backup(set_dir: Path, kit: Path, port: str = PORT, **kw):
    with open_terminal(port) as terminal:
        return run_backup(terminal, set_dir, [ScryptRecipient(PASSPHRASE)],
                          load_or_create_kit_key(kit), recipient_labels=["scrypt"],
                          segment_bytes=32 * 1024, **kw)


def test_a_passphrase_set_has_one_scrypt_file(tmp_path) -> None:
    set_dir = tmp_path / "set"
    result = backup(set_dir, tmp_path / "kit")
    assert result.complete and result.records == 300
    files = sorted(set_dir.glob("*.age"))
    assert sum(path.name.startswith("journal-") for path in files) >= 3  # several pieces
    by_type = {path.name: stanzas(path) for path in files}
    assert by_type.pop("set-key.age") == ["scrypt"]
    assert set(map(tuple, by_type.values())) == {("X25519",)}
    manifest = open_set(set_dir).manifest
    assert manifest.recipients == ("scrypt",) and manifest.passphrase_key is not None
    report = verify_set(set_dir, [ScryptIdentity(PASSPHRASE)])
    assert report.ok and report.records == 300, report.problems
    records = list(open_set(set_dir).records([ScryptIdentity(PASSPHRASE)]))
    assert len(records) == 300


def test_a_wrong_passphrase_is_its_own_outcome(tmp_path) -> None:
    set_dir = tmp_path / "set"
    backup(set_dir, tmp_path / "kit")
    report = verify_set(set_dir, [ScryptIdentity(b"wrong (test material)")])
    assert report.outcome == "wrong-identity" and not report.problems
    assert "it is encrypted to a passphrase" in (report.wrong_identity or "")


def test_resume_needs_the_same_passphrase_and_recipients(tmp_path, office_key) -> None:
    set_dir = tmp_path / "set"
    with pytest.raises(LinkError):
        backup(set_dir, tmp_path / "kit", PORT + ",fault=disconnect@30000")
    kit = load_or_create_kit_key(tmp_path / "kit")
    with open_terminal(PORT) as terminal, pytest.raises(UsageError, match="passphrase does "
                                                                          "not open"):
        run_backup(terminal, set_dir, [ScryptRecipient(b"other (test material)")], kit,
                   recipient_labels=["scrypt"], resume=True)
    with open_terminal(PORT) as terminal, pytest.raises(UsageError, match="is encrypted to a "
                                                                          "passphrase"):
        run_backup(terminal, set_dir, [parse_recipient(office_key[1])], kit, resume=True)
    result = backup(set_dir, tmp_path / "kit", resume=True)
    assert result.complete and result.resumed_from > 0
    assert verify_set(set_dir, [ScryptIdentity(PASSPHRASE)]).ok
    assert len(list(set_dir.glob("set-key*.age"))) == 1  # the same key, not a second one


def test_backup_verify_inspect_with_a_prompted_passphrase(tmp_path) -> None:
    """The commands as a user runs them; the passphrase is read where getpass reads it when
    there is no terminal (stdin), so the child runs in its own session."""
    env = {**os.environ, "POSDIAG_CONFIG_DIR": str(tmp_path / "config")}

    def posdiag(*args: str, typed: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "posdiag", *args], input=typed, text=True,
                              capture_output=True, env=env, start_new_session=True, timeout=120)

    secret = PASSPHRASE.decode()
    done = posdiag("backup", "--port", "sim:journal=60,seed=72", "--to", str(tmp_path / "set"),
                   "--passphrase", "--json", typed=f"{secret}\n{secret}\n")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["records"] == 60
    done = posdiag("verify", str(tmp_path / "set"), "-p", "--json", typed=f"{secret}\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["records"] == 60
    done = posdiag("inspect", str(tmp_path / "set"), "-p", "--format", "jsonl",
                   typed=f"{secret}\n")
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 60
    done = posdiag("verify", str(tmp_path / "set"), "-p", typed="not it\n")
    assert done.returncode == 2 and "encrypted to a passphrase" in done.stderr
