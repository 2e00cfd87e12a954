"""The kit config's terminal settings (password, baud, charset) reach the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from posdiag.errors import PasswordRefused, PlanError
from posdiag.kit.config import load_kit_config
from posdiag.kit.cycle import run_cycle
from posdiag.terminal_settings import TerminalSettings


def test_the_settings_are_read_and_checked(write_config):
    config = load_kit_config(write_config('password = "000000"', "baud = 19200",
                                          'charset = "iso-8859-1"'))
    assert config.terminal == TerminalSettings("000000", 19200, "iso-8859-1")
    assert load_kit_config(write_config()).terminal == TerminalSettings()


@pytest.mark.parametrize(("line", "says"), [
    ('password = "12"', "6 digits"),
    ("password = 123456", "wrong type"),
    ("baud = 1234", "not a serial rate"),
    ('charset = "nope"', "not a character set"),
])
def test_a_bad_setting_names_the_file(write_config, line, says):
    path = write_config(line)
    with pytest.raises(PlanError) as info:
        load_kit_config(path)
    assert str(path) in str(info.value) and says in str(info.value)


def test_a_cycle_uses_the_configured_password(write_config, stick, state_dir, tmp_path):
    terminal = tmp_path / "terminal.toml"
    terminal.write_text('[terminal]\npassword = "909090"\n', encoding="utf-8")
    port = f"sim:journal=5,identity={terminal}"
    with pytest.raises(PasswordRefused):
        run_cycle(load_kit_config(write_config()), port, stick, state_dir=state_dir)
    result = run_cycle(load_kit_config(write_config('password = "909090"')), port, stick,
                       state_dir=state_dir)
    assert result.records == 5 and result.verified


def test_the_plan_run_gets_the_settings_without_showing_the_password(write_config, stick,
                                                                     state_dir, tmp_path,
                                                                     monkeypatch):
    import subprocess

    calls: list[tuple[list[str], dict[str, str]]] = []

    def fake_run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        calls.append((command, kwargs["env"]))  # type: ignore[arg-type]
        return subprocess.CompletedProcess(command, 0, "", "")

    plan = tmp_path / "etc" / "plan.toml"
    plan.parent.mkdir(parents=True, exist_ok=True)
    plan.write_text("", encoding="utf-8")
    monkeypatch.setattr(subprocess, "run", fake_run)
    config = load_kit_config(write_config('plan = "plan.toml"', 'password = "909090"',
                                          "baud = 19200"))
    from posdiag.kit.cycle import run_plan

    outcome = run_plan(Path(plan), "sim", tmp_path / "rec", settings=config.terminal)
    assert outcome.passed
    command, env = calls[0]
    assert command[-2:] == ["--baud", "19200"] and "909090" not in " ".join(command)
    assert env["POSDIAG_PASSWORD"] == "909090"
