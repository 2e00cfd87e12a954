"""`posdiag kit`: the Raspberry Pi field kit (install, uninstall, run, once)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from posdiag.cli.help import Group
from posdiag.cli.options import port_option
from posdiag.i18n import N_, _

if TYPE_CHECKING:
    from posdiag.kit.cycle import CycleResult
    from posdiag.kit.install import InstallReport

DEFAULT_CONFIG = "/etc/posdiag/kit.toml"

_config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_CONFIG, show_default=True, help=N_("Kit config (TOML): recipients, port, …"))
_state_option = click.option(
    "--state-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help=N_("Where the kit signing key and the cycle lock live "
            "(default: $POSDIAG_CONFIG_DIR or ~/.config/posdiag)."))
_prefix_option = click.option(
    "--prefix", type=click.Path(file_okay=False, path_type=Path), default=None,
    help=N_("Install below this folder instead of / (no accounts, no reloads)."))
_dry_run_option = click.option("--dry-run", is_flag=True, help=N_("Only print what would be done."))


@click.group(cls=Group)
def kit() -> None:
    """Field kit: a headless Raspberry Pi that backs up a terminal onto a USB stick.

    \b
    Examples:
      sudo posdiag kit install
      sudo systemctl enable --now posdiag-kit.service
      posdiag kit once --port sim:journal=500 --media /tmp/stick --config kit.toml
      posdiag kit serve --listen 127.0.0.1 --state-dir ./state --secret-file ./web.secret
    """


def _print_report(report: InstallReport) -> None:
    for line in report.lines:
        click.echo(line)


@kit.command()
@_dry_run_option
@_prefix_option
@click.option("--bin", "posdiag_bin", metavar="COMMAND", default=None,
              help=N_("posdiag command the service runs (default: this posdiag)."))
@click.option("-v", "--verbose", is_flag=True,
              help=N_("With --dry-run: also print the contents of every file."))
def install(dry_run: bool, prefix: Path | None, posdiag_bin: str | None, verbose: bool) -> None:
    """Install udev rules, systemd units and the udisks2 polkit rule; create group posdiag.

    Also makes the kit page's secret (once) and a label to print with its address and
    QR code. --dry-run prints what would be written, made and run, one line each
    (--verbose: with the files' contents), and warns when the units could not start
    the posdiag given (a home or temporary folder their sandbox hides).

    \b
    Examples:
      sudo posdiag kit install
      posdiag kit install --dry-run
      posdiag kit install --dry-run --verbose --bin /opt/posdiag/bin/posdiag
      posdiag kit install --prefix /srv/image-root
    """
    from posdiag.kit.install import Environment, default_posdiag_command, install_kit

    command = posdiag_bin or default_posdiag_command(sys.argv[0], sys.executable)
    _print_report(install_kit(command, dry_run=dry_run, verbose=verbose,
                              env=Environment(prefix=prefix)))


@kit.command()
@_dry_run_option
@_prefix_option
def uninstall(dry_run: bool, prefix: Path | None) -> None:
    """Remove exactly what `posdiag kit install` wrote and created.

    \b
    Examples:
      sudo posdiag kit uninstall
      posdiag kit uninstall --prefix /tmp/image-root --dry-run
    """
    from posdiag.kit.install import Environment, uninstall_kit

    _print_report(uninstall_kit(dry_run=dry_run, env=Environment(prefix=prefix)))


@kit.command()
@_config_option
@_state_option
@click.option("--poll", type=click.FloatRange(0.1, 60), default=2.0, show_default=True,
              help=N_("Seconds between looks for a terminal and a stick."))
def run(config_path: Path, state_dir: Path | None, poll: float) -> None:
    """The kit service: wait for a terminal and a stick, back up, verify, power the stick off.

    Runs until stopped (SIGTERM). An invalid config is logged and re-read until fixed.

    \b
    Examples:
      posdiag kit run                              # as posdiag-kit.service does
      posdiag kit run --config ./kit.toml --state-dir ./kit-state
    """
    from posdiag.kit.logs import kit_logging
    from posdiag.kit.service import RETRY_SECONDS, KitService, SignalStop

    debug = bool((click.get_current_context().find_root().obj or {}).get("debug"))
    with kit_logging(debug=debug), SignalStop() as stop:
        KitService(config_path, state_dir).run(stop, poll=poll, retry=max(poll, RETRY_SECONDS))


def _result_json(result: CycleResult) -> dict[str, object]:
    return {
        "state": result.state, "port": result.port, "set_dir": str(result.set_dir),
        "terminal": result.terminal, "generation": result.generation,
        "records": result.records, "journal_bytes": result.journal_bytes,
        "resumed_from": result.resumed_from, "totals_agree": result.totals_agree,
        "verified": result.verified, "plan_passed": result.plan_passed,
        "powered_off": result.powered_off,
    }


@kit.command()
@port_option(required=False)
@click.option("--media", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=N_("Folder of the stick (default: the config's media, or the one USB stick)."))
@_config_option
@_state_option
@click.option("--json", "as_json", is_flag=True, help=N_("Print a one-line JSON summary."))
def once(port: str | None, media: Path | None, config_path: Path, state_dir: Path | None,
         as_json: bool) -> None:
    """One full kit cycle now, without waiting: for scripts and tests.

    Without --port the config's port is used (auto: the one terminal plugged
    in). Exit codes: 0 backed up and verified; 1 done but totals or plan failed;
    2 config or usage; 3 terminal; 4 stick.

    \b
    Examples:
      posdiag kit once --port /dev/posdiag/terminal-123 --media /media/posdiag/STICK
      posdiag kit once --port sim:journal=500 --media /tmp/stick --config kit.toml
    """
    from posdiag.backup.media import find_backup_medium
    from posdiag.errors import CheckFailed, DeviceNotFound
    from posdiag.kit.config import AUTO, load_kit_config
    from posdiag.kit.cycle import run_cycle
    from posdiag.kit.detect import find_terminal_port
    from posdiag.kit.logs import kit_logging

    config = load_kit_config(config_path)
    port = port or (config.port if config.port != AUTO else find_terminal_port())
    if port is None:
        raise DeviceNotFound(_("No terminal found (none, or several, plugged in); "
                               "plug one in or give --port."))
    media = media or config.media or find_backup_medium(option="--media").mount_point
    with kit_logging():
        result = run_cycle(config, port, media, state_dir=state_dir)
    if as_json:
        click.echo(json.dumps(_result_json(result), sort_keys=True))
    else:
        from posdiag.display import untrusted  # the terminal's name and the stick's folders

        if result.resumed_from:
            summary = _("{state}: {records} records of terminal {terminal} in {set_dir}, "
                        "generation {generation} (resumed at byte {offset}).")
        else:
            summary = _("{state}: {records} records of terminal {terminal} in {set_dir}, "
                        "generation {generation}.")
        click.echo(summary.format(
            state=result.state, records=result.records, terminal=untrusted(result.terminal),
            set_dir=untrusted(result.set_dir), generation=result.generation,
            offset=result.resumed_from))
    if result.totals_agree is False:
        raise CheckFailed(_("The backup is verified but the journal does not add up "
                            "to the terminal's totals; keep the stick and report the "
                            "difference."))
    if result.plan_passed is False:
        raise CheckFailed(_("The backup is verified but the acceptance plan failed; "
                            "see the kit log and the records on the stick."))


@kit.command()
@_config_option
@_state_option
@click.option("--listen", "listen", multiple=True, metavar="ADDRESS",
              help=N_("Listen on this address (repeatable). Default: [web] listen of the config, "
                      "else every address of the access-point interface."))
@click.option("--interface", default=None, metavar="NAME",
              help=N_("Access-point interface whose addresses to listen on (default: [web] "
                      "interface, else wlan0)."))
@click.option("--web-port", "web_port", type=click.IntRange(1024, 65535), default=None,
              help=N_("TCP port (default: [web] port, else 8080)."))
@click.option("--secret-file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help=N_("The kit page's secret (default: /etc/posdiag/kit-web.secret, "
                                    "made by `posdiag kit install`)."))
def serve(config_path: Path, state_dir: Path | None, listen: tuple[str, ...],
          interface: str | None, web_port: int | None, secret_file: Path | None) -> None:
    """The kit's page for the technician's phone: state, prompts, cases, kit.

    Needs the kit-web extra (pip install 'posdiag[kit-web]'). Only a phone that opened
    the address with the kit's secret (the QR code `posdiag kit install` prints) is let in.
    Runs until stopped (SIGTERM), as posdiag-kit-web.service does.

    \b
    Examples:
      posdiag kit serve                                 # as posdiag-kit-web.service does
      posdiag kit serve --listen 127.0.0.1 --web-port 8080 --state-dir ./kit-state \\
          --secret-file ./kit-web.secret
    """
    from posdiag.kit.web.serve import run_server

    debug = bool((click.get_current_context().find_root().obj or {}).get("debug"))
    run_server(config_path, state_dir, listen=listen, interface=interface, port=web_port,
               secret_file=secret_file, debug=debug)
