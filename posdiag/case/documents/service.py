"""Render, write, record and verify the documents of a case.

A document is made from one signed revision of the case file — the newest that verifies —
and says so: its stamp (QR code and PDF metadata) holds the case ID and the SHA-256 of that
revision's file. Writing a document to a file is itself recorded in the case, as a
``document`` action in a new revision (what, which language and form, which file with its
SHA-256, made from which revision): the printout a merchant signs can be traced, and a lost
printout can be written again, which is recorded too.

``render_case_document`` is the one call a page or a script needs (bytes, no file, nothing
recorded); ``write_case_document`` is what ``posdiag case request|certificate -o FILE`` does;
``verify_case_document`` checks a PDF against its case: the revision it names must be one the
case holds and that verifies, and the PDF must be byte for byte what that revision renders
(the stamp's language, time and zone) — an edited page or a page made from an altered case
fails.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from posdiag import __version__
from posdiag.case.documents.words import CERTIFICATE_KIND, KINDS, REQUEST_KIND
from posdiag.case.model import Action, Revision
from posdiag.case.store import CaseFile, RevisionCheck, load_case
from posdiag.documents.model import Document, Stamp
from posdiag.errors import BadInput, MediaError, UsageError, VerificationError
from posdiag.i18n import _, current_language, use_language
from posdiag.i18n_format import local_zone, zone_name, zone_named

if TYPE_CHECKING:
    from posdiag.backup.kitkey import KitKey
    from posdiag.case.actions import Actor
    from posdiag.case.cautions import Show

Form = Literal["html", "pdf"]
DOCUMENT_ACTION = "document"


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    """A case document as bytes, and what it was made from."""

    kind: str  # REQUEST_KIND or CERTIFICATE_KIND
    form: Form
    data: bytes
    stamp: Stamp
    case_id: str
    revision: int  # the case revision it was made from
    revision_sha256: str

    @property
    def media_type(self) -> str:
        return "application/pdf" if self.form == "pdf" else "text/html; charset=utf-8"

    @property
    def file_name(self) -> str:
        """A name for a download: ``<case ID>-request-zh_CN.pdf``."""
        short = "request" if self.kind == REQUEST_KIND else "certificate"
        return f"{self.case_id}-{short}-{self.stamp.language}.{self.form}"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True, slots=True)
class WrittenDocument:
    path: Path
    document: RenderedDocument
    case: CaseFile  # the case file after the document was recorded in it


def form_of(output: Path, pdf: bool) -> Form:
    return "pdf" if pdf or output.suffix.lower() == ".pdf" else "html"


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise BadInput(_("{kind!r} is not a case document; use {kinds}.").format(
            kind=kind, kinds=", ".join(KINDS)))


def build_document(kind: str, case_dir: Path, revision: Revision, stamp: Stamp) -> Document:
    """The document of ``kind`` for one revision, in the language active now."""
    zone = zone_named(stamp.zone)
    case = revision.case
    if kind == REQUEST_KIND:
        from posdiag.case.documents.request import request_document

        return request_document(case, stamp, zone, revision.revision)
    from posdiag.case.documents.certificate import certificate_document
    from posdiag.case.documents.evidence import gather_evidence

    return certificate_document(case, stamp, zone, revision.revision,
                                gather_evidence(case_dir, case))


def render_revision(kind: str, case_dir: Path, revision: Revision, stamp: Stamp,
                    form: Form) -> bytes:
    """A document of one revision as the stamp says (language, time, zone): deterministic."""
    with use_language(stamp.language):
        document = build_document(kind, case_dir, revision, stamp)
        if form == "pdf":
            from posdiag.documents.pdf import render_pdf

            return render_pdf(document)
        from posdiag.documents.html import render_html

        return render_html(document).encode("utf-8")


def require_ready(kind: str, case_file: CaseFile) -> None:
    """UsageError when the case does not yet hold what the document is made of."""
    case = case_file.case
    if kind == REQUEST_KIND and case.request is None:
        raise UsageError(_("Case {case_id} has no replacement request yet; make it with "
                           "`posdiag case request {path} -o FILE`.").format(
                               case_id=case.case_id, path=case_file.path))
    if kind == CERTIFICATE_KIND and not case.replacements:
        raise UsageError(_("Case {case_id} has no acceptance run, so there is nothing to "
                           "certify; test the replacement first with `posdiag test --case "
                           "{path} --plan acceptance`.").format(case_id=case.case_id,
                                                               path=case_file.path))


def render_case_document(case_dir: str | Path, kind: str, *, form: Form = "pdf",
                         language: str | None = None, zone: tzinfo | None = None,
                         now: Callable[[], datetime] = lambda: datetime.now(UTC),
                         case_file: CaseFile | None = None) -> RenderedDocument:
    """The request or the certificate of a case as bytes (HTML or PDF), from the newest
    revision of its case file, which must verify (CaseAltered otherwise, exit 1). Nothing is
    written or recorded; for a web page or a script."""
    _check_kind(kind)
    case_file = case_file or load_case(case_dir)
    case_file.require_unaltered()
    require_ready(kind, case_file)
    head = case_file.head
    assert head is not None and head.revision is not None and head.sha256 is not None
    revision = head.revision
    zone = zone or local_zone()
    stamp = Stamp(kind=kind, reference=revision.case_id, source_sha256=head.sha256,
                  language=language or current_language(),
                  generated=now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                  tool_version=__version__, zone=zone_name(zone))
    data = render_revision(kind, case_file.path, revision, stamp, form)
    return RenderedDocument(kind, form, data, stamp, revision.case_id, head.number, head.sha256)


def write_case_document(case_dir: str | Path, kind: str, output: str | Path,
                        kit_key: KitKey, *, form: Form | None = None,
                        language: str | None = None, zone: tzinfo | None = None,
                        actor: Actor | None = None,
                        now: Callable[[], datetime] = lambda: datetime.now(UTC)
                        ) -> WrittenDocument:
    """Render the document, write it to ``output`` and record it in the case.

    If the case cannot record it (the medium, a concurrent change), the file is removed
    again: no document exists that the case does not know of."""
    from posdiag.case.actions import Actor, act, change_case

    actor = actor or Actor()
    output = Path(output)
    if output.is_dir():
        raise BadInput(_("The output {output} is a folder; give a file name such as "
                         "request.pdf.").format(output=output))
    rendered = render_case_document(case_dir, kind, form=form or form_of(output, False),
                                    language=language, zone=zone, now=now)
    try:
        output.write_bytes(rendered.data)
    except OSError as err:
        raise MediaError(_("Cannot write {output} ({reason}); check the folder exists and is "
                           "writable.").format(output=output,
                                              reason=err.strerror or err)) from err
    details = {"document": kind, "language": rendered.stamp.language, "form": rendered.form,
               "file": output.name, "sha256": rendered.sha256,
               "revision": rendered.revision, "revision_sha256": rendered.revision_sha256}
    try:
        case_file = change_case(case_dir, kit_key,
                                lambda case: act(case, actor, DOCUMENT_ACTION, details=details),
                                actor=actor)
    except BaseException:
        output.unlink(missing_ok=True)
        raise
    return WrittenDocument(output, rendered, case_file)


def _check_output(output: Path, form: Form) -> None:
    if output.is_dir():
        raise BadInput(_("The output {output} is a folder; give a file name such as "
                         "request.pdf.").format(output=output))
    if not output.parent.is_dir():
        raise MediaError(_("Cannot write {output} ({reason}); check the folder exists and is "
                           "writable.").format(output=output, reason=_("no such folder")))
    if form == "pdf":
        from posdiag.documents.pdf import check_pdf_possible

        check_pdf_possible()


def file_request(case_dir: str | Path, kit_key: KitKey, *, actor: Actor | None = None,
                 show: Show = lambda _text: None, force: bool = False, reason: str = "",
                 requested_model: str = "", note: str = "", output: Path | None = None,
                 form: Form | None = None, zone: tzinfo | None = None
                 ) -> tuple[CaseFile, WrittenDocument | None, bool]:
    """`posdiag case request`: mark the request made (the first time) and write its form.

    Once made, the request stands as made: asking again only writes its form again (a lost
    printout), and --model/--note/--force, which would change it, are refused.
    Returns (case file, the document written or None, whether the request was made now)."""
    from posdiag.case.flow import make_request
    from posdiag.errors import IllegalTransition

    current = load_case(case_dir)
    current.require_unaltered()
    made = current.case.request
    made_now = False
    if output is not None and made is None:
        # Whatever would stop the form being written stops the request being marked too.
        _check_output(output, form or form_of(output, False))
    if made is None:
        current = make_request(Path(case_dir), kit_key, actor=actor, show=show, force=force,
                               reason=reason, requested_model=requested_model, note=note)
        made_now = True
    elif requested_model or note or force:
        raise BadInput(_("The request of case {case_id} was made on {date}; it stands as made "
                         "and --model, --note or --force cannot change it. Leave them out to "
                         "write its form again.").format(case_id=current.case.case_id,
                                                         date=made.made_at[:10]))
    elif output is None:
        raise IllegalTransition(_("The request of case {case_id} was already made on {date}; "
                                  "add -o FILE to write its form again.").format(
                                      case_id=current.case.case_id, date=made.made_at[:10]))
    if output is None:
        return current, None, made_now
    written = write_case_document(case_dir, REQUEST_KIND, output, kit_key, form=form,
                                  zone=zone, actor=actor)
    return written.case, written, made_now


# --- verification ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentCheck:
    """A PDF checked against its case: which revision it was made from, and what came after."""

    stamp: Stamp
    case_dir: Path
    revision: int
    newest: int  # the newest revision of the case that verifies
    later: tuple[Action, ...]  # actions recorded after the document's revision (but ``written``)
    written: Action | None = None  # the action recording this very file, when it was written

    @property
    def moved_on(self) -> bool:
        """The case changed after the document was made (other than documents written)."""
        return any(a.kind != DOCUMENT_ACTION for a in self.later)


def find_case(case_id: str, roots: Iterable[Path]) -> Path:
    """The folder of case ``case_id`` under the roots (a case folder is named by its ID)."""
    from posdiag.case.listing import case_folders

    searched = list(roots)
    for folder, _names in case_folders(searched):
        if folder.name == case_id:
            return folder
    raise BadInput(_("Case {case_id} is not in {roots}; give its folder: `posdiag case "
                     "verify-document FILE.pdf CASEDIR`.").format(
                         case_id=case_id, roots=", ".join(map(str, searched)) or "-"))


def verify_case_document(pdf: bytes, case_dir: str | Path | None = None, *,
                         roots: Sequence[Path] = ()) -> DocumentCheck:
    """Check a request or certificate PDF against its case; VerificationError says what fails.

    Without ``case_dir`` the case is looked for by the ID in the stamp under ``roots``."""
    from posdiag.documents.stamp import read_pdf_stamp, verify_pdf

    stamp = read_pdf_stamp(pdf)
    if stamp.kind not in KINDS:
        raise VerificationError(_("This document is a {kind}, not a document of a repair case; "
                                  "check it with the command that made it.").format(
                                      kind=stamp.kind))
    folder = Path(case_dir) if case_dir is not None else find_case(stamp.reference, roots)
    case_file = load_case(folder)
    check = _revision_named(case_file, stamp)
    head = case_file.head
    assert check.revision is not None and head is not None and head.revision is not None
    if check.revision.case_id != stamp.reference:
        raise VerificationError(_("The document names case {named}, but its revision belongs "
                                  "to case {actual}.").format(named=stamp.reference,
                                                              actual=check.revision.case_id))
    revision = check.revision

    digest = hashlib.sha256(pdf).hexdigest()
    # Every document posdiag writes is recorded, with its SHA-256, in a signed revision of
    # the case: such a file is the one written, whatever this version of posdiag would
    # render today (a layout changed by an update must not void last year's certificate).
    # A document the case does not record must render again to exactly its bytes.
    recorded = any(a.kind == DOCUMENT_ACTION and a.details.get("sha256") == digest
                   and a.details.get("revision") == check.number
                   and a.details.get("revision_sha256") == check.sha256
                   for a in head.revision.case.actions)

    def render(as_stamped: Stamp) -> bytes:
        return render_revision(stamp.kind, folder, revision, as_stamped, "pdf")

    try:
        source = (folder / check.name).read_bytes()
    except OSError as err:
        raise MediaError(_("Cannot read {path} ({reason}); check the medium.").format(
            path=folder / check.name, reason=err.strerror or err)) from err
    verify_pdf(pdf, source, None if recorded else render, tool_version=__version__)
    if case_file.problems:
        raise VerificationError(_(
            "The document matches revision {number} of case {case_id}, but the case file does "
            "not verify now ({problem}); see `posdiag case show {path}`.").format(
                number=check.number, case_id=stamp.reference, problem=case_file.problems[0],
                path=folder))
    later = head.revision.case.actions[len(check.revision.case.actions):]
    written = next((a for a in later if a.kind == DOCUMENT_ACTION
                    and a.details.get("sha256") == digest), None)
    return DocumentCheck(stamp, folder, check.number, head.number,
                         tuple(a for a in later if a is not written), written)


def _revision_named(case_file: CaseFile, stamp: Stamp) -> RevisionCheck:
    head = case_file.head
    for check in case_file.checks:
        if check.sha256 != stamp.source_sha256:
            continue
        if not check.ok or check.revision is None:
            raise VerificationError(_(
                "The document was made from revision {number} of case {case_id}, which does "
                "not verify ({problem}): it was made from an altered case file.").format(
                    number=check.number, case_id=stamp.reference, problem=check.problem))
        if head is None or check.number > head.number:
            raise VerificationError(_(
                "The document was made from revision {number} of case {case_id}, which is not "
                "part of the verified history of the case ({problem}).").format(
                    number=check.number, case_id=stamp.reference,
                    problem=case_file.problems[0] if case_file.problems else "-"))
        return check
    raise VerificationError(_(
        "The document was made from a revision of case {case_id} (SHA-256 {sha256}) that the "
        "case file in {path} does not hold: it was made from another or an altered copy of "
        "the case.").format(case_id=stamp.reference, sha256=stamp.source_sha256,
                           path=case_file.path))
