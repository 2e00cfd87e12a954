"""`verify -i` on what opens a set: a passphrase set's own key, and a wrong key.

A passphrase set keeps its own age key in set-key.age, encrypted to the passphrase, and
names the key's public half in the manifest (docs/backup-set.md). With the key file replaced
by something else - and the manifest re-signed to name it, as only the kit could - the set's
files cannot be trusted to be opened by the key the kit meant: a problem, said as such.
A wrong key is its own outcome (exit 2), also when the set holds no journal at all and the
first file tried is a snapshot.
"""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

import pytest
from set_tools import load_manifest, manifest_files, resign

from posdiag.backup.kitkey import load_or_create_kit_key
from posdiag.backup.service import run_backup
from posdiag.backup.verify import verify_set
from posdiag.crypto.age import ScryptIdentity, ScryptRecipient, encrypt_stream, parse_identity
from posdiag.terminals import open_terminal

PASSPHRASE = b"set key checks (test material)"


@pytest.fixture(scope="module")
def passphrase_set(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("passphrase")
    with open_terminal("sim:journal=40,seed=5") as terminal:
        run_backup(terminal, root / "set", [ScryptRecipient(PASSPHRASE)],
                   load_or_create_kit_key(root / "kit"), recipient_labels=["scrypt"])
    return root / "set", root / "kit"


@pytest.fixture
def stick(passphrase_set, tmp_path) -> Path:
    shutil.copytree(passphrase_set[0], tmp_path / "set")
    return tmp_path / "set"


def replace_set_key(stick: Path, kit_dir: Path, plaintext: bytes) -> None:
    """set-key.age now holds ``plaintext`` (encrypted to the passphrase), under a new name
    the newest generation is re-signed to name."""
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(plaintext), out, [ScryptRecipient(PASSPHRASE)])
    data = out.getvalue()
    (stick / "set-key.age").write_bytes(data)
    for path in manifest_files(stick)[:-1]:  # older generations named the old file
        path.unlink()
        (stick / f"{path.name}.minisig").unlink()

    def first_generation(obj: dict) -> None:
        obj["passphrase_key"]["file"].update(size=len(data),
                                             sha256=hashlib.sha256(data).hexdigest())
        obj["previous"], obj["skipped"] = None, []

    newest = load_manifest(manifest_files(stick)[-1])["generation"]
    resign(stick, newest, load_or_create_kit_key(kit_dir), first_generation)


def test_the_untouched_passphrase_set_verifies(stick) -> None:
    report = verify_set(stick, [ScryptIdentity(PASSPHRASE)])
    assert report.ok and report.records == 40, report.problems


def test_a_wrong_passphrase_is_its_own_outcome_and_says_what_opens_the_set(stick) -> None:
    report = verify_set(stick, [ScryptIdentity(b"not the passphrase (test material)")])
    assert report.outcome == "wrong-identity" and not report.problems
    assert report.wrong_identity == (
        "None of the given identities can open this set (it is encrypted to a passphrase); "
        "give the identity or passphrase it was made for.")


def test_a_set_key_file_holding_no_key_is_a_problem(stick, passphrase_set) -> None:
    replace_set_key(stick, passphrase_set[1], b"# nothing here\n")
    assert verify_set(stick).ok  # keyless, everything is as signed
    report = verify_set(stick, [ScryptIdentity(PASSPHRASE)])
    assert "set-key.age does not hold the set's key" in report.problems, report.problems


def test_a_set_key_file_holding_another_key_is_a_problem(stick, passphrase_set) -> None:
    from posdiag.backup.sealing import new_set_key

    named = load_manifest(manifest_files(stick)[-1])["passphrase_key"]["recipient"]
    keys = [new_set_key() for _ in range(40)]  # real keys, just not the set's
    below = next(k for k, r in keys if str(r) < named)
    above = next(k for k, r in keys if str(r) > named)
    for other in (below, above):  # another key, whichever way it sorts
        replace_set_key(stick, passphrase_set[1], other)
        report = verify_set(stick, [ScryptIdentity(PASSPHRASE)])
        assert "set-key.age holds another key than the manifest names" in report.problems, \
            report.problems


def test_a_wrong_key_for_a_set_without_journal_is_its_own_outcome(tmp_path, office_key) -> None:
    from posdiag.crypto.age import generate_identity, parse_recipient

    with open_terminal("sim:journal=0,seed=5") as terminal:
        run_backup(terminal, tmp_path / "set", [parse_recipient(office_key[1])],
                   load_or_create_kit_key(tmp_path / "kit"))
    assert load_manifest(manifest_files(tmp_path / "set")[-1])["segments"] == []
    stranger, _public = generate_identity()
    report = verify_set(tmp_path / "set", [parse_identity(stranger)])
    assert report.outcome == "wrong-identity" and not report.problems, report.problems
    assert verify_set(tmp_path / "set", [parse_identity(office_key[0])]).ok
