"""The replacement request (换机申请表) as a document: pure, a case revision in, a Document out.

What a repair desk needs to act without calling back (docs/reference/repair-workflow.md: RMA
forms, Chinese repair orders): who asks whom, under which warranty and whether a fee applies;
the merchant; the old terminal's identity (read from it, or typed from its label); the fault in
the merchant's words with its category; what the terminal said about itself, in sentences; the
backup by reference only (set, generation, manifest SHA-256, how many transactions, whether
the totals agreed — never its contents); the attachments by name and SHA-256; signature lines.
Call it with the document's language active.
"""

from __future__ import annotations

from datetime import tzinfo

from posdiag.case.documents.words import (
    dash,
    fault_words,
    fee_words,
    frequency_words,
    moment_date,
    party_rows,
    person_date,
    role_words,
    source_words,
    technician_words,
    terminal_field_label,
    terminal_value,
    warranty_words,
)
from posdiag.case.model import BackupRef, Case, Diagnostics, Request
from posdiag.documents.model import (
    Block,
    Document,
    Facts,
    Heading,
    Paragraph,
    Section,
    Signatures,
    Stamp,
    Table,
    digest,
)
from posdiag.i18n import _, ngettext
from posdiag.i18n_format import format_datetime, format_money, format_number
from posdiag.report.words import status_words


def probe_words(name: str) -> str:
    words = {
        "open": _("opening the port"),
        "identify": _("identity and status (06 00, 05 01)"),
        "diagnosis": _("its own line diagnosis (06 70)"),
        "totals": _("its totals (06 10)"),
        "log": _("its application log (08 11)"),
    }
    return words.get(name, name)


def request_document(case: Case, stamp: Stamp, zone: tzinfo, revision: int) -> Document:
    """The request form of ``case`` (which must hold a request) from revision ``revision``."""
    request = case.request
    if request is None:
        raise ValueError(_("the case holds no request"))
    addressee = request.addressee
    to = _("{name} ({role})").format(name=addressee.name or _("(name not configured)"),
                                     role=role_words(addressee.role))
    header = (
        (_("Case"), case.case_id),
        (_("Request date"), moment_date(request.made_at, zone)),
        (_("To"), to),
        (_("Made"), format_datetime(stamp.generated, zone=zone)),
        (_("From case file"), _("revision {number}").format(number=revision)),
    )
    sections = (
        _request_section(case, request),
        _merchant_section(case),
        _terminal_section(case, zone),
        _fault_section(case),
        Section(_("Diagnostics"), tuple(diagnostics_blocks(case.diagnostics, zone))),
        Section(_("Backup of the terminal's data"), tuple(backup_blocks(request, zone))),
        _attachments_section(case, request),
        _signature_section(case),
    )
    return Document(
        title=_("Replacement request"), stamp=stamp, header=header, sections=sections,
        footer=_("posdiag {version} · replacement request · case {case_id}").format(
            version=stamp.tool_version, case_id=case.case_id),
        qr_caption=_("Scan to match this page with case {case_id}").format(
            case_id=case.case_id))


def _request_section(case: Case, request: Request) -> Section:
    addressee = request.addressee
    model = request.requested_model or case.old_terminal.model_name
    blocks: list[Block] = [Paragraph(_(
        "The merchant named below asks {whom} to replace the faulty payment terminal described "
        "here with a working terminal of the model {model}, bound to the same merchant (same "
        "merchant number and terminal ID).").format(
            whom=addressee.name or role_words(addressee.role), model=dash(model)))]
    blocks.append(Facts((
        (_("Requested model"), dash(model)),
        (_("Warranty"), warranty_words(case.warranty)),
        (_("Goes to"), role_words(addressee.role)),
        (_("Repair fee"), fee_words(request.repair_fee)),
    )))
    blocks.append(Heading(_("Addressee"), 3))
    blocks.append(Facts(party_rows(addressee, filled_only=True)))
    if request.note:
        blocks.append(Paragraph(_("Note: {note}").format(note=request.note), boxed=True))
    return Section(_("Request"), tuple(blocks))


