"""run_test: plan file + port -> validated plan, bench, operator, record, JUnit; one call.

Used by `posdiag test` and `posdiag demo`. The plan is loaded and validated completely before
any device is opened (PlanError, exit 2). The service never prints: progress goes to listeners.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from posdiag.errors import EXIT_CHECK_FAILED, EXIT_DEVICE, EXIT_INTERRUPTED, EXIT_OK, UsageError
from posdiag.i18n import _
from posdiag.plan.context import Bench
from posdiag.plan.loader import load_plan, resolve_plan
from posdiag.plan.model import (
    ABORTED,
    INFRASTRUCTURE,
    PASS,
    SKIPPED,
    Plan,
    ReplacedTerminal,
    RunResult,
)
from posdiag.plan.operator import (
    AnswersFileOperator,
    ConsoleOperator,
    DeviceRouter,
    EmulatorOperator,
    Operator,
)
from posdiag.plan.record import RecordWriter
from posdiag.plan.runner import Listener, run_plan
from posdiag.plan.series import SeriesStatus, continue_series, selected_steps, series_status
from posdiag.terminal_settings import TerminalSettings

DEFAULT_RECORD_DIR = "posdiag-records"


@dataclass(frozen=True, slots=True)
class TestRun:
    __test__ = False  # not a pytest class

    result: RunResult
    record: Path | None
    signature: Path | None
    junit: Path | None
    series: SeriesStatus | None = None  # every plan step's newest outcome in the series

    @property
    def exit_code(self) -> int:
        return exit_code(self.result)


def exit_code(result: RunResult) -> int:
    """0 all passed; 1 any failed or a test error; 3 infrastructure (device) error; 130 aborted
    (Ctrl-C or SIGTERM, or the operator chose to abort)."""
    if result.error_class == INFRASTRUCTURE:
        return EXIT_DEVICE
    if result.outcome == ABORTED:
        return EXIT_INTERRUPTED
    if result.outcome in (PASS, SKIPPED):
        return EXIT_OK
    return EXIT_CHECK_FAILED


def plan_devices(plan: Plan) -> frozenset[str]:
    """The devices the plan's prompts are about (terminal, printer)."""
    from posdiag.plan.steps import step_device

    return frozenset(step_device(spec) for spec in plan.steps)


def choose_operator(bench: Bench, answers: AnswersFileOperator | None,
                    plan: Plan | None = None, person: Operator | None = None) -> Operator:
    """Who answers: the emulator's person for emulated devices (an answers file first), a
    person — ``person``, else the answers file, else you at the console — for real ones.

    A sim terminal does not make a real printer emulated: the paper of a real printer is
    looked at by a person, or the question stays unanswered."""
    emulated = bench.emulated_devices()
    used = plan_devices(plan) if plan is not None else frozenset({"terminal", "printer"})
    real_person = person or answers or ConsoleOperator()
    if not emulated & used:
        return real_person
    robot = EmulatorOperator(bench.emulator, answers, devices=emulated,
                             receipt_printer=lambda: bench.emulated_printer)
    if used <= emulated:
        return robot
    return DeviceRouter(robot, real_person, emulated)


def _require_port(plan: Plan, port: str | None) -> None:
    from posdiag.plan.steps import talks_to_terminal

    talking = next((spec for spec in plan.steps if talks_to_terminal(spec)), None)
    if port is None and talking is not None:
        raise UsageError(_("The plan {plan} talks to the terminal (step {step}, line {line}); "
                           "give its port with --port.").format(plan=plan.path, step=talking.name,
                                                                line=talking.line))


def run_test(port: str | None, plan_path: str | Path, *, answers: str | Path | None = None,
             record_dir: str | Path = DEFAULT_RECORD_DIR, junit: str | Path | None = None,
             backup: str | Path | None = None, config_dir: Path | None = None,
             kit_key: Any = None, listeners: Iterable[Listener] = (),
             operator: Callable[[Bench], Operator] | None = None,
             bench: Bench | None = None,
             replaced: ReplacedTerminal | None = None,
             only: Sequence[str] = (), from_step: str | None = None,
             settings: TerminalSettings | None = None) -> TestRun:
    """Validate the plan (a file, or a shipped plan's name), then run it on PORT; the record
    is always written and signed. ``replaced``: the old terminal of a repair case. PORT may be
    None for a plan that never talks to the terminal (a printer check). ``only`` and
    ``from_step`` run part of the plan, continuing the series of its newest record.
    ``settings`` (password, baud, charset) go over the plan's [terminal] table."""
    plan = load_plan(resolve_plan(plan_path), backup=backup, replaced=replaced,
                     charset=settings.charset if settings else None)
    selected = selected_steps(plan, only, from_step)
    if bench is None:
        _require_port(replace(plan, steps=tuple(
            s for s in plan.steps if selected is None or s.name in selected)), port)
    answers_operator = AnswersFileOperator.load(answers) if answers else None
    if kit_key is None:
        from posdiag.backup.kitkey import load_or_create_kit_key

        kit_key = load_or_create_kit_key(config_dir)
    chosen_settings = (settings or TerminalSettings()).over(plan.terminal)
    bench = bench or Bench.for_port(port, printer=plan.printer, settings=chosen_settings)
    series = continue_series(Path(record_dir), plan) if selected is not None else None
    writer = RecordWriter(record_dir, kit_key, series=series, selected=selected)
    try:
        chosen = operator(bench) if operator else choose_operator(bench, answers_operator, plan)
        result = run_plan(plan, bench, chosen, [writer, *listeners], selected=selected)
    finally:
        bench.close()
    junit_path = None
    if junit is not None:
        from posdiag.plan.junit import write_junit

        junit_path = write_junit(junit, result, record_path=str(writer.path),
                                 kit_key=kit_key.public_key)
    status = series_status(Path(record_dir), writer.doc["series"]["id"]) \
        if writer.path is not None else None
    return TestRun(result, writer.path, writer.signature, junit_path, status)
