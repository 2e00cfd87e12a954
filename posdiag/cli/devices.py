"""`posdiag devices`: list serial ports and USB devices, naming the ones posdiag knows."""

from __future__ import annotations

import json

import click


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
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
        click.echo("No serial ports or USB devices found.")
        return
    from posdiag.display import untrusted  # names may be a device's own product string

    for d in found:
        where = untrusted(d.path or f"usb bus {d.bus} addr {d.address}")
        click.echo(f"{where:<24} {d.ids:<10} {d.kind:<16} {untrusted(d.name)}")
        click.echo(f"{'':<24} -> {d.can}")
        if d.access == "denied":
            click.echo(f"{'':<24} access denied: {d.hint}")
