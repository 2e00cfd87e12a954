"""The words posdiag uses for its own codes, once: outcomes, step kinds, terminal fields.

Records, plans and JSON keep the codes ("PASS", "card-swipe", "merchant_id"); people read these
words, translated where shown (docs/i18n.md has the glossary the Chinese follows: 商户号,
终端号, 序列号 …). A code this table does not know is shown as it is, never hidden.
"""

from __future__ import annotations

import re
from typing import Any

from posdiag.i18n import N_, _

# Outcomes read as badges, in capitals in English as on the console since the start.
OUTCOMES: dict[str, str] = {
    "PASS": N_("PASS"),
    "FAIL": N_("FAIL"),
    "ERROR": N_("ERROR"),
    "SKIPPED": N_("SKIPPED"),
    "ABORTED": N_("ABORTED"),
    # A record left "running" by a crash, a pulled cable or a power cut: the run never finished.
    "RUNNING": N_("INTERRUPTED"),
}

STEP_KINDS: dict[str, str] = {
    "identify": N_("Identify the terminal"),
    "checklist": N_("Arrival inspection"),
    "identity-match": N_("Same merchant binding"),
    "card-swipe": N_("Card swipe"),
    "pin-entry": N_("PIN entry"),
    "receipt-print": N_("Receipt printing"),
    "payment": N_("Test payment"),
    "reversal": N_("Reversal"),
    "display": N_("Terminal display"),
    "end-of-day": N_("End of day"),
}

TERMINAL_FIELDS: dict[str, str] = {
    "device_name": N_("Model"),
    "serial_number": N_("Serial number"),
    "software_version": N_("Software"),
    "terminal_id": N_("Terminal ID"),
    "merchant_id": N_("Merchant number"),
    "currency": N_("Currency"),
    "status_text": N_("Status"),
}

ERROR_CLASSES: dict[str, str] = {
    "infrastructure": N_("device or link fault"),
    "test": N_("the test could not decide"),
    "operator": N_("person at the terminal"),
}


def outcome_word(code: str | None) -> str:
    """The outcome as a badge word ("PASS", "通过"); None is a run that never finished."""
    key = code or "RUNNING"
    return _(OUTCOMES[key]) if key in OUTCOMES else key


def step_kind_word(kind: str | None) -> str:
    return _(STEP_KINDS[kind]) if kind in STEP_KINDS else (kind or "")


def terminal_field_word(field: str) -> str:
    return _(TERMINAL_FIELDS[field]) if field in TERMINAL_FIELDS else field


def error_class_word(error_class: str | None) -> str:
    if not error_class:
        return ""
    return _(ERROR_CLASSES[error_class]) if error_class in ERROR_CLASSES else error_class


# What identity-match compared with, as records keep it: a code ("case:ID", "backup:NAME",
# "expect"), or — in records written before — the sentence in the language of that run.
_LEGACY_ORIGINS = (
    (re.compile(r"^(?:case|工单) (?P<value>\S+)$"), "case"),
    (re.compile(r"^(?:the backup set|备份集) (?P<value>\S+)$"), "backup"),
    (re.compile(r"^(?:the plan's \[expect\]|测试计划的 \[expect\])$"), "expect"),
)


def origin_words(origin: Any) -> str:
    """What a replacement was compared with, in the language of the page."""
    text = str(origin or "").strip()
    kind, _sep, value = text.partition(":")
    if kind not in ("case", "backup", "expect") or (kind != "expect" and not value):
        kind, value = "", ""
        for pattern, legacy in _LEGACY_ORIGINS:
            found = pattern.match(text)
            if found:
                kind, value = legacy, found.groupdict().get("value") or ""
                break
    if kind == "case":
        return _("case {case_id}").format(case_id=value)
    if kind == "backup":
        return _("the backup set {name}").format(name=value)
    if kind == "expect":
        return _("the plan's [expect]")
    return text or "?"
