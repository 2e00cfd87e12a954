"""posdiag simulate: run emulated devices for other programs (or another posdiag) to use."""

from __future__ import annotations

from pathlib import Path

import click

from posdiag.errors import BadInput
from posdiag.i18n import _

FAULT_HELP = """Inject a fault (repeatable, or join with '+'):
disconnect@N (link drops once after the terminal sent N bytes),
noise=P (each byte corrupted with probability P), nak=N (NAK every Nth frame),
drop-ack=N (lose the ACK of every Nth frame), delay=MS (extra latency per frame),
silent (answers nothing), paper-out, cover-open, card-misread, pin-timeout,
host-offline (Diagnosis 06 70 cannot reach the host), restart@N (the terminal reboots once
after it sent N bytes and comes back at its configured rate)."""


class SimulateGroup(click.Group):
    """`simulate` runs a terminal itself; `simulate printer` is a sub-command."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), "printer"]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "printer":
            from posdiag.cli.simulate_printer import printer

            return printer
        return super().get_command(ctx, cmd_name)


@click.group(cls=SimulateGroup, invoke_without_command=True)
@click.option("--serial", "serial_", is_flag=True, help="Serve on a new pty; prints its path.")
@click.option("--tcp", "tcp", metavar="HOST:PORT", help="Serve ZVT over TCP (port 0: any free).")
@click.option("--tls", "tls", metavar="HOST:PORT",
              help="Serve ZVT over TLS with a generated TEST certificate (port 0: any free); "
                   "prints tls://…?ca=… to use as PORT.")
@click.option("--tls-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the TLS TEST MATERIAL (default: a temporary one).")
@click.option("--tls-client-cert", "require_client_cert", is_flag=True,
              help="Require an ECR certificate (a TEST one is made and named in the PORT).")
@click.option("--count", type=click.IntRange(1, 64), default=1, show_default=True,
              help="How many independent terminals to serve (one pty or port each).")
@click.option("--journal", type=click.IntRange(0), default=0, show_default=True,
              help="Transactions in the generated merchant journal.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed for the journal and for random faults.")
@click.option("--baud", type=int, default=None,
              help="The terminal's serial rate; the pty is paced at the line's rate.")
@click.option("--fault", "faults", multiple=True, metavar="SPEC", help=FAULT_HELP)
@click.option("--identity", type=click.Path(exists=True, dir_okay=False), default=None,
              help="TOML file with a [terminal] table (device_name, serial_number, terminal_id, "
                   "merchant_id, currency, password, charset, …).")
@click.option("--operator", type=click.Choice(["auto", "manual"]), default="auto",
              show_default=True, help="auto answers every prompt with the default test card.")
@click.option("--control", "control_path", type=click.Path(dir_okay=False), default=None,
              help="Unix socket to act as the person at the (first) terminal: swipe NAME, "
                   "pin DIGITS, ok, cancel, cover open|close, paper out|in, receipts, status.")
@click.pass_context
def simulate(ctx: click.Context, serial_: bool, tcp: str | None, tls: str | None,
             tls_dir: Path | None, require_client_cert: bool, count: int, journal: int,
             seed: int, baud: int | None, faults: tuple[str, ...], identity: str | None,
             operator: str, control_path: str | None) -> None:
    """Run an emulated ZVT payment terminal until interrupted (Ctrl-C or SIGTERM).

    The terminal answers like one fresh from an acquirer: password 123456,
    currency EUR (978), 9600 8N2 on serial, port 20007 on TCP, 22001 on TLS.

    \b
    Examples:
      posdiag simulate --serial                 # prints /dev/pts/N to use as PORT
      posdiag simulate --tcp 127.0.0.1:20007 --journal 500
      posdiag simulate --tls 127.0.0.1:22001    # prints tls://127.0.0.1:22001?ca=…
      posdiag simulate --serial --baud 9600 --fault restart@20000
      posdiag simulate printer --tcp 127.0.0.1:9100 --out receipts/
      posdiag simulate --serial --operator manual --control /tmp/pt.sock
      posdiag simulate control /tmp/pt.sock swipe visa
    """
    if ctx.invoked_subcommand is not None:
        return
    from posdiag.simulation import SimulationRequest, run_simulation

    chosen = [name for name, on in (("serial", serial_), ("tcp", tcp), ("tls", tls)) if on]
    if len(chosen) != 1:
        raise BadInput("choose one of --serial, --tcp HOST:PORT or --tls HOST:PORT.")
    request = SimulationRequest(
        transport=chosen[0], listen=tcp or tls, count=count, journal=journal, seed=seed,
        baud=baud, faults=faults, identity=identity, operator=operator,
        control_path=control_path, tls_dir=tls_dir, require_client_cert=require_client_cert)
    run_simulation(request, announce=click.echo, notice=lambda text: click.echo(text, err=True))


@simulate.command("control")
@click.argument("socket_path", metavar="SOCKET", type=click.Path(dir_okay=False))
@click.argument("words", metavar="COMMAND...", nargs=-1, required=True)
@click.option("--timeout", type=click.FloatRange(0.1, 300), default=5.0, show_default=True,
              help="Seconds to wait for the emulator's answer.")
def control_command(socket_path: str, words: tuple[str, ...], timeout: float) -> None:
    """Act as the person at a running emulated terminal (posdiag simulate --control SOCKET).

    \b
    Commands:
      swipe NAME | insert NAME   present test card NAME (visa, mastercard, girocard, …)
      pin DIGITS                 type a PIN on the PIN pad and press OK
      ok | cancel                press OK / cancel (STOP)
      paper out | paper in       take the paper out or put it back
      cover open | cover close   open or shut the printer cover
      receipts                   every printed receipt, one JSON line each (PANs masked)
      status                     operator, queue, printer and PIN pad, one JSON line

    Exit codes: 0 done; 2 the emulator refused the command; 3 no emulator answers on SOCKET.

    \b
    Examples:
      posdiag simulate --tcp 127.0.0.1:20007 --operator manual --control /tmp/pt.sock &
      posdiag simulate control /tmp/pt.sock swipe visa
      posdiag simulate control /tmp/pt.sock pin 1234
      posdiag simulate control /tmp/pt.sock paper out
      posdiag simulate control /tmp/pt.sock receipts | jq .
    """
    from posdiag.emulator.control import control, shown_command

    command = " ".join(words)
    lines = control(socket_path, command, timeout=timeout)
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo(_("Done: {command}.").format(command=shown_command(command)), err=True)
