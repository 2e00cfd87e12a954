"""Render test records as one self-contained HTML page: pure, dicts in, text out.

Nothing outside the page is referenced (no scripts, fonts, images or style sheets), so the
file opens offline and prints as it looks. Every value taken from a record goes through
``_text``: the PAN mask first (the record is already masked; this is defence in depth, so a
hand-edited or foreign record cannot put a card number into the report), then HTML escaping.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from posdiag.cards import mask_text
from posdiag.report.model import SUMMARY_OUTCOMES, ReportEntry
from posdiag.report.styles import BADGE_COLOURS, STYLE_SHEET, badge_rules

NOTHING = "—"
TERMINAL_FIELDS = (("device_name", "Device"), ("serial_number", "Serial number"),
                   ("software_version", "Software"), ("terminal_id", "Terminal ID (TID)"),
                   ("merchant_id", "Merchant"), ("currency", "Currency"),
                   ("status_text", "Status"))


def render_report(entries: Sequence[ReportEntry], *, generated: str, tool_version: str) -> str:
    """The whole HTML page for ``entries``; ``generated`` is the time shown as made-at."""
    title = "posdiag test report"
    if len(entries) == 1:
        plan = _mapping(entries[0].record.get("plan")).get("name")
        title = f"posdiag test report: {plan or 'test'}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_text(title)}</title>",
        f"<style>{STYLE_SHEET}{badge_rules()}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{_text(title)}</h1>",
        f'<p class="meta">{len(entries)} record(s); made {_text(generated)} by posdiag '
        f"{_text(tool_version)}.</p>",
    ]
    if len(entries) > 1:
        parts.append(_summary(entries))
    parts.extend(_record_section(number, entry) for number, entry in enumerate(entries, 1))
    parts.extend(["</body>", "</html>", ""])
    return "\n".join(parts)


def outcome_counts(entries: Iterable[ReportEntry]) -> dict[str, int]:
    """How many records ended in each outcome (every SUMMARY_OUTCOMES key, then any other)."""
    counts = dict.fromkeys(SUMMARY_OUTCOMES, 0)
    for entry in entries:
        counts[entry.outcome] = counts.get(entry.outcome, 0) + 1
    return counts


# --- page parts ------------------------------------------------------------------------------


def _summary(entries: Sequence[ReportEntry]) -> str:
    counts = outcome_counts(entries)
    shown = [f"{_badge(name)} {count}" for name, count in counts.items()
             if count or name in ("PASS", "FAIL", "ERROR")]
    unverified = sum(1 for e in entries if not e.signature.verified)
    rows = []
    for number, entry in enumerate(entries, 1):
        record = entry.record
        terminal = _mapping(record.get("terminal"))
        signature = ("verified" if entry.signature.verified
                     else '<span class="fail">does NOT verify</span>')
        rows.append(
            f'<tr><td class="num"><a href="#record-{number}">{number}</a></td>'
            f"<td>{_text(_mapping(record.get('plan')).get('name'))}</td>"
            f"<td>{_text(terminal.get('serial_number'))}</td>"
            f"<td>{_text(terminal.get('terminal_id'))}</td>"
            f"<td>{_text(record.get('started'))}</td>"
            f"<td>{_badge(entry.outcome)}</td><td>{signature}</td></tr>")
    warning = ""
    if unverified:
        warning = (f'<p class="sig-bad">{unverified} record(s): signature does NOT verify; '
                   "their content may have been altered.</p>")
    return "\n".join([
        '<div class="summary">',
        "<h2>Summary</h2>",
        f'<p class="big">{" &nbsp; ".join(shown)}</p>',
        warning,
        "<table><thead><tr><th>#</th><th>Plan</th><th>Serial number</th><th>TID</th>"
        "<th>Started</th><th>Outcome</th><th>Signature</th></tr></thead><tbody>",
        *rows,
        "</tbody></table>",
        "</div>",
    ])


def _record_section(number: int, entry: ReportEntry) -> str:
    record = entry.record
    plan = _mapping(record.get("plan"))
    steps = [_mapping(s) for s in _sequence(record.get("steps"))]
    message = record.get("message")
    parts = [
        f'<section class="record" id="record-{number}">',
        f"<h2>{number}. Plan {_text(plan.get('name'))} {_badge(entry.outcome, big=True)}</h2>",
        f'<p class="meta">{_text(entry.source)}</p>',
        _signature_block(entry),
    ]
    if message:
        parts.append(f'<p class="fail">{_text(message)}</p>')
    parts.append(_facts(record))
    parts.append(f"<h3>Steps ({len(steps)} of {_text(plan.get('steps', len(steps)))})</h3>")
    parts.append(_steps_table(steps))
    parts.append("<h3>Prompts and answers</h3>")
    parts.append(_prompts_table(steps))
    parts.append("</section>")
    return "\n".join(parts)


def _signature_block(entry: ReportEntry) -> str:
    signature = entry.signature
    key = f'<span class="key">{_text(signature.key)}</span>'
    if signature.verified:
        whose = ("the key named in the record (integrity only; compare it with the kit's key)"
                 if signature.key_source == "record" else "the given kit key")
        return (f'<p class="sig-ok">Signature verified with {whose}: {key}<br>'
                f'<span class="muted">{_text(signature.detail)}</span></p>')
    return (f'<p class="sig-bad">This record\'s signature does NOT verify: '
            f"{_text(signature.detail)}<br>"
            f"Key: {key}</p>")


def _facts(record: Mapping[str, Any]) -> str:
    plan = _mapping(record.get("plan"))
    terminal = _mapping(record.get("terminal"))
    kit = _mapping(record.get("kit"))
    tool = _mapping(record.get("tool"))
    seconds = record.get("seconds")
    rows: list[tuple[str, Any]] = [
        ("Plan", plan.get("name")), ("Plan description", plan.get("description")),
        ("Plan file", plan.get("file")), ("Plan SHA-256", plan.get("sha256")),
    ]
    rows += [(label, terminal.get(key)) for key, label in TERMINAL_FIELDS]
    rows += [
        ("Port", record.get("port")), ("Operator", record.get("operator")),
        ("Kit host", kit.get("host")), ("Kit key", kit.get("key")),
        ("Tool", f"{tool.get('name') or 'posdiag'} {tool.get('version') or '?'}"),
        ("Run ID", record.get("run_id")), ("State", record.get("state")),
        ("Started", record.get("started")), ("Finished", record.get("finished")),
        ("Duration", _seconds(seconds)),
        ("Error class", record.get("error_class")),
    ]
    body = "".join(f"<tr><th>{_text(label)}</th><td>{_text(value)}</td></tr>"
                   for label, value in rows)
    return f'<table class="facts"><tbody>{body}</tbody></table>'


def _steps_table(steps: Sequence[Mapping[str, Any]]) -> str:
    if not steps:
        return '<p class="muted">No step was run.</p>'
    rows = []
    for number, step in enumerate(steps, 1):
        attempts = [_mapping(a) for a in _sequence(step.get("attempts"))]
        last = attempts[-1] if attempts else {}
        outcome = step.get("outcome") or "RUNNING"
        rows.append(
            f'<tr><td class="num">{number}</td>'
            f"<td><strong>{_text(step.get('name'))}</strong><br>"
            f'<span class="muted">{_text(step.get("kind"))}</span></td>'
            f"<td>{_badge(str(outcome))}</td>"
            f'<td class="num">{len(attempts)}</td>'
            f"<td>{_measurements(_sequence(last.get('measurements')))}</td>"
            f'<td class="num">{_seconds(step.get("seconds"))}</td>'
            f"<td>{_step_details(step, attempts)}</td></tr>")
    return ("<table><thead><tr><th>#</th><th>Step (kind)</th><th>Outcome</th><th>Attempts</th>"
            "<th>Measurements</th><th>Duration</th><th>Details</th></tr></thead><tbody>"
            + "\n".join(rows) + "</tbody></table>")


def _measurements(measurements: Sequence[Any]) -> str:
    if not measurements:
        return NOTHING
    lines = []
    for item in measurements:
        m = _mapping(item)
        units = m.get("units") or ""
        value = f"{_text(m.get('value'))} {_text(units)}".strip()
        limits = []
        if m.get("min") is not None:
            limits.append(f"≥ {_text(m.get('min'))} {_text(units)}".strip())
        if m.get("max") is not None:
            limits.append(f"≤ {_text(m.get('max'))} {_text(units)}".strip())
        limit = f" (limit {', '.join(limits)})" if limits else ""
        verdict = "" if m.get("outcome") in (None, "PASS") else (
            f' <span class="fail">{_text(m.get("outcome"))}</span>')
        lines.append(f"{_text(m.get('name'))}: {value}{limit}{verdict}")
    return "<br>".join(lines)


def _step_details(step: Mapping[str, Any], attempts: Sequence[Mapping[str, Any]]) -> str:
    items = []
    if step.get("message"):
        items.append(f'<li class="fail">{_text(step.get("message"))}</li>')
    if step.get("description"):
        items.append(f'<li class="muted">{_text(step.get("description"))}</li>')
    for attempt in attempts[:-1]:
        # Earlier attempts of a retried step: why each one did not count.
        items.append(f"<li>attempt {_text(attempt.get('number'))}: "
                     f"{_text(attempt.get('outcome'))} {_text(attempt.get('message') or '')}</li>")
    options = _mapping(step.get("options"))
    if options:
        items.append(f"<li>options: {_flat(options)}</li>")
    data = _mapping(attempts[-1].get("data")) if attempts else {}
    items.extend(f"<li>{line}</li>" for line in _flat_lines(data))
    if not items:
        return NOTHING
    return f'<ul class="details">{"".join(items)}</ul>'


def _prompts_table(steps: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for step in steps:
        prompts: list[Any] = []
        for attempt in _sequence(step.get("attempts")):
            prompts.extend(_sequence(_mapping(attempt).get("prompts")))
        prompts.extend(_sequence(step.get("prompts")))  # a step still running keeps them here
        for item in prompts:
            p = _mapping(item)
            answer = p.get("answer")
            rows.append(
                f"<tr><td>{_text(step.get('name'))}</td><td>{_text(p.get('kind'))}</td>"
                f"<td>{_text(p.get('text'))}</td>"
                f"<td><strong>{_text(answer if answer is not None else 'no answer')}</strong>"
                f"</td><td>{_text(p.get('by'))}</td><td>{_text(p.get('at'))}</td>"
                f"<td>{_text(p.get('reason'))}</td></tr>")
    if not rows:
        return '<p class="muted">No prompts.</p>'
    return ("<table><thead><tr><th>Step</th><th>Kind</th><th>Prompt</th><th>Answer</th>"
            "<th>By</th><th>At</th><th>Reason</th></tr></thead><tbody>"
            + "\n".join(rows) + "</tbody></table>")


# --- values ----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A value as safe HTML text: PAN-masked, then escaped; None and "" become a dash."""
    if value is None or value == "":
        return NOTHING
    if isinstance(value, bool):
        value = "yes" if value else "no"
    return html.escape(mask_text(str(value)))


