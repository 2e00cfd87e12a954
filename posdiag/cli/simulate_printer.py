"""`posdiag simulate printer`: an emulated ESC/POS printer on raw TCP or a pseudo-terminal."""

from __future__ import annotations

import threading

import click

from posdiag.cli.help import Command
from posdiag.i18n import N_, _, ngettext


@click.command("printer", cls=Command)
@click.option("--tcp", "tcp", metavar="HOST:PORT", help=N_("Listen for raw TCP print jobs (9100)."))
@click.option("--serial", "serial", is_flag=True,
              help=N_("Open a pseudo-terminal and print its path."))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="receipts",
              show_default=True,
              help=N_("Directory for the receipts (.txt; .png with the png extra)."))
@click.option("--encoding", default="gb18030", show_default=True,
              type=click.Choice(["gb18030", "gbk"]), help=N_("Chinese-mode (FS &) encoding."))
@click.option("--width", default=48, show_default=True, help=N_("Characters per line in .txt."))
@click.option("--fault", "faults", multiple=True,
              type=click.Choice(["paper_out", "paper_near_end", "cover_open", "cutter_error"]),
              help=N_("Start with this fault (repeatable)."))
def printer(tcp: str | None, serial: bool, out_dir: str, encoding: str, width: int,
            faults: tuple[str, ...]) -> None:
    """Run an emulated receipt printer until Ctrl-C.

    Every receipt it receives (ended by a cut) is written to --out as
    receipt-NNNN.txt, and as .png when the png extra is installed. It answers DLE EOT
    status requests like an Epson-compatible printer.

    \b
    Examples:
      posdiag simulate printer --tcp 127.0.0.1:9100 --out receipts/
      posdiag simulate printer --serial --out receipts/
    """
    from posdiag.emulator.printer import (
        EmulatedPrinter,
        PtyPrinterServer,
        ReceiptWriter,
        TcpPrinterServer,
    )
    from posdiag.errors import BadInput

    if bool(tcp) == serial:
        raise BadInput(_("give exactly one of --tcp HOST:PORT or --serial."))
    def warn(message: str) -> None:
        click.echo(message, err=True)

    writer = ReceiptWriter(out_dir, width=width, report=click.echo)
    device = EmulatedPrinter(chinese_encoding=encoding, on_receipt=writer, report=warn)
    for fault in faults:
        device.set_fault(fault)
    server: TcpPrinterServer | PtyPrinterServer
    if tcp:
        host, _colon, port = tcp.rpartition(":")
        if not host or not port.isdigit():
            raise BadInput(_("--tcp wants HOST:PORT such as 127.0.0.1:9100, not "
                             "{tcp!r}.").format(tcp=tcp))
        server = TcpPrinterServer(device, host, int(port), report=warn)
        ready = _("printer listening on {host}:{address} (raw TCP); receipts go to "
                  "{out_dir}/").format(host=host, address=server.address[1],
                                       out_dir=writer.out_dir)
    else:
        server = PtyPrinterServer(device, report=warn)
        ready = _("printer on serial port {slave_path}; receipts go to {out_dir}/").format(
            slave_path=server.slave_path, out_dir=writer.out_dir)
    server.start()
    try:
        # Said once the server runs and Ctrl-C is handled: a script (or a test) that waits
        # for this line may stop the printer at once and get exit 0.
        click.echo(ready)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        device.finish()  # a last receipt without a cut is still written
        click.echo(ngettext("{count} receipt written.", "{count} receipts written.",
                            writer.count).format(count=writer.count))
