"""Backup sets end to end against the in-memory FakeTerminal: write, verify, resume, faults."""

from __future__ import annotations

import errno
import io
import random
import re
from pathlib import Path

import pytest
from backup_fakes import FakeTerminal, FaultyMedium, make_journal

from posdiag.backup.inspect import open_set
from posdiag.backup.layout import README_NAME
from posdiag.backup.manifest import manifest_from_bytes
from posdiag.backup.service import run_backup
from posdiag.backup.verify import scan_set, verify_set
from posdiag.cards import find_pans
from posdiag.devices import Totals
from posdiag.errors import (
    LinkClosed,
    MediaCorrupt,
    MediaFull,
    MediaReadOnly,
    MediaRemoved,
    ProtocolError,
    UsageError,
)
from posdiag.journal import encode_record

SEGMENT = 4096  # small segments so a short test journal spans many files


def decrypted_journal(set_dir: Path, identities: list) -> bytes:
    """Join the decrypted segments of the newest verifying generation, as a restore would."""
    from posdiag.crypto.age import decrypt_stream

    out = io.BytesIO()
    for path in open_set(set_dir).journal_files():
        with open(path, "rb") as src:
            decrypt_stream(src, out, identities)
    return out.getvalue()


def backup(terminal, set_dir, recipients, kit_key, **kw):
    return run_backup(terminal, set_dir, recipients, kit_key, segment_bytes=SEGMENT, **kw)


def test_backup_round_trips_the_journal_byte_for_byte(tmp_path, recipients, identities,
                                                      kit_key) -> None:
    journal, records = make_journal(200)
    set_dir = tmp_path / "set"
    result = backup(FakeTerminal(journal, records), set_dir, recipients, kit_key)
    assert result.complete and result.records == 200 and result.journal_bytes == len(journal)
    assert result.segments_written == len(open_set(set_dir).manifest.segments) > 3
    assert result.totals is not None and result.totals.agree
    assert decrypted_journal(set_dir, identities) == journal
    assert list(open_set(set_dir).records(identities)) == records
    report = verify_set(set_dir, identities)
    assert report.ok, report.problems
    assert report.records == 200 and report.complete and report.totals_agree


def test_segments_end_on_record_boundaries(tmp_path, recipients, kit_key) -> None:
    journal, records = make_journal(100)
    set_dir = tmp_path / "set"
    backup(FakeTerminal(journal, records, block_size=777), set_dir, recipients, kit_key)
    segments = open_set(set_dir).manifest.segments
    for segment in segments:
        assert journal[segment.offset + segment.length - 1:][:1] == b"\n"
        assert segment.length >= SEGMENT or segment is segments[-1]
    assert sum(s.records for s in segments) == 100


def test_empty_journal_gives_a_complete_set_without_segments(tmp_path, recipients,
                                                             identities, kit_key) -> None:
    set_dir = tmp_path / "set"
    result = backup(FakeTerminal(b"", []), set_dir, recipients, kit_key)
    assert result.complete and result.records == 0
    assert verify_set(set_dir, identities).ok


def test_totals_mismatch_is_reported_not_hidden(tmp_path, recipients, kit_key) -> None:
    journal, records = make_journal(50)
    wrong = Totals(amount=1, currency=978)
    result = backup(FakeTerminal(journal, records, totals=wrong), tmp_path / "s", recipients,
                    kit_key)
    assert result.totals is not None and not result.totals.agree
    assert any("total" in line for line in result.totals.differences)
    manifest = open_set(tmp_path / "s").manifest
    assert manifest.totals is not None and manifest.totals["agree"] is False


def test_existing_set_needs_resume(tmp_path, recipients, kit_key) -> None:
    journal, records = make_journal(10)
    backup(FakeTerminal(journal, records), tmp_path / "s", recipients, kit_key)
    with pytest.raises(UsageError, match="--resume"):
        backup(FakeTerminal(journal, records), tmp_path / "s", recipients, kit_key)