def _badge(outcome: str, *, big: bool = False) -> str:
    css = outcome.lower() if outcome in BADGE_COLOURS else "other"
    size = " big" if big else ""
    return f'<span class="badge badge-{css}{size}">{_text(outcome)}</span>'


def _seconds(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:.3f} s"
    return _text(value)


def _flat(mapping: Mapping[str, Any]) -> str:
    return "; ".join(_flat_lines(mapping))


def _flat_lines(value: Any, prefix: str = "") -> list[str]:
    """Nested data as ``a.b: value`` lines (escaped); lists of plain values joined by commas."""
    if isinstance(value, Mapping):
        lines = []
        for key, item in value.items():
            lines.extend(_flat_lines(item, f"{prefix}.{key}" if prefix else str(key)))
        return lines
    if isinstance(value, list | tuple):
        if all(not isinstance(v, Mapping | list | tuple) for v in value):
            shown = ", ".join(_text(v) for v in value) if value else NOTHING
            return [f"<code>{_text(prefix)}</code>: {shown}"]
        lines = []
        for index, item in enumerate(value, 1):
            lines.extend(_flat_lines(item, f"{prefix}[{index}]"))
        return lines
    return [f"<code>{_text(prefix)}</code>: {_text(value)}"]


def _mapping(value: Any) -> Mapping[str, Any]:
    # Records may be partial (a crash mid-run) or hand-made: a missing part shows as a dash.
    return value if isinstance(value, Mapping) else {}


def _sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list | tuple) else ()
