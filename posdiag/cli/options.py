"""Options shared by several commands, declared once."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

PORT_HELP = (
    "Terminal port: /dev/ttyACM0, tcp://HOST:PORT, rfc2217://HOST:PORT, socket://HOST:PORT, "
    "or sim[:journal=N,seed=S,fault=SPEC,…] for the built-in emulator."
)


def port_option(required: bool = True) -> Callable[[Any], Any]:
    return click.option("--port", "-p", "port", required=required, metavar="PORT", help=PORT_HELP)


def json_option(f: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(f)


def _check_password(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """A ZVT password is 6 digits: anything else is a usage error here, not a device error
    after the port was opened."""
    if not (len(value) == 6 and value.isascii() and value.isdigit()):
        from posdiag.i18n import _

        raise click.BadParameter(_("the terminal password must be 6 digits, e.g. 123456."))
    return value


def password_option(f: Any) -> Any:
    return click.option(
        "--password", default="123456", show_default=True, metavar="DIGITS",
        callback=_check_password,
        help="Terminal password (6 digits) for commands that need it.",
    )(f)


def baud_option(f: Any) -> Any:
    return click.option(
        "--baud", type=int, default=None, metavar="B",
        help="Serial baud rate (default 9600, the ZVT default; 115200 where configured).",
    )(f)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, sort_keys=False))


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.find_root().ensure_object(dict)["debug"] = True


def _set_lang(_ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        from posdiag.i18n import normalise_language, set_language

        if normalise_language(value) is None:
            raise click.BadParameter(f"{value!r} is not a language posdiag speaks (zh-CN, en).")
        set_language(value)


def debug_option(f: Any) -> Any:
    return click.option(
        "--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
        help="Show a traceback on errors.",
    )(f)


def lang_option(f: Any) -> Any:
    return click.option(
        "--lang", metavar="zh-CN|en", expose_value=False, is_eager=True, callback=_set_lang,
        help="Language of messages and documents (default: from LC_ALL, LC_MESSAGES, LANG).",
    )(f)


def add_global_options(command: click.Command) -> None:
    """Give a command (and every sub-command of a group) --debug and --lang, once.

    They are accepted anywhere on the line, so `posdiag backup … --debug` works as
    `posdiag --debug backup …` does.
    """
    names = {name for param in command.params for name in getattr(param, "opts", [])}
    for decorate, name in ((debug_option, "--debug"), (lang_option, "--lang")):
        if name not in names:
            decorate(command)  # a click option decorator applied to a Command appends to it
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_global_options(sub)