def test_resume_refuses_another_terminal(tmp_path, recipients, kit_key) -> None:
    journal, records = make_journal(10)
    backup(FakeTerminal(journal, records), tmp_path / "s", recipients, kit_key)
    with pytest.raises(UsageError, match="belongs to the terminal"):
        backup(FakeTerminal(journal, records, serial="OTHER"), tmp_path / "s", recipients,
               kit_key, resume=True)


# --- interruption and resume -------------------------------------------------------------------


def test_link_drop_commits_what_arrived_and_resume_is_byte_identical(tmp_path, recipients,
                                                                      identities,
                                                                      kit_key) -> None:
    journal, records = make_journal(300)
    set_dir = tmp_path / "set"
    dropping = FakeTerminal(journal, records, block_size=500, fail_after_blocks=25)
    with pytest.raises(LinkClosed):
        backup(dropping, set_dir, recipients, kit_key)
    partial = open_set(set_dir).manifest
    assert 0 < partial.journal.committed < len(journal)
    assert not partial.journal.complete
    # Only whole records were committed: nothing received before the drop is lost.
    assert partial.journal.committed > 25 * 500 - 1000
    terminal = FakeTerminal(journal, records, block_size=500)
    result = backup(terminal, set_dir, recipients, kit_key, resume=True)
    assert result.resumed_from == partial.journal.committed
    assert terminal.blocks_served < len(journal) / 500  # it did not start over
    assert result.complete and result.totals is not None and result.totals.agree
    assert decrypted_journal(set_dir, identities) == journal
    assert verify_set(set_dir, identities).ok


def test_resume_picks_up_a_journal_that_grew(tmp_path, recipients, identities, kit_key) -> None:
    journal, records = make_journal(120)
    first = journal[:journal.index(encode_record(records[60]))]
    set_dir = tmp_path / "set"
    backup(FakeTerminal(first, records[:60]), set_dir, recipients, kit_key)
    backup(FakeTerminal(journal, records), set_dir, recipients, kit_key, resume=True)
    assert decrypted_journal(set_dir, identities) == journal
    assert verify_set(set_dir, identities).ok


def test_resume_refuses_a_journal_that_shrank(tmp_path, recipients, kit_key) -> None:
    journal, records = make_journal(60)
    backup(FakeTerminal(journal, records), tmp_path / "s", recipients, kit_key)
    with pytest.raises(UsageError, match="no longer matches"):
        backup(FakeTerminal(b"", []), tmp_path / "s", recipients, kit_key, resume=True)


# --- media faults ------------------------------------------------------------------------------


@pytest.mark.parametrize("step, code, after, error", [
    ("write", errno.EIO, 9000, MediaRemoved),  # stick pulled mid-segment
    ("write", errno.ENOSPC, 9000, MediaFull),
    ("write", errno.EROFS, 9000, MediaReadOnly),  # remounted read-only after an error
    ("fsync", errno.EIO, 3, MediaRemoved),  # fsyncgate: never retried, segment rewritten
    ("create", errno.EROFS, 4, MediaReadOnly),
])
def test_media_faults_are_typed_and_resume_completes(tmp_path, recipients, identities, kit_key,
                                                     step, code, after, error) -> None:
    journal, records = make_journal(150)
    set_dir = tmp_path / "set"
    medium = FaultyMedium(step, code, after)
    with pytest.raises(error) as caught:
        backup(FakeTerminal(journal, records), set_dir, recipients, kit_key, medium=medium)
    assert caught.value.exit_code == 4
    assert "--resume" in str(caught.value)
    backup(FakeTerminal(journal, records), set_dir, recipients, kit_key, resume=True)
    assert decrypted_journal(set_dir, identities) == journal
    report = verify_set(set_dir, identities)
    assert report.ok, report.problems


