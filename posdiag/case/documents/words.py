"""Phrases both case documents use: dates, parties, warranty, a terminal's identity in rows.

Pure and translated where called (with the document's language active). A value the case
does not hold is shown as a dash, never left out silently: a blank field on a form people sign
must be visibly blank.
"""

from __future__ import annotations

from datetime import date, tzinfo

from posdiag.case.categories import FAULT_CATEGORIES, FREQUENCIES
from posdiag.case.model import Case, InspectionAnswer, Party, TerminalInfo, Warranty
from posdiag.i18n import _
from posdiag.i18n_format import NOTHING, babel_locale, currency_code, format_date

REQUEST_KIND = "replacement-request"
CERTIFICATE_KIND = "acceptance-certificate"
KINDS = (REQUEST_KIND, CERTIFICATE_KIND)


def dash(value: object) -> str:
    text = "" if value is None else str(value).strip()
    return text or NOTHING


def person_date(value: str) -> str:
    """A date a person gave (ISO, "2026-11-28") in the language's long form; the date itself,
    not shifted by a time zone. Anything else is shown as it was typed."""
    from babel import dates as babel_dates

    text = (value or "").strip()
    if not text:
        return NOTHING
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        return text
    shown = babel_dates.format_date(day, "long", locale=babel_locale())
    return shown + text[10:] if len(text) > 10 else shown


def moment_date(value: str, zone: tzinfo) -> str:
    """The local date of a recorded moment (UTC RFC 3339)."""
    return format_date(value, zone=zone) if value else NOTHING


def fault_words(key: str) -> str:
    return next((c.label() for c in FAULT_CATEGORIES if c.key == key), key)


def frequency_words(key: str) -> str:
    return next((f.label() for f in FREQUENCIES if f.key == key), key) if key else NOTHING


def role_words(role: str) -> str:
    if role == "manufacturer":
        return _("the manufacturer")
    if role == "service-provider":
        return _("the service provider")
    return role


def party_rows(party: Party, filled_only: bool = False) -> tuple[tuple[str, str], ...]:
    """Name, address, contact, phone, e-mail; with ``filled_only`` the empty ones left out
    (the name is always shown, "not configured" when the profiles do not give it)."""
    rows = [(_("Name"), party.name or _("(not configured)"))]
    rows += [(label, dash(value)) for label, value in (
        (_("Address"), party.address), (_("Contact"), party.contact),
        (_("Phone"), party.phone), (_("E-mail"), party.email))
        if value or not filled_only]
    return tuple(rows)


def warranty_words(warranty: Warranty) -> str:
    if warranty.basis == "no-date":
        return _("Out of warranty: no purchase or installation date was given, so there is no "
                 "proof of warranty.")
    start = person_date(warranty.start)
    until = person_date(warranty.until)
    if warranty.start_kind == "installation":
        since = _("installed on {date}").format(date=start)
    else:
        since = _("bought on {date}").format(date=start)
    if warranty.in_warranty:
        return _("In warranty: {since}, {months} months of warranty, covered until {until}.")\
            .format(since=since, months=warranty.months, until=until)
    return _("Out of warranty: {since}, {months} months of warranty, which ended on {until}.")\
        .format(since=since, months=warranty.months, until=until)


def fee_words(repair_fee: bool) -> str:
    return _("A repair fee applies.") if repair_fee else _("No repair fee.")


def currency_words(currency: int | None) -> str:
    if currency is None:
        return NOTHING
    code = currency_code(currency)
    return f"{code} ({currency})" if code else str(currency)


def source_words(terminal: TerminalInfo) -> str:
    if terminal.source == "read":
        return _("read from the terminal")
    return _("entered by hand from the label (the terminal did not answer)")


TERMINAL_FIELDS = ("model", "serial_number", "terminal_id", "merchant_id", "software_version",
                   "currency")


def terminal_field_label(field: str) -> str:
    labels = {
        "model": _("Model"),
        "serial_number": _("Serial number"),
        "terminal_id": _("Terminal ID"),
        "merchant_id": _("Merchant number"),
        "software_version": _("Software"),
        "currency": _("Currency"),
        "acquirer": _("Acquirer / network"),
        "source": _("Identity"),
    }
    return labels.get(field, field)


def terminal_value(terminal: TerminalInfo | None, field: str) -> str:
    if terminal is None:
        return NOTHING
    if field == "model":
        return dash(terminal.model_name)
    if field == "currency":
        return currency_words(terminal.currency)
    if field == "source":
        return source_words(terminal)
    return dash(getattr(terminal, field, ""))


WRITE_HERE = "_" * 18  # a line to write a name on by hand


def technician_words(case: Case, *, acceptance: bool = False) -> str:
    """The technician a document names: a person, never a login. On the certificate, the one
    who ran the acceptance test when the history names a person for it; else the case's
    technician (--technician, the kit profile, `case edit --technician`); nobody known, a line
    to write the name on."""
    from posdiag.case.actions import LOGIN_PREFIX

    if acceptance:
        for action in reversed(case.actions):
            if action.kind == "test-finished":
                who = action.technician
                if who and not who.startswith(LOGIN_PREFIX):
                    return who
                break
    technician = case.technician
    if not technician.name:
        return WRITE_HERE
    return f"{technician.name} ({technician.id})" if technician.id else technician.name


def inspection_question(answer: InspectionAnswer) -> str:
    """The question in the document's language for the shipped items; a plan's own question
    as the plan asked it."""
    questions = {
        "seals": _("Are the seals on the terminal's casing intact?"),
        "no-tampering": _("Is the terminal free of extra wires, extra labels and holes (no sign "
                          "of tampering)?"),
        "serial-label": _("Serial number on the label"),
        "model": _("Is it the model that was requested?"),
    }
    return questions.get(answer.item, answer.question)


def inspection_reason(answer: InspectionAnswer) -> str:
    """Why an inspection answer failed, in the language of the page where posdiag wrote the
    reason (a label that disagrees with the terminal); the operator's own words as given."""
    if answer.item == "serial-label" and not answer.ok and answer.expected:
        return _("the label says {typed}, the terminal reports {reported}").format(
            typed=answer.answer or "-", reported=answer.expected)
    return answer.reason
