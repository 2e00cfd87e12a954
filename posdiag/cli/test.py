"""posdiag test: run an acceptance plan against a terminal; record, JUnit, summary table."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from posdiag.cli.help import Command
from posdiag.cli.options import json_option, port_option, print_json, terminal_options
from posdiag.i18n import N_, _

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
                   "slips": [a.slip for a in s.attempts if a.slip],
                   "seconds": round(s.seconds, 4), "message": s.message}
                  for s in result.steps],
        "selected": list(result.selected) if result.selected is not None else None,
        "series": _series_json(run, [s.spec.name for s in result.steps]),
    }


def _series_json(run: Any, names: list[str]) -> dict[str, Any] | None:
    status = getattr(run, "series", None)
    if status is None:
        return None
    return {"id": status.id, "records": status.records, "open": status.open_steps(names),
            "same_terminal": status.same_terminal}


def raise_for(run: Any) -> None:
    """Turn a run that did not pass into the typed error that carries its exit code."""
    from posdiag.errors import CheckFailed, DeviceError, Interrupted
    from posdiag.plan.model import ABORTED, INFRASTRUCTURE, OPERATOR

    result = run.result
    if run.exit_code == 0:
        return
    where = _("; the record is {record}").format(record=run.record) if run.record else ""
    if result.error_class == INFRASTRUCTURE:
        raise DeviceError(_("the test could not reach the device ({message}); the "
                            "terminal was not judged, check cable and port and run "
                            "it again{where}.").format(message=result.message, where=where))
    if result.outcome == ABORTED:
        raise Interrupted(_("The test was interrupted ({reason}); the record is {record}.")
                          .format(reason=result.message, record=run.record))
    if result.error_class == OPERATOR:
        names = ", ".join(s.spec.name for s in result.steps if s.error_class == OPERATOR)
        raise CheckFailed(_("the terminal was not judged on {steps}: the person at it slipped "
                            "or skipped ({message}); the record is {record}.").format(
                                steps=names, message=result.message, record=run.record))
    failed = sum(1 for s in result.steps if s.outcome in ("FAIL", "ERROR"))
    raise CheckFailed(_("{failed} step(s) did not pass ({message}){where}.").format(
                          failed=failed, message=result.message, where=where))


@click.command(cls=Command)
@port_option(required=False)
@terminal_options
@click.option("--plan", "plan", required=True, metavar="FILE|NAME",
              help=N_("Test plan: a TOML file, or the name of a shipped plan (acceptance, "
                      "quick, printer)."))
@click.option("--case", "case_dir", type=click.Path(file_okay=False, path_type=Path),
              metavar="CASEDIR", help=N_("The repair case of the replaced terminal: the result, "
                                         "the new terminal and the verdict go into it."))
@click.option("--answers", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              metavar="FILE", help=N_("Scripted answers to the yes/no prompts (for CI)."))
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help=N_("Also write JUnit XML for CI tools."))
@click.option("--record", "record_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, metavar="DIR",
              help=N_("Folder for the signed JSON test record (default: posdiag-records, or the "
                      "case's records/)."))
@click.option("--backup", type=click.Path(file_okay=False, exists=True, path_type=Path),
              metavar="SETDIR", help=N_("Backup set of the replaced terminal, for identity-match."))
@click.option("--force", is_flag=True, help=N_("With --case: test although the case skipped a "
                                               "step (needs --reason)."))
@click.option("--reason", default="", help=N_("Why a step of the case is skipped (recorded)."))
@click.option("--config-dir", type=click.Path(file_okay=False, path_type=Path),
              help=N_("Where the kit signing key lives (default: ~/.config/posdiag)."))
@click.option("--kit-page", "kit_page", type=click.Path(file_okay=False, path_type=Path),
              metavar="DIR", help=N_("Ask the questions on the field kit's phone page (`posdiag "
              "kit serve`) through its folder DIR; the kit passes this itself."))
@click.option("--only", "only", multiple=True, metavar="STEP[,STEP]",
              help=N_("Run only these steps (repeat or separate with commas); the record "
                      "continues the series of the plan's newest record in the same folder."))
@click.option("--from", "from_step", metavar="STEP",
              help=N_("Run this step and every step after it, continuing the series."))
@json_option
def test(port: str | None, settings: TerminalSettings, plan: str, case_dir: Path | None,
         answers: Path | None,
         junit: Path | None, record_dir: Path | None, backup: Path | None, force: bool,
         reason: str, config_dir: Path | None, kit_page: Path | None, only: tuple[str, ...],
         from_step: str | None, as_json: bool) -> None:
    """Run a test plan against a terminal and keep a signed record of it.

    The plan is checked completely before the terminal is touched. With a sim
    port the emulator's operator swipes, types and confirms at the emulated
    terminal (and looks at an emulated printer); a real device's questions are
    yours (or --answers answers them). A plan that never talks to the terminal
    (a receipt-printer check) needs no --port. With --case the new
    terminal is compared with the case's old one and the verdict is written to
    the case. Exit codes: 0 all passed; 1 a step failed; 2 plan error; 3
    device or link error (the terminal was not judged); 130 interrupted (Ctrl-C,
    or abort chosen after a slip).

    \b
    Examples:
      posdiag test --case CASEDIR --port /dev/ttyACM0 --plan acceptance
      posdiag test --port /dev/ttyACM0 --password 000000 --plan acceptance --backup ./set
      posdiag test --port sim --plan quick --junit junit.xml
      posdiag test --port sim:fault=paper-out --plan testplans/quick.toml --json
      posdiag test --plan printer          # the emulated receipt printer, no terminal
    """
    from posdiag.plan.summary import progress_printer, summary_table

    listeners: list[Any] = (
        [] if as_json else [progress_printer(lambda line: click.echo(line, err=True))])
    operator = None
    if kit_page is not None:
        from posdiag.kit.web.operator import KitPageRun

        page = KitPageRun(kit_page)
        listeners.append(page)
        operator = page.operator
    verdict = ""
    if case_dir is not None:
        from posdiag.backup.kitkey import load_or_create_kit_key
        from posdiag.case.acceptance import run_case_acceptance
        from posdiag.case.opening import actor_for
        from posdiag.case.profiles import load_kit_profile

        if backup is not None:
            raise click.UsageError(_("--case and --backup both name the replaced terminal; "
                                     "give one."))
        if port is None:
            raise click.UsageError(_("--case tests the replacement terminal: give its --port."))
        kit_key = load_or_create_kit_key(config_dir)
        actor = actor_for(None, load_kit_profile(config_dir=config_dir))
        accepted = run_case_acceptance(case_dir, port, plan, kit_key, answers=answers,
                                       junit=junit, record_dir=record_dir, force=force,
                                       reason=reason, actor=actor, listeners=listeners,
                                       operator=operator, only=only, from_step=from_step,
                                       settings=settings)
        run = accepted.test
        replacement = accepted.replacement
        verdict = _("Case {case_id}: replacement {verdict}{reason}.").format(
            case_id=accepted.case.case.case_id, verdict=replacement.verdict,
            reason=f" ({replacement.reason})" if replacement.reason else "")
    else:
        from posdiag.plan.service import DEFAULT_RECORD_DIR, run_test

        run = run_test(port, plan, answers=answers,
                       record_dir=record_dir or Path(DEFAULT_RECORD_DIR), junit=junit,
                       backup=backup, config_dir=config_dir, listeners=listeners,
                       operator=operator, only=only, from_step=from_step,
                       settings=settings)
    if as_json:
        print_json(run_json(run))
    else:
        click.echo(summary_table(run.result))
        if run.signature:
            click.echo(_("Record: {record} (signed: {signature})").format(
                record=run.record, signature=run.signature.name))
        else:
            click.echo(_("Record: {record}").format(record=run.record))
        if run.junit:
            click.echo(_("JUnit:  {junit}").format(junit=run.junit))
        if verdict:
            click.echo(verdict)
        for line in series_lines(run, port=port, plan=plan, case_dir=case_dir,
                                 record_dir=record_dir, answers=answers):
            click.echo(line)
    raise_for(run)


def series_lines(run: Any, *, port: str | None, plan: str, case_dir: Path | None,
                 record_dir: Path | None, answers: Path | None) -> list[str]:
    """Where the series stands after a partial run, and the command that goes on with it."""
    import shlex

    from posdiag.plan.series import rerun_hint

    status = run.series
    names = [step.spec.name for step in run.result.steps]
    if status is None:
        return []
    open_steps = status.open_steps(names)
    lines = []
    if len(status.records) > 1:
        if open_steps:
            lines.append(_("Series {series}: {passed} of {steps} steps passed in {runs} runs; "
                           "not yet: {open}.").format(
                series=status.id[:8], passed=len(names) - len(open_steps), steps=len(names),
                runs=len(status.records), open=", ".join(open_steps)))
        else:
            lines.append(_("Series {series}: all {steps} steps passed in {runs} runs.").format(
                series=status.id[:8], steps=len(names), runs=len(status.records)))
        if not status.same_terminal:
            lines.append(_("Caution: the runs of this series were on different terminals "
                           "({serials}); start the plan again on one terminal.").format(
                serials=", ".join(sorted(status.terminals))))
    if open_steps and run.exit_code != 0:
        words = ["posdiag", "test"]
        if case_dir is not None:
            words += ["--case", str(case_dir)]
        if port is not None:
            words += ["--port", port]
        words += ["--plan", str(plan)]
        if record_dir is not None and case_dir is None:
            words += ["--record", str(record_dir)]
        if answers is not None:
            words += ["--answers", str(answers)]
        command = " ".join(shlex.quote(w) for w in words) + " " + rerun_hint(names, open_steps)
        lines.append(_("To go on with this series: {command}").format(command=command))
    return lines
