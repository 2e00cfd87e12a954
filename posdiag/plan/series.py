"""Part of a plan run again, into the same record series (``--only STEP``, ``--from STEP``).

A run that stopped at a person's slip, or whose question nobody answered, need not start over:
``posdiag test … --only pin-entry`` (or ``--from pin-entry``) runs just those steps; the others
are SKIPPED "not selected" in its record. The new record continues the series of the newest
record of the same plan (same SHA-256) in the same folder — a repair case's records/ or
--record — and names it (``series.id``, ``series.continues``), so the records together show
every step of the plan, each with its newest outcome. Records are never changed afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posdiag.errors import UsageError
from posdiag.i18n import _
from posdiag.plan.model import PASS, Plan

RECORD_GLOB = "posdiag-test-*.json"


def selected_steps(plan: Plan, only: Iterable[str] = (), from_step: str | None = None
                   ) -> frozenset[str] | None:
    """The names of the steps to run; None = all. UsageError for a name the plan lacks."""
    names = [spec.name for spec in plan.steps]
    wanted = [name.strip() for item in only for name in item.split(",") if name.strip()]
    if from_step:
        wanted.append(from_step)
    unknown = [name for name in wanted if name not in names]
    if unknown:
        raise UsageError(_("The plan {plan} has no step {steps}; its steps are: {names}.").format(
            plan=plan.name, steps=", ".join(unknown), names=", ".join(names)))
    if not wanted:
        return None
    chosen = set(wanted) - ({from_step} if from_step else set())
    if from_step:
        chosen |= set(names[names.index(from_step):])
    return frozenset(chosen)


@dataclass(frozen=True, slots=True)
class SeriesLink:
    """What a record says of its series: the series' ID and the record it continues."""

    id: str | None  # None: a new series, named by the run's own ID
    continues: str | None = None  # file name of the newest earlier record of the series


def _records(folder: Path) -> list[dict[str, Any]]:
    found = []
    for path in sorted(folder.glob(RECORD_GLOB)) if folder.is_dir() else ():
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            continue  # not ours to judge here: `posdiag report` says what is wrong with it
        if isinstance(doc, dict) and doc.get("state") == "finished":
            doc["_file"] = path.name
            found.append(doc)
    return sorted(found, key=lambda d: str(d.get("started") or ""))


def series_id(doc: dict[str, Any]) -> str:
    series = doc.get("series")
    if isinstance(series, dict) and series.get("id"):
        return str(series["id"])
    return str(doc.get("run_id") or "")


def continue_series(folder: Path, plan: Plan) -> SeriesLink:
    """The series a partial run continues: the newest finished record of this very plan."""
    same = [d for d in _records(folder) if (d.get("plan") or {}).get("sha256") == plan.sha256]
    if not same:
        return SeriesLink(None)
    newest = same[-1]
    return SeriesLink(series_id(newest), str(newest["_file"]))


@dataclass
class SeriesStatus:
    """Every step of the plan with its newest outcome across the records of one series."""

    id: str
    records: list[str] = field(default_factory=list)
    newest: dict[str, str] = field(default_factory=dict)  # step -> outcome (absent: never run)
    terminals: set[str] = field(default_factory=set)  # serial numbers seen in the series

    def open_steps(self, names: Sequence[str]) -> list[str]:
        return [name for name in names if self.newest.get(name) != PASS]

    @property
    def same_terminal(self) -> bool:
        return len(self.terminals) <= 1


def series_records(folder: Path, sid: str) -> list[dict[str, Any]]:
    """The finished records of one series, oldest first (``_file``: each one's file name)."""
    return [doc for doc in _records(folder) if series_id(doc) == sid]


def series_status(folder: Path, sid: str) -> SeriesStatus:
    status = SeriesStatus(sid)
    for doc in series_records(folder, sid):
        status.records.append(str(doc["_file"]))
        serial = (doc.get("terminal") or {}).get("serial_number")
        if serial:
            status.terminals.add(str(serial))
        selected = doc.get("selected")
        for step in doc.get("steps") or []:
            name = step.get("name")
            if selected is not None and name not in selected:
                continue  # not run in that record: says nothing about the step
            if step.get("outcome") == "SKIPPED" and not step.get("attempts"):
                continue  # not reached (the run stopped before it)
            status.newest[str(name)] = str(step.get("outcome"))
    return status


def rerun_hint(names: Sequence[str], open_steps: Sequence[str]) -> str:
    """The options that run the steps still open: ``--from X`` when they are the plan's tail,
    else ``--only a,b``."""
    if not open_steps:
        return ""
    first = names.index(open_steps[0])
    if list(names[first:]) == list(open_steps):
        return f"--from {open_steps[0]}"
    return "--only " + ",".join(open_steps)
