"""posdiag info: who is this terminal?"""

from __future__ import annotations

import dataclasses

import click

from posdiag.cli.options import baud_option, json_option, password_option, port_option, print_json


@click.command()
@port_option()
@password_option
@baud_option
@json_option
def info(port: str, password: str, baud: int | None, as_json: bool) -> None:
    """Show a terminal's identity: model, serial number, software, terminal ID, status.

    \b
    Examples:
      posdiag info --port /dev/ttyACM0
      posdiag info --port tcp://192.0.2.10:20007 --json
      posdiag info --port sim
    """
    from posdiag.terminals import open_terminal

    with open_terminal(port, password=password, baud=baud) as terminal:
        identity = terminal.identify()
    if as_json:
        print_json({k: v for k, v in dataclasses.asdict(identity).items()})
        return
    rows = [
        ("Device", identity.device_name),
        ("Serial number", identity.serial_number),
        ("Software", identity.software_version),
        ("Terminal ID", identity.terminal_id),
        ("Merchant (VU)", identity.merchant_id),
        ("Currency", f"{identity.currency:03d}" if identity.currency is not None else None),
        ("Status", f"{identity.status_text} ({identity.status:02X})"
         if identity.status is not None else None),
    ]
    from posdiag.display import untrusted  # every value is what the terminal said

    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        click.echo(f"{name:<{width}}  {untrusted(value) if value is not None else '-'}")
