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


def password_option(f: Any) -> Any:
    return click.option(
        "--password", default="123456", show_default=True, metavar="DIGITS",
        help="Terminal password (6 digits) for commands that need it.",
    )(f)


def baud_option(f: Any) -> Any:
    return click.option(
        "--baud", type=int, default=None, metavar="B",
        help="Serial baud rate (default 9600, the ZVT default; 115200 where configured).",
    )(f)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, sort_keys=False))
