"""The console view of a run: a live progress line per step and the summary table (pure text).

Columns are aligned by display width (posdiag.i18n_width), so Chinese step names, two
terminal cells per character, keep the table straight.
"""

from __future__ import annotations

from collections.abc import Callable

from posdiag.cards import mask_text
from posdiag.i18n import _, ngettext
from posdiag.i18n_format import format_money
from posdiag.i18n_terms import error_class_word, outcome_word
from posdiag.i18n_width import text_table
from posdiag.plan.model import OUTCOMES, RunResult, StepResult
from posdiag.plan.runner import Event, Retrying, RunStarted, StepFinished, StepStarted


def _details(step: StepResult) -> str:
    if step.message:
        return step.message
    last = step.attempts[-1] if step.attempts else None
    if last is None:
        return ""
    identity = last.data.get("identity")
    if identity:
        return _("{model}, software {software}").format(
            model=identity.get("device_name"), software=identity.get("software_version"))
    card = last.data.get("card")
    if card:
        return _("card {card}").format(card=card.get("masked_pan"))
    payment = last.data.get("payment") or last.data.get("reversal")
    if payment:
        return _("{amount}, receipt {receipt}, {result}").format(
            amount=format_money(payment.get("amount"), payment.get("currency")),
            receipt=payment.get("receipt_number"), result=payment.get("result_text"))
    return ""


def _outcome(outcome: str, error_class: str | None) -> str:
    word = outcome_word(outcome)
    if not error_class:
        return word
    return _("{outcome} ({error_class})").format(outcome=word,
                                                 error_class=error_class_word(error_class))


def _seconds(seconds: float) -> str:
    return _("{seconds} s").format(seconds=f"{seconds:.2f}")


def summary_table(result: RunResult, width: int = 100) -> str:
    rows = [(_("Step"), _("Kind"), _("Outcome"), _("Time"), _("Tries"), _("Details"))]
    for step in result.steps:
        rows.append((step.spec.name, step.spec.kind, _outcome(step.outcome, step.error_class),
                     _seconds(step.seconds),
                     str(len(step.attempts)) if step.attempts else "-", _details(step)))
    lines = text_table(rows, width=width, align=("left", "left", "left", "right", "right"))
    counts = ", ".join(
        _("{count} {outcome}").format(count=result.count(o), outcome=outcome_word(o))
        for o in OUTCOMES if result.count(o))
    lines.append("")
    lines.append(_("Result: {outcome} - {counts} in {duration}").format(
        outcome=_outcome(result.outcome, result.error_class), counts=counts,
        duration=_seconds(result.seconds)))
    return mask_text("\n".join(lines))


def progress_printer(write: Callable[[str], None]) -> Callable[[Event], None]:
    """A listener printing one line as each step starts and ends."""

    def listener(event: Event) -> None:
        if isinstance(event, RunStarted):
            if event.port is None:
                write(ngettext("Plan {plan}: {steps} step, no terminal (operator: {operator})",
                               "Plan {plan}: {steps} steps, no terminal (operator: {operator})",
                               len(event.plan.steps)).format(
                    plan=event.plan.name, steps=len(event.plan.steps), operator=event.operator))
                return
            write(ngettext("Plan {plan}: {steps} step on {port} (operator: {operator})",
                           "Plan {plan}: {steps} steps on {port} (operator: {operator})",
                           len(event.plan.steps)).format(
                plan=event.plan.name, steps=len(event.plan.steps), port=event.port,
                operator=event.operator))
        elif isinstance(event, StepStarted):
            write(_("[{number}] {step} ...").format(number=event.index + 1,
                                                    step=event.spec.name))
        elif isinstance(event, Retrying):  # only when another attempt really follows
            write(_("    attempt {number}: {outcome} - {message}; trying again").format(
                number=event.attempt.number, outcome=outcome_word(event.attempt.outcome),
                message=mask_text(event.attempt.message)))
        elif isinstance(event, StepFinished) and event.result.attempts:
            write(f"    {outcome_word(event.result.outcome)} "
                  f"{mask_text(event.result.message)}".rstrip())

    return listener
