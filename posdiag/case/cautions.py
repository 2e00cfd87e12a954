"""Cautions from the field, shown at the moment they matter and recorded as shown.

The merchant guide behind posdiag (docs/reference/repair-workflow.md) warns: during repair do
not pull the power cable or press RESET, or the terminal may not recover; protect the backup
until the matter is settled. The case records each caution as an action with the exact text
shown, its language and where it was shown, so a later dispute can see that it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from posdiag.case.actions import Actor, act
from posdiag.case.model import Case
from posdiag.i18n import N_, _, current_language

BEFORE_BACKUP = "do-not-unplug"
BEFORE_REQUEST = "keep-backup-safe"

TEXTS: dict[str, str] = {
    BEFORE_BACKUP: N_("Do not unplug the terminal or press RESET until the backup is "
                      "finished: the terminal may not recover."),
    BEFORE_REQUEST: N_("Keep the backup safe until the replacement is accepted: it is the only "
                       "copy of the terminal's journal."),
}

Show = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Caution:
    key: str
    text: str  # as shown, in the language shown
    language: str


def caution(key: str) -> Caution:
    return Caution(key, _(TEXTS[key]), current_language())


def show_and_record(case: Case, actor: Actor, key: str, show: Show, *, moment: str,
                    channel: str = "console") -> Case:
    """Show the caution now and return the case with it recorded as an action."""
    shown = caution(key)
    show(shown.text)
    return act(case, actor, "caution", details={
        "key": shown.key, "text": shown.text, "language": shown.language, "moment": moment,
        "channel": channel})
