"""Options shared by several commands, declared once."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import click

from posdiag.i18n import N_, _

# The one help text of every --port (README, "PORT is ..."): tests/cli/test_docs_agree.py
# checks each command uses it.
PORT_HELP = N_(
    "Terminal port: /dev/ttyACM0, tcp://HOST:PORT, tls://HOST:PORT?ca=FILE (or "
    "?fingerprint=SHA256), rfc2217://HOST:PORT, socket://HOST:PORT, or "
    "sim[:journal=N,seed=S,fault=SPEC,…] for the built-in emulator."
)


def port_option(required: bool = True) -> Callable[[Any], Any]:
    # No short form: -p is --passphrase in every command (as in age).
    return click.option("--port", "port", required=required, metavar="PORT", help=PORT_HELP)


def json_option(f: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True, help=N_("Print JSON for scripts."))(f)


def terminal_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--password, --baud and --charset for a command that opens a terminal.

    The command receives them as one ``settings`` argument (posdiag.terminal_settings.
    TerminalSettings); options left out stay None, so a plan or kit config can fill them.
    """
    from posdiag.terminal_settings import PASSWORD_ENV

    @functools.wraps(f)
    def command(*args: Any, password: str | None, baud: int | None, charset: str | None,
                **kwargs: Any) -> Any:
        from posdiag.terminal_settings import TerminalSettings

        settings = TerminalSettings(password=password, baud=baud, charset=charset)
        return f(*args, settings=settings, **kwargs)

    options = (
        click.option("--password", default=None, metavar="DIGITS", envvar=PASSWORD_ENV,
                     show_envvar=True,
                     help=N_("Terminal password, 6 digits (default 123456, or the plan's or "
                             "kit config's).")),
        click.option("--baud", type=int, default=None, metavar="RATE",
                     help=N_("Serial rate the terminal is set to (default 9600, the ZVT "
                             "default); posdiag switches to a faster one for long transfers.")),
        click.option("--charset", default=None, metavar="CODEC",
                     help=N_("Character set of the terminal's texts, e.g. cp437, utf-8, "
                             "iso-8859-1 (default: what the terminal announces, else cp437).")),
    )
    for option in reversed(options):
        command = option(command)
    return command


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, sort_keys=False))


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.find_root().ensure_object(dict)["debug"] = True


def _set_lang(_ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        from posdiag.i18n import normalise_language, set_language

        if normalise_language(value) is None:
            raise click.BadParameter(_("{value!r} is not a language posdiag speaks "
                                       "(zh-CN, en).").format(value=value))
        set_language(value)


def debug_option(f: Any) -> Any:
    return click.option(
        "--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
        help=N_("Show a traceback on errors."),
    )(f)


def lang_option(f: Any) -> Any:
    return click.option(
        "--lang", metavar="zh-CN|en", expose_value=False, is_eager=True, callback=_set_lang,
        help=N_("Language of messages and documents (default: from LC_ALL, LC_MESSAGES, LANG)."),
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
