"""Segment indexes and piece seals against docs/backup-set.md "Pieces and seals".

The index names the pieces of a closed segment in order; a seal vouches for one piece
written before any generation named it, signed by the kit. Both come off an untrusted
stick, so each rule is shown at its edge: what the format allows is read back exactly,
the first thing past it is refused with the file's name and the reason. No files and no
age: the end-to-end behaviour (power cuts, resume adopting seals) is in test_backup_pieces.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from posdiag.backup.manifest import FileEntry, canonical_json, public_key_string, raw_public_key
from posdiag.backup.pieces import (
    IndexedPiece,
    Piece,
    Seal,
    SealBase,
    decode_index,
    decode_seal,
    encode_index,
    encode_seal,
    peek_seal_base,
    segment_figures,
)
from posdiag.backup.schema import MAX_SIZE
from posdiag.backup.signature import sign_record
from posdiag.errors import VerificationError

# Test material: fixed kit keys made for these tests only.
KIT = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KIT = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
KIT_KEY = public_key_string(raw_public_key(KIT))
OTHER_KIT_KEY = public_key_string(raw_public_key(OTHER_KIT))
HASH_A, HASH_B = "a" * 64, "b" * 64
SET_ID = "00112233445566778899aabbccddeeff"


def piece(part: int, offset: int, length: int, records: int = 3, segment: int = 4,
          first_seq: int = 1, last_seq: int = 3,
          tally: dict[str, list[int]] | None = None) -> Piece:
    return Piece(segment, part, FileEntry(f"journal-{segment:06d}-{part:05d}.age", 100 + part,
                                          HASH_A), offset, length, records, first_seq, last_seq,
                 {"VISA": [records, 100 * records]} if tally is None else tally)


# --- segment index ------------------------------------------------------------------------

def index_obj(segment: int = 4, offset: int = 7000) -> dict[str, Any]:
    return json.loads(encode_index(segment, [piece(1, offset, 500, segment=segment),
                                             piece(2, offset + 500, 300, segment=segment)]))


def test_an_index_is_canonical_json_of_its_pieces_in_order() -> None:
    assert encode_index(4, [piece(1, 7000, 500), piece(2, 7500, 300)]) == (
        b'{"format":"posdiag-segment-index","parts":['
        b'{"length":500,"name":"journal-000004-00001.age","offset":7000,"records":3,'
        b'"sha256":"' + HASH_A.encode() + b'","size":101},'
        b'{"length":300,"name":"journal-000004-00002.age","offset":7500,"records":3,'
        b'"sha256":"' + HASH_A.encode() + b'","size":102}],'
        b'"segment":4,"version":1}\n')


def test_an_index_reads_back_as_the_pieces_it_lists() -> None:
    data = encode_index(4, [piece(1, 7000, 500), piece(2, 7500, 300, records=9)])
    assert decode_index(data, "journal-000004-index.json", 4, 7000) == [
        IndexedPiece(FileEntry("journal-000004-00001.age", 101, HASH_A), 7000, 500, 3),
        IndexedPiece(FileEntry("journal-000004-00002.age", 102, HASH_A), 7500, 300, 9)]


def index_refusal(obj: dict[str, Any] | bytes, segment: int = 4, offset: int = 7000) -> str:
    data = obj if isinstance(obj, bytes) else canonical_json(obj)
    with pytest.raises(VerificationError) as caught:
        decode_index(data, "journal-000004-index.json", segment, offset)
    message = str(caught.value)
    assert message.startswith("journal-000004-index.json is damaged or altered (")
    return message


def changed(obj: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, last = path.replace("[", ".").replace("]", "").split(".")
    target: Any = obj
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    target[int(last) if isinstance(target, list) else last] = value
    return obj


@pytest.mark.parametrize(("path", "value", "why"), [
    ("format", "posdiag-piece-seal", "format must be one of 'posdiag-segment-index'"),
    ("version", 2, "version must be one of 1"),
    ("version", True, "version must be one of 1"),
    ("segment", 0, "segment must be between 1 and 999999"),
    ("segment", 1_000_000, "segment must be between 1 and 999999"),
    ("parts", [], "parts must have 1 to 99999 items, not 0"),
    ("parts[0].name", "journal-000004-1.age", "parts[0].name has a form"),
    ("parts[0].name", "journal-000004-00001.age" + " " * 9, "parts[0].name is longer than 32"),
    ("parts[0].size", -1, "parts[0].size must be between 0 and"),
    ("parts[0].sha256", HASH_A[:63], "parts[0].sha256 has a form"),
    ("parts[0].sha256", HASH_A + "a", "parts[0].sha256 is longer than 64"),
    ("parts[0].offset", -1, "parts[0].offset must be between 0 and"),
    ("parts[0].length", 0, "parts[0].length must be between 1 and"),
    ("parts[0].records", 0, "parts[0].records must be between 1 and"),
    ("parts[0].pan", "4111111111111111", "parts[0] has a key this format does not know"),
])
def test_an_index_value_past_an_edge_is_refused_and_named(path: str, value: Any,
                                                          why: str) -> None:
    assert why in index_refusal(changed(index_obj(), path, value))


def test_the_piece_list_is_bounded_before_its_items_are_read() -> None:
    obj = index_obj()
    obj["parts"] = [{}] * 99_999
    assert "(parts[0] lacks the key" in index_refusal(obj)
    obj["parts"] = [{}] * 100_000
    assert "(parts must have 1 to 99999 items, not 100000)" in index_refusal(obj)


@pytest.mark.parametrize(("obj", "segment", "offset", "why"), [
    (index_obj(), 5, 7000, "it lists a piece of another segment"),
    (index_obj(segment=5), 4, 7000, "it lists a piece of another segment"),
    # The index's own segment number, either way off, with pieces of the right segment.
    (changed(index_obj(), "segment", 5), 4, 7000, "it lists a piece of another segment"),
    (changed(index_obj(), "segment", 3), 4, 7000, "it lists a piece of another segment"),
    (changed(index_obj(), "parts[1].name", "journal-000005-00002.age"), 4, 7000,
     "it lists a piece of another segment"),
    (changed(index_obj(), "parts[1].name", "journal-000003-00002.age"), 4, 7000,
     "it lists a piece of another segment"),
    # Segment numbers past 256 are distinct objects in CPython: compared by value.
    (index_obj(segment=300), 301, 7000, "it lists a piece of another segment"),
    (changed(index_obj(), "parts[1].name", "journal-000004-00001.age"), 4, 7000,
     "its pieces do not follow each other"),
    (index_obj(), 4, 6999, "its pieces do not follow each other"),
    (changed(index_obj(), "parts[1].offset", 7499), 4, 7000, "its pieces do not follow each other"),
    (changed(index_obj(), "parts[1].offset", 7501), 4, 7000, "its pieces do not follow each other"),
])
def test_an_index_whose_pieces_do_not_follow_from_the_segment_start_is_refused(
        obj: dict[str, Any], segment: int, offset: int, why: str) -> None:
    assert index_refusal(obj, segment, offset) == (
        f"journal-000004-index.json is damaged or altered ({why}).")


def test_an_index_of_a_segment_past_256_reads() -> None:
    assert len(decode_index(canonical_json(index_obj(segment=300)), "i", 300, 7000)) == 2


def test_pieces_may_be_listed_in_any_part_order_if_their_bytes_follow() -> None:
    # A piece rewritten after a failed read-back gets the next free part number.
    obj = index_obj()
    obj["parts"][0]["name"] = "journal-000004-00003.age"
    assert [p.file.name for p in decode_index(canonical_json(obj), "i", 4, 7000)] == [
        "journal-000004-00003.age", "journal-000004-00002.age"]


@pytest.mark.parametrize("data", [
    json.dumps(index_obj()).encode() + b"\n",
    canonical_json(index_obj())[:-1],
    canonical_json(index_obj()) + b" ",
])
def test_an_index_in_another_spelling_is_refused(data: bytes) -> None:
    assert index_refusal(data) == ("journal-000004-index.json is damaged or altered (it is not "
                                   "in canonical form).")


@pytest.mark.parametrize(("data", "why"), [
    (b"\x80{}", "codec can't decode"), (b"{", "Expecting"), (b"[]", "must be an object"),
    (b"[" * 100_000, "recursion"),
])
def test_index_bytes_that_are_no_index_are_refused(data: bytes, why: str) -> None:
    assert why in index_refusal(data)


# --- seals --------------------------------------------------------------------------------

def seal(**changes: Any) -> Seal:
    fields = {"segment": 4, "part": 2, "offset": 7500, "length": 300, "records": 3,
              "first_seq": 11, "last_seq": 13, "tally": {"girocard": [3, -5]}, **changes}
    made = Piece(fields["segment"], fields["part"],
                 FileEntry(f"journal-{fields['segment']:06d}-{fields['part']:05d}.age", 400,
                           HASH_B), fields["offset"], fields["length"], fields["records"],
                 fields["first_seq"], fields["last_seq"], fields["tally"])
    return Seal(SET_ID, KIT_KEY, SealBase(7, HASH_A), made)


def seal_body(**changes: Any) -> dict[str, Any]:
    return json.loads(encode_seal(seal(**changes), KIT).partition(b"\n")[0])


def signed(body: dict[str, Any] | bytes, key: Ed25519PrivateKey = KIT) -> bytes:
    line = body if isinstance(body, bytes) else canonical_json(body)
    return line + sign_record(line, key, b"posdiag piece seal v1").encode() + b"\n"


def seal_refusal(data: bytes, kit_key: str = KIT_KEY) -> str:
    with pytest.raises(VerificationError) as caught:
        decode_seal(data, "journal-000004-00002.seal", kit_key)
    message = str(caught.value)
    assert message.startswith("journal-000004-00002.seal is damaged or altered (")
    return message


def test_a_seal_is_its_canonical_json_line_then_the_kits_signature_of_it() -> None:
    data = encode_seal(seal(), KIT)
    body, signature = data.split(b"\n")[:2]
    assert data == body + b"\n" + signature + b"\n"
    assert json.loads(body) == {
        "format": "posdiag-piece-seal", "version": 1, "set_id": SET_ID, "kit_key": KIT_KEY,
        "base": {"generation": 7, "sha256": HASH_A}, "segment": 4, "part": 2,
        "file": {"name": "journal-000004-00002.age", "size": 400, "sha256": HASH_B},
        "offset": 7500, "length": 300, "records": 3, "first_seq": 11, "last_seq": 13,
        "tally": {"girocard": [3, -5]}}
    assert body + b"\n" == canonical_json(json.loads(body))
    # Ed25519 is deterministic: the same seal by the same kit is the same bytes.
    assert signed(body + b"\n") == data


def test_a_seal_reads_back_exactly() -> None:
    assert decode_seal(encode_seal(seal(), KIT), "s", KIT_KEY) == seal()


@pytest.mark.parametrize("changes", [
    {"first_seq": 13}, {"first_seq": 0, "last_seq": 0}, {"part": 99_999}, {"segment": 999_999},
    {"last_seq": (1 << 63) - 1}, {"tally": {}},
    {"tally": {"VISA": [-MAX_SIZE, MAX_SIZE], "others": [MAX_SIZE, -MAX_SIZE]}},
])
def test_a_seal_at_the_edges_the_format_allows_reads_back_exactly(changes: dict[str, Any]) -> None:
    assert decode_seal(encode_seal(seal(**changes), KIT), "s", KIT_KEY) == seal(**changes)


@pytest.mark.parametrize(("path", "value", "why"), [
    ("format", "posdiag-segment-index", "format must be one of"),
    ("version", 2, "version must be one of 1"),
    ("set_id", SET_ID[:-1], "set_id has a form"),
    ("set_id", SET_ID + "0", "set_id is longer than 32"),
    ("kit_key", KIT_KEY + "A", "kit_key is longer than 56"),
    ("base.generation", 0, "base.generation must be between 1 and 999999"),
    ("base.generation", 1_000_000, "base.generation must be between 1 and 999999"),
    ("base.sha256", HASH_A.upper(), "base.sha256 has a form"),
    ("segment", 0, "segment must be between 1 and 999999"),
    ("segment", 1_000_000, "segment must be between 1 and 999999"),
    ("part", 0, "part must be between 1 and 99999"),
    ("part", 100_000, "part must be between 1 and 99999"),
    ("file.name", "journal-000004-00002.seal", "file.name has a form"),
    ("file.name", "journal-000004-00002.age" + " " * 9, "file.name is longer than 32"),
    ("file.size", -1, "file.size must be between 0 and"),
    ("file.sha256", 5, "file.sha256 must be a string"),
    ("offset", -1, "offset must be between 0 and"),
    ("length", 0, "length must be between 1 and"),
    ("records", 0, "records must be between 1 and"),
    ("first_seq", -1, "first_seq must be between 0 and"),
    ("last_seq", 1 << 63, "last_seq must be between 0 and 9223372036854775807"),
    ("last_seq", None, "last_seq must be an integer"),
    ("tally.Visa", [1, 1], "tally key must be one of"),
    ("tally.girocard", [1, MAX_SIZE + 1], "tally.girocard[1] must be between"),
    ("tally.girocard", [-MAX_SIZE - 1, 1], "tally.girocard[0] must be between"),
    ("tally.girocard", [1, 2, 3], "tally.girocard must be a list of two values"),
    ("pan", "4111111111111111", "has a key this format does not know: 'pan'"),
])
def test_a_signed_seal_with_a_value_past_an_edge_is_refused_and_named(path: str, value: Any,
                                                                      why: str) -> None:
    assert why in seal_refusal(signed(changed(seal_body(), path, value)))


@pytest.mark.parametrize(("body", "why"), [
    (changed(seal_body(), "part", 3), "its figures do not add up"),
    (changed(seal_body(), "part", 1), "its figures do not add up"),
    (changed(seal_body(), "segment", 5), "its figures do not add up"),
    (changed(seal_body(), "first_seq", 14), "its figures do not add up"),
])
def test_a_signed_seal_whose_figures_do_not_add_up_is_refused(body: dict[str, Any],
                                                              why: str) -> None:
    assert seal_refusal(signed(body)) == f"journal-000004-00002.seal is damaged or altered ({why})."


def test_only_a_seal_signed_by_the_kit_it_names_and_the_reader_expects_is_read() -> None:
    good = encode_seal(seal(), KIT)
    not_this_kit = "journal-000004-00002.seal is damaged or altered (it is not signed by this kit)."
    assert seal_refusal(good, OTHER_KIT_KEY) == not_this_kit
    assert seal_refusal(signed(seal_body(), OTHER_KIT)) == not_this_kit
    for named in ("+" * 56, "z" * 56):  # a kit key sorting before ours, and one after
        assert seal_refusal(signed(changed(seal_body(), "kit_key", named))) == not_this_kit
    other = changed(seal_body(), "kit_key", OTHER_KIT_KEY)
    assert seal_refusal(signed(other, OTHER_KIT)) == not_this_kit
    assert seal_refusal(signed(other, KIT)) == not_this_kit
    body, signature, _ = good.split(b"\n")
    flipped = bytearray(signature)
    flipped[5] ^= 1
    assert seal_refusal(body + b"\n" + bytes(flipped) + b"\n") == not_this_kit
    assert seal_refusal(body + b"\n" + b"\xff" * 88 + b"\n") == not_this_kit


@pytest.mark.parametrize("cut", [
    lambda data: data.partition(b"\n")[0],
    lambda data: data.partition(b"\n")[0] + b"\n",
    lambda data: data[:-1],
    lambda data: data + b"\n",
    lambda data: data + b"x\n",
])
def test_a_seal_that_is_not_two_lines_is_not_a_seal(cut: Any) -> None:
    assert seal_refusal(cut(encode_seal(seal(), KIT))) == (
        "journal-000004-00002.seal is damaged or altered (it is not a seal).")


@pytest.mark.parametrize("spell", [
    lambda body: json.dumps(body, sort_keys=True).encode() + b"\n",  # sorts before canonical
    lambda body: json.dumps(dict(sorted(body.items(), reverse=True)),
                            separators=(",", ":")).encode() + b"\n",  # sorts after it
])
def test_a_signed_seal_in_another_spelling_is_refused(spell: Any) -> None:
    assert seal_refusal(signed(spell(seal_body()))) == (
        "journal-000004-00002.seal is damaged or altered (it is not in canonical form).")


@pytest.mark.parametrize(("first_line", "base"), [
    (b'{"base":{"generation":7}}', 7),
    (b'{"base":{"generation":0}}', 0),
    (b'{"base":{"generation":true}}', None),
    (b'{"base":{"generation":"7"}}', None),
    (b'{"base":{}}', None),
    (b'{"base":[7]}', None),
    (b'{"base":7}', None),
    (b"[]", None),
    (b"{", None),
    (b"\xff", None),
    (b"[" * 100_000, None),
])
def test_peek_seal_base_reads_the_claimed_base_of_any_first_line_or_gives_none(
        first_line: bytes, base: int | None) -> None:
    assert peek_seal_base(first_line + b"\nnot checked\n") == base


def test_a_seals_base_is_peeked_without_checking_it() -> None:
    assert peek_seal_base(encode_seal(seal(), OTHER_KIT)) == 7


def test_segment_figures_are_the_range_counts_sequence_and_tally_of_its_pieces() -> None:
    pieces = [piece(1, 7000, 500, records=3, first_seq=1, last_seq=3,
                    tally={"VISA": [3, 300], "girocard": [1, 50]}),
              piece(2, 7500, 300, records=2, first_seq=4, last_seq=5,
                    tally={"VISA": [-1, -100]}),
              piece(3, 7800, 200, records=4, first_seq=6, last_seq=9, tally={})]
    assert segment_figures(pieces, 978) == {
        "offset": 7000, "length": 1000, "records": 9, "first_seq": 1, "last_seq": 9,
        "tally": {"girocard": [1, 50], "VISA": [2, 200]}}


@pytest.mark.parametrize("record", [seal(), seal().base, seal().piece, seal().piece.file,
                                    decode_index(encode_index(4, [piece(1, 0, 5)]), "i", 4, 0)[0]])
def test_records_read_from_a_stick_cannot_be_changed_afterwards(record: Any) -> None:
    name = next(iter(record.__slots__))
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(record, name, None)
    assert not hasattr(record, "__dict__")
