"""`posdiag devices`: list serial ports and USB devices, naming the ones posdiag knows."""

from __future__ import annotations

import json

import click

from posdiag.cli.help import Command
from posdiag.i18n import N_, _


@click.command(cls=Command)
@click.option("--json", "as_json", is_flag=True, help=N_("Print a JSON list instead of a table."))
def devices(as_json: bool) -> None:
    """List serial ports and USB devices: terminals, PIN pads, printers, card readers.

    Each line says what posdiag can do with the device, and how to get access
    when the system denies it. POSDIAG_USB=emulated lists the emulated devices.

    \b
    Examples:
      posdiag devices
      posdiag devices --json
      POSDIAG_USB=emulated posdiag devices
    """
    from posdiag.discovery import list_devices

    found = list_devices()
    if as_json:
        click.echo(json.dumps([d.to_json() for d in found], indent=2))
        return
    if not found:
        click.echo(_("No serial ports or USB devices found."))
        return
    from posdiag.display import untrusted  # names may be a device's own product string
    from posdiag.i18n_width import pad, text_table

    rows = [(pad(untrusted(d.path or _("usb bus {bus} addr {address}").format(
                 bus=d.bus, address=d.address)), 24), pad(d.ids, 10), pad(d.kind, 16),
             untrusted(d.name)) for d in found]
    lines = text_table(rows, gap=1)
    under = " " * 25  # what a device is good for, under its line
    for d, line in zip(found, lines, strict=True):
        click.echo(line)
        click.echo(under + "-> " + _(d.can))
        if d.access == "denied":
            click.echo(under + _("access denied: {hint}").format(
                hint=_(d.hint) if d.hint else ""))
