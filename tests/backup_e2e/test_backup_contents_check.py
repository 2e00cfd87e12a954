"""`verify -i` holds every figure of a manifest to what the set decrypts to (issue 10).

These are the checks that only a key can make, so a manifest altered consistently - and
re-signed with the kit key, as only someone holding that key could - passes every keyless
check and must still be caught here: a segment's per-brand tally, its sequence numbers,
the log's line count (exactly, not give or take one), a piece swapped for one with other
records, the identity and totals snapshots. Each would survive the suite if its check
were removed (the mutation-testing finding); each has its own test.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from set_tools import emulator_set, load_manifest, manifest_files, resign

from posdiag.backup.kitkey import load_or_create_kit_key
from posdiag.backup.manifest import canonical_json

PORT = "sim:journal=250,seed=51"


@pytest.fixture(scope="module")
def original(tmp_path_factory, office_key) -> tuple[Path, Path]:
    return emulator_set(tmp_path_factory.mktemp("contents"), PORT, office_key[1])


@pytest.fixture
def stick(original, tmp_path) -> Path:
    shutil.copytree(original[0], tmp_path / "set")
    return tmp_path / "set"


@pytest.fixture
def kit(original):
    return load_or_create_kit_key(original[1])


def newest(set_dir: Path) -> int:
    return load_manifest(manifest_files(set_dir)[-1])["generation"]


def keyed_problems(cli, set_dir: Path, identity_file: Path) -> list[str]:
    keyless, out, _ = cli("verify", str(set_dir), "--json")
    assert keyless == 0, json.loads(out)["problems"]  # consistent: nothing shows without a key
    code, out, _ = cli("verify", str(set_dir), "-i", str(identity_file), "--json")
    assert code == 1
    return json.loads(out)["problems"]


def test_the_untouched_set_verifies_with_the_key(stick, cli, identity_file) -> None:
    code, out, err = cli("verify", str(stick), "-i", str(identity_file), "--json")
    assert code == 0, out + err
    report = json.loads(out)
    assert report["records"] == 250 and report["segments"] >= 3


def test_a_segment_tally_that_does_not_match_its_records(stick, kit, cli,
                                                         identity_file) -> None:
    def one_more_visa(obj: dict) -> None:
        tally = obj["segments"][1]["tally"]
        count, amount = tally.get("VISA", [0, 0])
        tally["VISA"] = [count + 1, amount + 100]

    resign(stick, newest(stick), kit, one_more_visa)
    assert ("segment 2: its records add up to other per-brand counts and amounts than the "
            "manifest states") in keyed_problems(cli, stick, identity_file)


@pytest.mark.parametrize("shift_by", [1, -1])
def test_segment_sequence_numbers_that_do_not_match_its_records(stick, kit, cli,
                                                                identity_file,
                                                                shift_by) -> None:
    def shift(obj: dict) -> None:
        obj["segments"][0]["first_seq"] += shift_by

    resign(stick, newest(stick), kit, shift)
    problems = keyed_problems(cli, stick, identity_file)
    assert any(p.startswith("segment 1: its records run from sequence number") for p in problems)


@pytest.mark.parametrize("delta", [1, -1])
def test_the_log_line_count_is_checked_exactly(stick, kit, cli, identity_file, delta) -> None:
    def miscount(obj: dict) -> None:
        log = next(s for s in obj["snapshots"] if s["kind"] == "log")
        log["records"] += delta

    resign(stick, newest(stick), kit, miscount)
    problems = keyed_problems(cli, stick, identity_file)
    assert any(p.startswith("log.age: decrypted") and "log lines" in p for p in problems)


def test_pieces_listed_out_of_order_are_caught(stick, kit, cli, identity_file) -> None:
    """An index re-ordered (offsets made to add up, the manifest re-signed to name it): every
    file still matches its hash, so only decrypting shows the journal is no longer in order."""
    index_path = stick / "journal-000002-index.json"
    index = json.loads(index_path.read_bytes())
    parts = index["parts"]
    assert len(parts) >= 2
    start = parts[0]["offset"]
    parts[0], parts[1] = parts[1], parts[0]
    parts[0]["offset"], parts[1]["offset"] = start, start + parts[0]["length"]
    data = canonical_json(index)
    (stick / "journal-000002-index-2.json").write_bytes(data)  # older generations keep theirs
    resign(stick, newest(stick), kit, lambda obj: obj["segments"][1]["file"].update(
        name="journal-000002-index-2.json", size=len(data),
        sha256=hashlib.sha256(data).hexdigest()))
    problems = keyed_problems(cli, stick, identity_file)
    assert any(p.startswith("segment 2: ") for p in problems), problems


def test_an_identity_snapshot_that_names_another_terminal(stick, kit, cli,
                                                          identity_file) -> None:
    resign(stick, newest(stick), kit,
           lambda obj: obj["terminal"].update(serial_number="7000009999"))
    problems = keyed_problems(cli, stick, identity_file)
    assert any(p.startswith("identity.age: holds serial_number '7000000001', the manifest says "
                            "'7000009999'") for p in problems), problems


def test_a_totals_snapshot_that_differs_from_the_compared_totals(stick, kit, cli,
                                                                 identity_file) -> None:
    resign(stick, newest(stick), kit,
           lambda obj: obj["totals"]["terminal"].update(amount=obj["totals"]["terminal"]["amount"]
                                                        + 1))
    problems = keyed_problems(cli, stick, identity_file)
    assert ("totals.age: holds other terminal totals than the manifest compared the journal "
            "with") in problems


def test_segment_record_counts_that_do_not_match_its_index_show_without_a_key(
        stick, kit, cli) -> None:
    """One record moved from segment 3's count to segment 2's: the journal's totals still
    add up, but segment 2's index lists fewer records than its generation counts - which
    the keyless check sees. (Every piece is then held to its index entry when decrypted, so
    the index is what a segment's figures are checked against.)"""
    def move_one(obj: dict) -> None:
        obj["segments"][1]["records"] += 1
        obj["segments"][2]["records"] -= 1

    resign(stick, newest(stick), kit, move_one)
    code, out, _ = cli("verify", str(stick), "--json")
    assert code == 1
    assert (f"manifest-{newest(stick):06d}.json: journal-000002-index.json lists other pieces "
            "than the manifest counts") in json.loads(out)["problems"]


@pytest.mark.parametrize(("segment", "moved"), [(1, 1), (1, -1), (2, 1), (2, -1)])
def test_piece_record_counts_that_do_not_match_their_index(stick, kit, cli, identity_file,
                                                           segment, moved) -> None:
    """One record moved between two pieces' counts in a segment's index (re-written, the
    manifest re-signed to name it): the index still adds up, decrypting shows the first
    piece holds another count than its entry - more or fewer, in the first segment or not."""
    name = f"journal-{segment:06d}-index.json"
    index = json.loads((stick / name).read_bytes())
    first, second = index["parts"][0], index["parts"][1]
    first["records"] += moved
    second["records"] -= moved
    data = canonical_json(index)
    (stick / name.replace(".json", "-2.json")).write_bytes(data)
    resign(stick, newest(stick), kit, lambda obj: obj["segments"][segment - 1]["file"].update(
        name=name.replace(".json", "-2.json"), size=len(data),
        sha256=hashlib.sha256(data).hexdigest()))
    assert (f"segment {segment}: {first['name']}: decrypted {first['records'] - moved} records "
            f"/ {first['length']} bytes, its index says {first['records']} / "
            f"{first['length']}") in keyed_problems(cli, stick, identity_file)


@pytest.mark.parametrize("delta", [1, -1])
def test_a_snapshot_length_is_checked_exactly(stick, kit, cli, identity_file, delta) -> None:
    obj = load_manifest(manifest_files(stick)[-1])
    length = next(s for s in obj["snapshots"] if s["kind"] == "identity")["length"]

    def misstate(obj: dict) -> None:
        next(s for s in obj["snapshots"] if s["kind"] == "identity")["length"] += delta

    resign(stick, newest(stick), kit, misstate)
    assert (f"identity.age: decrypted {length} bytes, the manifest says {length + delta}") in \
        keyed_problems(cli, stick, identity_file)


@pytest.mark.parametrize("serial", ["7000000000", "7000000002", ""])
def test_an_identity_field_differing_either_way_is_caught(stick, kit, cli, identity_file,
                                                          serial) -> None:
    resign(stick, newest(stick), kit, lambda obj: obj["terminal"].update(serial_number=serial))
    assert (f"identity.age: holds serial_number '7000000001', the manifest says {serial!r}") in \
        keyed_problems(cli, stick, identity_file)


def test_a_snapshot_that_does_not_decrypt_to_a_snapshot_is_a_problem(stick, kit, cli,
                                                                     identity_file,
                                                                     office_key) -> None:
    """A totals.age replaced by an age file of other content (and a manifest re-signed to
    name it): a problem of the set, reported with the rest, not a crash."""
    import io

    from posdiag.crypto.age import encrypt_stream, parse_recipient

    out = io.BytesIO()
    encrypt_stream(io.BytesIO(b'{"format": "not a snapshot"}'), out,
                   [parse_recipient(office_key[1])])
    data = out.getvalue()
    name = "totals-9.age"  # a retry's name: older generations keep naming theirs
    (stick / name).write_bytes(data)

    def renamed(obj: dict) -> None:
        snapshot = next(s for s in obj["snapshots"] if s["kind"] == "totals")
        snapshot["file"] = {"name": name, "size": len(data),
                            "sha256": hashlib.sha256(data).hexdigest()}
        snapshot["length"] = 28

    resign(stick, newest(stick), kit, renamed)
    problems = keyed_problems(cli, stick, identity_file)
    assert any(p.startswith(f"{name}: {name} does not hold a posdiag-terminal-totals snapshot")
               for p in problems), \
        problems
