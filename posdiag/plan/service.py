"""run_test: plan file + port -> validated plan, bench, operator, record, JUnit; one call.

Used by `posdiag test` and `posdiag demo`. The plan is loaded and validated completely before
any device is opened (PlanError, exit 2). The service never prints: progress goes to listeners.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posdiag.errors import EXIT_CHECK_FAILED, EXIT_DEVICE, EXIT_INTERRUPTED, EXIT_OK
from posdiag.plan.context import Bench
from posdiag.plan.loader import load_plan
from posdiag.plan.model import ABORTED, INFRASTRUCTURE, PASS, SKIPPED, RunResult
from posdiag.plan.operator import AnswersFileOperator, ConsoleOperator, EmulatorOperator, Operator
from posdiag.plan.record import RecordWriter
from posdiag.plan.runner import Listener, run_plan
from posdiag.terminal_settings import TerminalSettings

DEFAULT_RECORD_DIR = "posdiag-records"


@dataclass(frozen=True, slots=True)
class TestRun:
    __test__ = False  # not a pytest class

    result: RunResult
    record: Path | None
    signature: Path | None
    junit: Path | None

    @property
    def exit_code(self) -> int:
        return exit_code(self.result)


def exit_code(result: RunResult) -> int:
    """0 all passed; 1 any failed or a test error; 3 infrastructure (device) error; 130 aborted
    (Ctrl-C or SIGTERM)."""
    if result.error_class == INFRASTRUCTURE:
        return EXIT_DEVICE
    if result.outcome == ABORTED:
        return EXIT_INTERRUPTED
    if result.outcome in (PASS, SKIPPED):
        return EXIT_OK
    return EXIT_CHECK_FAILED


def choose_operator(bench: Bench, answers: AnswersFileOperator | None) -> Operator:
    """sim port: the emulator's person (answers file first); else the answers file; else you."""
    if bench.emulator is not None:
        return EmulatorOperator(bench.emulator, answers,
                                receipt_printer=lambda: bench.emulated_printer)
    if answers is not None:
        return answers
    return ConsoleOperator()


def run_test(port: str, plan_path: str | Path, *, answers: str | Path | None = None,
             record_dir: str | Path = DEFAULT_RECORD_DIR, junit: str | Path | None = None,
             backup: str | Path | None = None, config_dir: Path | None = None,
             kit_key: Any = None, listeners: Iterable[Listener] = (),
             operator: Callable[[Bench], Operator] | None = None,
             bench: Bench | None = None,
             settings: TerminalSettings | None = None) -> TestRun:
    """Validate the plan, then run it on PORT; the record is always written and signed.

    settings (password, baud, charset) go over the plan's [terminal] table."""
    plan = load_plan(plan_path, backup=backup, charset=settings.charset if settings else None)
    answers_operator = AnswersFileOperator.load(answers) if answers else None
    if kit_key is None:
        from posdiag.backup.kitkey import load_or_create_kit_key

        kit_key = load_or_create_kit_key(config_dir)
    chosen_settings = (settings or TerminalSettings()).over(plan.terminal)
    bench = bench or Bench.for_port(port, printer=plan.printer, settings=chosen_settings)
    writer = RecordWriter(record_dir, kit_key)
    try:
        chosen = operator(bench) if operator else choose_operator(bench, answers_operator)
        result = run_plan(plan, bench, chosen, [writer, *listeners])
    finally:
        bench.close()
    junit_path = None
    if junit is not None:
        from posdiag.plan.junit import write_junit

        junit_path = write_junit(junit, result, record_path=str(writer.path),
                                 kit_key=kit_key.public_key)
    return TestRun(result, writer.path, writer.signature, junit_path)
