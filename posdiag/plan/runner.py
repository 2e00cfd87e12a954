"""Run a validated plan on a bench: steps, attempts, outcomes, as a stream of events.

The runner never prints. Listeners (the JSON record, the console progress) subscribe to the
events; the return value is the finished ``RunResult``. How an exception becomes an outcome:

  StepFailed, TerminalRefused, a failed check   FAIL   the terminal did something wrong
  LinkError, device missing, medium, OSError    ERROR (infrastructure): never the terminal's fault
  nobody answered a prompt, protocol garbage,   ERROR (test): the test could not decide
  anything unexpected
  OperatorSlip: the person's slip (slips.py)    ERROR (operator): the terminal was not judged;
                a card the reader cannot read   FAIL, if no attempt of the step reads it
  Ctrl-C                                        ABORTED

After a slip a person at the console chooses: retry (another attempt, recorded apart with
the slip as its reason), skip (the step is SKIPPED, class operator, and the run goes on) or
abort (ABORTED). Backends that cannot choose (answers file, emulator) get the plan's retries.
The ``Retrying`` event is sent only when another attempt really follows, so nothing shown
promises a retry that does not come.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
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
    OperatorSlip,
    PasswordRefused,
    PermissionDenied,
    PosdiagError,
    TerminalRefused,
)
from posdiag.i18n import _
from posdiag.plan.context import Bench, RunState, StepContext, utc_now
from posdiag.plan.model import (
    ABORT,
    ABORTED,
    ERROR,
    FAIL,
    INFRASTRUCTURE,
    OPERATOR,
    PASS,
    RETRY,
    SKIP,
    SKIPPED,
    TEST,
    Attempt,
    Plan,
    PromptRecord,
    RunResult,
    StepResult,
    StepSpec,
)
from posdiag.plan.operator import Operator, Prompt, PromptUnanswered
from posdiag.plan.slips import CARD_UNREADABLE
from posdiag.plan.steps import KINDS

# A refused password is the bench's setting, not the terminal's fault: it judges nothing.
INFRASTRUCTURE_ERRORS = (LinkError, DeviceNotFound, PermissionDenied, MediaError, OSError,
                         PasswordRefused)


# --- events --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunStarted:
    plan: Plan
    started: str
    port: str | None  # None: the plan never talks to the terminal
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
class Retrying:
    """Another attempt of the step follows ``attempt`` (which did not pass)."""

    spec: StepSpec
    attempt: Attempt


@dataclass(frozen=True, slots=True)
class StepFinished:
    result: StepResult
    identity: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class RunFinished:
    result: RunResult


Event = (RunStarted | StepStarted | PromptAnswered | AttemptFinished | Retrying | StepFinished
         | RunFinished)
Listener = Callable[[Event], None]


# --- the run ---------------------------------------------------------------------------------


def run_plan(plan: Plan, bench: Bench, operator: Operator,
             listeners: Iterable[Listener] = (), *,
             cards: dict[str, Any] | None = None,
             selected: frozenset[str] | None = None) -> RunResult:
    """Run every step (stopping as the plan says) and return the result; never raises for a
    step's failure — only listener or programming errors pass. ``selected``: run only these
    steps (--only, --from); the others are SKIPPED "not selected"."""
    subscribers = list(listeners)

    def emit(event: Event) -> None:
        for listener in subscribers:
            listener(event)

    started, clock = utc_now(), time.monotonic()
    emit(RunStarted(plan, started, mask_text(bench.port) if bench.port else None,
                    operator.name))
    state = RunState(expect=dict(plan.expect), cards=cards, cards_file=plan.cards_file)
    results: list[StepResult] = []
    stop_reason = ""
    for index, spec in enumerate(plan.steps):
        if selected is not None and spec.name not in selected:
            result = StepResult(spec, SKIPPED, message=_("not selected for this run"))
        elif stop_reason:
            result = StepResult(spec, SKIPPED, message=stop_reason)
        else:
            emit(StepStarted(spec, index))
            result = _run_step(spec, bench, operator, state, emit)
            stop_reason = _stop_reason(result)
        results.append(result)
        emit(StepFinished(result, state.identity))
    outcome, error_class = _run_outcome(results)
    message = next((f"{r.spec.name}: {r.message}" for r in results
                    if r.outcome not in (PASS, SKIPPED) or r.error_class == OPERATOR), "")
    run = RunResult(plan=plan, outcome=outcome, steps=tuple(results), started=started,
                    finished=utc_now(), seconds=round(time.monotonic() - clock, 4),
                    terminal=state.identity, error_class=error_class, message=message,
                    selected=tuple(s.name for s in plan.steps if s.name in selected)
                    if selected is not None else None)
    emit(RunFinished(run))
    return run


MAX_SLIP_RETRIES = 20  # a person may retry after slips this often per step, then decides


def _run_step(spec: StepSpec, bench: Bench, operator: Operator, state: RunState,
              emit: Callable[[Event], None]) -> StepResult:
    attempts: list[Attempt] = []
    by_plan = 0  # attempts counted against the plan's retries
    while True:
        attempt = _attempt(len(attempts) + 1, spec, bench, operator, state, emit)
        done = attempt.outcome in (PASS, ABORTED) or attempt.error_class == INFRASTRUCTURE
        choice = ""
        if not done and attempt.slip:
            choice = _choice_after_slip(operator, spec, attempt, len(attempts))
            attempt = replace(attempt, then=choice)
        attempts.append(attempt)
        emit(AttemptFinished(spec, attempt))
        if done:
            break
        if choice == SKIP:
            return StepResult(spec, SKIPPED, tuple(attempts), _(
                "skipped by the operator after: {slip}").format(slip=attempt.message), OPERATOR)
        if choice == ABORT:
            return StepResult(spec, ABORTED, tuple(attempts), _(
                "aborted by the operator after: {slip}").format(slip=attempt.message))
        if choice != RETRY:
            by_plan += 1
            if by_plan >= spec.attempts:
                break
        emit(Retrying(spec, attempt))
    return _step_result(spec, attempts)


def _step_result(spec: StepSpec, attempts: list[Attempt]) -> StepResult:
    last = attempts[-1]
    return StepResult(spec, last.outcome, tuple(attempts), last.message, last.error_class)


def _choice_after_slip(operator: Operator, spec: StepSpec, attempt: Attempt,
                       earlier: int) -> str:
    """retry / skip / abort as the person chooses; "" when the backend cannot ask (the plan's
    retries then apply) or nobody answered in time."""
    backend = getattr(operator, "backend_for", lambda _p: operator)(
        Prompt(f"{spec.name}.after-slip", "choose", "", device="terminal"))
    choose = getattr(backend, "choose", None)
    if choose is None:
        return ""
    choices = (RETRY, SKIP, ABORT) if earlier < MAX_SLIP_RETRIES else (SKIP, ABORT)
    prompt = Prompt(f"{spec.name}.after-slip", "choose",
                    _("{step}: {slip}. Try again, skip this step, or abort the run?").format(
                        step=spec.name, slip=attempt.message),
                    timeout=max(30.0, min(spec.timeout, 120.0)), choices=choices)
    try:
        answer = choose(prompt)
    except PromptUnanswered:
        return ""
    return answer.answer if answer.answer in choices else ""


def _attempt(number: int, spec: StepSpec, bench: Bench, operator: Operator, state: RunState,
             emit: Callable[[Event], None]) -> Attempt:
    ctx = StepContext(bench, operator, spec, state,
                      on_prompt=lambda prompt: emit(PromptAnswered(spec, prompt)))
    started, clock = utc_now(), time.monotonic()
    outcome, error_class, message, slip = PASS, None, "", ""
    try:
        try:
            KINDS[spec.kind].run(ctx, spec)
        finally:  # the terminal no longer waits for the person: end any countdown
            end_wait = getattr(operator, "end_wait", None)
            if end_wait is not None:
                end_wait()
    except KeyboardInterrupt:
        outcome, message = ABORTED, "aborted by the operator (Ctrl-C)"
    except Interrupted as err:  # Ctrl-C or SIGTERM in a dialog: the terminal was stopped first
        outcome, message = ABORTED, str(err)
    except PromptUnanswered as err:
        outcome, error_class, message = ERROR, TEST, str(err)
    except OperatorSlip as err:
        slip = err.slip
        # A card the reader could not read is the reader's failure unless a retry reads it:
        # FAIL, marked as a slip so the person may try again.
        outcome, message = FAIL, str(err)
        if slip != CARD_UNREADABLE:
            error_class = OPERATOR
            outcome = ERROR
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
                   data=ctx.data, slip=slip)


def _judge(ctx: StepContext, spec: StepSpec, seconds: float) -> tuple[str, str]:
    """A step that raised nothing still fails on a measurement outside its limits."""
    for m in ctx.measurements:
        if not m.passed and m.limit is not None:
            return FAIL, (f"{m.name} = {m.value:g} {m.units} is outside the limit "
                          f"{m.limit.describe()} {m.units}")
    # The time a person took to answer is not the terminal's: a question answered within its
    # countdown never makes the step too slow.
    answering = sum(p.seconds for p in ctx.prompts if p.kind in ("confirm", "enter"))
    if seconds - answering > spec.timeout:
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
    if result.outcome == SKIPPED:  # the person skipped it: the run goes on
        return ""
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
    if any(r.outcome == ERROR and r.error_class == TEST for r in results):
        return ERROR, TEST
    if any(r.error_class == OPERATOR for r in results):  # slipped, or skipped by the person
        return ERROR, OPERATOR
    if ERROR in outcomes:
        return ERROR, TEST
    if outcomes == {SKIPPED}:
        return SKIPPED, None
    return PASS, None

