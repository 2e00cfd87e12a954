"""What README, docs and --help say is what the commands do."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from test_exit_codes import leaf_commands

from posdiag.cards import mask_text
from posdiag.cli.help import translate_help
from posdiag.cli.options import PORT_HELP

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _help(name: str, command: click.Command) -> str:
    from posdiag.cli import cli

    context = click.Context(command, info_name=f"posdiag {name}", parent=click.Context(cli))
    return command.get_help(context)


def test_every_port_option_has_the_one_help_text_with_every_form_readme_lists():
    ports = [(name, p) for name, command in leaf_commands() for p in command.params
             if "--port" in getattr(p, "opts", ())]
    assert {name for name, _p in ports} >= {"info", "backup", "test", "case open", "kit once"}
    for name, option in ports:
        assert option.help == PORT_HELP, name
    readme = README[README.index("PORT is a device path"):][:800]
    for scheme in ("tcp://", "tls://", "rfc2217://", "socket://", "sim"):
        assert scheme in readme and scheme in translate_help(PORT_HELP), scheme
    assert "?ca=FILE" in PORT_HELP and "fingerprint=SHA256" in PORT_HELP


def _examples(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("posdiag ")]


@pytest.mark.parametrize("name, command", list(leaf_commands()), ids=lambda v: str(v))
def test_help_examples_are_shown_as_written(name, command):
    """The output mask hides card numbers; an example must not look like one, or --help
    shows it with stars, as `zvt decode`'s once did ("12 3* ** 10 03")."""
    for line in _help(name, command).splitlines():
        assert mask_text(line) == line, f"{name} --help shows {line!r} masked"


def test_zvt_decode_help_examples_work_as_shown(posdiag):
    from posdiag.cli.zvt import decode

    examples = [e for e in _examples(_help("zvt decode", decode)) if "--file" not in e]
    assert len(examples) >= 2
    for example in examples:
        ran = posdiag(*shlex.split(example)[1:])
        assert ran.code == 0, (example, ran.err)
        assert "is not a hex byte" not in ran.err


def test_readme_says_what_the_example_password_stands_for():
    assert "--password 000000" in README
    assert re.search(r"`--password 000000` stands for your terminal's own", README)
    assert "(`--port sim`) uses" in README and "123456" in README


def test_case_commands_that_look_cases_up_take_root_as_docs_case_says(posdiag, tmp_path):
    from posdiag.cli.case import case

    context = click.Context(case)
    with_root = {name for name in case.list_commands(context)
                 if any("--root" in getattr(p, "opts", ())
                        for p in case.get_command(context, name).params)}
    assert with_root >= {"open", "list", "verify-document"}
    case_md = (ROOT / "docs" / "case.md").read_text(encoding="utf-8")
    for name in ("list", "verify-document"):
        assert f"`case {name}`" in case_md
    assert posdiag("case", "list", "--root", tmp_path / "no-such").code == 2
    (tmp_path / "empty").mkdir()
    ran = posdiag("case", "list", "--root", tmp_path / "empty")
    assert ran.code == 0 and "No case found in" in ran.err