def test_read_back_mismatch_is_caught_before_the_manifest_names_the_file(
        tmp_path, recipients, kit_key) -> None:
    class LyingMedium(FaultyMedium):
        """A fake-capacity stick: reads return other bytes than were written."""

        def open_read(self, path: Path):
            data = bytearray(path.read_bytes())
            if path.suffix == ".age" and data:
                data[len(data) // 2] ^= 1
            return io.BytesIO(bytes(data))

        def drop_cache(self, file) -> None:
            pass

    journal, records = make_journal(30)
    with pytest.raises(MediaCorrupt):
        backup(FakeTerminal(journal, records), tmp_path / "s", recipients, kit_key,
               medium=LyingMedium("none"))
    assert not any(p.name.startswith("manifest") for p in (tmp_path / "s").iterdir())


def test_too_little_free_space_fails_before_writing_segments(tmp_path, recipients,
                                                             kit_key) -> None:
    journal, records = make_journal(30)
    with pytest.raises(MediaFull):
        backup(FakeTerminal(journal, records), tmp_path / "s", recipients, kit_key,
               medium=FaultyMedium("none", free=1000))
    assert not list((tmp_path / "s").glob("*.age"))


# --- sanitising: sensitive data is never written -----------------------------------------------


def test_journal_with_track_data_is_refused_and_never_written(tmp_path, recipients,
                                                              kit_key) -> None:
    journal, records = make_journal(40)
    # Test card track 2 (Luhn-valid test PAN 4761739001010010), injected into record 31.
    poisoned_line = encode_record(records[30])[:-2] + b',"track2":"4761739001010010=2512"}\n'
    start = journal.index(encode_record(records[30]))
    poisoned = journal[:start] + poisoned_line + journal[start + len(encode_record(records[30])):]
    set_dir = tmp_path / "set"
    with pytest.raises(ProtocolError, match="sensitive authentication data"):
        run_backup(FakeTerminal(poisoned, records), set_dir, recipients, kit_key,
                   segment_bytes=1 << 20)
    # The piece in flight would have held the poisoned record; it was abandoned, never
    # written: no journal file exists (the identity snapshot and generation 1 do).
    assert not list(set_dir.glob("journal-*"))
    assert (set_dir / "identity.age").exists()
    assert open_set(set_dir).manifest.journal.committed == 0


# --- tampering and damage ----------------------------------------------------------------------


def test_every_one_of_200_random_byte_flips_is_detected(tmp_path, recipients, kit_key) -> None:
    journal, records = make_journal(80)
    set_dir = tmp_path / "set"
    backup(FakeTerminal(journal, records), set_dir, recipients, kit_key)
    assert verify_set(set_dir).ok
    files = sorted(p for p in set_dir.iterdir())
    rng = random.Random(20261125)
    for _ in range(200):
        path = rng.choice(files)
        original = path.read_bytes()
        position = rng.randrange(len(original))
        flipped = bytearray(original)
        flipped[position] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(flipped))
        try:
            report = verify_set(set_dir)
            assert not report.ok, f"flip in {path.name} at {position} went undetected"
        finally:
            path.write_bytes(original)
    assert verify_set(set_dir).ok


def test_missing_and_truncated_segments_are_problems(tmp_path, recipients, kit_key) -> None:
    journal, records = make_journal(80)
    set_dir = tmp_path / "set"
    backup(FakeTerminal(journal, records), set_dir, recipients, kit_key)
    segments = open_set(set_dir).manifest.segments
    victim = set_dir / segments[1].file.name
    data = victim.read_bytes()
    victim.write_bytes(data[:-10])
    report = verify_set(set_dir)
    assert not report.ok and any("truncated" in p for p in report.problems)
    victim.unlink()
    report = verify_set(set_dir)
    assert not report.ok and any("missing" in p for p in report.problems)
    # The newest generation that still verifies is the one written before that segment
    # (generation 1 names README and identity, generation 2 the first segment).
    assert report.generation == 2
    victim.write_bytes(data)


