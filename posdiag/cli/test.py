"""posdiag test: run an acceptance plan against a terminal; record, JUnit, summary table."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from posdiag.cli.options import json_option, port_option, print_json, terminal_options

if TYPE_CHECKING:
    from posdiag.terminal_settings import TerminalSettings


def run_json(run: Any) -> dict[str, Any]:
    result = run.result
    return {
        "plan": result.plan.name, "outcome": result.outcome, "error_class": result.error_class,
        "exit_code": run.exit_code, "seconds": result.seconds,
        "record": str(run.record) if run.record else None,
        "signature": str(run.signature) if run.signature else None,
        "junit": str(run.junit) if run.junit else None, "terminal": result.terminal,
        "steps": [{"name": s.spec.name, "kind": s.spec.kind, "outcome": s.outcome,
                   "error_class": s.error_class, "attempts": len(s.attempts),
                   "seconds": round(s.seconds, 4), "message": s.message}
                  for s in result.steps],
    }


def raise_for(run: Any) -> None:
    """Turn a run that did not pass into the typed error that carries its exit code."""
    from posdiag.errors import CheckFailed, DeviceError, Interrupted
    from posdiag.i18n import _
    from posdiag.plan.model import ABORTED, INFRASTRUCTURE

    result = run.result
    if run.exit_code == 0:
        return
    where = f"; the record is {run.record}" if run.record else ""
    if result.error_class == INFRASTRUCTURE:
        raise DeviceError(f"the test could not reach the device ({result.message}); the "
                          f"terminal was not judged, check cable and port and run it again{where}.")
    if result.outcome == ABORTED:
        if run.record:
            raise Interrupted(_("The test was interrupted ({reason}); the record is "
                                "{record}.").format(reason=result.message, record=run.record))
        raise Interrupted(_("The test was interrupted ({reason}).").format(reason=result.message))
    failed = sum(1 for s in result.steps if s.outcome in ("FAIL", "ERROR"))
    raise CheckFailed(f"{failed} step(s) did not pass ({result.message}){where}.")


@click.command()
@port_option()
@terminal_options
@click.option("--plan", "plan", required=True, metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Test plan (TOML), e.g. testplans/acceptance.toml.")
@click.option("--answers", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              metavar="FILE", help="Scripted answers to the yes/no prompts (for CI).")
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also write JUnit XML for CI tools.")
@click.option("--record", "record_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("posdiag-records"), show_default=True, metavar="DIR",
              help="Folder for the signed JSON test record.")
@click.option("--backup", type=click.Path(file_okay=False, exists=True, path_type=Path),
              metavar="SETDIR", help="Backup set of the replaced terminal, for identity-match.")
@click.option("--config-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the kit signing key lives (default: ~/.config/posdiag).")
@json_option
def test(port: str, settings: TerminalSettings, plan: Path, answers: Path | None,
         junit: Path | None, record_dir: Path, backup: Path | None, config_dir: Path | None,
         as_json: bool) -> None:
    """Run a test plan against a terminal and keep a signed record of it.

    The plan is checked completely before the terminal is touched. With a sim
    port the emulator's operator swipes, types and confirms; otherwise you are
    prompted (or --answers answers the yes/no questions). Exit codes: 0 all
    passed; 1 a step failed; 2 plan error; 3 device or link error (the terminal
    was not judged); 130 interrupted (Ctrl-C or SIGTERM; the terminal was told
    to stop first).

    \b
    Examples:
      posdiag test --port /dev/ttyACM0 --password 000000 --plan testplans/acceptance.toml \
          --backup ./set
      posdiag test --port sim --plan testplans/quick.toml --junit junit.xml
      posdiag test --port sim:fault=paper-out --plan testplans/quick.toml --json
    """
    from posdiag.plan.service import run_test
    from posdiag.plan.summary import progress_printer, summary_table

    listeners = [] if as_json else [progress_printer(lambda line: click.echo(line, err=True))]
    run = run_test(port, plan, answers=answers, record_dir=record_dir, junit=junit,
                   backup=backup, config_dir=config_dir, listeners=listeners,
                   settings=settings)
    if as_json:
        print_json(run_json(run))
    else:
        click.echo(summary_table(run.result))
        click.echo(f"Record: {run.record}" + (f" (signed: {run.signature.name})"
                                              if run.signature else ""))
        if run.junit:
            click.echo(f"JUnit:  {run.junit}")
    raise_for(run)
