"""What a newcomer reads: numbers as they see them, plurals right, an empty journal said so."""

from __future__ import annotations

import re

from posdiag.crypto.age import generate_identity


def test_a_first_backup_names_the_manifest_and_what_a_generation_is(posdiag, tmp_path):
    ran = posdiag("backup", "--port", "sim:journal=5", "--to", tmp_path / "set", "-r",
                  generate_identity()[1])
    assert ran.code == 0, ran.err
    newest = max(p.name for p in (tmp_path / "set").glob("manifest-*.json"))
    assert "Backed up 5 records (" in ran.err and f"signed in {newest}" in ran.err
    assert "each in a numbered generation" in ran.err
    assert not re.search(r"manifest generation \d", ran.err)


def test_verify_counts_segments_in_the_singular_and_plural(posdiag, tmp_path):
    recipient = generate_identity()[1]
    assert posdiag("backup", "--port", "sim:journal=5", "--to", tmp_path / "set", "-r",
                   recipient).code == 0
    ran = posdiag("verify", tmp_path / "set")
    assert ran.code == 0, ran.err
    assert "1 segment," in ran.out and "1 segments" not in ran.out
    assert "manifest-" in ran.out.splitlines()[0]


def test_an_empty_journal_is_said_to_be_empty(posdiag, tmp_path):
    ran = posdiag("backup", "--port", "sim", "--to", tmp_path / "set", "-r",
                  generate_identity()[1])
    assert ran.code == 0, ran.err
    assert "The terminal's journal is empty" in ran.err
    assert "The terminal's totals are empty too." in ran.err
    assert "Backed up 0 records" not in ran.err and "Journal agrees" not in ran.err
