"""The acceptance certificate (验收单) as a document: pure, a case revision and its evidence in.

The page a merchant signs when the replacement terminal is handed over: the old and the new
terminal side by side (the merchant binding at a glance), the arrival inspection, each test
step with what it found and measured in words, the payment and its reversal as money, the
receipts as they were printed, which signatures were checked, and the conclusion. The
conclusion "Tested: the terminal works normally" (经过测试，POS机运行正常) is printed only when
everything passed — every step, every inspection answer, the binding, the record's signature;
otherwise the page lists what failed, in plain words. Call it with the document's language
active.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import Any

from posdiag.case.documents.evidence import Evidence, PrintedReceipt, RecordCheck, last_data
from posdiag.case.documents.words import (
    dash,
    inspection_question,
    inspection_reason,
    technician_words,
    terminal_field_label,
    terminal_value,
)
from posdiag.case.model import Case, InspectionAnswer, Replacement, TerminalInfo
from posdiag.documents.model import (
    Badge,
    Block,
    Cell,
    Document,
    Facts,
    Paragraph,
    ReceiptPicture,
    Receipts,
    Section,
    Signatures,
    Stamp,
    Table,
    digest,
)
from posdiag.i18n import _, ngettext
from posdiag.i18n_format import (
    format_datetime,
    format_duration,
    format_money,
    format_number,
)
from posdiag.i18n_terms import outcome_word, step_kind_word
from posdiag.report.words import (
    answer_word,
    answered_by_words,
    mapping,
    sequence,
    step_findings,
    without_local_paths,
)

COMPARED = ("model", "serial_number", "terminal_id", "merchant_id", "software_version",
            "currency")
BOUND = ("terminal_id", "merchant_id", "currency")  # must be the same: the merchant binding
PASS = "PASS"


def certificate_document(case: Case, stamp: Stamp, zone: tzinfo, revision: int,
                         evidence: Evidence) -> Document:
    replacement = case.replacement
    if replacement is None:
        raise ValueError(_("the case holds no acceptance run"))
    record = evidence.record.record if evidence.record else None
    failures = failures_of(replacement, evidence, case.old_terminal)
    verdict = _verdict_words(replacement.verdict)
    if failures and replacement.verdict == "accepted":
        # The page judges again: it never says "accepted" beside a failure it lists.
        verdict = _("replacement not accepted (see the conclusion)")
    header = (
        (_("Case"), case.case_id),
        (_("Merchant"), _("{name} (merchant number {number})").format(
            name=dash(case.merchant.name), number=dash(case.merchant.merchant_number))),
        (_("Tested"), format_datetime(replacement.record.started, zone=zone)),
        (_("Result"), verdict),
        (_("Made"), format_datetime(stamp.generated, zone=zone)),
        (_("From case file"), _("revision {number}").format(number=revision)),
    )
    steps = [mapping(s) for s in sequence(record.get("steps"))] if record else []
    sections = [
        _terminals_section(case, replacement),
        _inspection_section(replacement, steps),
        _steps_section(steps, evidence.record),
        _money_section(steps, zone),
        _receipts_section(evidence.receipts),
        _records_section(case, revision, evidence.record),
        _conclusion_section(case, replacement, failures),
    ]
    return Document(
        title=_("Acceptance certificate"), stamp=stamp, header=header, sections=tuple(sections),
        footer=_("posdiag {version} · acceptance certificate · case {case_id}").format(
            version=stamp.tool_version, case_id=case.case_id),
        qr_caption=_("Scan to match this page with case {case_id}").format(
            case_id=case.case_id))


def _verdict_words(verdict: str) -> str:
    return {"accepted": _("replacement accepted"), "rejected": _("replacement rejected"),
            "not-judged": _("not decided (the test could not finish)")}.get(verdict, verdict)


# --- old and new ------------------------------------------------------------------------------


def same_unit(old: TerminalInfo, new: TerminalInfo | None) -> bool:
    """Whether the "replacement" reports the serial number of the terminal it replaces."""
    from posdiag.plan.steps.terminal import same_serial

    return new is not None and bool(old.serial_number) and same_serial(new.serial_number,
                                                                        old.serial_number)


def _same(old: TerminalInfo, new: TerminalInfo | None, field: str) -> Cell:
    if new is None:
        return ""
    before, after = terminal_value(old, field), terminal_value(new, field)
    if field == "serial_number":
        if same_unit(old, new):
            return Badge("FAIL", _("SAME UNIT"))
        return _("not known") if "—" in (before, after) else _("another unit")
    if "—" in (before, after):
        return _("not known")
    if field in BOUND:
        return Badge("PASS", _("same")) if before == after else Badge("FAIL", _("DIFFERENT"))
    return _("same") if before == after else _("different")


def _terminals_section(case: Case, replacement: Replacement) -> Section:
    old, new = case.old_terminal, replacement.terminal
    rows = tuple((terminal_field_label(field), terminal_value(old, field),
                  terminal_value(new, field), _same(old, new, field)) for field in COMPARED)
    blocks: list[Block] = [Table(
        header=(" ", _("Faulty terminal (old)"), _("Replacement (new)"), _("Compared")),
        rows=rows, widths=(2.2, 3.4, 3.4, 1.8))]
    binding = replacement.binding
    if binding is None:
        blocks.append(Paragraph(_("The merchant binding was not compared in this run."), "fail",
                                boxed=True))
    elif binding.ok:
        blocks.append(Paragraph(_(
            "The replacement is bound to the same merchant: terminal ID, merchant number and "
            "currency are those of the faulty terminal as the case holds them."), "ok",
            boxed=True))
    else:
        blocks.append(Paragraph(_("The replacement is NOT bound to the same merchant: "
                                  "{message}").format(message=dash(binding.message)), "fail",
                                boxed=True))
    return Section(_("Old and new terminal"), tuple(blocks))


# --- arrival inspection ----------------------------------------------------------------------


def _inspection_answer(answer: InspectionAnswer) -> str:
    if answer.item == "serial-label":
        text = _("typed from the label: {typed}").format(typed=dash(answer.answer))
        if answer.expected:
            text += "\n" + _("the terminal reports: {reported}").format(reported=answer.expected)
    else:
        text = answer_word(answer.answer)
    reason = inspection_reason(answer)
    if reason:
        text += "\n" + _("why: {reason}").format(reason=reason)
    return text


def answered_by(steps: Sequence[Mapping[str, Any]], kind: str) -> list[str]:
    """Who answered the prompts of the steps of ``kind``, in the record's words (``by``),
    each once, in order."""
    found: list[str] = []
    for step in steps:
        if step.get("kind") != kind:
            continue
        for attempt in sequence(step.get("attempts")):
            for prompt in sequence(mapping(attempt).get("prompts")):
                by = str(mapping(prompt).get("by") or "")
                if by and by not in found:
                    found.append(by)
    return found


def _inspection_section(replacement: Replacement,
                        steps: Sequence[Mapping[str, Any]]) -> Section:
    if not replacement.inspection:
        return Section(_("Arrival inspection"), (Paragraph(
            _("No arrival inspection was recorded."), "fail", boxed=True),))
    rows = tuple((inspection_question(a), _inspection_answer(a),
                  Badge("PASS", _("OK")) if a.ok else Badge("FAIL", _("NO")))
                 for a in replacement.inspection)
    blocks: list[Block] = [
        Paragraph(_("Checked when the replacement arrived, before it was switched on for the "
                    "tests: the seals, signs of tampering (a card-skimming risk), the serial "
                    "number on its label and the model.")),
        Table(header=(_("Question"), _("Answer"), _("Result")), rows=rows, widths=(5, 4, 1.3)),
    ]
    who = answered_by(steps, "checklist")
    if who:
        blocks.append(Paragraph(_("Answered by {who}.").format(
            who=_("; ").join(answered_by_words(by) for by in who)),
            "warn" if "emulator" in who else "muted"))
    return Section(_("Arrival inspection"), tuple(blocks))


# --- the steps -------------------------------------------------------------------------------


def measurement_words(item: Mapping[str, Any]) -> str:
    """A measurement as a sentence: "Took 16 ms (limit ≤ 30 s)."."""
    name, value, units = item.get("name"), item.get("value"), item.get("units") or ""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return ""

    def shown(number: Any) -> str:
        if units == "s":
            return format_duration(number)
        return f"{format_number(number, 2)} {units}".strip()

    limits = [f"{sign} {shown(item.get(key))}" for key, sign in (("min", "≥"), ("max", "≤"))
              if isinstance(item.get(key), int | float)]
    if name == "seconds":
        text = _("Took {value}").format(value=shown(value))
    else:
        text = _("{name}: {value}").format(name=name, value=shown(value))
    if not limits:
        return _("{measured}.").format(measured=text)
    within = item.get("outcome") in (None, PASS)
    return (_("{measured} (limit {limit}).") if within
            else _("{measured}: outside the limit {limit}.")).format(
                measured=text, limit=", ".join(limits))


def _step_words(step: Mapping[str, Any]) -> str:
    lines = list(step_findings(step))
    attempts = sequence(step.get("attempts"))
    last = mapping(attempts[-1]) if attempts else {}
    for item in sequence(last.get("measurements")):
        if mapping(item).get("outcome") in (None, PASS):  # failures are in step_findings
            words = measurement_words(mapping(item))
            if words:
                lines.append(words)
    if step.get("kind") not in ("checklist",):
        for prompt in sequence(last.get("prompts")):
            asked = mapping(prompt)
            if asked.get("kind") == "confirm":
                # Who answered, as the record says: a program's answer is not a person's.
                lines.append(_("Asked to confirm: {answer}, answered by {who}.").format(
                    answer=answer_word(asked.get("answer")),
                    who=answered_by_words(asked.get("by"))))
    if len(attempts) > 1:
        lines.append(ngettext("Passed on attempt {count}.", "Took {count} attempts.",
                              len(attempts)).format(count=len(attempts)))
    return "\n".join(lines) or "—"


def _step_name(step: Mapping[str, Any]) -> str:
    kind = step_kind_word(str(step.get("kind") or ""))
    name = str(step.get("name") or "")
    if not name or name == step.get("kind") or name == kind:
        return kind or "—"
    return f"{kind}\n({name})" if kind else name


def _steps_section(steps: Sequence[Mapping[str, Any]], check: RecordCheck | None) -> Section:
    if not steps:
        why = check.detail if check is not None and check.record is None else ""
        return Section(_("Tests"), (Paragraph(
            _("The test record cannot be read, so its steps cannot be shown: {why}").format(
                why=dash(why)) if why else _("The test record holds no steps."), "fail",
            boxed=True),))
    rows = tuple((str(n), _step_name(step),
                  Badge(str(step.get("outcome") or "RUNNING"),
                        outcome_word(str(step.get("outcome") or "RUNNING"))),
                  _step_words(step))
                 for n, step in enumerate(steps, 1))
    return Section(_("Tests"), (
        Table(header=("#", _("Step"), _("Outcome"), _("What was found")), rows=rows,
              widths=(0.5, 2.6, 1.3, 7.2), numeric=(0,)),
    ))


# --- money -----------------------------------------------------------------------------------


def transactions(steps: Sequence[Mapping[str, Any]]) -> list[tuple[str, Mapping[str, Any]]]:
    """(step kind, the transaction as recorded) of every payment and reversal, in order."""
    found = []
    for step in steps:
        kind = str(step.get("kind") or "")
        if kind in ("payment", "reversal"):
            data = last_data(step)
            transaction = mapping(data.get(kind))
            if transaction:
                found.append((kind, transaction))
    return found


def _money_section(steps: Sequence[Mapping[str, Any]], zone: tzinfo) -> Section:
    found = transactions(steps)
    if not found:
        return Section(_("Test payment and reversal"), (Paragraph(
            _("No test payment was made in this run."), "muted"),))
    rows = []
    for kind, transaction in found:
        approved = bool(transaction.get("approved"))
        result = Badge("PASS", _("approved")) if approved else Badge(
            "FAIL", _("declined: {reason}").format(reason=dash(transaction.get("result_text"))))
        rows.append((step_kind_word(kind),
                     format_money(transaction.get("amount"), transaction.get("currency")),
                     result, dash(transaction.get("receipt_number")),
                     dash(transaction.get("auth_code")), dash(transaction.get("masked_pan"))))
    blocks: list[Block] = [
        Table(header=(_("Transaction"), _("Amount"), _("Result"), _("Receipt number"),
                      _("Approval code"), _("Card")), rows=tuple(rows),
              widths=(1.8, 1.6, 2.2, 1.4, 1.6, 3), numeric=(1,)),
    ]
    kinds = [kind for kind, _t in found]
    if "payment" in kinds and "reversal" in kinds and all(
            bool(t.get("approved")) for _k, t in found):
        blocks.append(Paragraph(_("The test payment was reversed: no money is owed for it. The "
                                  "card is a public test card, labelled as such.")))
    return Section(_("Test payment and reversal"), tuple(blocks))


# --- receipts --------------------------------------------------------------------------------


def _receipt_caption(receipt: PrintedReceipt) -> str:
    step = step_kind_word(str(receipt.step.get("kind") or ""))
    copies = {"merchant": _("merchant copy"), "customer": _("customer copy"),
              "admin": _("administration receipt")}
    if receipt.step.get("kind") == "receipt-print":
        what = _("test receipt")
    else:
        what = copies.get(receipt.kind, _("receipt"))
    return _("{step}: {what}").format(step=step, what=what)


def _receipts_section(receipts: Sequence[PrintedReceipt]) -> Section:
    if not receipts:
        return Section(_("Receipts"), (Paragraph(
            _("The test record holds no receipt text (a record from an older posdiag, or no "
              "receipt was printed)."), "muted"),))
    pictures = all(r.png is not None for r in receipts)
    note = (_("The receipts as printed, drawn at their real width from the text the signed "
              "test record holds (card numbers masked).") if pictures else
            _("The receipts as printed, line by line from the text the signed test record "
              "holds (card numbers masked)."))
    return Section(_("Receipts"), (
        Paragraph(note),
        Receipts(tuple(ReceiptPicture(_receipt_caption(r), r.lines, r.png, r.width_mm)
                       for r in receipts)),
    ))


# --- records and signatures ------------------------------------------------------------------


def _records_section(case: Case, revision: int, check: RecordCheck | None) -> Section:
    rows: list[tuple[str, Cell]] = [
        (_("Case file"), Badge("PASS", _("verified"))),
        (_("What was checked"), _(
            "Revisions 1 to {count} of the case file: each signed by the kit key and naming "
            "the SHA-256 of the one before it; nothing changed or removed. This certificate is "
            "made from revision {count}.").format(count=revision)),
    ]
    blocks: list[Block] = []
    if check is None:
        rows.append((_("Test record"), Badge("FAIL", _("missing"))))
    else:
        ref = check.ref
        rows += [
            (_("Test record"), without_local_paths(ref.file)),
            (_("Run"), digest(ref.run_id)),
            (_("Record SHA-256"), digest(ref.sha256)),
            (_("Plan"), ref.plan),
            (_("Plan SHA-256"), digest(ref.plan_sha256)),
            (_("Record signature"), Badge("PASS", _("verified")) if check.signature_ok
             else Badge("FAIL", _("does NOT verify"))),
        ]
        if check.signature_ok:
            blocks.append(Paragraph(_(
                "The test record is the one the case names (same SHA-256) and its signature "
                "was verified with the kit key {key}.").format(key=dash(ref.kit_key)), "ok",
                boxed=True))
        else:
            blocks.append(Paragraph(_(
                "The test record cannot be trusted: {why}. Nothing on this page that comes "
                "from it is proven.").format(why=check.detail), "fail", boxed=True))
    backup = case.request.backup if case.request and case.request.backup else case.backup
    if backup is not None:
        rows += [
            (_("Backup of the old terminal"), digest(backup.set_id)),
            (_("Manifest"), _("generation {generation} ({manifest})").format(
                generation=backup.generation, manifest=backup.manifest)),
            (_("Manifest SHA-256"), digest(backup.manifest_sha256)),
        ]
    return Section(_("Records and signatures"), (Facts(tuple(rows)), *blocks))


# --- conclusion ------------------------------------------------------------------------------


def failures_of(replacement: Replacement, evidence: Evidence,
                old: TerminalInfo | None = None) -> list[str]:
    """What did not pass, in plain words; empty only when everything passed. ``old``: the
    terminal replaced (a replacement with its serial number is the same unit)."""
    failures: list[str] = []
    if old is not None and same_unit(old, replacement.terminal):
        failures.append(_("The terminal tested reports serial number {serial}, the serial "
                          "number of the terminal it replaces: it is the same unit, not a "
                          "replacement.").format(serial=old.serial_number))
    check = evidence.record
    if check is None or check.record is None:
        failures.append(_("The test record is missing or unreadable."))
    elif not (check.hash_ok and check.signature_ok):
        failures.append(_("The test record cannot be trusted: {why}.").format(why=check.detail))
    for answer in replacement.inspection:
        if not answer.ok:
            failures.append(_("Arrival inspection: “{question}” — {answer}.").format(
                question=inspection_question(answer),
                answer=_inspection_answer(answer).replace("\n", "; ")))
    if not replacement.inspection:
        failures.append(_("No arrival inspection was recorded."))
    if replacement.binding is None:
        failures.append(_("The merchant binding was not compared."))
    elif not replacement.binding.ok:
        failures.append(_("The replacement is not bound to the same merchant: {message}")
                        .format(message=dash(replacement.binding.message)))
    record = check.record if check is not None else None
    steps = [mapping(s) for s in sequence(record.get("steps"))] if record else []
    for step in steps:
        outcome = str(step.get("outcome") or "RUNNING")
        if outcome != PASS and step.get("kind") not in ("checklist", "identity-match"):
            failures.append(_("{step}: {outcome} — {why}").format(
                step=_step_name(step).replace("\n", " "), outcome=outcome_word(outcome),
                why=dash(step.get("message"))))
    if record is not None and not steps:
        failures.append(_("The test record holds no steps."))
    if record is not None and record.get("outcome") != PASS and not any(
            str(mapping(s).get("outcome")) != PASS for s in steps):
        failures.append(_("The test run ended {outcome}: {why}").format(
            outcome=outcome_word(str(record.get("outcome") or "RUNNING")),
            why=dash(record.get("message"))))
    if replacement.verdict != "accepted" and not failures:
        failures.append(_("{verdict}: {reason}").format(
            verdict=_verdict_words(replacement.verdict), reason=dash(replacement.reason)))
    return failures


def _conclusion_section(case: Case, replacement: Replacement, failures: list[str]) -> Section:
    if not failures:
        blocks: list[Block] = [
            Paragraph(_("Tested: the terminal works normally."), "ok", boxed=True),
            Paragraph(_("Every step of the acceptance test passed, the arrival inspection found "
                        "nothing wrong and the replacement is bound to the same merchant. The "
                        "replacement of case {case_id} is accepted.").format(
                            case_id=case.case_id)),
        ]
        badge = Badge("PASS", _("accepted"))
    else:
        blocks = [Paragraph(_("The replacement did NOT pass the acceptance test."), "fail",
                            boxed=True),
                  Paragraph("\n".join(f"• {failure}" for failure in failures), "fail")]
        badge = Badge("FAIL", _("replacement not accepted"))
    tech = technician_words(case, acceptance=True)
    merchant = case.merchant.contact or case.merchant.name
    blocks.append(Paragraph(_("By signing, the merchant confirms that the replacement terminal "
                              "was received and tested as described on this page.")))
    blocks.append(Signatures(
        roles=(_("Technician: {name}").format(name=tech),
               _("Merchant: {name}").format(name=dash(merchant))),
        signature_label=_("Signature"), date_label=_("Date")))
    return Section(_("Conclusion"), tuple(blocks), badge=badge)

