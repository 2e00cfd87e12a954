"""Who may extend a backup set, and what verify, inspect and --resume believe (issue 10.2).

A set's signing key is fixed by its first generation. Here real sets are written from the
emulated terminal and then altered as an attacker holding *a* signing key would: another
kit's generation chained correctly onto ours, a generation that names no terminal, a
broken or forked chain, newer generations removed. Each must be refused or reported with
one clear sentence; an office register of kit keys (--kit-keys) names unknown kits.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from set_tools import append_generation, load_manifest, manifest_files, resign

from posdiag.backup.kitkey import KIT_KEY_FILE, load_or_create_kit_key

PORT = "sim:journal=300,seed=31"
SEGMENT = ["--segment-mib", "0.03"]


@pytest.fixture(scope="module")
def original(tmp_path_factory, office_key) -> tuple[Path, Path]:
    """(a complete set made by kit A, kit A's config folder)."""
    from posdiag.backup.service import run_backup
    from posdiag.crypto.age import parse_recipient
    from posdiag.terminals import open_terminal

    root = tmp_path_factory.mktemp("trust")
    with open_terminal(PORT) as terminal:
        run_backup(terminal, root / "set", [parse_recipient(office_key[1])],
                   load_or_create_kit_key(root / "kit-a"), segment_bytes=32 * 1024)
    return root / "set", root / "kit-a"


@pytest.fixture
def kit_set(original, tmp_path, config_dir) -> Path:
    """A copy of the set, and kit A's key installed as this test's own kit key."""
    set_dir = tmp_path / "set"
    shutil.copytree(original[0], set_dir)
    config_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(original[1] / KIT_KEY_FILE, config_dir / KIT_KEY_FILE)
    (config_dir / KIT_KEY_FILE).chmod(0o600)
    return set_dir


@pytest.fixture
def kit_a(kit_set, config_dir):
    return load_or_create_kit_key(config_dir)


@pytest.fixture
def kit_b(tmp_path):
    return load_or_create_kit_key(tmp_path / "kit-b")


def verify_json(cli, *args: str) -> tuple[int, dict]:
    code, out, _ = cli("verify", *args, "--json")
    return code, json.loads(out)


def resume(cli, set_dir: Path, recipient: str, port: str = PORT) -> tuple[int, str, str]:
    return cli("backup", "--port", port, "--to", str(set_dir), "-r", recipient, *SEGMENT,
               "--resume")


# --- the key of the first generation is the set's key ----------------------------------------


def test_a_generation_signed_by_another_key_makes_verify_fail(kit_set, kit_a, kit_b,
                                                              cli) -> None:
    before = verify_json(cli, str(kit_set))[1]
    forged = append_generation(kit_set, kit_b)  # chained correctly onto the kit's newest
    code, out, _ = cli("verify", str(kit_set))
    assert code == 1
    assert (f"PROBLEM: manifest-{forged:06d}.json: signed by kit key {kit_b.public_key}, but "
            f"the set's first generation by {kit_a.public_key}: another kit extended this set, "
            "do not trust that generation") in out
    report = verify_json(cli, str(kit_set))[1]
    assert report["generation"] == before["generation"]  # the forgery is never the state
    assert report["set_key"] == kit_a.public_key


def test_a_later_generation_of_ours_cannot_whitewash_a_foreign_one(kit_set, kit_a, kit_b,
                                                                   cli) -> None:
    forged = append_generation(kit_set, kit_b)
    # Our own key "supersedes" it by listing it as skipped: still a problem.
    newest = manifest_files(kit_set)[-2]

    def skip_forged(obj: dict) -> None:
        obj["skipped"] = [f"manifest-{forged:06d}.json"]
        obj["previous"] = {"generation": obj["generation"],
                           "sha256": hashlib.sha256(newest.read_bytes()).hexdigest()}

    append_generation(kit_set, kit_a, skip_forged)
    code, report = verify_json(cli, str(kit_set))
    assert code == 1 and any("another kit extended this set" in p for p in report["problems"])


def test_resume_refuses_a_set_written_by_another_kit(original, tmp_path, cli,
                                                     office_key) -> None:
    set_dir = tmp_path / "set"
    shutil.copytree(original[0], set_dir)  # this test's kit key is a fresh one: not kit A
    code, out, err = resume(cli, set_dir, office_key[1])
    assert code == 2 and out == ""
    assert "was written by another kit" in err and "back up into a new folder" in err
    assert sorted(p.name for p in set_dir.iterdir()) == sorted(
        p.name for p in original[0].iterdir())  # nothing was written


def test_resume_refuses_a_set_another_kit_extended(kit_set, kit_b, cli, office_key) -> None:
    append_generation(kit_set, kit_b)
    code, _, err = resume(cli, kit_set, office_key[1])
    assert code == 2 and "shows damage or tampering" in err and "another kit extended" in err


def test_resume_refuses_a_set_whose_terminal_identity_was_removed(kit_set, kit_a, cli,
                                                                  office_key) -> None:
    newest = load_manifest(manifest_files(kit_set)[-1])["generation"]
    resign(kit_set, newest, kit_a, lambda obj: obj.update(terminal={}))
    code, _, err = resume(cli, kit_set, office_key[1])
    assert code == 2 and "does not say which terminal it belongs to" in err


def test_resume_refuses_a_set_whose_identity_snapshot_was_removed(kit_set, cli,
                                                                  office_key) -> None:
    (kit_set / "identity.age").unlink()
    code, _, err = resume(cli, kit_set, office_key[1])
    assert code == 2 and "identity.age is missing" in err and "tampering" in err


def test_resume_continues_the_kits_own_set(kit_set, cli, office_key) -> None:
    code, out, err = cli("backup", "--port", PORT, "--to", str(kit_set), "-r", office_key[1],
                         *SEGMENT, "--resume", "--json")
    assert code == 0, err
    assert json.loads(out)["resumed_from"] > 0  # nothing to add: the same journal


# --- the office's register of kits ---------------------------------------------------------


def test_kit_keys_register_names_known_kits_and_reports_unknown_ones(kit_set, kit_a, kit_b,
                                                                     tmp_path, cli,
                                                                     identity_file) -> None:
    known = tmp_path / "kits.txt"
    known.write_text(f"# office register\n{kit_a.public_key}  kit-berlin-01\n")
    code, out, _ = cli("verify", str(kit_set), "--kit-keys", str(known))
    assert code == 0 and f"Signed by kit kit-berlin-01 (key {kit_a.public_key})." in out
    code, report = verify_json(cli, str(kit_set), "--kit-keys", str(known))
    assert report["kit"] == "kit-berlin-01" and report["key_checked"]

    others = tmp_path / "other-kits.txt"
    others.write_text(f"untrusted comment: minisign public key\n{kit_b.public_key}\n")
    code, out, err = cli("verify", str(kit_set), "--kit-keys", str(others))
    assert code == 1
    assert (f"PROBLEM: the set is signed by an unknown kit: key {kit_a.public_key} is not in "
            "the register of known kits") in out
    code, out, err = cli("inspect", str(kit_set), "-i", str(identity_file), "--kit-keys",
                         str(others))
    assert code == 1 and out == "" and "signed by an unknown kit" in err
    code, out, _ = cli("inspect", str(kit_set), "-i", str(identity_file), "--kit-keys",
                       str(known), "--format", "jsonl")
    assert code == 0 and len(out.splitlines()) == 300


def test_a_malformed_register_is_a_usage_error(kit_set, tmp_path, cli) -> None:
    bad = tmp_path / "kits.txt"
    bad.write_text("RWQnot-a-key kit-1\n")
    code, _, err = cli("verify", str(kit_set), "--kit-keys", str(bad))
    assert code == 2 and f"{bad} line 1:" in err


def test_kit_key_pin(kit_set, kit_a, kit_b, cli) -> None:
    assert cli("verify", str(kit_set), "--kit-key", kit_a.public_key)[0] == 0
    code, out, _ = cli("verify", str(kit_set), "--kit-key", kit_b.public_key)
    assert code == 1
    assert (f"PROBLEM: the set is signed by kit key {kit_a.public_key}, not the expected "
            f"{kit_b.public_key}") in out


# --- the hash chain ------------------------------------------------------------------------


def test_an_altered_link_of_the_chain_is_a_problem(kit_set, kit_a, cli) -> None:
    generations = [load_manifest(p)["generation"] for p in manifest_files(kit_set)]
    middle = generations[len(generations) // 2]
    resign(kit_set, middle, kit_a,
           lambda obj: obj.update(previous={**obj["previous"], "sha256": "0" * 64}))
    code, report = verify_json(cli, str(kit_set))
    assert code == 1
    assert (f"manifest-{middle:06d}.json: the generation {middle - 1} it follows is missing or "
            "altered") in report["problems"]


def test_a_removed_middle_generation_is_a_problem(kit_set, cli) -> None:
    middle = manifest_files(kit_set)[1]
    number = load_manifest(middle)["generation"]
    middle.unlink()
    Path(str(middle) + ".minisig").unlink()
    code, report = verify_json(cli, str(kit_set))
    assert code == 1
    assert (f"manifest-{number + 1:06d}.json: the generation {number} it follows is missing or "
            "altered") in report["problems"]


def test_a_fork_that_skips_a_good_generation_is_a_problem(kit_set, kit_a, cli) -> None:
    files = manifest_files(kit_set)
    newest, older = load_manifest(files[-1]), files[-3]
    resign(kit_set, newest["generation"], kit_a, lambda obj: obj.update(previous={
        "generation": load_manifest(older)["generation"],
        "sha256": hashlib.sha256(older.read_bytes()).hexdigest()}))
    code, report = verify_json(cli, str(kit_set))
    assert code == 1
    assert any(p.startswith(f"manifest-{newest['generation']:06d}.json: it does not follow "
                            f"{files[-2].name}") for p in report["problems"])


# --- rollback: newer generations removed ----------------------------------------------------


def test_a_removed_manifest_whose_signature_remains_is_evident(kit_set, cli) -> None:
    newest = manifest_files(kit_set)[-1]
    newest.unlink()
    code, report = verify_json(cli, str(kit_set))
    assert code == 1
    assert (f"{newest.name}.minisig remains but its manifest was removed: a generation of this "
            "set is gone") in report["problems"]


def test_rolling_back_to_an_older_complete_generation_is_evident(tmp_path, cli,
                                                                 office_key) -> None:
    set_dir = tmp_path / "set"
    args = ["--to", str(set_dir), "-r", office_key[1], *SEGMENT, "--json"]
    code, out, _ = cli("backup", "--port", PORT, *args)
    first_complete = json.loads(out)["generation"]
    # The journal grew (the same terminal, 120 transactions later): a second complete state.
    code, out, err = cli("backup", "--port", "sim:journal=420,seed=31", *args, "--resume")
    assert code == 0, err
    assert json.loads(out)["generation"] > first_complete
    for path in manifest_files(set_dir):
        if load_manifest(path)["generation"] > first_complete:
            path.unlink()
            Path(str(path) + ".minisig").unlink()
    code, report = verify_json(cli, str(set_dir))
    assert report["generation"] == first_complete and report["complete"]
    assert code == 1
    assert any("newer generations were removed (rolled back)" in p for p in report["problems"])


def test_pieces_of_a_segment_beyond_the_newest_generation_are_evident(kit_set, cli) -> None:
    """Generations removed with the index of the segment after the one left: the pieces two
    segments on can only have been written once a removed generation existed."""
    files = manifest_files(kit_set)
    keep = load_manifest(files[1])  # the generation that committed segment 1
    assert len(keep["segments"]) == 1
    for path in files[2:]:
        path.unlink()
        Path(str(path) + ".minisig").unlink()
    for index in kit_set.glob("journal-000002-index*.json"):
        index.unlink()
    code, report = verify_json(cli, str(kit_set))
    assert code == 1 and report["generation"] == keep["generation"]
    assert any(p.startswith("journal-000003-00001.age belongs to segment 3, but the newest "
                            "generation holds 1 segments") for p in report["problems"]), \
        report["problems"]
