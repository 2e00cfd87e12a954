"""Sets written before pieces (format version 1: one age file per segment) stay readable.

A version-1 set is built here byte by byte as posdiag 0.1 wrote one: a journal segment
as a single age file named by the manifest, version 1, signed. verify (with and without
the key) and inspect read it; the stricter schema and the trust checks apply to it too.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from backup_fakes import make_journal

from posdiag.backup.inspect import open_set
from posdiag.backup.layout import README_TEXT
from posdiag.backup.manifest import canonical_json, sign_manifest
from posdiag.backup.reconcile import compare_totals, comparison_to_json
from posdiag.backup.verify import verify_set
from posdiag.journal import TurnoverTally, encode_record, totals_from_records


def entry(path: Path) -> dict:
    data = path.read_bytes()
    return {"name": path.name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def write_v1_set(set_dir: Path, recipients, kit_key) -> bytes:
    from posdiag.crypto.age import encrypt_stream

    journal, records = make_journal(40, seed=9)
    set_dir.mkdir()
    (set_dir / "README.txt").write_text(README_TEXT)
    segment = io.BytesIO()
    encrypt_stream(io.BytesIO(journal), segment, recipients)
    (set_dir / "journal-000001.age").write_bytes(segment.getvalue())
    counted = TurnoverTally(978)
    for record in records:
        counted.add(record)
    tally = counted.to_json()
    totals = totals_from_records(records, 978)
    manifest = {
        "format": "posdiag-backup-set", "version": 1, "generation": 1, "set_id": "1" * 32,
        "created": "2026-11-25T10:00:00+00:00", "tool": "posdiag 0.1.0",
        "kit_key": kit_key.public_key, "terminal": {"serial_number": "TEST-0001",
                                                    "terminal_id": "52500001"},
        "recipients": [str(r) for r in recipients],
        "journal": {"file_id": 1, "reported_size": len(journal), "committed": len(journal),
                    "records": 40, "last_seq": 40, "complete": True},
        "segments": [{"kind": "journal", "index": 1, "file": entry(set_dir / "journal-000001.age"),
                      "offset": 0, "length": len(journal), "records": 40, "first_seq": 1,
                      "last_seq": 40, "tally": tally}],
        "readme": entry(set_dir / "README.txt"), "snapshots": [], "previous": None,
        "skipped": [], "currency": 978, "extra": {},
        "totals": {key: value for key, value in comparison_to_json(
            compare_totals(totals, totals)).items() if key != "counts_modulo_256"},
    }
    data = canonical_json(manifest)
    (set_dir / "manifest-000001.json").write_bytes(data)
    (set_dir / "manifest-000001.json.minisig").write_bytes(
        sign_manifest(data, kit_key.private_key, "posdiag set 1 generation 1"))
    return journal


def test_a_version_1_set_verifies_and_reads(tmp_path, recipients, identities, kit_key) -> None:
    set_dir = tmp_path / "v1"
    journal = write_v1_set(set_dir, recipients, kit_key)
    report = verify_set(set_dir, identities)
    assert report.ok, report.problems
    assert report.records == 40 and report.segments == 1
    opened = open_set(set_dir)
    assert opened.journal_files() == [set_dir / "journal-000001.age"]
    assert b"".join(encode_record(r) for r in opened.records(identities)) == journal


def test_resume_continues_a_version_1_set_in_version_2(tmp_path, recipients, identities,
                                                       kit_key) -> None:
    from backup_fakes import FakeTerminal

    from posdiag.backup.service import run_backup

    set_dir = tmp_path / "v1"
    first = write_v1_set(set_dir, recipients, kit_key)
    journal, records = make_journal(90, seed=9)  # the same terminal, 50 transactions later
    assert journal.startswith(first)
    result = run_backup(FakeTerminal(journal, records), set_dir, recipients, kit_key,
                        resume=True)
    assert result.resumed_from == len(first) and result.complete
    opened = open_set(set_dir)
    assert opened.manifest.version == 2
    assert opened.journal_files()[0] == set_dir / "journal-000001.age"
    assert opened.journal_files()[1].name == "journal-000002-00001.age"
    assert b"".join(encode_record(r) for r in opened.records(identities)) == journal
    assert verify_set(set_dir, identities).ok
