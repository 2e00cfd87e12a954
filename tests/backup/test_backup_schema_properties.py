"""Properties of the readers of a backup set's JSON: manifests, seals, segment indexes.

Whatever a stick holds, reading it raises ``VerificationError`` or returns a value that
re-encodes to exactly the bytes read - never AttributeError, TypeError, KeyError or a
hang. Mutations are structural (a value of another type anywhere, a key removed or added,
a list emptied or grown) and byte-level (flips, cuts); a fixed seed list keeps known
shapes in every run. Then verify_set itself is run on sets whose newest manifest is
mutated and re-signed by the kit, so the mutation reaches every check behind the schema.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from backup_fakes import FakeTerminal, make_journal
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from posdiag.backup.kitkey import load_or_create_kit_key
from posdiag.backup.manifest import canonical_json, manifest_from_bytes, manifest_to_bytes
from posdiag.backup.pieces import decode_index, decode_seal
from posdiag.backup.service import run_backup
from posdiag.backup.verify import verify_set
from posdiag.errors import VerificationError

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)

# Machine time, not code: a loaded 2-core box can stall a draw; no deadline on properties.
PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def sample_set(tmp_path_factory, office_key) -> tuple[Path, Path]:
    from posdiag.crypto.age import parse_recipient

    root = tmp_path_factory.mktemp("schema")
    journal, records = make_journal(120, seed=3)
    run_backup(FakeTerminal(journal, records, block_size=700), root / "set",
               [parse_recipient(office_key[1])], load_or_create_kit_key(root / "kit"),
               segment_bytes=10_000, piece_bytes=4_000)
    return root / "set", root / "kit"


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*path, index))
    return found


def _mutate(obj: Any, path: tuple, how: str, value: Any) -> Any:
    if not path:
        return value
    *parents, last = path
    target = obj
    for key in parents:
        target = target[key]
    if how == "remove" and isinstance(target, dict):
        del target[last]
    elif how == "add" and isinstance(target, dict):
        target[f"{last}_extra"] = value
    elif how == "grow" and isinstance(target, list):
        target.append(value)
    else:
        target[last] = value
    return obj


@st.composite
def mutated(draw, original: dict) -> bytes:
    obj = json.loads(json.dumps(original))
    path = draw(st.sampled_from(_paths(obj)))
    how = draw(st.sampled_from(["replace", "remove", "add", "grow"]))
    obj = _mutate(obj, path, how, draw(JSON_VALUES))
    try:
        return canonical_json(obj) if isinstance(obj, dict) else json.dumps(obj).encode()
    except ValueError:  # NaN and infinities are not canonical JSON: write them anyway
        return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def newest_manifest(set_dir: Path) -> tuple[bytes, dict]:
    data = sorted(set_dir.glob("manifest-*.json"))[-1].read_bytes()
    return data, json.loads(data)


@PROPERTY
@given(data=st.data())
def test_a_mutated_manifest_is_refused_or_read_back_exactly(sample_set, data) -> None:
    _, original = newest_manifest(sample_set[0])
    mutant = data.draw(mutated(original))
    try:
        manifest = manifest_from_bytes(mutant)
    except VerificationError:
        return
    assert manifest_to_bytes(manifest) == mutant


@PROPERTY
@given(data=st.data())
def test_manifest_bytes_flipped_or_cut_never_crash_the_reader(sample_set, data) -> None:
    raw, _ = newest_manifest(sample_set[0])
    mutant = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(mutant) - 1))
        mutant[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(mutant)))
    with contextlib.suppress(VerificationError):  # the only exception it may raise
        manifest_from_bytes(bytes(mutant[:cut]))


@PROPERTY
@given(data=st.data())
def test_a_mutated_segment_index_is_refused_or_exact(sample_set, data) -> None:
    path = sorted(sample_set[0].glob("journal-000001-index*.json"))[0]
    original = json.loads(path.read_bytes())
    mutant = data.draw(mutated(original))
    try:
        pieces = decode_index(mutant, path.name, 1, 0)
    except VerificationError:
        return
    assert sum(p.length for p in pieces) > 0


@PROPERTY
@given(data=st.data())
def test_a_mutated_seal_is_refused(sample_set, data, tmp_path_factory) -> None:
    """Seals carry a signature over their exact bytes: any change is refused."""
    from posdiag.backup.manifest import FileEntry
    from posdiag.backup.pieces import Piece, Seal, SealBase, encode_seal

    kit = load_or_create_kit_key(sample_set[1])
    seal = Seal("0" * 32, kit.public_key, SealBase(1, "a" * 64),
                Piece(1, 1, FileEntry("journal-000001-00001.age", 300, "b" * 64), 0, 250, 1, 1,
                      1, {"VISA": [1, 100]}))
    good = encode_seal(seal, kit.private_key)
    assert decode_seal(good, "seal", kit.public_key) == seal
    body, _, signature = good.partition(b"\n")
    mutant = data.draw(mutated(json.loads(body))).rstrip(b"\n") + b"\n" + signature
    assume(mutant != good)
    with pytest.raises(VerificationError):
        decode_seal(mutant, "seal", kit.public_key)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_verify_of_a_set_whose_newest_manifest_is_mutated_and_re_signed(sample_set, data,
                                                                       tmp_path_factory,
                                                                       identities) -> None:
    """The mutation is signed by the kit's own key, so it passes the signature check and
    reaches everything behind it: verify reports, it never raises anything untyped."""
    from posdiag.backup.manifest import sign_manifest

    set_dir = tmp_path_factory.mktemp("mutant") / "set"
    shutil.copytree(sample_set[0], set_dir)
    kit = load_or_create_kit_key(sample_set[1])
    path = sorted(set_dir.glob("manifest-*.json"))[-1]
    mutant = data.draw(mutated(json.loads(path.read_bytes())))
    path.write_bytes(mutant)
    Path(str(path) + ".minisig").write_bytes(sign_manifest(mutant, kit.private_key, "mutant"))
    report = verify_set(set_dir, identities)  # a report, whatever the mutation: no exception
    assert report.generation is not None  # the generations before it still verify
    try:
        manifest_from_bytes(mutant)
    except VerificationError:
        assert any(p.startswith(f"{path.name}: ") for p in report.problems), report.problems
