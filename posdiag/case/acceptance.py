"""`posdiag test --case`: the acceptance of the replacement as a step of the case.

The plan is checked against what the case knows before anything is touched: identity-match
with ``source = "replaced"`` compares with the case's old terminal (TID, merchant number,
currency as far as the case knows them), and the arrival checklist asks for the requested
model. The case moves to ``replacement-testing``, the plan runs (its signed record goes into
the case folder's records/), and the outcome is written back: the new terminal's identity, the
arrival inspection answers, the merchant-binding comparison, the record by run ID and SHA-256,
and the verdict — ``accepted`` when every step passed, ``rejected`` with the reason when the
terminal failed a step (a different merchant binding is one), and no verdict when the test
could not decide (link error, aborted): then the case stays under test for another run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posdiag.case import states
from posdiag.case.actions import Actor, act, change_case
from posdiag.case.model import (
    BindingCheck,
    Case,
    Decision,
    InspectionAnswer,
    RecordRef,
    Replacement,
    TerminalInfo,
)
from posdiag.case.store import RECORDS_DIR, CaseFile, load_case, reference, sha256_file
from posdiag.errors import PlanError, PosdiagError
from posdiag.i18n import _
from posdiag.plan.model import FAIL, PASS, ReplacedTerminal
from posdiag.plan.steps.terminal import same_serial

if TYPE_CHECKING:
    from posdiag.backup.kitkey import KitKey
    from posdiag.plan.context import Bench
    from posdiag.plan.operator import Operator
    from posdiag.plan.runner import Listener
    from posdiag.plan.service import TestRun
    from posdiag.terminal_settings import TerminalSettings

ACCEPTED, REJECTED, NOT_JUDGED = "accepted", "rejected", "not-judged"
# What an acceptance for a case must hold: the arrival inspection and the merchant binding.
REQUIRED_KINDS = ("checklist", "identity-match")


@dataclass(frozen=True, slots=True)
class CaseAcceptance:
    test: TestRun
    case: CaseFile
    replacement: Replacement


def replaced_terminal(case: Case) -> ReplacedTerminal:
    """What the case knows of the old terminal, for identity-match and the checklist."""
    old = case.old_terminal
    currency = old.currency
    if currency is None and case.backup is not None:
        currency = case.backup.terminal.get("currency")
    identity: dict[str, Any] = {
        "terminal_id": old.terminal_id,
        "merchant_id": old.merchant_id or case.merchant.merchant_number,
        "currency": currency, "serial_number": old.serial_number,
        "device_name": old.device_name, "software_version": old.software_version}
    model = case.request.requested_model if case.request else old.model_name
    return ReplacedTerminal(origin=f"case:{case.case_id}",  # a code; pages translate it
                            identity={k: v for k, v in identity.items() if v not in (None, "")},
                            model=model)


def run_case_acceptance(case_dir: Path, port: str, plan: str | Path, kit_key: KitKey, *,
                        answers: str | Path | None = None, junit: str | Path | None = None,
                        record_dir: Path | None = None, force: bool = False, reason: str = "",
                        actor: Actor | None = None, listeners: Iterable[Listener] = (),
                        operator: Callable[[Bench], Operator] | None = None,
                        bench: Bench | None = None, only: Sequence[str] = (),
                        from_step: str | None = None,
                        settings: TerminalSettings | None = None) -> CaseAcceptance:
    from posdiag.plan.loader import load_plan, resolve_plan
    from posdiag.plan.service import run_test

    actor = actor or Actor()
    current = load_case(case_dir)
    current.require_unaltered()
    case = current.case
    states.check_step(case.state, states.REPLACEMENT_TESTING, force=force, reason=reason)
    replaced = replaced_terminal(case)
    plan_path = resolve_plan(plan)
    # A plan error stops here, before the case.
    loaded = load_plan(plan_path, replaced=replaced, only=only, from_step=from_step)
    missing = [kind for kind in REQUIRED_KINDS if kind not in {s.kind for s in loaded.steps}]
    if missing:
        raise PlanError(_("The plan {plan} has no {kinds} step; a replacement is accepted for a "
                          "case only with the arrival inspection and the merchant binding (the "
                          "shipped plan acceptance has both).").format(
                              plan=plan_path, kinds=" / ".join(missing)))
    change_case(case_dir, kit_key, lambda c: act(
        c, actor, "test-started", to_state=states.REPLACEMENT_TESTING, force=force,
        reason=reason, details={"port": port, "plan": str(plan)}), actor=actor)
    try:
        test = run_test(port, plan_path, answers=answers, record_dir=record_dir or (
            case_dir / RECORDS_DIR), junit=junit, kit_key=kit_key, listeners=listeners,
            operator=operator, bench=bench, replaced=replaced, only=only,
            from_step=from_step, settings=settings)
    except PosdiagError as err:
        message = str(err)
        change_case(case_dir, kit_key, lambda c: act(c, actor, "test-error", details={
            "error": message}), actor=actor)
        raise
    replacement = judge(case_dir, test, replaced_serial=case.old_terminal.serial_number)
    written = change_case(case_dir, kit_key, lambda c: record_replacement(c, actor, replacement),
                          actor=actor)
    return CaseAcceptance(test, written, replacement)


def record_replacement(case: Case, actor: Actor, replacement: Replacement) -> Case:
    record = replacement.record
    case = act(case, actor, "test-finished", details={
        "run_id": record.run_id, "outcome": record.outcome, "verdict": replacement.verdict},
        replacements=(*case.replacements, replacement))
    if replacement.verdict == ACCEPTED:
        return act(case, actor, "accepted", to_state=states.ACCEPTED,
                   decision=Decision(ACCEPTED, actor.now(), replacement.reason))
    if replacement.verdict == REJECTED:
        return act(case, actor, "rejected", to_state=states.REJECTED, reason=replacement.reason,
                   decision=Decision(REJECTED, actor.now(), replacement.reason))
    return case


def judge(case_dir: Path, test: TestRun, replaced_serial: str = "") -> Replacement:
    """The replacement as the run showed it: identity, inspection, binding, verdict.

    ``replaced_serial``: the old terminal's serial number; a "replacement" that reports it is
    the same unit and is never accepted, whatever the plan compared."""
    from posdiag.plan.record import load_record

    result = test.result
    record_file = test.record
    doc = load_record(record_file) if record_file else {}
    signature = test.signature
    ref = RecordRef(
        run_id=str(doc.get("run_id", "")),
        file=reference(case_dir, record_file) if record_file else "",
        sha256=sha256_file(record_file) if record_file else "",
        signature_sha256=sha256_file(signature) if signature else "",
        plan=result.plan.name, plan_sha256=result.plan.sha256, outcome=result.outcome,
        started=result.started, finished=result.finished,
        kit_key=str((doc.get("kit") or {}).get("key") or ""))
    inspection: tuple[InspectionAnswer, ...] = ()
    binding: BindingCheck | None = None
    # A partial run (--only, --from) takes what it did not run from the series' records.
    for kind, outcome, message, data in [*_series_steps(test),
                                         *((s.spec.kind, s.outcome, s.message,
                                            s.attempts[-1].data if s.attempts else {})
                                           for s in result.steps)]:
        if kind == "checklist" and "inspection" in data:
            inspection = tuple(InspectionAnswer(
                item=str(a["item"]), question=str(a["question"]), answer=str(a["answer"]),
                ok=bool(a["ok"]), reason=str(a.get("reason", "")),
                expected=str(a.get("expected", ""))) for a in data["inspection"])
        if kind == "identity-match" and "compared" in data:
            # binding_ok: the merchant binding alone (the step also fails for the same unit).
            binding = BindingCheck(ok=bool(data.get("binding_ok", outcome == PASS)),
                                   against=str(data.get("against", "")),
                                   fields=dict(data["compared"]), message=message)
    terminal = _terminal(result.terminal)
    verdict, reason = _verdict(test, binding)
    reported = terminal.serial_number if terminal is not None else ""
    if replaced_serial and same_serial(reported, replaced_serial):
        verdict, reason = REJECTED, _(
            "the terminal tested reports serial number {serial}, the serial number of the "
            "terminal it replaces: it is the same unit, not a replacement").format(
                serial=reported)
    return Replacement(terminal=terminal, record=ref, verdict=verdict, reason=reason,
                       inspection=inspection, binding=binding)


def _series_steps(test: TestRun) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(kind, outcome, message, data) of the steps earlier records of the series ran, oldest
    first; nothing for a run of the whole plan."""
    from posdiag.plan.series import series_records

    if test.result.selected is None or test.series is None or test.record is None:
        return []
    found = []
    for doc in series_records(test.record.parent, test.series.id):
        if doc.get("_file") == test.record.name:
            continue
        selected = doc.get("selected")
        for step in doc.get("steps") or []:
            attempts = step.get("attempts") or []
            if attempts and (selected is None or step.get("name") in selected):
                found.append((str(step.get("kind")), str(step.get("outcome")),
                              str(step.get("message") or ""), attempts[-1].get("data") or {}))
    return found


