"""Repair cases against the emulated terminal: fixtures for profiles, identities and the CLI."""

import textwrap

import pytest

from posdiag.backup.kitkey import load_or_create_kit_key
from posdiag.cli import main

SHOP = """
[merchant]
name = "张记小吃店"
number = "100200300"
address = "上海市徐汇区漕溪北路 1 号"
contact = "张先生"
phone = "+86 21 5555 0101"

[terminal]
purchased = {purchased}
warranty-months = 12

[manufacturer]
name = "EMU Terminals Ltd."
email = "rma@emu.example"

[service-provider]
name = "Shanghai POS Service Co."
"""


@pytest.fixture
def config(tmp_path, monkeypatch):
    """A fresh posdiag configuration folder (kit key, profile.toml) for in-process runs."""
    folder = tmp_path / "config"
    monkeypatch.setenv("POSDIAG_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture
def kit_key(config):
    return load_or_create_kit_key(config)


@pytest.fixture
def shop(tmp_path):
    """shop(purchased="2026-03-01") -> path of a merchant profile."""

    def write(purchased="2026-03-01", name="shop.toml"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(SHOP.format(purchased=purchased)).lstrip(),
                        encoding="utf-8")
        return path

    return write


@pytest.fixture
def identity_file(tmp_path):
    """identity_file(serial_number="EMU0000002", ...) -> TOML for sim:identity=…"""

    def write(name="replacement.toml", **fields):
        path = tmp_path / name
        lines = ["[terminal]"] + [f'{k} = "{v}"' for k, v in fields.items()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture
def cli(capsys, config):
    """cli(*args) -> (exit code, stdout, stderr), in-process as a user would see them."""

    def run(*args):
        with pytest.raises(SystemExit) as done:
            main([str(a) for a in args])
        out, err = capsys.readouterr()
        return done.value.code, out, err

    return run

