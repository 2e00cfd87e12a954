"""Which language posdiag speaks: --lang, then LC_ALL / LC_MESSAGES / LANG, then English."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from posdiag.cli import _lang_in, cli
from posdiag.i18n import (
    current_language,
    language_from_environment,
    normalise_language,
    set_language,
    use_language,
)


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("zh-CN", "zh_CN"), ("zh_CN.UTF-8", "zh_CN"), ("zh", "zh_CN"), ("zh-Hans", "zh_CN"),
        ("zh_SG", "zh_CN"), ("en", "en"), ("en_US.utf8", "en"), ("C", "en"), ("POSIX", "en"),
        ("C.UTF-8", "en"), ("zh_TW", None), ("zh-Hant-HK", None), ("de_DE", None), ("", None),
    ],
)
def test_language_tags_map_to_catalogs(tag: str, expected: str | None) -> None:
    assert normalise_language(tag) == expected


def test_first_set_variable_decides_as_in_posix() -> None:
    env = {"LC_ALL": "", "LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}
    assert language_from_environment(env) == "zh_CN"
    assert language_from_environment({"LANG": "de_DE.UTF-8", "LC_ALL": ""}) == "en"
    assert language_from_environment({}) == "en"


def test_use_language_is_scoped() -> None:
    set_language("en")
    with use_language("zh-CN") as inner:
        assert inner == current_language() == "zh_CN"
    assert current_language() == "en"


def test_lang_is_found_anywhere_on_the_line() -> None:
    assert _lang_in(["backup", "--port", "sim", "--lang", "zh-CN"]) == "zh-CN"
    assert _lang_in(["--lang=en", "info"]) == "en"
    assert _lang_in(["zvt", "decode", "--", "--lang", "x"]) is None


def test_every_command_accepts_lang_and_debug_after_its_name() -> None:
    runner = CliRunner()
    for name in cli.list_commands(None):  # type: ignore[arg-type]
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "--lang" in result.output and "--debug" in result.output, name


def test_unknown_language_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["info", "--port", "sim", "--lang", "fr"])
    assert result.exit_code == 2
    assert "not a language posdiag speaks" in result.output
