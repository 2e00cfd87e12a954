"""Find test records, load and verify each, and write the report: `posdiag report`.

A record that cannot be read stops the report (BadInput naming the file): a report that
silently leaves a run out would mislead. A record whose signature does not verify is still
shown, marked, because the technician needs to see what it claims and that it is not proven.
A record left "running" without a signature is an interrupted run, shown as such.

The report's source, for its stamp and QR code, is the list of record files with their
SHA-256 (``source_listing``): a printed report names exactly the records it was made from,
and ``verify_report_pdf`` re-renders a PDF from them to prove it unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Literal

from posdiag import __version__
from posdiag.cards import mask_data
from posdiag.documents.model import Stamp
from posdiag.errors import BadInput, MediaError, PosdiagError
from posdiag.i18n import _, current_language, use_language
from posdiag.i18n_format import local_zone, zone_name, zone_named
from posdiag.report.model import (
    INTERRUPTED,
    NOT_VERIFIED,
    ReportEntry,
    SignatureStatus,
    outcome_counts,
)

# Record files as `posdiag test` names them; a folder is searched (recursively) for these only,
# so a backup set's manifests or a JUnit file beside them are not mistaken for records.
RECORD_GLOB = "posdiag-test-*.json"
Form = Literal["html", "pdf"]


@dataclass(frozen=True, slots=True)
class ReportResult:
    output: Path
    entries: tuple[ReportEntry, ...]
    form: Form
    stamp: Stamp

    @property
    def counts(self) -> dict[str, int]:
        return outcome_counts(self.entries)

    @property
    def not_verified(self) -> tuple[ReportEntry, ...]:
        """Records whose signature fails (altered, wrong key) — not the interrupted ones."""
        return tuple(e for e in self.entries if e.signature.state == NOT_VERIFIED)

    @property
    def interrupted(self) -> tuple[ReportEntry, ...]:
        return tuple(e for e in self.entries if e.signature.state == INTERRUPTED)


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
                raise BadInput(_("The folder {folder} holds no test records ({pattern}); name "
                                 "the record files or the folder given to --record.").format(
                                     folder=path, pattern=RECORD_GLOB))
        elif path.is_file():
            inside = [path]
        else:
            raise BadInput(_("The test record {path} does not exist; check the path.").format(
                path=path))
        for record in inside:
            key = record.resolve()
            if key not in seen:
                seen.add(key)
                found.append(record)
    if not found:
        raise BadInput(_("No test record was named; give record files or folders."))
    return found


def load_entry(path: Path, public_key: str | None = None) -> ReportEntry:
    """One record and its signature status; BadInput if it is not a readable record."""
    from posdiag.plan.record import SIGNATURE_SUFFIX, load_record, verify_record

    try:
        record = load_record(path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except (PosdiagError, OSError) as err:
        raise BadInput(_("Cannot read the test record {path} ({reason}); name only records "
                         "written by `posdiag test`.").format(path=path, reason=err)) from err
    # A record from elsewhere may not have been masked: every field passes the PAN guard
    # before anything of it is rendered (the renderer masks each value once more).
    record = mask_data(record)
    kit = record.get("kit")
    named_key = kit.get("key") if isinstance(kit, dict) else None
    key = public_key or named_key
    source = "given" if public_key else "record"
    signature_file = path.with_name(path.name + SIGNATURE_SUFFIX)
    if record.get("state") == "running" and not signature_file.exists():
        # The run stopped before its end, where records are signed: nothing to verify yet.
        return ReportEntry(str(path), record, SignatureStatus(
            False, key, source, _("the run never finished, so its record was never signed."),
            interrupted=True), digest)
    try:
        comment = verify_record(path, public_key)
    except PosdiagError as err:
        # Any failed check (altered bytes, missing .minisig, unsigned run, malformed key) is
        # shown in the report rather than stopping it.
        return ReportEntry(str(path), record, SignatureStatus(False, key, source, str(err)),
                           digest)
    return ReportEntry(str(path), record, SignatureStatus(True, key, source, comment), digest)


def source_listing(entries: Sequence[ReportEntry]) -> bytes:
    """What the report is made from: one ``<sha256>  <file name>`` line per record, in order."""
    return "".join(f"{e.sha256}  {Path(e.source).name}\n" for e in entries).encode("utf-8")


def report_stamp(entries: Sequence[ReportEntry], language: str, generated: str,
                 zone: tzinfo) -> Stamp:
    run_ids = [str(e.record.get("run_id") or "")[:8] or "?" for e in entries]
    reference = run_ids[0] if len(run_ids) == 1 else "+".join(run_ids[:6]) + (
        f"+{len(run_ids) - 6}" if len(run_ids) > 6 else "")
    return Stamp(kind="test-report", reference=reference,
                 source_sha256=hashlib.sha256(source_listing(entries)).hexdigest(),
                 language=language, generated=generated, tool_version=__version__,
                 zone=zone_name(zone))


def render_report(entries: Sequence[ReportEntry], stamp: Stamp, form: Form) -> bytes:
    """The report of ``entries`` (in time order) as the stamp says: language, time, zone."""
    from posdiag.report.document import report_document

    with use_language(stamp.language):
        document = report_document(entries, stamp, zone_named(stamp.zone))
        if form == "pdf":
            from posdiag.documents.pdf import render_pdf

            return render_pdf(document)
        from posdiag.documents.html import render_html

        return render_html(document).encode("utf-8")


def form_of(output: Path, pdf: bool) -> Form:
    return "pdf" if pdf or output.suffix.lower() == ".pdf" else "html"


def build_report(inputs: Sequence[str | Path], output: str | Path, *,
                 public_key: str | None = None, pdf: bool = False,
                 language: str | None = None, zone: tzinfo | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> ReportResult:
    """Load and verify the records named by ``inputs`` and write the report to ``output``.

    HTML unless ``pdf`` or ``output`` ends in .pdf; in ``language`` (default: the current
    one); times in ``zone`` (default: this machine's)."""
    from posdiag.report.document import sorted_entries

    output = Path(output)
    if output.is_dir():
        raise BadInput(_("The report output {output} is a folder; give a file name such as "
                         "report.html.").format(output=output))
    entries = tuple(sorted_entries([load_entry(p, public_key) for p in record_paths(inputs)]))
    zone = zone or local_zone()
    generated = now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    stamp = report_stamp(entries, language or current_language(), generated, zone)
    form = form_of(output, pdf)
    data = render_report(entries, stamp, form)
    try:
        output.write_bytes(data)
    except OSError as err:
        raise MediaError(_("Cannot write the report {output} ({reason}); check the folder "
                           "exists and is writable.").format(output=output,
                                                            reason=err.strerror or err)) from err
    return ReportResult(output, entries, form, stamp)


def verify_report_pdf(pdf: bytes, inputs: Sequence[str | Path], *,
                      public_key: str | None = None) -> Stamp:
    """Check a report PDF against the records it names: same records, same pages.

    VerificationError if the records differ or the PDF was changed after it was made."""
    from posdiag.documents.stamp import verify_pdf
    from posdiag.report.document import sorted_entries

    entries = tuple(sorted_entries([load_entry(p, public_key) for p in record_paths(inputs)]))
    return verify_pdf(pdf, source_listing(entries),
                      lambda stamp: render_report(entries, stamp, "pdf"),
                      tool_version=__version__)
