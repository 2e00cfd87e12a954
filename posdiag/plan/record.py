"""The JSON test record (docs/test-record.md): written as the run goes, signed at the end.

After every event the whole document is rewritten atomically (temporary file in the same
folder, fsync, os.replace), so a crash or a pulled cable leaves the last complete state with
``"state": "running"``. When the run finishes the record is signed with the kit key in
minisign format (``<record>.json.minisig``), as backup manifests are. The whole document
passes ``posdiag.cards.mask_data`` on the way out: no field, whatever its name, holds a card
number.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from posdiag import __version__
from posdiag.cards import mask_data
from posdiag.errors import MediaError, VerificationError
from posdiag.i18n import _
from posdiag.plan.model import OUTCOMES, Attempt, Measurement, RunResult, StepResult
from posdiag.plan.runner import (
    AttemptFinished,
    Event,
    PromptAnswered,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
)
from posdiag.plan.series import SeriesLink

RECORD_FORMAT = "posdiag-test-record"
RECORD_VERSION = 1
SIGNATURE_SUFFIX = ".minisig"


def masked(value: Any) -> Any:
    """The value with every card number masked, at any depth: strings, keys and numbers
    (posdiag.cards.mask_data, the guard every record writer uses)."""
    return mask_data(value)


def measurement_json(m: Measurement) -> dict[str, Any]:
    return {"name": m.name, "value": m.value, "units": m.units,
            "min": m.limit.minimum if m.limit else None,
            "max": m.limit.maximum if m.limit else None,
            "outcome": "PASS" if m.passed else "FAIL"}


def attempt_json(a: Attempt) -> dict[str, Any]:
    return {"number": a.number, "outcome": a.outcome, "error_class": a.error_class,
            "message": a.message, "started": a.started, "seconds": a.seconds,
            "measurements": [measurement_json(m) for m in a.measurements],
            "prompts": [asdict(p) for p in a.prompts], "data": a.data,
            "slip": a.slip or None, "then": a.then or None}


def step_json(result: StepResult) -> dict[str, Any]:
    spec = result.spec
    return {"name": spec.name, "kind": spec.kind, "line": spec.line,
            "description": spec.description, "outcome": result.outcome,
            "error_class": result.error_class, "message": result.message,
            "seconds": round(result.seconds, 4), "timeout": spec.timeout,
            "retries": spec.retries, "continue_on_fail": spec.continue_on_fail,
            "options": spec.options,
            "limits": {k: {"min": v.minimum, "max": v.maximum} for k, v in spec.limits.items()},
            "attempts": [attempt_json(a) for a in result.attempts]}


class RecordWriter:
    """A runner listener that keeps ``path`` up to date and signs it when the run ends."""

    def __init__(self, directory: str | Path, kit_key: Any = None, *,
                 series: SeriesLink | None = None,
                 selected: frozenset[str] | None = None) -> None:
        self.directory = Path(directory)
        self.kit_key = kit_key
        self.series = series or SeriesLink(None)
        self.selected = selected
        self.path: Path | None = None
        self.signature: Path | None = None
        self.doc: dict[str, Any] = {}
        self._current: dict[str, Any] | None = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._start(event)
        elif isinstance(event, StepStarted):
            self._current = {"name": event.spec.name, "kind": event.spec.kind,
                             "outcome": "RUNNING", "attempts": [], "prompts": []}
            self.doc["steps"].append(self._current)
        elif isinstance(event, PromptAnswered) and self._current is not None:
            self._current["prompts"].append(asdict(event.prompt))
        elif isinstance(event, AttemptFinished) and self._current is not None:
            self._current["attempts"].append(attempt_json(event.attempt))
            self._current["prompts"] = []
        elif isinstance(event, StepFinished):
            self._finish_step(event)
        elif isinstance(event, RunFinished):
            self._finish(event.result)
            return
        self._write()

    def _start(self, event: RunStarted) -> None:
        run_id = uuid.uuid4().hex
        stamp = event.started.replace("-", "").replace(":", "").split(".")[0]
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / f"posdiag-test-{stamp}Z-{run_id[:8]}.json"
        plan = event.plan
        self.doc = {
            "format": RECORD_FORMAT, "version": RECORD_VERSION, "run_id": run_id,
            "state": "running", "outcome": None, "error_class": None, "message": "",
            "started": event.started, "finished": None, "seconds": None,
            "tool": {"name": "posdiag", "version": __version__},
            "kit": {"key": self.kit_key.public_key if self.kit_key else None,
                    "host": socket.gethostname()},
            "port": event.port, "operator": event.operator,
            "plan": {"name": plan.name, "file": plan.path, "sha256": plan.sha256,
                     "description": plan.description, "steps": len(plan.steps)},
            "series": {"id": self.series.id or run_id, "continues": self.series.continues},
            "selected": [s.name for s in plan.steps if s.name in self.selected]
            if self.selected is not None else None,
            "terminal": None, "steps": [], "summary": {},
        }

    def _finish_step(self, event: StepFinished) -> None:
        entry = step_json(event.result)
        steps = self.doc["steps"]
        if self._current is not None and steps and steps[-1] is self._current:
            steps[-1] = entry
        else:
            steps.append(entry)
        self._current = None
        if event.identity is not None:
            self.doc["terminal"] = event.identity

    def _finish(self, result: RunResult) -> None:
        self.doc.update({
            "state": "finished", "outcome": result.outcome, "error_class": result.error_class,
            "message": result.message, "finished": result.finished, "seconds": result.seconds,
            "terminal": result.terminal, "steps": [step_json(s) for s in result.steps],
            "summary": {o: result.count(o) for o in OUTCOMES},
        })
        data = self._write()
        if self.kit_key is not None and self.path is not None:
            from posdiag.backup.manifest import sign_manifest

            comment = (f"posdiag test record {self.doc['run_id']} plan {result.plan.name} "
                       f"outcome {result.outcome}")
            self.signature = self.path.with_name(self.path.name + SIGNATURE_SUFFIX)
            _atomic_write(self.signature, sign_manifest(data, self.kit_key.private_key,
                                                        comment))

    def _write(self) -> bytes:
        data = (json.dumps(masked(self.doc), indent=2, ensure_ascii=False, default=str)
                + "\n").encode("utf-8")
        if self.path is not None:
            _atomic_write(self.path, data)
        return data


def _atomic_write(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with open(temporary, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError as err:
        raise MediaError(_("cannot write the test record {path} ({strerror}); check "
                           "the folder given to --record.").format(
                             path=path, strerror=err.strerror)) from err


def load_record(path: str | Path) -> dict[str, Any]:
    """A record as a dict; VerificationError if it is not a posdiag test record."""
    path = Path(path)
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise VerificationError(_("{path} is not a readable test record ({err}).").format(
                                    path=path, err=err)) from err
    if not isinstance(doc, dict) or doc.get("format") != RECORD_FORMAT:
        raise VerificationError(_("{path} is not a posdiag test record.").format(path=path))
    return doc


def verify_record(path: str | Path, public_key: str | None = None) -> str:
    """Check a finished record's signature; returns its trusted comment.

    Without ``public_key`` the key named in the record is used: that proves integrity only;
    pass the kit's known key to prove which kit wrote it."""
    from posdiag.backup.manifest import verify_manifest_signature

    path = Path(path)
    doc = load_record(path)
    key = public_key or (doc.get("kit") or {}).get("key")
    if not key:
        raise VerificationError(_("{path} names no kit key; it was written unsigned.").format(
                                    path=path))
    signature = path.with_name(path.name + SIGNATURE_SUFFIX)
    try:
        signature_bytes = signature.read_bytes()
    except OSError as err:
        raise VerificationError(_("the signature {signature} is missing; the run did "
                                  "not finish or the file was lost.").format(
                                    signature=signature)) from err
    return verify_manifest_signature(path.read_bytes(), signature_bytes, key, path.name)
