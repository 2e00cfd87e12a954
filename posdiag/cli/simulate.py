"""posdiag simulate: run emulated devices for other programs (or another posdiag) to use."""

from __future__ import annotations

import importlib.util
import signal
import threading
from collections.abc import Callable

import click

from posdiag.errors import BadInput, LinkError

FAULT_HELP = """Inject a fault (repeatable, or join with '+'):
disconnect@N (link drops once after the terminal sent N bytes),
noise=P (each byte corrupted with probability P), nak=N (NAK every Nth frame),
drop-ack=N (lose the ACK of every Nth frame), delay=MS (extra latency per frame),
silent (answers nothing), paper-out, cover-open, card-misread, pin-timeout,
host-offline (Diagnosis 06 70 cannot reach the host)."""


class SimulateGroup(click.Group):
    """`simulate` runs a terminal itself; `simulate printer` is a sub-command."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = super().list_commands(ctx)
        if importlib.util.find_spec("posdiag.cli.simulate_printer") is not None:
            names.append("printer")
        return names

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "printer" and importlib.util.find_spec("posdiag.cli.simulate_printer"):
            from posdiag.cli.simulate_printer import printer

            return printer
        return super().get_command(ctx, cmd_name)


@click.group(cls=SimulateGroup, invoke_without_command=True)
@click.option("--serial", "serial_", is_flag=True, help="Serve on a new pty; prints its path.")
@click.option("--tcp", "tcp", metavar="HOST:PORT", help="Serve ZVT over TCP (port 0: any free).")
@click.option("--count", type=click.IntRange(1, 64), default=1, show_default=True,
              help="How many independent terminals to serve (one pty or port each).")
@click.option("--journal", type=click.IntRange(0), default=0, show_default=True,
              help="Transactions in the generated merchant journal.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed for the journal and for random faults.")
@click.option("--baud", type=int, default=None, help="Pace pty output at this baud rate.")
@click.option("--fault", "faults", multiple=True, metavar="SPEC", help=FAULT_HELP)
@click.option("--identity", type=click.Path(exists=True, dir_okay=False), default=None,
              help="TOML file with a [terminal] table (device_name, serial_number, terminal_id, "
                   "merchant_id, currency, password, …).")
@click.option("--operator", type=click.Choice(["auto", "manual"]), default="auto",
              show_default=True, help="auto answers every prompt with the default test card.")
@click.option("--control", "control_path", type=click.Path(dir_okay=False), default=None,
              help="Unix socket to act as the person at the (first) terminal: swipe NAME, "
                   "pin DIGITS, ok, cancel, cover open|close, paper out|in, receipts, status.")
@click.pass_context
def simulate(ctx: click.Context, serial_: bool, tcp: str | None, count: int, journal: int,
             seed: int, baud: int | None, faults: tuple[str, ...], identity: str | None,
             operator: str, control_path: str | None) -> None:
    """Run an emulated ZVT payment terminal until interrupted (Ctrl-C).

    The terminal answers like one fresh from an acquirer: password 123456,
    currency EUR (978), 9600 8N2 on serial, port 20007 on TCP.

    \b
    Examples:
      posdiag simulate --serial                 # prints /dev/pts/N to use as PORT
      posdiag simulate --tcp 127.0.0.1:20007 --journal 500
      posdiag simulate --serial --fault noise=0.01 --fault nak=3
      posdiag simulate printer --tcp 127.0.0.1:9100 --out receipts/
      posdiag simulate --serial --operator manual --control /tmp/pt.sock
    """
    if ctx.invoked_subcommand is not None:
        return
    if serial_ == bool(tcp):
        raise BadInput("choose one of --serial or --tcp HOST:PORT.")
    from posdiag.emulator.config import load_config
    from posdiag.emulator.faults import parse_faults
    from posdiag.emulator.terminal import EmulatedTerminal

    config = load_config(identity)
    fault_set = parse_faults(list(faults))
    terminals = [
        EmulatedTerminal(config, faults=fault_set, seed=seed + i, journal=journal,
                         operator=operator)
        for i in range(count)
    ]
    stop = threading.Event()
    stack_close: list[Callable[[], None]] = []
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        for index, terminal in enumerate(terminals):
            if serial_:
                line = terminal.serve_serial(baud)
                click.echo(line.path)
            else:
                host, _, port_text = (tcp or "").rpartition(":")
                try:
                    port = int(port_text)
                except ValueError as err:
                    raise BadInput(f"--tcp needs HOST:PORT, not {tcp!r}.") from err
                if not 0 <= port <= 65535 - (count - 1 if port else 0):
                    raise BadInput(f"port {port} (for {count} terminal(s)) is outside 0..65535.")
                address = (host or "127.0.0.1", port + index if port else 0)
                try:
                    bound = terminal.serve_tcp(*address)
                except OSError as err:
                    raise LinkError(f"cannot listen on {address[0]}:{address[1]} "
                                    f"({err.strerror or err}); pick another address or port, "
                                    "or port 0 for any free one.") from err
                click.echo(f"tcp://{bound[0]}:{bound[1]}")
        if control_path:
            from posdiag.emulator.control import serve_control

            stack_close.append(serve_control(terminals[0], control_path))
        click.echo("emulated terminal running; press Ctrl-C to stop.", err=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        for close in stack_close:
            close()
        for terminal in terminals:
            terminal.stop()
