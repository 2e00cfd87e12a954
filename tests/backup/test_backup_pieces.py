"""Pieces and seals against the in-memory FakeTerminal: what a power cut leaves, and resume.

A ``PowerCut`` (a BaseException nothing in posdiag catches) stops run_backup exactly where a
kill or a power loss would: the files written so far stay as they are, no generation is
added, no seal removed. These tests pin down, deterministically, what the random-kill test
in tests/backup_e2e samples: sealed pieces are adopted without re-reading them, and only
sound seals of this kit on the committed generation are.
"""

from __future__ import annotations

import errno
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from backup_fakes import FakeTerminal, FaultyMedium, make_journal

from posdiag.backup.inspect import open_set
from posdiag.backup.kitkey import load_or_create_kit_key
from posdiag.backup.pieces import PIECE_BYTES
from posdiag.backup.service import run_backup
from posdiag.backup.verify import verify_set
from posdiag.devices import FILE_MERCHANT_JOURNAL, FileBlock
from posdiag.errors import Interrupted, MediaFull


class PowerCut(BaseException):
    """The process dies here: nothing runs after it (test double of SIGKILL)."""


class CutTerminal(FakeTerminal):
    """Serves the journal; after ``cut_after`` blocks raises ``failure`` from the read."""

    def __init__(self, journal: bytes, records, cut_after: int | None = None,
                 failure: BaseException | None = None, **kw) -> None:
        super().__init__(journal, records, **kw)
        self.cut_after, self.failure = cut_after, failure
        self.offsets: list[int] = []

    def read_file(self, file_id: int, offset: int = 0) -> Iterator[FileBlock]:
        for served, block in enumerate(super().read_file(file_id, offset)):
            if file_id == FILE_MERCHANT_JOURNAL:
                if self.cut_after is not None and served >= self.cut_after:
                    raise self.failure or PowerCut()
                self.offsets.append(block.offset)
            yield block


def decrypted(set_dir: Path, identities: list) -> bytes:
    from posdiag.crypto.age import decrypt_stream

    out = io.BytesIO()
    for path in open_set(set_dir).journal_files():
        with open(path, "rb") as src:
            decrypt_stream(src, out, identities)
    return out.getvalue()


@pytest.fixture
def journal():
    return make_journal(1200, seed=7)  # about 300 KB: several pieces in one 8 MiB segment


def cut(set_dir, journal, recipients, kit_key, after: int = 150) -> CutTerminal:
    terminal = CutTerminal(*journal, cut_after=after)
    with pytest.raises(PowerCut):
        run_backup(terminal, set_dir, recipients, kit_key)
    return terminal


def test_a_power_cut_leaves_sealed_pieces_and_resume_adopts_them(tmp_path, journal, recipients,
                                                                 identities, kit_key) -> None:
    set_dir = tmp_path / "set"
    first = cut(set_dir, journal, recipients, kit_key)
    received = first.offsets[-1] + 1000
    seals = sorted(set_dir.glob("*.seal"))
    assert len(seals) == received // PIECE_BYTES  # every full piece was sealed at once
    sealed = sum(_piece_lengths(seals))
    report = verify_set(set_dir)
    assert report.only_incomplete and report.journal_bytes == 0
    assert any("sealed but not yet named" in n for n in report.notes)

    again = CutTerminal(*journal)
    result = run_backup(again, set_dir, recipients, kit_key, resume=True)
    assert result.resumed_from == sealed  # adopted, not read again
    assert again.offsets[0] == result.resumed_from - 1  # the one-byte overlap
    assert received - result.resumed_from <= 64 * 1024  # the bound
    assert decrypted(set_dir, identities) == journal[0]
    assert verify_set(set_dir, identities).ok
    assert not list(set_dir.glob("*.seal"))


def _piece_lengths(seals: list[Path]) -> list[int]:
    import json

    return [json.loads(s.read_bytes().partition(b"\n")[0])["length"] for s in seals]


