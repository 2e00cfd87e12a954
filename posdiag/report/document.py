"""The test report as a document people read: pure, records in, a Document out.

Per run: what was tested and on which terminal, when (local time), how it ended and whether
its record's signature holds; then each step with one duration and its findings in words,
then the operator's answers in time order. Raw record fields go to an appendix for engineers.
A run that never finished is shown as interrupted, not as tampered with: it was never signed
because it never ended. Call it with the report's language active (``use_language``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo
from pathlib import Path
from typing import Any

from posdiag.documents.model import (
    Appendix,
    Badge,
    Document,
    Facts,
    Heading,
    Paragraph,
    Section,
    Stamp,
    Table,
)
from posdiag.i18n import _, ngettext
from posdiag.i18n_format import format_datetime, format_duration, format_list, parse_time
from posdiag.i18n_terms import outcome_word, step_kind_word, terminal_field_word
from posdiag.report.model import (
    INTERRUPTED,
    NOT_VERIFIED,
    VERIFIED,
    ReportEntry,
    outcome_counts,
)
from posdiag.report.words import (
    answer_word,
    answered_by_words,
    currency_text,
    mapping,
    prompt_words,
    sequence,
    step_findings,
    without_local_paths,
)

KIND = "test-report"


def sorted_entries(entries: Sequence[ReportEntry]) -> list[ReportEntry]:
    """Runs in the order they happened (unreadable start times last, in the given order)."""
    def key(indexed: tuple[int, ReportEntry]) -> tuple[int, float, int]:
        moment = parse_time(indexed[1].started)
        return (0, moment.timestamp(), indexed[0]) if moment else (1, 0.0, indexed[0])

    return [entry for _i, entry in sorted(enumerate(entries), key=key)]


def badge(outcome: str | None) -> Badge:
    code = outcome or "RUNNING"
    return Badge(code, outcome_word(code))


def report_document(entries: Sequence[ReportEntry], stamp: Stamp, zone: tzinfo) -> Document:
    """The report of ``entries`` (already in time order) in the current language."""
    plans = {str(mapping(e.record.get("plan")).get("name") or "") for e in entries}
    title = _("Test report")
    if len(plans) == 1 and next(iter(plans)):
        title = _("Test report: {plan}").format(plan=next(iter(plans)))
    counts = outcome_counts(entries)
    shown = format_list([_("{count} {outcome}").format(count=n, outcome=outcome_word(code))
                         for code, n in counts.items() if n])
    header = (
        (_("Made"), format_datetime(stamp.generated, zone=zone)),
        (_("Runs"), _("{runs} ({outcomes})").format(
            runs=ngettext("{count} run", "{count} runs", len(entries)).format(count=len(entries)),
            outcomes=shown)),
        (_("Times in"), stamp.zone),
    )
    sections = [_summary(entries, zone)]
    sections += [_run(number, entry, zone) for number, entry in enumerate(entries, 1)]
    return Document(
        title=title, stamp=stamp, header=header, sections=tuple(sections),
        appendix=_appendix(entries),
        footer=_("posdiag {version} test report {reference}").format(
            version=stamp.tool_version, reference=stamp.reference),
        qr_caption=_("Scan to match this page with its test records"))


def _signature_word(entry: ReportEntry) -> Badge:
    state = entry.signature.state
    if state == VERIFIED:
        return Badge("PASS", _("verified"))
    if state == INTERRUPTED:
        return Badge("SKIPPED", _("unsigned (interrupted)"))
    return Badge("FAIL", _("does NOT verify"))


def _terminal_line(record: Mapping[str, Any]) -> str:
    terminal = mapping(record.get("terminal"))
    model = terminal.get("device_name") or "—"
    serial = terminal.get("serial_number")
    return f"{model}\n{serial}" if serial else str(model)


def _summary(entries: Sequence[ReportEntry], zone: tzinfo) -> Section:
    rows = []
    for number, entry in enumerate(entries, 1):
        record = entry.record
        rows.append((str(number), str(mapping(record.get("plan")).get("name") or "—"),
                     _terminal_line(record),
                     str(mapping(record.get("terminal")).get("terminal_id") or "—"),
                     format_datetime(record.get("started"), zone=zone),
                     format_duration(record.get("seconds")), badge(entry.outcome),
                     _signature_word(entry)))
    blocks: list[Any] = [Table(
        header=("#", _("Plan"), _("Terminal"), _("Terminal ID"), _("Started"), _("Duration"),
                _("Outcome"), _("Signature")),
        rows=tuple(rows), widths=(0.5, 2, 3, 1.8, 3, 1.4, 1.6, 2), numeric=(0,))]
    broken = sum(1 for e in entries if e.signature.state == NOT_VERIFIED)
    if broken:
        blocks.append(Paragraph(ngettext(
            "{count} record's signature does NOT verify: its content may have been altered.",
            "{count} records' signatures do NOT verify: their content may have been altered.",
            broken).format(count=broken), "fail", boxed=True))
    return Section(_("Summary"), tuple(blocks), anchor="summary")


def _signature_block(entry: ReportEntry) -> Paragraph:
    signature = entry.signature
    if signature.state == VERIFIED:
        if signature.key_source == "record":
            text = _("Signature verified with the key named in the record (this proves the record "
                     "is unchanged; compare the key with the kit's): {key}")
        else:
            text = _("Signature verified with the given kit key: {key}")
        return Paragraph(text.format(key=signature.key or "—"), "ok", boxed=True)
    if signature.state == INTERRUPTED:
        return Paragraph(_(
            "This run never finished (interrupted: the program, the cable or the power stopped "
            "it). Its record was never signed; it shows the steps up to that moment."),
            "warn", boxed=True)
    return Paragraph(_(
        "This record's signature does NOT verify: {detail} Its content may have been altered; "
        "do not rely on it.").format(detail=without_local_paths(signature.detail)), "fail",
        boxed=True)


def _run(number: int, entry: ReportEntry, zone: tzinfo) -> Section:
    record = entry.record
    plan = mapping(record.get("plan"))
    terminal = mapping(record.get("terminal"))
    steps = [mapping(s) for s in sequence(record.get("steps"))]
    blocks: list[Any] = [_signature_block(entry)]
    if record.get("message"):
        blocks.append(Paragraph(_("Why: {message}").format(message=record.get("message")),
                                "fail"))
    blocks.append(Heading(_("Terminal"), 3))
    blocks.append(Facts(tuple(
        (terminal_field_word(key), currency_text(terminal.get(key)) if key == "currency"
         else str(terminal.get(key) or "—"))
        for key in ("device_name", "serial_number", "terminal_id", "merchant_id",
                    "software_version", "currency", "status_text"))))
    blocks.append(Heading(_("Run"), 3))
    finished = (format_datetime(record.get("finished"), zone=zone) if record.get("finished")
                else _("did not finish"))
    blocks.append(Facts((
        (_("Plan"), str(plan.get("name") or "—")
         + (f"\n{plan.get('description')}" if plan.get("description") else "")),
        (_("Started"), format_datetime(record.get("started"), zone=zone)),
        (_("Finished"), finished),
        (_("Duration"), format_duration(record.get("seconds"))),
        (_("Answered by"), answered_by_words(record.get("operator"))),
        (_("Outcome"), badge(entry.outcome)),
    )))
    total = plan.get("steps") if isinstance(plan.get("steps"), int) else len(steps)
    blocks.append(Heading(_("Steps ({done} of {total})").format(done=len(steps), total=total),
                          3))
    if steps:
        blocks.append(Table(
            header=("#", _("Step"), _("Outcome"), _("Duration"), _("What was found")),
            rows=tuple(_step_row(i, step) for i, step in enumerate(steps, 1)),
            widths=(0.5, 3, 1.6, 1.4, 7), numeric=(0, 3)))
    else:
        blocks.append(Paragraph(_("No step was run."), "muted"))
    prompts = _prompt_rows(steps, zone)
    if prompts:
        blocks.append(Heading(_("Questions and answers"), 3))
        blocks.append(Table(header=(_("Time"), _("Step"), _("Question"), _("Answer"), _("By")),
                            rows=tuple(prompts), widths=(2.6, 2, 5.4, 1.6, 1.4)))
    plan_name = str(plan.get("name") or "—")
    return Section(_("{number}. {plan}").format(number=number, plan=plan_name), tuple(blocks),
                   anchor=f"run-{number}", badge=badge(entry.outcome), new_page=True)


def _step_row(number: int, step: Mapping[str, Any]) -> tuple[Any, ...]:
    name = str(step.get("name") or "—")
    kind = step_kind_word(str(step.get("kind") or ""))
    label = name if kind in ("", name) else f"{name}\n{kind}"
    outcome = str(step.get("outcome") or "RUNNING")
    findings = "\n".join(step_findings(step)) or "—"
    return (str(number), label, badge(outcome), format_duration(step.get("seconds")), findings)


def _prompt_rows(steps: Sequence[Mapping[str, Any]], zone: tzinfo) -> list[tuple[str, ...]]:
    found: list[tuple[float, int, tuple[str, ...]]] = []
    for step in steps:
        prompts: list[Any] = []
        for attempt in sequence(step.get("attempts")):
            prompts.extend(sequence(mapping(attempt).get("prompts")))
        prompts.extend(sequence(step.get("prompts")))  # a step still running keeps them here
        for item in prompts:
            prompt = mapping(item)
            moment = parse_time(prompt.get("at"))
            answer = answer_word(prompt.get("answer"))
            if prompt.get("reason"):
                answer = f"{answer}\n{without_local_paths(str(prompt.get('reason')))}"
            row = (format_datetime(prompt.get("at"), zone=zone) if prompt.get("at") else "—",
                   str(step.get("name") or "—"),
                   prompt_words(step, prompt), answer,
                   answered_by_words(prompt.get("by")))
            found.append((moment.timestamp() if moment else float("inf"), len(found), row))
    return [row for _t, _n, row in sorted(found)]


def _appendix(entries: Sequence[ReportEntry]) -> Appendix:
    groups = []
    for number, entry in enumerate(entries, 1):
        # The record file by its name: the folders it was read from are the technician's.
        source = Path(entry.source).name or entry.source
        rows = [("source", source), ("sha256", entry.sha256),
                ("signature", entry.signature.state), ("signature.key", entry.signature.key or ""),
                ("signature.detail", entry.signature.detail)]
        rows += flatten(entry.record)
        groups.append((_("Run {number}: {source}").format(number=number, source=source),
                       tuple((k, without_local_paths(v)) for k, v in rows)))
    return Appendix(_("Raw record fields (for engineers)"),
                    _("Every field of each record as written by posdiag test "
                      "(docs/test-record.md); times in UTC, amounts in minor units."),
                    tuple(groups))


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested record data as ``a.b[1].c: value`` rows; lists of plain values on one row."""
    if isinstance(value, Mapping):
        rows: list[tuple[str, str]] = []
        for key, item in value.items():
            rows.extend(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return rows
    if isinstance(value, list | tuple):
        if all(not isinstance(v, Mapping | list | tuple) for v in value):
            return [(prefix, ", ".join(_plain(v) for v in value))]
        rows = []
        for index, item in enumerate(value, 1):
            rows.extend(flatten(item, f"{prefix}[{index}]"))
        return rows
    return [(prefix, _plain(value))]


def _plain(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
