"""Find test records, load and verify each, and write the HTML report: `posdiag report`.

A record that cannot be read stops the report (BadInput naming the file): a report that
silently leaves a run out would mislead. A record whose signature does not verify is still
shown, marked, because the technician needs to see what it claims and that it is not proven.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from posdiag import __version__
from posdiag.cards import mask_data
from posdiag.errors import BadInput, MediaError, PosdiagError
from posdiag.report.html import outcome_counts, render_report
from posdiag.report.model import ReportEntry, SignatureStatus

# Record files as `posdiag test` names them; a folder is searched (recursively) for these only,
# so a backup set's manifests or a JUnit file beside them are not mistaken for records.
RECORD_GLOB = "posdiag-test-*.json"


@dataclass(frozen=True, slots=True)
class ReportResult:
    output: Path
    entries: tuple[ReportEntry, ...]

    @property
    def counts(self) -> dict[str, int]:
        return outcome_counts(self.entries)

    @property
    def not_verified(self) -> tuple[ReportEntry, ...]:
        return tuple(e for e in self.entries if not e.signature.verified)


def record_paths(inputs: Iterable[str | Path]) -> list[Path]:
    """The record files named by ``inputs`` (files, or folders searched for records), in order.

    Each file appears once even if named twice (directly and through its folder)."""
    found: list[Path] = []
    seen: set[Path] = set()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            inside = sorted(p for p in path.rglob(RECORD_GLOB) if p.is_file())
            if not inside:
                raise BadInput(f"The folder {path} holds no test records ({RECORD_GLOB}); "
                               "name the record files or the folder given to --record.")
        elif path.is_file():
            inside = [path]
        else:
            raise BadInput(f"The test record {path} does not exist; check the path.")
        for record in inside:
            key = record.resolve()
            if key not in seen:
                seen.add(key)
                found.append(record)
    if not found:
        raise BadInput("No test record was named; give record files or folders.")
    return found


def load_entry(path: Path, public_key: str | None = None) -> ReportEntry:
    """One record and its signature status; BadInput if it is not a readable record."""
    from posdiag.plan.record import load_record, verify_record

    try:
        record = load_record(path)
    except PosdiagError as err:
        raise BadInput(f"Cannot read the test record {path} ({err}); name only records written "
                       "by `posdiag test`.") from err
    # A record from elsewhere may not have been masked: every field passes the PAN guard
    # before anything of it is rendered (html.py masks each value once more).
    record = mask_data(record)
    kit = record.get("kit")
    named_key = kit.get("key") if isinstance(kit, dict) else None
    key = public_key or named_key
    source = "given" if public_key else "record"
    try:
        comment = verify_record(path, public_key)
    except PosdiagError as err:
        # Any failed check (altered bytes, missing .minisig, unsigned run, malformed key) is
        # shown in the report rather than stopping it.
        return ReportEntry(str(path), record, SignatureStatus(False, key, source, str(err)))
    return ReportEntry(str(path), record, SignatureStatus(True, key, source, comment))


def build_report(inputs: Sequence[str | Path], output: str | Path, *,
                 public_key: str | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> ReportResult:
    """Load and verify the records named by ``inputs`` and write the HTML page to ``output``."""
    output = Path(output)
    if output.is_dir():
        raise BadInput(f"The report output {output} is a folder; give a file name such as "
                       "report.html.")
    entries = tuple(load_entry(path, public_key) for path in record_paths(inputs))
    generated = now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    page = render_report(entries, generated=generated, tool_version=__version__)
    try:
        output.write_text(page, encoding="utf-8")
    except OSError as err:
        raise MediaError(f"Cannot write the report {output} ({err.strerror or err}); check the "
                         "folder exists and is writable.") from err
    return ReportResult(output, entries)