@pytest.mark.parametrize("spoil", ["seal byte", "piece byte", "seal of another kit"])
def test_only_sound_seals_of_this_kit_are_adopted(tmp_path, journal, recipients, identities,
                                                  kit_key, spoil) -> None:
    set_dir = tmp_path / "set"
    cut(set_dir, journal, recipients, kit_key)
    seals = sorted(set_dir.glob("*.seal"))
    first_seal = seals[0]
    if spoil == "seal byte":
        data = bytearray(first_seal.read_bytes())
        data[40] ^= 1
        first_seal.write_bytes(bytes(data))
    elif spoil == "piece byte":
        piece = first_seal.with_suffix(".age")
        data = bytearray(piece.read_bytes())
        data[-20] ^= 1
        piece.write_bytes(bytes(data))
    else:
        from posdiag.backup.pieces import decode_seal, encode_seal

        other = load_or_create_kit_key(tmp_path / "other")
        seal = decode_seal(first_seal.read_bytes(), first_seal.name, kit_key.public_key)
        forged = type(seal)(seal.set_id, other.public_key, seal.base, seal.piece)
        first_seal.write_bytes(encode_seal(forged, other.private_key))
    again = CutTerminal(*journal)
    result = run_backup(again, set_dir, recipients, kit_key, resume=True)
    assert result.resumed_from == 0  # the chain of seals ended at its first: read again
    assert decrypted(set_dir, identities) == journal[0]
    assert verify_set(set_dir, identities).ok


def test_a_seal_on_a_generation_that_was_removed_is_rollback_evidence(tmp_path, journal,
                                                                      recipients,
                                                                      kit_key) -> None:
    set_dir = tmp_path / "set"
    cut(set_dir, journal, recipients, kit_key)
    (set_dir / "manifest-000001.json").unlink()
    (set_dir / "manifest-000001.json.minisig").unlink()
    report = verify_set(set_dir)
    assert any("was sealed on generation 1, which is no longer here" in p
               for p in report.problems), report.problems


@pytest.mark.parametrize("failure", [KeyboardInterrupt(), Interrupted("the terminal aborted")])
def test_an_interrupted_read_commits_every_record_received(tmp_path, journal, recipients,
                                                           identities, kit_key,
                                                           failure) -> None:
    """Ctrl-C in the read, or a driver that already told the terminal to abort (06 B0) and
    raises Interrupted: the records received are committed, the message names --resume."""
    set_dir = tmp_path / "set"
    terminal = CutTerminal(*journal, cut_after=123, failure=failure)
    with pytest.raises(Interrupted, match="--resume") as raised:
        run_backup(terminal, set_dir, recipients, kit_key)
    assert raised.value.exit_code == 130
    committed = open_set(set_dir).manifest.journal.committed
    assert 123 * 1000 - 2048 <= committed <= 123 * 1000  # all but the record cut in two
    assert not list(set_dir.glob("*.seal"))
    again = CutTerminal(*journal)
    run_backup(again, set_dir, recipients, kit_key, resume=True)
    assert again.offsets[0] == committed - 1
    assert decrypted(set_dir, identities) == journal[0]


def test_free_space_is_checked_before_anything_is_written(tmp_path, journal, recipients,
                                                          kit_key) -> None:
    set_dir = tmp_path / "set"
    with pytest.raises(MediaFull):
        run_backup(CutTerminal(*journal), set_dir, recipients, kit_key,
                   medium=FaultyMedium("none", free=200_000))
    assert not set_dir.exists()  # not even README.txt


def test_a_piece_write_failing_leaves_no_partial_piece_named(tmp_path, journal, recipients,
                                                             identities, kit_key) -> None:
    set_dir = tmp_path / "set"
    with pytest.raises(Exception) as raised:
        run_backup(CutTerminal(*journal), set_dir, recipients, kit_key,
                   medium=FaultyMedium("write", errno.EIO, 100_000))
    assert raised.value.__class__.__name__ == "MediaRemoved"
    run_backup(CutTerminal(*journal), set_dir, recipients, kit_key, resume=True)
    assert decrypted(set_dir, identities) == journal[0]
    assert verify_set(set_dir, identities).ok
