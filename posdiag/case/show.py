"""A case in words, for `posdiag case show` and `case list`: lines of text, no printing.

Everything is translated where it is shown; the case file itself holds data (keys, codes,
the technician's own words), never sentences in one language — except the cautions, which
are kept exactly as they were shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from posdiag.case.actions import who_words
from posdiag.case.categories import FAULT_CATEGORIES, FREQUENCIES
from posdiag.case.documents.words import inspection_question, inspection_reason
from posdiag.case.listing import CaseSummary
from posdiag.case.model import Action, Case, Diagnostics, TerminalInfo
from posdiag.case.states import state_label
from posdiag.case.store import CaseFile
from posdiag.i18n import N_, _
from posdiag.i18n_format import format_money
from posdiag.i18n_terms import origin_words
from posdiag.i18n_width import text_table
from posdiag.report.words import answer_word, status_words

ACTION_TEXTS: dict[str, str] = {
    "opened": N_("case opened (terminal identity {identity})"),
    "caution": N_("caution shown: {text}"),
    "attached": N_("attached {name}"),
    "edited": N_("edited: {fields}"),
    "note": N_("note: {text}"),
    "backup-linked": N_("backup set {set_id} generation {generation} linked ({records} records)"),
    "backup-failed": N_("backup failed: {error}"),
    "backup-impossible": N_("backup impossible"),
    "requested": N_("replacement requested from {name} ({addressee})"),
    "test-started": N_("acceptance test started on {port}"),
    "test-error": N_("acceptance test could not run: {error}"),
    "test-finished": N_("acceptance test {run_id} finished: {outcome}"),
    "accepted": N_("replacement accepted"),
    "rejected": N_("replacement rejected"),
    "closed": N_("case closed"),
    "document": N_("{document} written: {file} ({language}, {form}) from revision {revision}"),
}

DOCUMENT_WORDS: dict[str, str] = {
    "replacement-request": N_("replacement request"),
    "acceptance-certificate": N_("acceptance certificate"),
}


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "-"


def action_text(action: Action) -> str:
    template = ACTION_TEXTS.get(action.kind, action.kind)
    details = _Blank({k: _short(v) for k, v in action.details.items()})
    if "run_id" in details:
        details["run_id"] = str(details["run_id"])[:8]
    if action.kind == "edited":
        details["fields"] = ", ".join(action.details)
    if action.kind == "document" and details.get("document") in DOCUMENT_WORDS:
        details["document"] = _(DOCUMENT_WORDS[details["document"]])
    text = _(template).format_map(details)
    if action.state_after and action.state_after != action.state_before:
        text += "  → " + state_label(action.state_after)
    if action.forced:
        text += "  " + _("[forced: {reason}]").format(reason=action.reason)
    elif action.reason and action.kind != "caution":
        text += "  " + _("({reason})").format(reason=action.reason)
    return text


def _short(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)


def fault_label(key: str) -> str:
    return next((c.label() for c in FAULT_CATEGORIES if c.key == key), key)


def frequency_label(key: str) -> str:
    return next((f.label() for f in FREQUENCIES if f.key == key), key)


def _terminal_lines(terminal: TerminalInfo) -> list[str]:
    source = _("read from the terminal") if terminal.source == "read" else _(
        "entered by hand from the label")
    rows = [
        (_("model"), terminal.model_name), (_("serial number"), terminal.serial_number),
        (_("TID"), terminal.terminal_id), (_("merchant number"), terminal.merchant_id),
        (_("software"), terminal.software_version),
        (_("currency"), str(terminal.currency) if terminal.currency else ""),
        (_("acquirer"), terminal.acquirer)]
    return [f"  ({source})", *_labelled(rows)]


def _labelled(rows: Sequence[tuple[str, Any]]) -> list[str]:
    """"  label:  value" lines, values aligned by display width; empty values left out."""
    shown = [(_("{label}:").format(label=label), str(value)) for label, value in rows if value]
    return ["  " + line for line in text_table(shown)]


def _diagnostic_lines(diagnostics: Diagnostics | None) -> list[str]:
    if diagnostics is None:
        return ["  " + _("not connected (no port given)")]
    if not diagnostics.answered:
        lines = ["  " + _("the terminal did not answer on {port}").format(
            port=diagnostics.port or "-")]
        lines += ["  " + _("tried {what} ({command}): {error}").format(
            what=p.name, command=p.command, error=p.error) for p in diagnostics.probes]
        return lines
    lines = []
    if diagnostics.status_code is not None:
        lines.append("  " + _("status: {text} ({code:02X})").format(
            text=status_words({"status": diagnostics.status_code,
                               "status_text": diagnostics.status_text}) or "-",
            code=diagnostics.status_code))
    if diagnostics.printer_ready is not None:
        lines.append("  " + _("printer: {state}").format(
            state=_("ready") if diagnostics.printer_ready else _("not ready")))
    if diagnostics.totals is not None:
        totals = diagnostics.totals
        # The terminal's turnover totals (06 10): booked transactions since its last end of
        # day, net — a declined attempt is not booked, a reversal takes its payment out — so
        # fewer than the journal's records, which keep every attempt.
        lines.append("  " + _("totals since the last end of day: {count} booked transactions "
                              "(net of reversals; declined attempts are not booked), "
                              "{amount}").format(
            count=totals.count, amount=format_money(totals.amount, totals.currency)))
    failed = [p for p in diagnostics.probes if not p.ok]
    lines += ["  " + _("{what} refused: {error}").format(what=p.name, error=p.error)
              for p in failed]
    if diagnostics.diagnosis_lines:
        lines.append("  " + _("diagnosis (06 70):"))
        lines += [f"    {line}" for line in diagnostics.diagnosis_lines]
    if diagnostics.log_tail:
        lines.append("  " + _("last lines of the terminal's log:"))
        lines += [f"    {line}" for line in diagnostics.log_tail]
    return lines


def case_lines(case_file: CaseFile) -> list[str]:
    """The whole case, verification first."""
    lines: list[str] = []
    if case_file.problems:
        lines.append(_("!! THE CASE FILE DOES NOT VERIFY — it was altered or damaged:"))
        lines += [f"!!   {problem}" for problem in case_file.problems]
        if case_file.head is not None:
            lines.append(_("!! Shown below: revision {n}, the last one that verifies.").format(
                n=case_file.head.number))
        lines.append("")
    if case_file.head is None or case_file.head.revision is None:
        return lines
    revision = case_file.revision
    case = revision.case
    if not case_file.problems:
        lines.append(_("Case file verified: {n} revision(s), signed by {keys}.").format(
            n=revision.revision, keys=", ".join(sorted({c.revision.kit_key for c in
                                                        case_file.checks if c.revision}))))
    lines += [_("note: {note}").format(note=note) for note in case_file.notes]
    lines += [
        "",
        _("Case {case_id} — {state}").format(case_id=case.case_id, state=state_label(
            case.state)),
        _("Opened {opened} by {technician}; revision {n} written {written} on {host}.").format(
            opened=case.opened, technician=case.technician.name or "-", n=revision.revision,
            written=revision.written, host=revision.host),
        "",
        _("Merchant: {name}").format(name=case.merchant.name),
    ]
    merchant = case.merchant
    lines += _labelled((
        (_("merchant number"), merchant.merchant_number), (_("address"), merchant.address),
        (_("contact"), merchant.contact), (_("phone"), merchant.phone)))
    lines += ["", _("Old terminal:"), *_terminal_lines(case.old_terminal)]
    fault = case.fault
    lines += ["", _("Fault: {category}").format(category=fault_label(fault.category))]
    lines += _labelled((
        (_("description"), fault.description), (_("since"), fault.since),
        (_("reported by"), fault.reported_by),
        (_("how often"), frequency_label(fault.frequency) if fault.frequency else "")))
    lines += ["", _("Diagnostics:"), *_diagnostic_lines(case.diagnostics)]
    lines += ["", *_warranty_lines(case)]
    lines += ["", *_backup_lines(case)]
    if case.request is not None:
        request = case.request
        lines += ["", _("Request made {at} to {name} ({role}); requested model {model}.").format(
            at=request.made_at, name=request.addressee.name or "-", role=request.addressee.role,
            model=request.requested_model or "-")]
    for number, replacement in enumerate(case.replacements, start=1):
        lines += ["", *_replacement_lines(number, replacement)]
    if case.attachments:
        lines += ["", _("Attachments:")]
        lines += [f"  {a.name}  {a.sha256[:16]}…  {a.size} B" for a in case.attachments]
    if case.decision is not None:
        lines += ["", _("Decision: {verdict} {at}").format(verdict=case.decision.verdict,
                                                           at=case.decision.at)]
        if case.decision.reason:
            lines.append(f"  {case.decision.reason}")
    lines += ["", _("History (by revision of the case file):")]
    revisions = case_file.action_revisions()
    lines += ["  " + line for line in text_table(
        [(_("r{revision}").format(revision=revisions[i]) if i < len(revisions) else "?",
          str(a.at), a.host, _("{technician}:").format(technician=who_words(a.technician)),
          action_text(a)) for i, a in enumerate(case.actions)], align=("right",))]
    return lines


def _warranty_lines(case: Case) -> list[str]:
    warranty = case.warranty
    if warranty.basis == "no-date":
        status = _("out of warranty (no purchase or installation date given)")
    elif warranty.in_warranty:
        status = _("in warranty until {until}").format(until=warranty.until)
    else:
        status = _("out of warranty since {until}").format(until=warranty.until)
    whom = warranty.addressee.name or _("(name not configured)")
    role = _("manufacturer") if warranty.addressee.role == "manufacturer" else _(
        "service provider")
    fee = _("a repair fee applies") if warranty.repair_fee else _("no repair fee")
    return [_("Warranty: {status}").format(status=status),
            "  " + _("request goes to the {role}: {name}; {fee}").format(role=role, name=whom,
                                                                         fee=fee)]


def _backup_lines(case: Case) -> list[str]:
    if case.backup_impossible and not case.backups:
        return [_("Backup: impossible — {reason}").format(reason=case.backup_impossible)]
    if not case.backups:
        return [_("Backup: none yet")]
    lines = [_("Backup:")]
    for ref in case.backups:
        totals = {True: _("its records add up to the terminal's totals"),
                  False: _("its records do NOT add up to the terminal's totals"),
                  None: _("no totals to compare")}[ref.totals_agree]
        lines.append("  " + _("set {set_id} generation {generation}: {records} journal records "
                              "(every payment, reversal, refund and declined attempt), {state}, "
                              "{totals}").format(
            set_id=ref.set_id, generation=ref.generation, records=ref.records,
            state=_("complete") if ref.complete else _("INCOMPLETE"), totals=totals))
        lines.append("    " + _("manifest {name} SHA-256 {sha}").format(
            name=ref.manifest, sha=ref.manifest_sha256))
        lines.append("    " + _("in {folder}").format(folder=ref.set_dir))
    return lines


def _replacement_lines(number: int, replacement: Any) -> list[str]:
    verdict = {"accepted": _("accepted"), "rejected": _("rejected"),
               "not-judged": _("not judged")}.get(replacement.verdict, replacement.verdict)
    lines = [_("Replacement {n}: {verdict}").format(n=number, verdict=verdict)]
    if replacement.terminal is not None:
        lines += _terminal_lines(replacement.terminal)
    if replacement.reason:
        lines.append("  " + _("reason: {reason}").format(reason=replacement.reason))
    for answer in replacement.inspection:
        # The shipped questions in the language shown now; a plan's own as it was asked.
        mark = "ok" if answer.ok else "NO"
        reason = inspection_reason(answer)
        extra = f" — {reason}" if reason else ""
        shown = answer_word(answer.answer) if answer.item != "serial-label" else answer.answer
        lines.append(f"  [{mark}] {inspection_question(answer)} {shown}{extra}")
    if replacement.binding is not None:
        binding = replacement.binding
        lines.append("  " + _("merchant binding against {origin}: {result}").format(
            origin=origin_words(binding.against),
            result=_("same") if binding.ok else _("DIFFERENT")))
    record = replacement.record
    lines.append("  " + _("test record {file} ({outcome}), SHA-256 {sha}").format(
        file=record.file, outcome=record.outcome, sha=record.sha256))
    return lines


def list_rows(summaries: list[CaseSummary]) -> list[tuple[str, ...]]:
    """Rows for the `case list` table (header first)."""
    rows: list[tuple[str, ...]] = [(_("case"), _("state"), _("opened"), _("TID"), _("serial"),
                                     _("merchant"), _("fault"))]
    for summary in summaries:
        case = summary.case
        if case is None:
            rows.append((summary.path.name, _("UNREADABLE"), "", "", "", "", summary.problem))
            continue
        state = state_label(case.state) + ("" if summary.verified else " !")
        rows.append((case.case_id, state, case.opened[:10], case.old_terminal.terminal_id,
                     case.old_terminal.serial_number, case.merchant.name,
                     fault_label(case.fault.category)))
    return rows
