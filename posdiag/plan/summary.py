"""The console view of a run: a live progress line per step and the summary table (pure text)."""

from __future__ import annotations

from collections.abc import Callable

from posdiag.cards import mask_text
from posdiag.plan.model import PASS, RunResult, StepResult
from posdiag.plan.runner import AttemptFinished, Event, RunStarted, StepFinished, StepStarted


def _details(step: StepResult) -> str:
    if step.message:
        return step.message
    last = step.attempts[-1] if step.attempts else None
    if last is None:
        return ""
    identity = last.data.get("identity")
    if identity:
        return f"{identity.get('device_name')}, software {identity.get('software_version')}"
    card = last.data.get("card")
    if card:
        return f"card {card.get('masked_pan')}"
    payment = last.data.get("payment") or last.data.get("reversal")
    if payment:
        return f"receipt {payment.get('receipt_number')}, {payment.get('result_text')}"
    return ""


def summary_table(result: RunResult, width: int = 100) -> str:
    rows = [("Step", "Kind", "Outcome", "Time", "Tries", "Details")]
    for step in result.steps:
        outcome = step.outcome + (f" ({step.error_class})" if step.error_class else "")
        rows.append((step.spec.name, step.spec.kind, outcome, f"{step.seconds:.2f}s",
                     str(len(step.attempts)) if step.attempts else "-", _details(step)))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    for row in rows:
        head = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:5]))
        room = max(width - len(head) - 2, 20)
        detail = row[5] if len(row[5]) <= room else row[5][: room - 1] + "…"
        lines.append(f"{head}  {detail}".rstrip())
    counts = ", ".join(f"{result.count(o)} {o.lower()}" for o in
                       ("PASS", "FAIL", "ERROR", "SKIPPED", "ABORTED") if result.count(o))
    verdict = result.outcome + (f" ({result.error_class})" if result.error_class else "")
    lines.append("")
    lines.append(f"Result: {verdict} - {counts} in {result.seconds:.2f} s")
    return mask_text("\n".join(lines))


def progress_printer(write: Callable[[str], None]) -> Callable[[Event], None]:
    """A listener printing one line as each step starts and ends."""

    def listener(event: Event) -> None:
        if isinstance(event, RunStarted):
            write(f"Plan {event.plan.name}: {len(event.plan.steps)} steps on {event.port} "
                  f"(operator: {event.operator})")
        elif isinstance(event, StepStarted):
            write(f"[{event.index + 1}] {event.spec.name} ...")
        elif isinstance(event, AttemptFinished) and event.attempt.outcome != PASS \
                and event.attempt.number < event.spec.attempts:
            write(f"    attempt {event.attempt.number}: {event.attempt.outcome} - "
                  f"{mask_text(event.attempt.message)}; retrying")
        elif isinstance(event, StepFinished) and event.result.attempts:
            write(f"    {event.result.outcome} {mask_text(event.result.message)}".rstrip())

    return listener