def test_wrong_identity_fails_verification(tmp_path, recipients, kit_key) -> None:
    from posdiag.crypto.age import generate_identity, parse_identity

    journal, records = make_journal(20)
    backup(FakeTerminal(journal, records), tmp_path / "s", recipients, kit_key)
    stranger = [parse_identity(generate_identity()[0])]
    report = verify_set(tmp_path / "s", stranger)
    assert not report.ok and not report.problems and report.outcome == "wrong-identity"
    assert report.wrong_identity is not None and str(recipients[0]) in report.wrong_identity


def test_torn_newest_manifest_is_superseded_on_resume(tmp_path, recipients, identities,
                                                      kit_key) -> None:
    journal, records = make_journal(100)
    set_dir = tmp_path / "set"
    with pytest.raises(LinkClosed):
        backup(FakeTerminal(journal, records, fail_after_blocks=10), set_dir, recipients,
               kit_key)
    newest = sorted(set_dir.glob("manifest-*.json"))[-1]
    newest.write_bytes(newest.read_bytes()[:50])  # pulled while the manifest was written
    assert not verify_set(set_dir).ok
    backup(FakeTerminal(journal, records), set_dir, recipients, kit_key, resume=True)
    report = verify_set(set_dir, identities)
    assert report.ok, report.problems
    assert any("superseded" in n for n in report.notes)
    assert decrypted_journal(set_dir, identities) == journal


def test_manifests_chain_and_are_canonical(tmp_path, recipients, kit_key) -> None:
    journal, records = make_journal(60)
    set_dir = tmp_path / "set"
    backup(FakeTerminal(journal, records), set_dir, recipients, kit_key)
    scan = scan_set(set_dir)
    assert all(g.ok for g in scan.generations)
    for earlier, later in zip(scan.generations, scan.generations[1:], strict=False):
        assert later.manifest is not None and later.manifest.previous is not None
        assert later.manifest.previous.sha256 == earlier.sha256
    data = (set_dir / scan.generations[-1].name).read_bytes()
    assert manifest_from_bytes(data).kit_key == kit_key.public_key


def test_no_plaintext_file_of_the_set_holds_a_card_number(tmp_path, recipients,
                                                          kit_key) -> None:
    journal, records = make_journal(80)
    set_dir = tmp_path / "set"
    backup(FakeTerminal(journal, records), set_dir, recipients, kit_key)
    plain = [p for p in set_dir.iterdir() if p.suffix != ".age"]
    assert {README_NAME} <= {p.name for p in plain}
    for path in plain:
        text = path.read_text("utf-8")
        # SHA-256 digests and the set id are hex: their digit runs can pass Luhn by chance
        # (hashes, not card numbers), so they are blanked before the scan.
        text = re.sub(r"\b[0-9a-f]{32}(?:[0-9a-f]{32})?\b", "<hex>", text)
        assert find_pans(text) == [], path.name
    for segment in set_dir.glob("*.age"):
        assert b"******" not in segment.read_bytes()  # encrypted: not even masked PANs show


def test_segments_decrypt_with_the_age_command_line_tool(tmp_path, recipients, office_key,
                                                         kit_key) -> None:
    """An implementation sharing no code with posdiag (the age CLI) restores the journal."""
    import os
    import shutil
    import subprocess

    if shutil.which("age") is None:
        if os.environ.get("CI"):
            pytest.fail("the age command-line tool is required in CI (apt-get install age)")
        pytest.skip("the age command-line tool is not installed")
    journal, records = make_journal(60)
    set_dir = tmp_path / "set"
    backup(FakeTerminal(journal, records), set_dir, recipients, kit_key)
    key = tmp_path / "office.key"
    key.write_text(office_key[0] + "\n")
    restored = b"".join(
        subprocess.run(["age", "-d", "-i", str(key), str(path)],
                       check=True, capture_output=True).stdout
        for path in open_set(set_dir).journal_files())
    assert restored == journal
