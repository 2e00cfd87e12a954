"""JUnit XML for CI tools: one <testcase> per step, attempts told in <system-out>.

Retries stay visible (each attempt is listed) without turning a step that passed on its second
attempt into a failed test case. ERROR (infrastructure) becomes <error type="infrastructure">,
so dashboards can tell a missing device from a failed terminal. All text is PAN-masked.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from posdiag import __version__
from posdiag.cards import mask_text
from posdiag.i18n import _
from posdiag.plan.model import ABORTED, ERROR, FAIL, SKIPPED, RunResult, StepResult


def junit_xml(result: RunResult, *, record_path: str | None = None,
              kit_key: str | None = None) -> bytes:
    plan = result.plan
    failures = result.count(FAIL)
    errors = result.count(ERROR) + result.count(ABORTED)
    suite = ET.Element("testsuite", {
        "name": plan.name, "tests": str(len(result.steps)), "failures": str(failures),
        "errors": str(errors), "skipped": str(result.count(SKIPPED)),
        "time": f"{result.seconds:.3f}", "timestamp": result.started.rstrip("Z"),
    })
    properties = ET.SubElement(suite, "properties")
    props = {"posdiag.version": __version__, "plan.file": plan.path, "plan.sha256": plan.sha256,
             "outcome": result.outcome, "record": record_path, "kit.key": kit_key}
    for name, value in (result.terminal or {}).items():
        props[f"terminal.{name}"] = None if value is None else str(value)
    for name, value in props.items():
        if value is not None:
            ET.SubElement(properties, "property", {"name": name, "value": mask_text(value)})
    for step in result.steps:
        _testcase(suite, plan.name, step)
    ET.indent(suite)
    return ET.tostring(suite, encoding="utf-8", xml_declaration=True) + b"\n"


def _testcase(suite: ET.Element, plan_name: str, step: StepResult) -> None:
    case = ET.SubElement(suite, "testcase", {
        "classname": f"posdiag.{plan_name}", "name": step.spec.name,
        "time": f"{step.seconds:.3f}"})
    message = mask_text(step.message)
    if step.outcome == FAIL:
        ET.SubElement(case, "failure", {"message": message, "type": "FAIL"}).text = message
    elif step.outcome == ERROR:
        kind = step.error_class or "test"
        ET.SubElement(case, "error", {"message": message, "type": kind}).text = message
    elif step.outcome == ABORTED:
        ET.SubElement(case, "error", {"message": message, "type": "ABORTED"}).text = message
    elif step.outcome == SKIPPED:
        ET.SubElement(case, "skipped", {"message": message})
    lines = []
    for attempt in step.attempts:
        lines.append(f"attempt {attempt.number}: {attempt.outcome} in {attempt.seconds:.3f} s"
                     + (f" - {attempt.message}" if attempt.message else ""))
        for m in attempt.measurements:
            limit = f" (limit {m.limit.describe()})" if m.limit else ""
            lines.append(f"  {m.name} = {m.value:g} {m.units}{limit}")
        for p in attempt.prompts:
            lines.append(f"  prompt {p.id}: {p.text} -> {p.answer} by {p.by}")
    if lines:
        ET.SubElement(case, "system-out").text = mask_text("\n".join(lines))


def write_junit(path: str | Path, result: RunResult, **kwargs: str | None) -> Path:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(junit_xml(result, **kwargs))
    except OSError as err:
        from posdiag.errors import MediaError

        raise MediaError(_("cannot write the JUnit file {path} ({strerror}).").format(
                             path=path, strerror=err.strerror)) from err
    return path
