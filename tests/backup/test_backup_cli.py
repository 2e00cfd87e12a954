"""`posdiag backup/verify/inspect` through the real entry point (exit codes, stdout, stderr).

posdiag.terminals.open_terminal is replaced by a stub serving a FakeTerminal, so these
tests cover the commands and the storage; the lead's end-to-end tests use the emulator.
"""

from __future__ import annotations

import contextlib
import json
import sys
import types
from pathlib import Path

import pytest
from backup_fakes import FakeTerminal, make_journal

from posdiag.cards import find_pans
from posdiag.cli import main
from posdiag.devices import Totals


@pytest.fixture
def terminal_stub(monkeypatch: pytest.MonkeyPatch) -> dict[str, FakeTerminal]:
    journal, records = make_journal(120)
    terminals = {"sim": FakeTerminal(journal, records),
                 "bad-totals": FakeTerminal(journal, records, totals=Totals(amount=5))}

    @contextlib.contextmanager
    def open_terminal(port: str, **settings: object):
        yield terminals[port]

    module = types.ModuleType("posdiag.terminals")
    module.open_terminal = open_terminal  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "posdiag.terminals", module)
    return terminals


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("POSDIAG_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config"


def test_backup_verify_inspect_round_trip(tmp_path, capsys, terminal_stub, office_key,
                                          identity_file) -> None:
    set_dir = tmp_path / "set"
    code, out, err = run(capsys, "backup", "--port", "sim", "--to", str(set_dir),
                         "-r", office_key[1], "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["complete"] and summary["records"] == 120 and summary["totals"]["agree"]
    assert "kit signing key" in err  # first use creates it and says so

    code, out, err = run(capsys, "verify", str(set_dir), "-i", str(identity_file), "--json")
    assert code == 0, out + err
    assert json.loads(out)["records"] == 120

    code, out, _ = run(capsys, "inspect", str(set_dir), "-i", str(identity_file),
                       "--format", "jsonl")
    assert code == 0
    assert out.encode() == terminal_stub["sim"].journal  # JSON Lines: the journal as it was

    code, out, _ = run(capsys, "inspect", str(set_dir), "-i", str(identity_file),
                       "--format", "json")
    assert code == 0
    records = json.loads(out)  # one JSON array of the same records
    assert [json.dumps(r, separators=(",", ":")) + "\n" for r in records] == \
        terminal_stub["sim"].journal.decode().splitlines(keepends=True)

    for fmt in ("table", "csv"):
        code, out, err = run(capsys, "inspect", str(set_dir), "-i", str(identity_file),
                             "--format", fmt)
        assert code == 0 and "476173******0010" in out
        assert find_pans(out + err) == []  # no full card number in any CLI output


def test_unknown_recipient_is_a_usage_error(tmp_path, capsys, terminal_stub) -> None:
    code, _out, err = run(capsys, "backup", "--port", "sim", "--to", str(tmp_path / "s"),
                         "-r", "age1notarecipient")
    assert code == 2
    assert err.startswith("posdiag: ") and err.count("\n") == 1
    assert not (tmp_path / "s").exists()


def test_totals_mismatch_exits_1_after_writing_the_set(tmp_path, capsys, terminal_stub,
                                                       office_key) -> None:
    code, _, err = run(capsys, "backup", "--port", "bad-totals", "--to", str(tmp_path / "s"),
                       "-r", office_key[1])
    assert code == 1
    assert "DISAGREES" in err and "terminal's totals" in err
    code, _, _ = run(capsys, "verify", str(tmp_path / "s"))
    assert code == 0  # the set itself is sound; the mismatch is recorded in it


def test_verify_of_a_damaged_set_exits_1(tmp_path, capsys, terminal_stub, office_key) -> None:
    set_dir = tmp_path / "s"
    run(capsys, "backup", "--port", "sim", "--to", str(set_dir), "-r", office_key[1])
    segment = sorted(set_dir.glob("*.age"))[0]
    segment.write_bytes(segment.read_bytes()[:-1])
    code, out, err = run(capsys, "verify", str(set_dir))
    assert code == 1
    assert "PROBLEM" in out and "does not verify" in err


def test_wrong_identity_is_its_own_outcome_exit_2(tmp_path, capsys, terminal_stub,
                                                  office_key) -> None:
    """Issue 16.1: a wrong key is not a damaged backup; it says whom the set is for."""
    from posdiag.crypto.age import generate_identity

    set_dir = tmp_path / "s"
    run(capsys, "backup", "--port", "sim", "--to", str(set_dir), "-r", office_key[1])
    stranger = tmp_path / "stranger.key"
    stranger.write_text(generate_identity()[0] + "\n")  # test material
    code, out, err = run(capsys, "verify", str(set_dir), "-i", str(stranger))
    assert code == 2
    assert "PROBLEM" not in out and err.count("\n") == 1
    assert "None of the given identities can open this set" in err and office_key[1] in err
    code, out, _ = run(capsys, "verify", str(set_dir), "-i", str(stranger), "--json")
    report = json.loads(out)
    assert code == 2 and report["outcome"] == "wrong-identity" and report["problems"] == []
    assert report["recipients"] == [office_key[1]]
    code, _, err = run(capsys, "inspect", str(set_dir), "-i", str(stranger))
    assert code == 2 and err.startswith("posdiag: None of the given identities")


def test_commands_have_help_with_examples(capsys) -> None:
    for command in ("backup", "verify", "inspect"):
        code, out, _ = run(capsys, command, "--help")
        assert code == 0 and "Examples:" in out


def test_backup_identifies_the_terminal_once(tmp_path, capsys, terminal_stub,
                                             office_key) -> None:
    """Issue 17.4: the command parses and calls the service; the service identifies."""
    terminal = terminal_stub["sim"]
    calls = []
    identify = terminal.identify
    terminal.identify = lambda: calls.append(1) or identify()  # type: ignore[method-assign]
    code, _, err = run(capsys, "backup", "--port", "sim", "--to", str(tmp_path / "s"),
                       "-r", office_key[1])
    assert code == 0, err
    assert len(calls) == 1
