"""The manifest reader against docs/backup-set.md "Manifest JSON", field by field.

A manifest comes off an untrusted stick, so every key, type, range, pattern and list length
the format names is a rule the reader enforces, and every figure must add up. Each rule is
shown here at its edge: the last value the format allows is read, the first one past it is
refused with a message that names the value (``segments[0].index``) or the figures that do
not add up. No crypto and no files: the signed end-to-end checks are in backup_e2e/; these
run in milliseconds, so `make mutation` can hold every mutant of manifest.py against them.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest

from posdiag.backup.manifest import (
    FileEntry,
    JournalState,
    Manifest,
    PassphraseKey,
    PreviousGeneration,
    SegmentEntry,
    SnapshotEntry,
    canonical_json,
    clean_terminal_text,
    manifest_from_bytes,
    manifest_to_bytes,
    sha256_hex,
    terminal_fields,
)
from posdiag.backup.schema import MAX_SIZE
from posdiag.devices import TerminalIdentity
from posdiag.errors import VerificationError

HASH_A, HASH_B, HASH_C = "a" * 64, "b" * 64, "0123456789abcdef" * 4
KIT_KEY = "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3"  # 56 base64 characters
SET_ID = "0123456789abcdef0123456789abcdef"
# Test material: a made-up passphrase-set recipient, not anybody's key.
SET_RECIPIENT = "age1testrecipient0000000000000000000000000000000000000000000"
# docs/backup-set.md: a manifest is read up to 4 MiB and lists at most 200 000 segments.
MANIFEST_CAP = 4 * 1024 * 1024
MAX_SEGMENTS = 200_000


def sample(version: int = 2) -> dict[str, Any]:
    """Generation 3 of a finished set: two journal segments, all three snapshots, a
    README, the chain back to generation 1 with generation 2 skipped, compared totals."""
    def segment_file(number: int) -> str:
        return f"journal-{number:06d}-index.json" if version == 2 else f"journal-{number:06d}.age"

    segments = [
        {"kind": "journal", "index": 1, "file": {"name": segment_file(1), "size": 310,
                                                 "sha256": HASH_A},
         "offset": 0, "length": 1000, "records": 10, "first_seq": 1, "last_seq": 10,
         "tally": {"VISA": [10, 5000]}},
        {"kind": "journal", "index": 2, "file": {"name": segment_file(2), "size": 290,
                                                 "sha256": HASH_B},
         "offset": 1000, "length": 500, "records": 5, "first_seq": 11, "last_seq": 15,
         "tally": {"girocard": [5, -300], "others": [0, 0]}},
    ]
    if version == 2:
        segments[0]["parts"] = 2
        segments[1]["parts"] = 1
    side = {"amount": 4700, "currency": 978, "receipt_from": 1, "receipt_to": 15,
            "brands": {"VISA": [10, 5000], "girocard": [5, -300]}}
    obj: dict[str, Any] = {
        "format": "posdiag-backup-set", "version": version, "generation": 3,
        "set_id": SET_ID, "created": "2026-11-30T21:00:00Z", "tool": "posdiag 2.0.0",
        "kit_key": KIT_KEY,
        "terminal": {"device_name": "Test terminal", "serial_number": "SN-0001",
                     "software_version": "1.2.3", "terminal_id": "52500001",
                     "merchant_id": "VU-4711", "currency": 978},
        "recipients": ["scrypt"] if version == 2 else ["age1office"],
        "journal": {"file_id": 1, "reported_size": 1500, "committed": 1500, "records": 15,
                    "last_seq": 15, "complete": True},
        "segments": segments,
        "readme": {"name": "README.txt", "size": 900, "sha256": HASH_C},
        "snapshots": [
            {"kind": "identity", "file": {"name": "identity.age", "size": 400, "sha256": HASH_A},
             "offset": 0, "length": 180, "records": 1},
            {"kind": "totals", "file": {"name": "totals-2.age", "size": 420, "sha256": HASH_B},
             "offset": 0, "length": 200, "records": 1},
            {"kind": "log", "file": {"name": "log.age", "size": 500, "sha256": HASH_C},
             "offset": 100, "length": 250, "records": 3},
        ],
        "previous": {"generation": 1, "sha256": HASH_C},
        "skipped": ["manifest-000002.json"],
        "totals": {"agree": True, "brands_compared": True, "differences": [],
                   "terminal": side, "journal": copy.deepcopy(side)},
        "currency": 978,
        "extra": {},
    }
    if version == 2:
        obj["totals"]["counts_modulo_256"] = False
        obj["passphrase_key"] = {"recipient": SET_RECIPIENT,
                                 "file": {"name": "set-key.age", "size": 250, "sha256": HASH_B}}
    return obj


def expected_manifest() -> Manifest:
    """sample(2) as the records it must read into."""
    obj = sample(2)
    return Manifest(
        generation=3, set_id=SET_ID, created="2026-11-30T21:00:00Z", tool="posdiag 2.0.0",
        kit_key=KIT_KEY, terminal=obj["terminal"], recipients=("scrypt",),
        journal=JournalState(file_id=1, reported_size=1500, committed=1500, records=15,
                             last_seq=15, complete=True),
        segments=(
            SegmentEntry(index=1, file=FileEntry("journal-000001-index.json", 310, HASH_A),
                         offset=0, length=1000, records=10, first_seq=1, last_seq=10,
                         tally={"VISA": [10, 5000]}, parts=2),
            SegmentEntry(index=2, file=FileEntry("journal-000002-index.json", 290, HASH_B),
                         offset=1000, length=500, records=5, first_seq=11, last_seq=15,
                         tally={"girocard": [5, -300], "others": [0, 0]}, parts=1),
        ),
        readme=FileEntry("README.txt", 900, HASH_C),
        snapshots=(SnapshotEntry("identity", FileEntry("identity.age", 400, HASH_A), 0, 180, 1),
                   SnapshotEntry("totals", FileEntry("totals-2.age", 420, HASH_B), 0, 200, 1),
                   SnapshotEntry("log", FileEntry("log.age", 500, HASH_C), 100, 250, 3)),
        previous=PreviousGeneration(1, HASH_C), skipped=("manifest-000002.json",),
        totals=obj["totals"], currency=978,
        passphrase_key=PassphraseKey(SET_RECIPIENT, FileEntry("set-key.age", 250, HASH_B)),
    )


def read(obj: dict[str, Any], name: str = "manifest-000003.json") -> Manifest:
    return manifest_from_bytes(canonical_json(obj), name)


def refusal(obj: dict[str, Any]) -> str:
    with pytest.raises(VerificationError) as caught:
        read(obj)
    return str(caught.value)


# --- encoding -----------------------------------------------------------------------------


def test_canonical_json_is_sorted_compact_ascii_and_newline_terminated() -> None:
    assert canonical_json({"b": [1, None, True], "a": "Zürich €"}) == \
        b'{"a":"Z\\u00fcrich \\u20ac","b":[1,null,true]}\n'


def test_sha256_hex_is_the_lowercase_digest() -> None:
    assert sha256_hex(b"abc") == \
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_a_manifest_reads_into_exactly_its_records_and_writes_back_the_same_bytes() -> None:
    data = canonical_json(sample(2))
    manifest = manifest_from_bytes(data)
    assert manifest == expected_manifest()
    assert manifest_to_bytes(expected_manifest()) == data


@pytest.mark.parametrize("record", [expected_manifest(), expected_manifest().journal,
                                    expected_manifest().segments[0],
                                    expected_manifest().snapshots[0], expected_manifest().readme,
                                    expected_manifest().previous,
                                    expected_manifest().passphrase_key])
def test_records_read_from_a_manifest_cannot_be_changed_afterwards(record: Any) -> None:
    # What was verified is what is used: no field can be rebound and none added.
    name = next(iter(record.__slots__))
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(record, name, None)
    assert not hasattr(record, "__dict__")


def test_a_version_1_manifest_reads_and_writes_back_the_same_bytes() -> None:
    data = canonical_json(sample(1))
    manifest = manifest_from_bytes(data)
    assert manifest.version == 1 and manifest.passphrase_key is None
    assert [seg.parts for seg in manifest.segments] == [None, None]
    assert [seg.file.name for seg in manifest.segments] == ["journal-000001.age",
                                                            "journal-000002.age"]
    assert manifest_to_bytes(manifest) == data


def test_a_first_generation_without_optional_parts_round_trips() -> None:
    obj = sample(2)
    obj.update(generation=1, previous=None, skipped=[], readme=None, snapshots=[], totals=None,
               currency=None, passphrase_key=None, recipients=["age1office"], segments=[],
               journal={"file_id": 0, "reported_size": 0, "committed": 0, "records": 0,
                        "last_seq": None, "complete": True}, terminal={})
    manifest = read(obj)
    assert (manifest.readme, manifest.previous, manifest.passphrase_key) == (None, None, None)
    assert manifest.segments == () and manifest.snapshots == () and manifest.terminal == {}
    assert manifest_to_bytes(manifest) == canonical_json(obj)


# --- the bytes ----------------------------------------------------------------------------


def test_a_manifest_padded_to_the_cap_is_read_but_one_byte_more_is_not() -> None:
    data = canonical_json(sample(2))
    at_cap = data[:-1] + b" " * (MANIFEST_CAP - len(data)) + b"\n"
    assert len(at_cap) == MANIFEST_CAP
    with pytest.raises(VerificationError, match="not in canonical form"):
        manifest_from_bytes(at_cap)  # parsed, then refused as not canonical
    with pytest.raises(VerificationError, match=f"larger than {MANIFEST_CAP} bytes"):
        manifest_from_bytes(at_cap + b" ")


@pytest.mark.parametrize(("data", "why"), [
    (b"\xff{}", "codec can't decode"),
    (b"[1, 2]", "it is not a posdiag manifest"),
    (b'{"format": "posdiag-piece-seal", "version": 2}', "it is not a posdiag manifest"),
    (b'{"version": 2}', "it is not a posdiag manifest"),
    (b'{"format": "posdiag-backup-set"', "Expecting"),
    (b'{"format": "posdiag-backup-set", "version": 3}', "format version 3 is not"),
    (b'{"format": "posdiag-backup-set", "version": 0}', "format version 0 is not"),
    (b'{"format": "posdiag-backup-set", "version": true}', "format version True is not"),
    (b'{"format": "posdiag-backup-set", "version": "2"}', "format version '2' is not"),
    (b'{"format": "posdiag-backup-set"}', "format version None is not"),
    (b"[" * 100_000 + b"]" * 100_000, "recursion"),
    (b'{"format": "posdiag-backup-set", "version": 2, "generation": 1' + b"0" * 5000 + b"}",
     "integer string conversion"),
])
def test_bytes_that_are_no_manifest_are_called_damaged(data: bytes, why: str) -> None:
    with pytest.raises(VerificationError) as caught:
        manifest_from_bytes(data, "manifest-000009.json")
    message = str(caught.value)
    assert message.startswith("manifest-000009.json is damaged or not a posdiag manifest (")
    assert why in message
    assert message.endswith("; fall back to an older generation or re-run the backup.")


@pytest.mark.parametrize("reencode", [
    lambda obj: json.dumps(obj, sort_keys=True).encode() + b"\n",
    lambda obj: json.dumps(obj, separators=(",", ":")).encode() + b"\n",
    lambda obj: canonical_json(obj)[:-1],
    lambda obj: canonical_json(obj) + b"\n",
    lambda obj: canonical_json(obj).replace(b'"tool":"posdiag 2.0.0"',
                                            b'"tool":"posdiag 2.0.\\u0030"'),
])
def test_the_same_manifest_in_any_other_spelling_is_refused(
        reencode: Callable[[dict[str, Any]], bytes]) -> None:
    data = reencode(sample(2))
    assert json.loads(data) == sample(2)
    with pytest.raises(VerificationError) as caught:
        manifest_from_bytes(data, "manifest-000003.json")
    assert str(caught.value) == ("manifest-000003.json is not in canonical form; it was "
                                 "altered after signing.")


# --- the schema, at each edge -------------------------------------------------------------

def at(path: str, value: Any, version: int = 2,
       also: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """sample(version) with the value at ``path`` (dots and [n]) replaced; ``also`` makes
    the rest agree where a rule elsewhere depends on it."""
    obj = sample(version)
    *parents, last = path.replace("[", ".").replace("]", "").split(".")
    target: Any = obj
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    elif value is DELETE:
        del target[last]
    else:
        target[last] = value
    if also:
        also(obj)
    return obj


DELETE = object()


def first_generation(obj: dict[str, Any]) -> None:
    obj.update(previous=None, skipped=[])


def age_recipients(obj: dict[str, Any]) -> None:
    obj["passphrase_key"] = None


def open_journal(obj: dict[str, Any]) -> None:
    obj["journal"]["complete"] = False


def no_segments(obj: dict[str, Any]) -> None:
    obj["segments"] = []
    obj["journal"].update(committed=0, records=0, last_seq=None, complete=False)


# (what, the manifest) - each is read without complaint: the format's own edge values
ACCEPTED = [
    ("generation 1", at("generation", 1, also=first_generation)),
    ("generation 999 999", at("generation", 999_999)),
    ("created with an offset", at("created", "2026-11-30T22:00:00+01:00")),
    ("created west of UTC", at("created", "2026-11-30T16:00:00-05:00")),
    ("tool of 100 characters", at("tool", "t" * 100)),
    ("terminal texts of 256 characters", at("terminal.device_name", "é" * 256)),
    ("terminal currency 0", at("terminal.currency", 0)),
    ("terminal currency 9999", at("terminal.currency", 9999)),
    ("no terminal fields", at("terminal", {})),
    ("64 recipients", at("recipients", [f"age1r{i}" for i in range(64)], also=age_recipients)),
    ("recipient of 4096 characters", at("recipients", ["a" * 4096], also=age_recipients)),
    ("file id 255", at("journal.file_id", 255)),
    ("file id 0", at("journal.file_id", 0)),
    ("a journal of the largest size", at("journal.reported_size", MAX_SIZE, also=open_journal)),
    ("no last sequence number without segments",
     at("journal.last_seq", None, also=no_segments)),
    ("the largest sequence number", at("segments[1].last_seq", (1 << 63) - 1,
                                       also=lambda o: o["journal"].update(last_seq=(1 << 63) - 1))),
    ("first and last sequence number alike", at("segments[1].first_seq", 15)),
    ("sequence number 0", at("segments[0].first_seq", 0)),
    ("99 999 pieces", at("segments[0].parts", 99_999)),
    ("one piece", at("segments[0].parts", 1)),
    ("a one-file segment continued in version 2",
     at("segments[1]", {k: v for k, v in sample(1)["segments"][1].items()})),
    ("a retried segment file", at("segments[0].file.name", "journal-000001-index-7.json")),
    ("every brand in a tally", at("segments[0].tally", {b: [1, 1] for b in (
        "girocard", "JCB", "Mastercard", "Amex", "VISA", "Diners", "others")})),
    ("the smallest amount", at("segments[0].tally.VISA", [10, -MAX_SIZE])),
    ("the largest amount", at("segments[0].tally.VISA", [MAX_SIZE, MAX_SIZE])),
    ("an empty file", at("segments[0].file.size", 0)),
    ("three snapshots in any order", at("snapshots", sample()["snapshots"][::-1])),
    ("a retried snapshot", at("snapshots[2].file.name", "log-999.age")),
    ("no totals yet", at("totals", None)),
    ("64 brands in the totals", at("totals.terminal.brands",
                                   {f"brand {i}": [i, i] for i in range(64)})),
    ("a brand name of 64 characters", at("totals.journal.brands", {"b" * 64: [1, 2]})),
    ("64 differences of 256 characters", at("totals.differences", ["d" * 256] * 64)),
    ("totals without a currency or receipts", at("totals.terminal", {
        "amount": -1, "currency": None, "receipt_from": None, "receipt_to": None, "brands": {}})),
    ("no counts_modulo_256 (older sets)", at("totals.counts_modulo_256", DELETE)),
    ("currency 9999", at("currency", 9999)),
    ("no currency", at("currency", None)),
    ("the previous generation just before", at("previous.generation", 2,
                                                also=lambda o: o.update(skipped=[]))),
    ("999 skipped generations", at("generation", 1001, also=lambda o: o.update(
        skipped=[f"manifest-{n:06d}.json" for n in range(2, 1001)]))),
    ("a skipped generation with no previous", at("previous", None)),
    ("recipient of the set key of 4096 characters",
     at("passphrase_key.recipient", "~" * 4096)),
    ("no set key with age recipients", at("passphrase_key", None,
                                          also=lambda o: o.update(recipients=["age1x"]))),
]


@pytest.mark.parametrize("obj", [obj for _what, obj in ACCEPTED],
                         ids=[what for what, _obj in ACCEPTED])
def test_the_edges_the_format_allows_are_read_and_written_back(obj: dict[str, Any]) -> None:
    assert manifest_to_bytes(read(obj)) == canonical_json(obj)


# (the manifest, the value the refusal must name, how it is wrong)
REFUSED_BY_SCHEMA = [
    (at("generation", 0, also=first_generation), "generation", "between 1 and 999999"),
    (at("generation", 1_000_000), "generation", "between 1 and 999999"),
    (at("generation", True, also=first_generation), "generation", "integer, not bool"),
    (at("generation", 3.0), "generation", "integer, not float"),
    (at("set_id", SET_ID[:-1]), "set_id", "form"),
    (at("set_id", SET_ID + "0"), "set_id", "longer than 32"),
    (at("set_id", SET_ID.upper()), "set_id", "form"),
    (at("created", "2026-11-30T21:00:00"), "created", "form"),
    (at("created", "2026-11-30 21:00:00Z"), "created", "form"),
    (at("tool", "t" * 101), "tool", "longer than 100"),
    (at("tool", "posdiag\x1b[2J"), "tool", "control characters"),
    (at("tool", "posdiag\x7f"), "tool", "control characters"),
    (at("kit_key", KIT_KEY[:-1]), "kit_key", "form"),
    (at("kit_key", KIT_KEY + "A"), "kit_key", "longer than 56"),
    (at("kit_key", KIT_KEY[:-1] + "="), "kit_key", "form"),
    (at("terminal.device_name", "é" * 257), "terminal.device_name", "longer than 256"),
    (at("terminal.serial_number", "SN\n0001"), "terminal.serial_number", "control"),
    (at("terminal.software_version", 123), "terminal.software_version", "string, not int"),
    (at("terminal.terminal_id", None), "terminal.terminal_id", "string, not NoneType"),
    (at("terminal.merchant_id", ["VU"]), "terminal.merchant_id", "string, not list"),
    (at("terminal.currency", 10_000), "terminal.currency", "between 0 and 9999"),
    (at("terminal.currency", -1), "terminal.currency", "between 0 and 9999"),
    (at("terminal.currency", "978"), "terminal.currency", "integer, not str"),
    (at("terminal.pan", "4111"), "terminal", "key this format does not know: 'pan'"),
    (at("recipients", [], also=age_recipients), "recipients", "1 to 64 items, not 0"),
    (at("recipients", ["age1r"] * 65, also=age_recipients), "recipients",
     "1 to 64 items, not 65"),
    (at("recipients", ["a" * 4097], also=age_recipients), "recipients[0]", "longer than 4096"),
    (at("recipients", ["age1 office"], also=age_recipients), "recipients[0]", "form"),
    (at("recipients", [""], also=age_recipients), "recipients[0]", "form"),
    (at("journal.file_id", 256), "journal.file_id", "between 0 and 255"),
    (at("journal.file_id", -1), "journal.file_id", "between 0 and 255"),
    (at("journal.reported_size", MAX_SIZE + 1), "journal.reported_size",
     f"between 0 and {MAX_SIZE}"),
    (at("journal.committed", -1), "journal.committed", f"between 0 and {MAX_SIZE}"),
    (at("journal.records", -1), "journal.records", f"between 0 and {MAX_SIZE}"),
    (at("journal.last_seq", -1), "journal.last_seq", "between 0 and 9223372036854775807"),
    (at("journal.last_seq", 1 << 63), "journal.last_seq", "between 0 and 9223372036854775807"),
    (at("journal.complete", 1), "journal.complete", "true or false, not int"),
    (at("journal.tail", 0), "journal", "key this format does not know: 'tail'"),
    (at("journal.complete", DELETE), "journal", "lacks the key 'complete'"),
    (at("segments[0].kind", "log"), "segments[0].kind", "one of 'journal'"),
    (at("segments[0].index", 0), "segments[0].index", "between 1 and 200000"),
    (at("segments[0].index", MAX_SEGMENTS + 1), "segments[0].index", "between 1 and 200000"),
    (at("segments[0].length", 0), "segments[0].length", f"between 1 and {MAX_SIZE}"),
    (at("segments[0].records", 0), "segments[0].records", f"between 1 and {MAX_SIZE}"),
    (at("segments[0].offset", -1), "segments[0].offset", f"between 0 and {MAX_SIZE}"),
    (at("segments[0].parts", 0), "segments[0].parts", "between 1 and 99999"),
    (at("segments[0].parts", 100_000), "segments[0].parts", "between 1 and 99999"),
    # Without parts a segment is a one-file (version 1) segment, whose file is an .age file.
    (at("segments[0].parts", DELETE), "segments[0].file.name", "form"),
    (at("segments[0].file.name", "journal-000001-00001.age"), "segments[0].file.name", "form"),
    (at("segments[0].file.name", "journal-000001-index-1000.json"), "segments[0].file.name",
     "form"),
    (at("segments[0].file.sha256", "A" * 64), "segments[0].file.sha256", "form"),
    (at("segments[0].file.size", -1), "segments[0].file.size", "between"),
    (at("segments[0].tally.visa", [1, 1]), "segments[0].tally key", "one of 'girocard'"),
    (at("segments[0].tally.VISA", [1]), "segments[0].tally.VISA", "list of two values"),
    (at("segments[0].tally.VISA", [1, -MAX_SIZE - 1]), "segments[0].tally.VISA[1]", "between"),
    (at("segments[0].tally.VISA", [MAX_SIZE + 1, 1]), "segments[0].tally.VISA[0]", "between"),
    (at("segments[0].first_seq", -1), "segments[0].first_seq", "between"),
    (at("segments[0]", ["journal"]), "segments[0]", "object, not list"),
    (at("segments[0].parts", 2, version=1), "segments[0]", "key this format does not know"),
    (at("segments[0].file.name", "journal-000001-index.json", version=1),
     "segments[0].file.name", "form"),
    # Every text is bounded before its pattern is tried (a hostile stick's 4 MiB string is
    # refused by its length): the bound, then the pattern, decide.
    (at("readme.name", "R" * 64), "readme.name", "form"),
    (at("readme.name", "R" * 65), "readme.name", "longer than 64"),
    (at("created", "2" * 32), "created", "form"),
    (at("created", "2" * 33), "created", "longer than 32"),
    (at("skipped", ["m" * 32]), "skipped[0]", "form"),
    (at("skipped", ["m" * 33]), "skipped[0]", "longer than 32"),
    (at("readme.name", "READMEXtxt"), "readme.name", "form"),
    (at("readme.name", "readme.txt"), "readme.name", "form"),
    (at("readme.sha256", HASH_A[:-1]), "readme.sha256", "form"),
    (at("readme.sha256", HASH_A + "a"), "readme.sha256", "longer than 64"),
    (at("readme.size", MAX_SIZE + 1), "readme.size", "between"),
    (at("snapshots", sample()["snapshots"] + sample()["snapshots"][:1]), "snapshots",
     "0 to 3 items, not 4"),
    (at("snapshots[0].kind", "journal"), "snapshots[0].kind", "one of 'identity', 'totals'"),
    (at("snapshots[0].file.name", "identity.json"), "snapshots[0].file.name", "form"),
    (at("snapshots[0].file.name", "identity-1000.age"), "snapshots[0].file.name", "form"),
    (at("snapshots[2].records", -1), "snapshots[2].records", "between"),
    (at("snapshots[2].offset", -1), "snapshots[2].offset", "between"),
    (at("snapshots[2].length", -1), "snapshots[2].length", "between"),
    (at("previous.generation", 0), "previous.generation", "between 1 and 999999"),
    (at("previous.generation", 1_000_000), "previous.generation", "between 1 and 999999"),
    (at("previous.sha256", HASH_A.upper()), "previous.sha256", "form"),
    (at("skipped", ["manifest-2.json"]), "skipped[0]", "form"),
    (at("generation", 1002, also=lambda o: o.update(
        skipped=[f"manifest-{n:06d}.json" for n in range(2, 1002)])), "skipped",
     "0 to 999 items, not 1000"),
    (at("totals.agree", "yes"), "totals.agree", "true or false"),
    (at("totals.brands_compared", None), "totals.brands_compared", "true or false"),
    (at("totals.counts_modulo_256", 0), "totals.counts_modulo_256", "true or false"),
    (at("totals.differences", ["d"] * 65), "totals.differences", "0 to 64 items, not 65"),
    (at("totals.differences", ["d" * 257]), "totals.differences[0]", "longer than 256"),
    (at("totals.terminal.amount", MAX_SIZE + 1), "totals.terminal.amount", "between"),
    (at("totals.terminal.amount", -MAX_SIZE - 1), "totals.terminal.amount", "between"),
    (at("totals.journal.currency", 10_000), "totals.journal.currency", "between 0 and 9999"),
    (at("totals.journal.receipt_from", -1), "totals.journal.receipt_from", "between"),
    (at("totals.journal.receipt_to", -1), "totals.journal.receipt_to", "between"),
    (at("totals.terminal.brands", {f"b{i}": [i, i] for i in range(65)}),
     "totals.terminal.brands", "more than 64 entries"),
    (at("totals.terminal.brands", {"b" * 65: [1, 1]}), "totals.terminal.brands key",
     "longer than 64"),
    (at("totals.terminal.brands", {"VISA": [1, 1.5]}), "totals.terminal.brands.VISA[1]",
     "integer, not float"),
    (at("totals.terminal.pan", "4111"), "totals.terminal", "key this format does not know"),
    (at("currency", 10_000), "currency", "between 0 and 9999"),
    (at("currency", -1), "currency", "between 0 and 9999"),
    (at("extra", {"note": "x"}), "extra", "key this format does not know: 'note'"),
    (at("extra", []), "extra", "object, not list"),
    (at("passphrase_key.file.name", "set-keyXage"), "passphrase_key.file.name", "form"),
    (at("passphrase_key.recipient", "~" * 4097), "passphrase_key.recipient", "longer than 4096"),
    (at("passphrase_key.recipient", "age1 x"), "passphrase_key.recipient", "form"),
    (at("passphrase_key.recipient", ""), "passphrase_key.recipient", "form"),
    (at("passphrase_key", DELETE), "the document", "lacks the key 'passphrase_key'"),
    (at("passphrase_key", None, version=1), "the document",
     "key this format does not know: 'passphrase_key'"),
    (at("generation", DELETE), "the document", "lacks the key 'generation'"),
    (at("pan", "4111111111111111"), "the document", "key this format does not know: 'pan'"),
]


@pytest.mark.parametrize(("obj", "where", "why"), REFUSED_BY_SCHEMA,
                         ids=[f"{where} {why}" for _o, where, why in REFUSED_BY_SCHEMA])
def test_a_value_past_an_edge_is_refused_and_named(obj: dict[str, Any], where: str,
                                                   why: str) -> None:
    message = refusal(obj)
    assert message.startswith("manifest-000003.json is damaged or not a posdiag manifest (")
    assert f"({where} " in message and why in message


def test_the_segment_list_is_bounded_before_its_items_are_read() -> None:
    obj = sample(2)
    obj["segments"] = [{}] * MAX_SEGMENTS
    assert "(segments[0] lacks the key" in refusal(obj)
    obj["segments"] = [{}] * (MAX_SEGMENTS + 1)
    assert "(segments must have 0 to 200000 items, not 200001)" in refusal(obj)


def test_the_last_segment_number_the_format_allows_is_read_as_a_number() -> None:
    # Index 200 000 passes the schema and is then refused for standing first.
    assert "(segment 1 is numbered 200000)" in refusal(at("segments[0].index", MAX_SEGMENTS))


# --- the figures add up -------------------------------------------------------------------

def shift_journal(obj: dict[str, Any], length: int = 0, records: int = 0) -> None:
    obj["journal"]["committed"] += length
    obj["journal"]["reported_size"] += length
    obj["journal"]["records"] += records


# (the manifest, the exact problem)
DO_NOT_ADD_UP = [
    (at("segments[1].index", 3), "segment 2 is numbered 3"),
    (at("segments[0].index", 2), "segment 1 is numbered 2"),
    (at("segments[1].index", 1), "segment 2 is numbered 1"),
    (at("segments[0].offset", 1), "segment 1 starts at journal byte 1, where segment 0 ended "
                                  "at 0"),
    (at("segments[1].offset", 999), "segment 2 starts at journal byte 999, where segment 1 "
                                    "ended at 1000"),
    (at("segments[0].first_seq", None), "segment 1 has sequence numbers out of order"),
    (at("segments[0].last_seq", None), "segment 1 has sequence numbers out of order"),
    (at("segments[0].first_seq", 11), "segment 1 has sequence numbers out of order"),
    (at("segments[1].first_seq", 10), "segment 2 has sequence numbers out of order"),
    (at("segments[1].first_seq", 5), "segment 2 has sequence numbers out of order"),
    (at("segments[1].file.name", "journal-000001-index.json"),
     "segment 2 names the file of another segment"),
    (at("segments[0].file.name", "journal-000002.age", version=1),
     "segment 1 names the file of another segment"),
    (at("segments[1].length", 501), "the segments hold 15 records / 1501 bytes, the journal "
                                    "entry says 15 / 1500"),
    (at("segments[1].records", 4), "the segments hold 14 records / 1500 bytes, the journal "
                                   "entry says 15 / 1500"),
    (at("journal.last_seq", 14), "the journal's last sequence number is not its last "
                                 "segment's"),
    (at("journal.last_seq", 16), "the journal's last sequence number is not its last "
                                 "segment's"),
    (at("journal.reported_size", 1499), "more journal bytes are committed than the terminal "
                                        "reported"),
    (at("journal.reported_size", 1501), "the journal is called complete but not all of it is "
                                        "committed"),
    (at("recipients", ["age1office"]), "a set key for a passphrase is named, but the set is "
                                       "not encrypted to one"),
    (at("recipients", ["scrypt", "age1office"]), "a set key for a passphrase is named, but the "
                                                 "set is not encrypted to one"),
    (at("snapshots[1].kind", "identity", also=lambda o: o["snapshots"][1]["file"].update(
        name="identity-2.age")), "a snapshot kind is named twice"),
    (at("snapshots[0].file.name", "totals.age"),
     "the identity snapshot names a file of another kind"),
    (at("snapshots[2].file.name", "identity-3.age"),
     "the log snapshot names a file of another kind"),
    (at("previous.generation", 3), "it follows generation 3, which is not older than itself"),
    (at("previous.generation", 4), "it follows generation 4, which is not older than itself"),
    (at("skipped", ["manifest-000001.json"]), "it skips manifest-000001.json, which does not lie "
                                              "between it and the generation it follows"),
    (at("skipped", ["manifest-000003.json"]), "it skips manifest-000003.json, which does not lie "
                                              "between it and the generation it follows"),
    (at("skipped", ["manifest-000001.json"], also=lambda o: o["previous"].update(generation=2)),
     "it skips manifest-000001.json, which does not lie between it and the generation it "
     "follows"),
    (at("skipped", ["manifest-000004.json"]), "it skips manifest-000004.json, which does not lie "
                                              "between it and the generation it follows"),
    (at("generation", 300, also=lambda o: o.update(skipped=["manifest-000300.json"])),
     "it skips manifest-000300.json, which does not lie between it and the generation it "
     "follows"),
    (at("previous", None, also=lambda o: o.update(skipped=["manifest-000000.json"])),
     "it skips manifest-000000.json, which does not lie between it and the generation it "
     "follows"),
]


@pytest.mark.parametrize(("obj", "problem"), DO_NOT_ADD_UP,
                         ids=[problem for _o, problem in DO_NOT_ADD_UP])
def test_figures_that_do_not_add_up_are_refused_with_the_exact_reason(obj: dict[str, Any],
                                                                     problem: str) -> None:
    assert refusal(obj) == (f"manifest-000003.json does not add up ({problem}); it was altered "
                            "or written wrongly.")


def test_the_figures_of_a_longer_journal_add_up_over_every_segment() -> None:
    obj = sample(2)
    third = copy.deepcopy(obj["segments"][1])
    third.update(index=3, offset=1500, length=700, records=7, first_seq=16, last_seq=22,
                 file={"name": "journal-000003-index-2.json", "size": 1, "sha256": HASH_A})
    obj["segments"].append(third)
    shift_journal(obj, 700, 7)
    obj["journal"]["last_seq"] = 22
    assert read(obj).segments[2].offset == 1500
    obj["segments"][2]["offset"] = 1499
    assert "segment 3 starts at journal byte 1499, where segment 2 ended at 1500" in \
        refusal(obj)


def test_a_journal_of_hundreds_of_segments_adds_up_segment_by_segment() -> None:
    # Numbers past 256 are distinct objects in CPython: compared by value, not identity.
    obj = sample(2)
    first = obj["segments"][0]
    obj["segments"] = [{**first, "index": n, "offset": 10 * (n - 1), "length": 10,
                        "records": 1, "first_seq": n, "last_seq": n,
                        "file": {**first["file"], "name": f"journal-{n:06d}-index.json"}}
                       for n in range(1, 301)]
    obj["journal"].update(reported_size=3000, committed=3000, records=300, last_seq=300)
    assert [seg.index for seg in read(obj).segments] == list(range(1, 301))
    obj["segments"][299]["index"] = 299
    assert "(segment 300 is numbered 299)" in refusal(obj)
    obj["segments"][299].update(index=300, file={**first["file"],
                                                 "name": "journal-000299-index.json"})
    assert "(segment 300 names the file of another segment)" in refusal(obj)


def test_an_unfinished_journal_may_hold_less_than_the_terminal_reported() -> None:
    obj = at("journal.reported_size", 1_000_000, also=open_journal)
    assert read(obj).journal == JournalState(1, 1_000_000, 1500, 15, 15, False)


# --- what a manifest stores of a terminal -------------------------------------------------

def test_terminal_fields_keep_what_the_manifest_reader_accepts() -> None:
    identity = TerminalIdentity(device_name="Kasse\x1b[31m 1", serial_number="S" * 70,
                                software_version="", terminal_id="4111111111111111",
                                merchant_id=None, currency=978, status=0)
    fields = terminal_fields(identity)
    assert fields == {"device_name": "Kasse?[31m 1", "serial_number": "S" * 64,
                      "terminal_id": "411111******1111", "currency": 978}
    obj = at("terminal", fields)
    assert read(obj).terminal == fields


@pytest.mark.parametrize(("currency", "kept"), [(0, True), (9999, True), (10_000, False),
                                                (-1, False), (True, False), (None, False)])
def test_a_terminal_currency_is_kept_only_as_a_code_the_reader_accepts(currency: Any,
                                                                       kept: bool) -> None:
    fields = terminal_fields(TerminalIdentity(currency=currency))
    assert fields == ({"currency": currency} if kept else {})


def test_clean_terminal_text_masks_then_replaces_control_characters_then_cuts() -> None:
    assert clean_terminal_text("\x00\x1f\x7f ok") == "??? ok"
    assert clean_terminal_text("card 4111 1111 1111 1111 ok") == "card 4111 11** **** 1111 ok"
    assert clean_terminal_text("x" * 63 + "\n" + "y") == "x" * 63 + "?"
    assert clean_terminal_text("\x80é") == "\x80é"  # only C0 and DEL are control here
