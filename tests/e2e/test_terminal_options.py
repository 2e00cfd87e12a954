"""--password, --baud and --charset on every command that opens a terminal, end to end.

The emulated terminal runs in its own process (`posdiag simulate`) with a password other than
the factory 123456, on a real pty or a loopback socket, as a terminal in the field would.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from posdiag.cli import COMMANDS, cli, main

PASSWORD = "246810"


@pytest.fixture
def identity_toml(tmp_path: Path) -> Path:
    path = tmp_path / "terminal.toml"
    path.write_text(f'[terminal]\npassword = "{PASSWORD}"\n', encoding="utf-8")
    return path


@pytest.fixture(params=["serial", "tcp", "tls"])
def terminal_port(request, simulate_process, identity_toml) -> str:
    """A separate `posdiag simulate` whose password is not 123456; its PORT."""
    where = {"serial": ["--serial"], "tcp": ["--tcp", "127.0.0.1:0"],
             "tls": ["--tls", "127.0.0.1:0"]}[request.param]
    _, port = simulate_process(*where, "--identity", str(identity_toml), "--journal", "20")
    return port


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("POSDIAG_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("POSDIAG_PASSWORD", raising=False)
    return tmp_path / "config"


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


# --- the command line -----------------------------------------------------------------------


def all_commands() -> dict[str, click.Command]:
    ctx = click.Context(cli)
    found: dict[str, click.Command] = {}
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        found[name] = command
        if isinstance(command, click.Group):
            for sub_name, sub in command.commands.items():
                found[f"{name} {sub_name}"] = sub
    return found


def test_each_short_option_means_one_thing_in_every_command():
    meanings: dict[str, set[str]] = {}
    for command in all_commands().values():
        for param in command.params:
            opts = getattr(param, "opts", []) + getattr(param, "secondary_opts", [])
            longs = sorted(o for o in opts if o.startswith("--"))
            for short in (o for o in opts if len(o) == 2 and o.startswith("-")):
                meanings.setdefault(short, set()).add(longs[0] if longs else param.name or "")
    assert {s: m for s, m in meanings.items() if len(m) > 1} == {}
    assert meanings["-p"] == {"--passphrase"}


@pytest.mark.parametrize("name", ["info", "backup", "test"])
def test_every_command_that_opens_a_terminal_takes_the_terminal_options(name):
    command = all_commands()[name]
    options = {o for p in command.params for o in getattr(p, "opts", [])}
    assert {"--port", "--password", "--baud", "--charset"} <= options


@pytest.mark.parametrize(("option", "value", "says"), [
    ("--password", "12345", "6 digits"),
    ("--baud", "12345", "not a serial rate"),
    ("--charset", "klingon", "not a character set"),
])
def test_a_bad_terminal_option_is_a_usage_error_before_any_port_is_opened(capsys, option,
                                                                          value, says):
    code, _, err = run(capsys, "info", "--port", "/dev/ttyNOSUCHPORT", option, value)
    assert code == 2 and says in err and err.count("\n") == 1


# --- a terminal whose password is not 123456 ------------------------------------------------


def test_a_wrong_password_is_named_as_such(terminal_port, posdiag_cli):
    result = posdiag_cli("info", "--port", terminal_port)
    assert result.returncode == 3
    assert "refused the password (84 83 after 06 00)" in result.stderr
    assert "--password" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_info_with_the_password(terminal_port, posdiag_cli):
    result = posdiag_cli("info", "--port", terminal_port, "--password", PASSWORD, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["terminal_id"] == "52500001"


def test_the_password_may_come_from_the_environment(terminal_port, posdiag_cli):
    result = posdiag_cli("info", "--port", terminal_port, env={"POSDIAG_PASSWORD": PASSWORD})
    assert result.returncode == 0, result.stderr


def test_backup_with_the_password(terminal_port, tmp_path, capsys):
    from posdiag.crypto.age import generate_identity

    _, recipient = generate_identity()  # test material
    code, out, err = run(capsys, "backup", "--port", terminal_port, "--password", PASSWORD,
                         "--to", str(tmp_path / "set"), "-r", recipient, "--json")
    assert code == 0, err
    assert json.loads(out)["records"] == 20


def test_backup_without_it_says_which_password_to_give(terminal_port, tmp_path, capsys):
    from posdiag.crypto.age import generate_identity

    code, _, err = run(capsys, "backup", "--port", terminal_port, "--to",
                       str(tmp_path / "set"), "-r", generate_identity()[1])
    assert code == 3 and "refused the password" in err


def plan_with(tmp_path: Path, terminal_table: str) -> Path:
    plan = tmp_path / "plan.toml"
    plan.write_text('[plan]\nname = "identify only"\n\n' + terminal_table +
                    '\n[[step]]\nkind = "identify"\n', encoding="utf-8")
    return plan


def test_test_takes_the_password_from_the_command_line(terminal_port, tmp_path, capsys):
    plan = plan_with(tmp_path, "")
    code, out, err = run(capsys, "test", "--port", terminal_port, "--password", PASSWORD,
                         "--plan", str(plan), "--record", str(tmp_path / "rec"), "--json")
    assert code == 0, err
    assert json.loads(out)["outcome"] == "PASS"


def test_test_takes_the_password_from_the_plan(terminal_port, tmp_path, capsys):
    plan = plan_with(tmp_path, f'[terminal]\npassword = "{PASSWORD}"\n')
    code, _, err = run(capsys, "test", "--port", terminal_port, "--plan", str(plan),
                       "--record", str(tmp_path / "rec"))
    assert code == 0, err


def test_the_command_line_wins_over_the_plan(terminal_port, tmp_path, capsys):
    plan = plan_with(tmp_path, f'[terminal]\npassword = "{PASSWORD}"\n')
    code, _, err = run(capsys, "test", "--port", terminal_port, "--password", "111111",
                       "--plan", str(plan), "--record", str(tmp_path / "rec"))
    assert code == 3 and "refused the password" in err


def test_a_bad_terminal_table_in_a_plan_names_file_and_line(tmp_path, capsys):
    plan = plan_with(tmp_path, '[terminal]\nbaud = "fast"\n')
    code, _, err = run(capsys, "test", "--port", "sim", "--plan", str(plan))
    assert code == 2 and f"{plan}:5:" in err and "baud" in err


# --- the character set ----------------------------------------------------------------------


@pytest.mark.parametrize("transport", ["serial", "tcp", "tls"])
def test_receipts_are_read_in_the_character_set_the_terminal_announces(tmp_path, transport):
    from posdiag.emulator.config import TerminalConfig
    from posdiag.emulator.terminal import EmulatedTerminal
    from posdiag.terminals import open_terminal

    emulator = EmulatedTerminal(TerminalConfig(merchant_name="CAFÉ ÜBERALL €", charset="utf-8"))
    with open_terminal(f"sim:transport={transport}", emulator=emulator) as terminal:
        receipt = terminal.print_system_configuration()[0]
        assert terminal.charset == "utf-8"
    assert "CAFÉ ÜBERALL €" in receipt.text


def test_charset_given_wins_over_the_announced_one():
    from posdiag.emulator.config import TerminalConfig
    from posdiag.emulator.terminal import EmulatedTerminal
    from posdiag.terminals import open_terminal

    emulator = EmulatedTerminal(TerminalConfig(merchant_name="CAFÉ", charset="utf-8"))
    with open_terminal("sim", emulator=emulator, charset="latin-1") as terminal:
        receipt = terminal.print_system_configuration()[0]
    assert "CAFÃ\x89" in receipt.text  # UTF-8 bytes read as Latin-1: the override was used


def test_a_cp437_terminal_announces_nothing_and_is_read_as_cp437():
    from posdiag.emulator.config import TerminalConfig
    from posdiag.emulator.terminal import EmulatedTerminal
    from posdiag.terminals import open_terminal

    emulator = EmulatedTerminal(TerminalConfig(merchant_name="KÄSE"))
    with open_terminal("sim", emulator=emulator) as terminal:
        receipt = terminal.print_system_configuration()[0]
        assert terminal.charset_announced is None and terminal.charset == "cp437"
    assert "KÄSE" in receipt.text
