"""Run a validated plan on a bench: steps, attempts, outcomes, as a stream of events.

The runner never prints. Listeners (the JSON record, the console progress) subscribe to the
events; the return value is the finished ``RunResult``. How an exception becomes an outcome:

  StepFailed, TerminalRefused, a failed check   FAIL   the terminal did something wrong
  LinkError, device missing, medium, OSError    ERROR (infrastructure): never the terminal's fault
  nobody answered a prompt, protocol garbage,   ERROR (test): the test could not decide
  anything unexpected
  Ctrl-C                                        ABORTED
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from posdiag.cards import mask_text
from posdiag.errors import (
    CheckFailed,
    DeviceError,
    DeviceNotFound,
    DukptExhausted,
    Interrupted,
    LinkError,
    MediaError,
    PasswordRefused,
    PermissionDenied,
    PosdiagError,
    TerminalRefused,
)
from posdiag.plan.context import Bench, RunState, StepContext, utc_now
from posdiag.plan.model import (
    ABORTED,
    ERROR,
    FAIL,
    INFRASTRUCTURE,
    PASS,
    SKIPPED,
    TEST,
    Attempt,
    Plan,
    PromptRecord,
    RunResult,
    StepResult,
    StepSpec,
)
from posdiag.plan.operator import Operator, PromptUnanswered
from posdiag.plan.steps import KINDS

# A refused password is the bench's setting, not the terminal's fault: it judges nothing.
INFRASTRUCTURE_ERRORS = (LinkError, DeviceNotFound, PermissionDenied, MediaError, OSError,
                         PasswordRefused)


# --- events --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunStarted:
    plan: Plan
    started: str
    port: str
    operator: str


@dataclass(frozen=True, slots=True)
class StepStarted:
    spec: StepSpec
    index: int


@dataclass(frozen=True, slots=True)
class PromptAnswered:
    spec: StepSpec
    prompt: PromptRecord


@dataclass(frozen=True, slots=True)
class AttemptFinished:
    spec: StepSpec
    attempt: Attempt


@dataclass(frozen=True, slots=True)
class StepFinished:
    result: StepResult
    identity: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class RunFinished:
    result: RunResult


Event = RunStarted | StepStarted | PromptAnswered | AttemptFinished | StepFinished | RunFinished
Listener = Callable[[Event], None]


# --- the run ---------------------------------------------------------------------------------


def run_plan(plan: Plan, bench: Bench, operator: Operator,
             listeners: Iterable[Listener] = (), *,
             cards: dict[str, Any] | None = None) -> RunResult:
    """Run every step (stopping as the plan says) and return the result; never raises for a
    step's failure — only listener or programming errors pass."""
    subscribers = list(listeners)

    def emit(event: Event) -> None:
        for listener in subscribers:
            listener(event)

    started, clock = utc_now(), time.monotonic()
    emit(RunStarted(plan, started, mask_text(bench.port), operator.name))
    state = RunState(expect=dict(plan.expect), cards=cards, cards_file=plan.cards_file)
    results: list[StepResult] = []
    stop_reason = ""
    for index, spec in enumerate(plan.steps):
        if stop_reason:
            result = StepResult(spec, SKIPPED, message=stop_reason)
        else:
            emit(StepStarted(spec, index))
            result = _run_step(spec, bench, operator, state, emit)
            stop_reason = _stop_reason(result)
        results.append(result)
        emit(StepFinished(result, state.identity))
    outcome, error_class = _run_outcome(results)
    message = next((f"{r.spec.name}: {r.message}" for r in results
                    if r.outcome not in (PASS, SKIPPED)), "")
    run = RunResult(plan=plan, outcome=outcome, steps=tuple(results), started=started,
                    finished=utc_now(), seconds=round(time.monotonic() - clock, 4),
                    terminal=state.identity, error_class=error_class, message=message)
    emit(RunFinished(run))
    return run


