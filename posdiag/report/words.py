"""What a step of a test record found, said in words (translated), from its recorded data.

Records keep codes and raw values (docs/test-record.md); a merchant reads "Payment of €1.00
approved, receipt 2". Each kind's ``data`` is read defensively: a record may be partial
(a crash) or hand-edited, so a missing value is left out, never an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from posdiag.i18n import _
from posdiag.i18n_format import format_list, format_money, format_number
from posdiag.i18n_terms import (
    origin_words,
    outcome_word,
    terminal_field_word,
)


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list | tuple) else ()


def answer_word(answer: Any) -> str:
    if answer is None:
        return _("no answer")
    return {"yes": _("yes"), "no": _("no"), "done": _("done")}.get(str(answer), str(answer))


# A file path of the machine the test ran on: POSIX (/tmp/x/testplans/cards.toml) or Windows
# (C:\Users\x\cards.toml). A document for a merchant names the file, not the folders;
# a device (/dev/ttyACM0) is a port, and stays.
_LOCAL_PATH = re.compile(r"(?<![\w.:/])(?:/(?!dev/)(?:[^\s/'\"(),;:\[\]]+/)+"
                         r"|[A-Za-z]:\\(?:[^\s\\]+\\)+)"
                         r"(?P<name>[^\s/\\'\"(),;:\[\]]+)")


def without_local_paths(text: str) -> str:
    """``text`` with local file paths shortened: a shipped file as ``testplans/NAME`` (where
    it is in the package), any other by its name alone. Records written before prompts named
    files that way still held the technician's folders."""
    def short(match: re.Match[str]) -> str:
        whole, name = match.group(0), match.group("name")
        if "/testplans/" in whole or "\\testplans\\" in whole:
            return f"testplans/{name}"
        return name

    return _LOCAL_PATH.sub(short, text)


def prompt_words(step: Mapping[str, Any], prompt: Mapping[str, Any]) -> str:
    """A question as the page shows it: the arrival inspection's shipped questions in the
    language of the page (the record names them by id); any other as it was asked, with no
    local file path."""
    text = without_local_paths(str(prompt.get("text") or "—"))
    if step.get("kind") != "checklist":
        return text
    from posdiag.plan.steps.checklist import MODEL_QUESTION, QUESTIONS

    item = str(prompt.get("id") or "").rpartition(".")[2]
    if item == "model":
        model = str(mapping(step.get("options")).get("model") or "")
        return _(MODEL_QUESTION).format(model=model) if model else _(QUESTIONS["model"])
    return _(QUESTIONS[item]) if item in QUESTIONS else text


def status_words(identity: Mapping[str, Any]) -> str:
    """A terminal's status in the language of the page: from the status byte it sent (ZVT
    §11), else the text recorded with it."""
    code = identity.get("status")
    if isinstance(code, int) and not isinstance(code, bool):
        from posdiag.drivers.zvt.codes import TERMINAL_STATUS, terminal_status_text

        if code in TERMINAL_STATUS:
            return terminal_status_text(code)
    return str(identity.get("status_text") or "")


def answered_by_words(by: Any) -> str:
    """Who answered a prompt, as the record says (``by``): a person at the console or on the
    kit's page, a prepared answers file, or the emulator's person in a test run — never a
    person where a program answered. A bench of both ("emulator+console") says both."""
    words = {"console": _("the technician at the console"),
             "kit-page": _("the technician on the kit's page"),
             "answers": _("an answers file (prepared answers)"),
             "emulator": _("the emulated person (a test run, no one answered)")}
    text = str(by or "")
    if not text:
        return "—"
    parts = text.split("+")
    if len(parts) > 1 and all(part in words for part in parts):
        return _("{first} and {second}").format(first=words[parts[0]],
                                                 second=words[parts[1]])
    return words.get(text, text)


def currency_text(currency: Any) -> str:
    """"EUR (978)" for a numeric code posdiag knows, else the code as recorded."""
    from posdiag.i18n_format import currency_code

    code = currency_code(currency) if isinstance(currency, int | str) else None
    if code is None:
        return "" if currency is None else str(currency)
    return f"{code} ({currency})" if str(currency).isdigit() else code


def _identify(data: Mapping[str, Any], options: Mapping[str, Any]) -> list[str]:
    identity = mapping(data.get("identity"))
    if not identity:
        return []
    lines = [_("Terminal {model}, serial number {serial}, software {software}.").format(
        model=identity.get("device_name") or "?", serial=identity.get("serial_number") or "?",
        software=identity.get("software_version") or "?")]
    status = status_words(identity)
    if status:
        lines.append(_("Status: {status}.").format(status=status))
    return lines


def _identity_match(data: Mapping[str, Any], options: Mapping[str, Any]) -> list[str]:
    compared = mapping(data.get("compared"))
    if not compared:
        return []
    same = [terminal_field_word(k) for k, v in compared.items()
            if mapping(v).get("expected") == mapping(v).get("actual")]
    lines = []
    if same:
        lines.append(_("Same as {against}: {fields}.").format(
            against=origin_words(data.get("against")), fields=format_list(same)))
    for field, value in compared.items():
        pair = mapping(value)
        if pair.get("expected") != pair.get("actual"):
            lines.append(_("{field}: expected {expected}, found {actual}.").format(
                field=terminal_field_word(field), expected=pair.get("expected"),
                actual=pair.get("actual")))
    return lines


