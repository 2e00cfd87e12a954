"""posdiag info: who is this terminal?"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import click

from posdiag.cli.help import Command
from posdiag.cli.options import json_option, port_option, print_json, terminal_options
from posdiag.i18n import _

if TYPE_CHECKING:
    from posdiag.terminal_settings import TerminalSettings


@click.command(cls=Command)
@port_option()
@terminal_options
@json_option
def info(port: str, settings: TerminalSettings, as_json: bool) -> None:
    """Show a terminal's identity: model, serial number, software, terminal ID, status.

    \b
    Examples:
      posdiag info --port /dev/ttyACM0 --password 000000
      posdiag info --port tcp://192.0.2.10:20007 --json
      posdiag info --port sim
    """
    from posdiag.terminals import open_terminal

    with open_terminal(port, settings=settings) as terminal:
        identity = terminal.identify()
    if as_json:
        print_json({k: v for k, v in dataclasses.asdict(identity).items()})
        return
    rows = [
        (_("Device"), identity.device_name),
        (_("Serial number"), identity.serial_number),
        (_("Software"), identity.software_version),
        (_("Terminal ID"), identity.terminal_id),
        (_("Merchant (VU)"), identity.merchant_id),
        (_("Currency"), f"{identity.currency:03d}" if identity.currency is not None else None),
        (_("Status"), f"{identity.status_text} ({identity.status:02X})"
         if identity.status is not None else None),
    ]
    from posdiag.display import untrusted  # every value is what the terminal said
    from posdiag.i18n_width import text_table

    # Aligned by display width: Chinese labels are two cells a character.
    for line in text_table([(name, untrusted(value) if value is not None else "-")
                            for name, value in rows]):
        click.echo(line)