def _merchant_section(case: Case) -> Section:
    merchant = case.merchant
    return Section(_("Merchant"), (Facts((
        (_("Name"), dash(merchant.name)),
        (_("Merchant number"), dash(merchant.merchant_number)),
        (_("Address"), dash(merchant.address)),
        (_("Contact"), dash(merchant.contact)),
        (_("Phone"), dash(merchant.phone)),
    )),))


def _terminal_section(case: Case, zone: tzinfo) -> Section:
    old = case.old_terminal
    rows = [(terminal_field_label(f), terminal_value(old, f)) for f in (
        "model", "serial_number", "terminal_id", "merchant_id", "software_version", "currency",
        "acquirer")]
    if old.source == "read":
        how = _("{source} on {when} (port {port})").format(
            source=source_words(old), when=format_datetime(old.read_at, zone=zone),
            port=dash(old.port))
    else:
        how = source_words(old)
    rows.append((terminal_field_label("source"), how))
    return Section(_("The faulty terminal"), (Facts(tuple(rows)),))


def _fault_section(case: Case) -> Section:
    fault = case.fault
    return Section(_("Fault"), (Facts((
        (_("Category"), fault_words(fault.category)),
        (_("Description"), dash(fault.description)),
        (_("Since"), person_date(fault.since)),
        (_("How often"), frequency_words(fault.frequency)),
        (_("Reported by"), dash(fault.reported_by)),
    )),))


def diagnostics_blocks(diagnostics: Diagnostics | None, zone: tzinfo) -> list[Block]:
    """What the terminal said about itself, in sentences; a silent terminal is a result too."""
    if diagnostics is None:
        return [Paragraph(_("The terminal was not connected when the case was opened; nothing "
                            "was asked of it."), "muted")]
    when = format_datetime(diagnostics.gathered_at, zone=zone)
    if not diagnostics.answered:
        blocks: list[Block] = [Paragraph(_(
            "The terminal did not answer on {port} ({when}). What was tried, and how it "
            "ended:").format(port=dash(diagnostics.port), when=when), "warn", boxed=True)]
        blocks.append(Table(
            header=(_("Tried"), _("Time taken"), _("How it ended")),
            rows=tuple((probe_words(p.name), _("{seconds} s").format(
                seconds=format_number(p.seconds, 1)), dash(p.error))
                for p in diagnostics.probes),
            widths=(3, 1.2, 6)))
        return blocks
    rows: list[tuple[str, str]] = []
    if diagnostics.status_code is not None:
        rows.append((_("Status"), _("{text} (status code {code})").format(
            text=dash(status_words({"status": diagnostics.status_code,
                                    "status_text": diagnostics.status_text})),
            code=f"{diagnostics.status_code:02X}")))
    if diagnostics.printer_ready is not None:
        rows.append((_("Printer"), _("ready") if diagnostics.printer_ready else _(
            "not ready ({why})").format(why=dash(diagnostics.printer_text))))
    if diagnostics.diagnosis_lines:
        rows.append((_("Its own diagnosis"), _("The line diagnosis (06 70) ran; its printout "
                                               "reads: “{text}”.").format(
            text=" / ".join(line.strip() for line in diagnostics.diagnosis_lines
                            if line.strip()))))
    totals = diagnostics.totals
    if totals is not None:
        # 06 10: booked transactions since the last end of day, net of reversals; the
        # journal's records (below, in the backup) count every attempt.
        rows.append((_("Totals"), ngettext(
            "{count} booked transaction since the last end of day (net of reversals; declined "
            "attempts are not booked), {amount} in all.",
            "{count} booked transactions since the last end of day (net of reversals; "
            "declined attempts are not booked), {amount} in all.",
            totals.count).format(count=totals.count,
                                 amount=format_money(totals.amount, totals.currency))))
    if diagnostics.log_tail:
        rows.append((_("Its log"), ngettext(
            "The last {count} line of its log was read (kept in the case file): “{last}”",
            "The last {count} lines of its log were read (kept in the case file); the last "
            "one: “{last}”", len(diagnostics.log_tail)).format(
                count=len(diagnostics.log_tail), last=diagnostics.log_tail[-1].strip())))
    for probe in diagnostics.probes:
        if not probe.ok:
            rows.append((probe_words(probe.name), _("refused: {error}").format(
                error=dash(probe.error))))
    blocks = [Paragraph(_("The terminal answered on {port} ({when}); it was read and nothing "
                          "on it was changed.").format(port=dash(diagnostics.port), when=when)),
              Facts(tuple(rows))]
    return blocks


