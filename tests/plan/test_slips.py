"""A person's slip or the terminal's failure, decided from the terminal's own answers."""

from __future__ import annotations

import pytest

from posdiag.errors import (
    CancelledAtTerminal,
    OperatorSlip,
    PaymentDeclined,
    PersonTimedOut,
    TerminalRefused,
)
from posdiag.plan import slips
from posdiag.plan.model import PASS, SKIPPED, Plan, StepResult, StepSpec
from posdiag.plan.operator import EmulatorOperator
from posdiag.plan.series import rerun_hint, selected_steps
from posdiag.plan.summary import progress_printer

# Known answers: (error, seconds waited, seconds allowed, statuses) -> slip (None = terminal).
CASES = [
    (TerminalRefused("", 0x6C), 30.2, 30, ["insert card"], "card", slips.NO_CARD,
     "no card was presented within 30 s"),
    (TerminalRefused("", 0x6C), 4.0, 30, ["insert card"], "card", slips.CANCELLED,
     "cancelled after 4 s"),
    (PersonTimedOut("", 0x6C), 30.0, 30, [], "pin", slips.NO_PIN,
     "no PIN was typed within 30 s"),
    (CancelledAtTerminal("", 0x6C), 2.0, 30, [], "pin", slips.CANCELLED, "(STOP)"),
    (TerminalRefused("", 0x64), 1.0, 30, [], "card", slips.CARD_UNREADABLE, "64, card not"),
    (TerminalRefused("", 0x65), 1.0, 30, [], "card", slips.CARD_UNREADABLE, "neither a stripe"),
    (PaymentDeclined("", 0x37), 9.0, None, [], "", slips.WRONG_PIN, "55, PIN incorrect"),
    (PaymentDeclined("", 0x6C), 31.0, None, ["insert card", "please watch PIN pad"], "",
     slips.NO_PIN, "the terminal gave up after 31 s"),
    (PaymentDeclined("", 0x6C), 30.0, None, ["insert card"], "", slips.NO_CARD,
     "no card was presented: the terminal gave up after 30 s"),
]
TERMINAL_FAILURES = [0x05, 0x62, 0x66, 0x6F, 0x74, 0x78, 0x7A, 0x89, 0xCC, 0xFF, None]


@pytest.mark.parametrize("err, waited, allowed, displays, wanted, kind, words", CASES)
def test_slips_from_result_codes(err, waited, allowed, displays, wanted, kind, words):
    slip = slips.slip_of_refusal(err, waited, allowed, displays, wanted=wanted)
    assert isinstance(slip, OperatorSlip) and slip.slip == kind
    assert words in str(slip)
    assert "(6C)" not in str(slip)  # time-outs in words, the code only as a reference


@pytest.mark.parametrize("rc", TERMINAL_FAILURES)
def test_other_result_codes_are_the_terminals_failures(rc):
    assert slips.slip_of_refusal(TerminalRefused("", rc), 1.0, 30, wanted="card") is None
    assert slips.slip_of_refusal(PaymentDeclined("", rc), 1.0, None) is None


def test_which_wait_a_6c_ended_comes_from_the_last_status():
    assert slips.waiting_for(["insert card", "please watch PIN pad"]) == "pin"
    assert slips.waiting_for(["please watch PIN pad", "insert card"]) == "card"
    assert slips.waiting_for(["PT is waiting for response from FEP"]) == ""


class WrongPin(EmulatorOperator):
    def pin_for(self, card):
        return "0000"


PAYMENT = """
[plan]
name = "pay"

[[step]]
kind = "payment"
card = "visa"
amount = 100
"""


def test_a_payment_with_a_wrong_pin_is_the_persons_slip(run, write_plan):
    test = run("sim", write_plan(PAYMENT), operator=lambda bench: WrongPin(bench.emulator))
    [step] = test.result.steps
    assert (step.outcome, step.error_class, step.attempts[0].slip) == (
        "ERROR", "operator", "wrong-pin")


def test_a_reader_that_never_reads_is_the_terminals_failure(run, write_plan):
    plan = write_plan('[plan]\nname = "r"\n[[step]]\nkind = "card-swipe"\ncard = "visa"\n'
                      'retries = 2\n')
    test = run("sim:fault=card-misread", plan)
    [step] = test.result.steps
    assert step.outcome == "FAIL" and len(step.attempts) == 3
    assert {a.slip for a in step.attempts} == {"card-unreadable"}


def spec(name, kind="display", retries=0):
    return StepSpec(kind=kind, name=name, line=1, timeout=30.0, retries=retries)


class CtrlCAtTheConfirm(EmulatorOperator):
    def confirm(self, prompt):
        raise KeyboardInterrupt


def test_ctrl_c_in_a_step_with_retries_says_aborted_and_nothing_about_retrying(run,
                                                                                write_plan):
    """The walkthrough saw "ABORTED …; retrying" and then an aborted run."""
    plan = write_plan('[plan]\nname = "r"\n[[step]]\nkind = "display"\ntext = ["X"]\n'
                      'retries = 2\n')
    lines: list[str] = []
    test = run("sim", plan, operator=lambda bench: CtrlCAtTheConfirm(bench.emulator),
               listeners=[progress_printer(lines.append)])
    assert test.result.outcome == "ABORTED" and len(test.result.steps[0].attempts) == 1
    assert not any("again" in line or "retry" in line for line in lines), lines


def test_steps_are_selected_by_name_and_from_a_step_on():
    plan = Plan("p", "p.toml", "0" * 64, (spec("a"), spec("b"), spec("c"), spec("d")))
    assert selected_steps(plan) is None
    assert selected_steps(plan, ["b,d"]) == {"b", "d"}
    assert selected_steps(plan, [], "c") == {"c", "d"}
    assert selected_steps(plan, ["a"], "d") == {"a", "d"}
    with pytest.raises(Exception, match=r"has no step x; its steps are: a, b, c, d"):
        selected_steps(plan, ["x"])
    assert rerun_hint(["a", "b", "c", "d"], ["c", "d"]) == "--from c"
    assert rerun_hint(["a", "b", "c", "d"], ["b", "d"]) == "--only b,d"
    assert rerun_hint(["a", "b"], []) == ""


def test_progress_never_promises_a_retry_that_does_not_come():
    from posdiag.plan.model import Attempt
    from posdiag.plan.runner import AttemptFinished, Retrying, StepFinished

    lines: list[str] = []
    show = progress_printer(lines.append)
    step = spec("s", retries=1)
    aborted = Attempt(1, "ABORTED", "t", 0.1, "aborted by the operator (Ctrl-C)")
    show(AttemptFinished(step, aborted))
    show(StepFinished(StepResult(step, "ABORTED", (aborted,), aborted.message), None))
    assert not any("again" in line or "retry" in line for line in lines)
    failed = Attempt(1, "FAIL", "t", 0.1, "printer not ready")
    show(Retrying(step, failed))
    assert lines[-1].endswith("printer not ready; trying again")


def test_a_skipped_step_keeps_the_run_from_passing():
    from posdiag.plan.model import OPERATOR
    from posdiag.plan.runner import _run_outcome

    results = [StepResult(spec("a"), PASS), StepResult(spec("b"), SKIPPED, error_class=OPERATOR)]
    assert _run_outcome(results) == ("ERROR", OPERATOR)