def _card_swipe(data: Mapping[str, Any], options: Mapping[str, Any]) -> list[str]:
    card = mapping(data.get("card"))
    if not card:
        return []
    tracks = ", ".join(str(t) for t in sequence(card.get("tracks"))) or "—"
    lines = [_("Card {card} read (tracks {tracks}).").format(card=card.get("masked_pan") or "?",
                                                             tracks=tracks)]
    matches = data.get("track2_matches_profile")
    if matches is True:
        lines.append(_("The card data matches the test card profile."))
    elif matches is False:
        lines.append(_("The card data does not match the test card profile."))
    return lines


def _pin_entry(data: Mapping[str, Any], options: Mapping[str, Any]) -> list[str]:
    pin = mapping(data.get("pin"))
    if not pin:
        return []
    return [_("A PIN of {digits} digits was entered on the PIN pad, encrypted (DUKPT) and "
              "checked.").format(digits=pin.get("length") or "?")]


def _receipt_print(data: Mapping[str, Any], options: Mapping[str, Any]) -> list[str]:
    lines = []
    status = status_words({"status": data.get("terminal_status_code"),
                           "status_text": data.get("terminal_status")})
    if status:
        lines.append(_("Terminal status before printing: {status}.").format(status=status))
    if data.get("printer_status"):
        lines.append(_("Printer status: {status}.").format(
            status=", ".join(str(s) for s in sequence(data.get("printer_status")))))
    if data.get("captured_receipt_matches") is True:
        lines.append(_("The printed receipt has every line of the test receipt."))
    for problem in sequence(data.get("captured_receipt_problems"))[:3]:
        lines.append(str(problem))
    return lines


def _payment(data: Mapping[str, Any], options: Mapping[str, Any]) -> list[str]:
    payment = mapping(data.get("payment") or data.get("reversal"))
    if not payment:
        return []
    amount = format_money(payment.get("amount"), payment.get("currency"))
    reversal = payment.get("kind") == "reversal"
    if payment.get("approved"):
        text = (_("Reversal of {amount} approved.") if reversal
                else _("Payment of {amount} approved.")).format(amount=amount)
    else:
        text = (_("Reversal of {amount} declined: {reason}.") if reversal
                else _("Payment of {amount} declined: {reason}.")).format(
            amount=amount, reason=payment.get("result_text") or "?")
    lines = [text]
    details = []
    if payment.get("receipt_number") is not None:
        details.append(_("receipt {number}").format(number=payment.get("receipt_number")))
    if payment.get("masked_pan"):
        details.append(_("card {card}").format(card=payment.get("masked_pan")))
    if payment.get("auth_code"):
        details.append(_("approval code {code}").format(code=payment.get("auth_code")))
    if details:
        lines.append(_("{details}.").format(details=format_list(details)))
    return lines


def _display(data: Mapping[str, Any], options: Mapping[str, Any]) -> list[str]:
    text = " / ".join(str(line) for line in sequence(options.get("text")))
    return [_("Shown on the terminal: “{text}”.").format(text=text)] if text else []


def _end_of_day(data: Mapping[str, Any], options: Mapping[str, Any]) -> list[str]:
    totals = mapping(data.get("totals"))
    if not totals:
        return []
    return [_("Batch closed: {count} transactions, {amount}.").format(
        count=totals.get("count") if totals.get("count") is not None else "?",
        amount=format_money(totals.get("amount"), totals.get("currency")))]


FINDINGS: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any]], list[str]]] = {
    "identify": _identify, "identity-match": _identity_match, "card-swipe": _card_swipe,
    "pin-entry": _pin_entry, "receipt-print": _receipt_print, "payment": _payment,
    "reversal": _payment, "display": _display, "end-of-day": _end_of_day,
}


def _measurement_problem(item: Mapping[str, Any]) -> str | None:
    if item.get("outcome") in (None, "PASS"):
        return None
    value = item.get("value")
    units = item.get("units") or ""
    shown = (format_number(value, 2) if isinstance(value, int | float)
             and not isinstance(value, bool) else str(value))
    bounds = []
    if item.get("min") is not None:
        bounds.append(f"≥ {item.get('min')} {units}".strip())
    if item.get("max") is not None:
        bounds.append(f"≤ {item.get('max')} {units}".strip())
    return _("{name} was {value} {units}, outside the limit {limit}.").format(
        name=item.get("name"), value=shown, units=units, limit=", ".join(bounds) or "—")


def step_findings(step: Mapping[str, Any]) -> list[str]:
    """The lines saying what a step found: why it failed first, then what was observed."""
    attempts = [mapping(a) for a in sequence(step.get("attempts"))]
    last = attempts[-1] if attempts else {}
    lines: list[str] = []
    if step.get("message"):
        lines.append(without_local_paths(str(step.get("message"))))
    for earlier in attempts[:-1]:
        lines.append(_("Attempt {number}: {outcome}, {message}").format(
            number=earlier.get("number") or "?", outcome=outcome_word(earlier.get("outcome")),
            message=earlier.get("message") or "—"))
    for item in sequence(last.get("measurements")):
        problem = _measurement_problem(mapping(item))
        if problem:
            lines.append(problem)
    describe = FINDINGS.get(str(step.get("kind")))
    if describe is not None:
        lines.extend(describe(mapping(last.get("data")), mapping(step.get("options"))))
    if not attempts and step.get("outcome") == "RUNNING":
        lines.append(_("The step was under way when the run stopped."))
    return lines