def _run_step(spec: StepSpec, bench: Bench, operator: Operator, state: RunState,
              emit: Callable[[Event], None]) -> StepResult:
    attempts: list[Attempt] = []
    for number in range(1, spec.attempts + 1):
        attempt = _attempt(number, spec, bench, operator, state, emit)
        attempts.append(attempt)
        emit(AttemptFinished(spec, attempt))
        if attempt.outcome in (PASS, ABORTED) or attempt.error_class == INFRASTRUCTURE:
            break
    last = attempts[-1]
    return StepResult(spec, last.outcome, tuple(attempts), last.message, last.error_class)


def _attempt(number: int, spec: StepSpec, bench: Bench, operator: Operator, state: RunState,
             emit: Callable[[Event], None]) -> Attempt:
    ctx = StepContext(bench, operator, spec, state,
                      on_prompt=lambda prompt: emit(PromptAnswered(spec, prompt)))
    started, clock = utc_now(), time.monotonic()
    outcome, error_class, message = PASS, None, ""
    try:
        KINDS[spec.kind].run(ctx, spec)
    except KeyboardInterrupt:
        outcome, message = ABORTED, "aborted by the operator (Ctrl-C)"
    except Interrupted as err:  # Ctrl-C or SIGTERM in a dialog: the terminal was stopped first
        outcome, message = ABORTED, str(err)
    except PromptUnanswered as err:
        outcome, error_class, message = ERROR, TEST, str(err)
    except INFRASTRUCTURE_ERRORS as err:
        outcome, error_class, message = ERROR, INFRASTRUCTURE, _describe(err)
    except (CheckFailed, TerminalRefused, DukptExhausted) as err:
        outcome, message = FAIL, str(err)
    except (DeviceError, PosdiagError) as err:
        outcome, error_class, message = ERROR, TEST, str(err)
    except Exception as err:  # a bug must still leave a record, not a traceback mid-run
        outcome, error_class = ERROR, TEST
        message = f"internal error {type(err).__name__}: {err}; please report it"
    seconds = time.monotonic() - clock
    if outcome == PASS:
        outcome, message = _judge(ctx, spec, seconds)
    return Attempt(number=number, outcome=outcome, started=started, seconds=round(seconds, 4),
                   message=mask_text(message), error_class=error_class,
                   measurements=tuple(ctx.measurements), prompts=tuple(ctx.prompts),
                   data=ctx.data)


def _judge(ctx: StepContext, spec: StepSpec, seconds: float) -> tuple[str, str]:
    """A step that raised nothing still fails on a measurement outside its limits."""
    for m in ctx.measurements:
        if not m.passed and m.limit is not None:
            return FAIL, (f"{m.name} = {m.value:g} {m.units} is outside the limit "
                          f"{m.limit.describe()} {m.units}")
    if seconds > spec.timeout:
        return FAIL, f"took {seconds:.1f} s, longer than the step timeout of {spec.timeout:g} s"
    return PASS, ""


def _describe(err: BaseException) -> str:
    if isinstance(err, PosdiagError):
        return str(err)
    return f"{type(err).__name__}: {err}; check the cable, port and device"


def _stop_reason(result: StepResult) -> str:
    if result.outcome == ABORTED:
        return "not run: the run was aborted"
    if result.error_class == INFRASTRUCTURE:
        return f"not run: infrastructure error in step {result.spec.name}"
    if result.outcome in (FAIL, ERROR) and not result.spec.continue_on_fail:
        return f"not run: step {result.spec.name} did not pass"
    return ""


def _run_outcome(results: list[StepResult]) -> tuple[str, str | None]:
    outcomes = {r.outcome for r in results}
    if ABORTED in outcomes:
        return ABORTED, None
    if any(r.error_class == INFRASTRUCTURE for r in results):
        return ERROR, INFRASTRUCTURE
    if FAIL in outcomes:
        return FAIL, None
    if ERROR in outcomes:
        return ERROR, TEST
    if outcomes == {SKIPPED}:
        return SKIPPED, None
    return PASS, None

