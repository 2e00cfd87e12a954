"""The small faults of issues 10.7 and 16, end to end against the emulated terminal.

A non-UTF-8 terminal TOML is one sentence, not a traceback; the free-space check comes
before README.txt is written; verify of a missing folder is a usage error; inspect of an
unfinished set shows it with a warning; the totals line says when counts agree only
modulo 256 (BMP 60 holds a count in one byte).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posdiag.backup.kitkey import load_or_create_kit_key
from posdiag.backup.medium import Medium
from posdiag.backup.service import run_backup
from posdiag.crypto.age import parse_recipient
from posdiag.errors import MediaFull
from posdiag.terminals import open_terminal


def test_a_terminal_toml_that_is_not_utf8_is_one_sentence(tmp_path, cli) -> None:
    toml = tmp_path / "terminal.toml"
    toml.write_bytes(b"[terminal]\nserial_number = \"\xff\xfe\"\n")  # Latin-1 bytes
    code, out, err = cli("simulate", "--serial", "--identity", str(toml))
    assert code == 2 and out == ""
    assert err == (f"posdiag: {toml} is not UTF-8 text, as a TOML file must be; save it as "
                   "UTF-8.\n")
    code, _, err = cli("backup", "--port", f"sim:identity={toml}", "--to", str(tmp_path / "s"),
                       "-r", "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq")
    assert code == 2 and "is not UTF-8 text" in err and "Traceback" not in err


class SmallStick(Medium):
    """A stick with 300 KB free (statvfs as a nearly full stick reports it)."""

    def free_bytes(self, path: Path) -> int:
        return 300_000


def test_free_space_is_checked_before_readme_is_written(tmp_path, office_key) -> None:
    set_dir = tmp_path / "set"
    with open_terminal("sim:journal=400,seed=61") as terminal, \
            pytest.raises(MediaFull) as raised:
        run_backup(terminal, set_dir, [parse_recipient(office_key[1])],
                   load_or_create_kit_key(tmp_path / "kit"), medium=SmallStick())
    assert raised.value.exit_code == 4 and "KiB free but the backup needs about" in str(
        raised.value)
    assert not set_dir.exists()  # nothing written: not even README.txt


def test_verify_of_a_missing_folder_is_a_usage_error(tmp_path, cli) -> None:
    code, out, err = cli("verify", str(tmp_path / "nowhere"))
    assert code == 2 and out == ""
    assert err == (f"posdiag: {tmp_path / 'nowhere'} is not a folder; give the backup set's "
                   "folder.\n")


def test_inspect_of_an_unfinished_set_shows_it_with_a_warning(tmp_path, cli, office_key,
                                                              identity_file) -> None:
    set_dir = tmp_path / "set"
    code, _, _ = cli("backup", "--port", "sim:journal=300,seed=62,fault=disconnect@40000",
                     "--to", str(set_dir), "-r", office_key[1], "--segment-mib", "0.03")
    assert code == 3
    code, out, err = cli("inspect", str(set_dir), "-i", str(identity_file), "--format", "jsonl")
    assert code == 0
    assert err.startswith("warning: this backup set is incomplete")
    committed = json.loads(cli("verify", str(set_dir), "--json")[1])["journal_bytes"]
    assert len(out.encode()) == committed > 0


def test_the_totals_line_says_when_counts_agree_only_modulo_256(tmp_path, cli,
                                                                office_key) -> None:
    # 1400 transactions: some brands count past 255, which BMP 60 carries in one byte.
    code, out, err = cli("backup", "--port", "sim:journal=1400,seed=63", "--to",
                         str(tmp_path / "set"), "-r", office_key[1])
    assert code == 0, err
    assert ("Journal agrees with the terminal's totals (count and amount per brand; counts "
            "compared modulo 256, the terminal's field is one byte).") in err.splitlines()
    code, out, err = cli("backup", "--port", "sim:journal=100,seed=63", "--to",
                         str(tmp_path / "small"), "-r", office_key[1], "--json")
    summary = json.loads(out)
    assert summary["totals"]["agree"] and not summary["totals"]["counts_modulo_256"]