def backup_blocks(request: Request, zone: tzinfo) -> list[Block]:
    ref: BackupRef | None = request.backup
    if ref is None:
        reason = request.backup_impossible
        if reason:
            return [Paragraph(_("No backup could be made: {reason}").format(reason=reason),
                              "warn", boxed=True)]
        return [Paragraph(_("No backup of the terminal's data is linked to this case."),
                          "warn", boxed=True)]
    if ref.totals_agree is True:
        totals = _("The journal's records add up to the terminal's totals since the last end "
                   "of day: the same booked transactions and amount per card brand.")
    elif ref.totals_agree is False:
        totals = _("The journal does NOT agree with the terminal's totals: {differences}")\
            .format(differences="; ".join(ref.totals_differences) or "—")
    else:
        totals = _("Not compared (the terminal gave no totals).")
    return [
        Paragraph(_("The backup (journal, totals, configuration and logs) is encrypted for the "
                    "office key and is not part of this request: it is named here so that it "
                    "can be checked. Keep it safe until the replacement is accepted.")),
        Facts((
            (_("Backup set"), digest(ref.set_id)),
            (_("Manifest"), _("generation {generation} ({manifest})").format(
                generation=ref.generation, manifest=ref.manifest)),
            (_("Manifest SHA-256"), digest(ref.manifest_sha256)),
            (_("Journal records backed up"), _(
                "{count} (every payment, reversal, refund and declined attempt)").format(
                    count=format_number(ref.records))),
            (_("Complete"), _("yes") if ref.complete else _("NO: the set is incomplete")),
            (_("Totals"), totals),
            (_("Backed up"), format_datetime(ref.created, zone=zone) if ref.created else "—"),
            (_("Signed by kit key"), dash(ref.kit_key)),
        )),
    ]


def _attachments_section(case: Case, request: Request) -> Section:
    named = [a for a in case.attachments if a.sha256 in request.attachments]
    if not named:
        return Section(_("Attachments"), (Paragraph(_("None."), "muted"),))
    rows = tuple((str(number), attachment.name + (f"\n{attachment.caption}"
                                                  if attachment.caption else ""),
                  _("{size} bytes").format(size=format_number(attachment.size)),
                  digest(attachment.sha256))
                 for number, attachment in enumerate(named, 1))
    return Section(_("Attachments"), (
        Paragraph(_("Files that go with this request; each is named by its SHA-256, so the "
                    "copy received can be checked.")),
        Table(header=("#", _("File"), _("Size"), _("SHA-256")), rows=rows,
              widths=(0.5, 3, 1.5, 6), numeric=(0, 2)),
    ))


def _signature_section(case: Case) -> Section:
    merchant = case.merchant
    who = merchant.contact or merchant.name
    tech = technician_words(case)
    return Section(_("Signatures"), (
        Paragraph(_("The merchant confirms the fault described above; the technician confirms "
                    "the terminal's identity and the backup named above.")),
        Signatures(roles=(
            _("Merchant: {name}").format(name=dash(who)),
            _("Technician: {name}").format(name=tech)),
            signature_label=_("Signature"), date_label=_("Date")),
    ))
