"""The checklist step: questions for the person at the bench — the arrival inspection.

A replacement terminal that comes in the post is inspected before it is trusted (a card-
skimming risk, not a cosmetic one; repair-workflow.md): the seals are intact; there are no
extra wires, labels or holes; the serial number on the label is the one the terminal reports
(the operator types it, posdiag compares); the model is the one requested. Plans may add
questions of their own. Every answer is recorded; each "no" fails the step with the operator's
reason, after all questions have been asked, so the record shows the whole inspection.
"""

from __future__ import annotations

from typing import Any

from posdiag.i18n import N_, _
from posdiag.plan.context import StepContext
from posdiag.plan.model import StepSpec
from posdiag.plan.steps.terminal import current_identity, same_serial

QUESTIONS = {
    "seals": N_("Are the seals on the terminal's casing intact?"),
    "no-tampering": N_("Is the terminal free of extra wires, extra labels and holes (no sign of "
                       "tampering)?"),
    "serial-label": N_("Type the serial number printed on the terminal's label:"),
    "model": N_("Is this terminal the model that was requested?"),
}
MODEL_QUESTION = N_("Is this terminal the model that was requested ({model})?")

__all__ = ["MODEL_QUESTION", "QUESTIONS", "checklist", "same_serial"]


def _serial_label(ctx: StepContext) -> dict[str, Any]:
    reported = str(current_identity(ctx).get("serial_number") or "")
    question = _(QUESTIONS["serial-label"])
    answer = ctx.enter("serial-label", question, action="read-label", item="serial-label")
    typed = answer.text.strip()
    if not reported:
        ok, reason = False, _("the terminal reports no serial number to compare with")
    elif same_serial(typed, reported):
        ok, reason = True, ""
    else:
        ok, reason = False, _("the label says {typed}, the terminal reports {reported}").format(
            typed=typed or "-", reported=reported)
    return {"item": "serial-label", "question": question, "answer": typed,
            "expected": reported, "ok": ok, "reason": reason}


def _yes_no(ctx: StepContext, item: str, question: str, expected: str = "",
            purpose: str = "") -> dict[str, Any]:
    answer = ctx.confirm(purpose or item, question, action="inspect", item=item,
                         expected=expected)
    reason = "" if answer.yes else (answer.reason or _("the operator answered no"))
    return {"item": item, "question": question, "answer": "yes" if answer.yes else "no",
            "expected": expected, "ok": answer.yes, "reason": reason}


def checklist(ctx: StepContext, spec: StepSpec) -> None:
    model = str(ctx.options.get("model") or "")
    answers: list[dict[str, Any]] = []
    with ctx.timed():
        for item in ctx.options["items"]:
            if item == "serial-label":
                answers.append(_serial_label(ctx))
            elif item == "model":
                question = (_(MODEL_QUESTION).format(model=model) if model
                            else _(QUESTIONS["model"]))
                answers.append(_yes_no(ctx, item, question, model))
            else:
                answers.append(_yes_no(ctx, item, _(QUESTIONS[item])))
        for number, question in enumerate(ctx.options["questions"], start=1):
            answers.append(_yes_no(ctx, f"question-{number}", question,
                                   purpose=f"question-{number}"))
    ctx.note("inspection", answers)
    failed = [a for a in answers if not a["ok"]]
    if failed:
        raise ctx.fail(_("arrival inspection: {failures}; do not accept this terminal.").format(
            failures="; ".join(f"{a['item']}: {a['reason']}" for a in failed)))