def _verdict(test: TestRun, binding: BindingCheck | None) -> tuple[str, str]:
    result = test.result
    series = test.series
    if result.selected is not None and series is not None and result.outcome == PASS:
        # Part of the plan, run again: the replacement is accepted when the series holds a
        # pass of every step, on one terminal.
        names = [s.spec.name for s in result.steps]
        still = series.open_steps(names)
        if not series.same_terminal:
            return NOT_JUDGED, _("the runs of the series were on different terminals")
        if still:
            return NOT_JUDGED, _("not yet passed: {steps}").format(steps=", ".join(still))
        return ACCEPTED, ""
    if result.outcome == PASS:
        return ACCEPTED, ""
    if binding is not None and not binding.ok:
        return REJECTED, _("the merchant binding differs: {message}").format(
            message=binding.message)
    if result.outcome == FAIL:
        failed = [s for s in result.steps if s.outcome == FAIL]
        return REJECTED, "; ".join(f"{s.spec.name}: {s.message}" for s in failed)
    return NOT_JUDGED, result.message or result.outcome


def _terminal(identity: dict[str, Any] | None) -> TerminalInfo | None:
    if not identity:
        return None
    return TerminalInfo(
        source="read", device_name=str(identity.get("device_name") or ""),
        serial_number=str(identity.get("serial_number") or ""),
        terminal_id=str(identity.get("terminal_id") or ""),
        merchant_id=str(identity.get("merchant_id") or ""),
        software_version=str(identity.get("software_version") or ""),
        currency=identity.get("currency"))
