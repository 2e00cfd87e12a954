"""Who does something to a case, and the one way a change becomes an action of the case.

Every change goes through ``act``: it checks the state step (if any), appends a numbered
``Action`` with time, host and technician, and returns the new ``Case``. ``change_case`` loads
and verifies the folder, applies a change and writes the new signed revision.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posdiag.case.carddata import scrub
from posdiag.case.model import Action, Case, Technician
from posdiag.case.states import check_step
from posdiag.case.store import CaseFile, load_case, utc_now, write_revision
from posdiag.i18n import _

if TYPE_CHECKING:
    from posdiag.backup.kitkey import KitKey


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in a container, no login name
        return ""


LOGIN_PREFIX = "login:"


@dataclass(frozen=True, slots=True)
class Actor:
    """The technician at work, the machine they work on, and the clock.

    ``technician`` is a person (``--technician``, the kit profile): the one a document names.
    Nobody named, it stays empty — a login name such as "root" is not a person to print on a
    form a merchant signs — and the history keeps the account instead (``login:root``)."""

    technician: Technician = field(default_factory=Technician)
    host: str = field(default_factory=socket.gethostname)
    now: Callable[[], str] = utc_now
    login: str = field(default_factory=_user)

    @property
    def name(self) -> str:
        """Who did it, for the history: the person (with their ID), else the login."""
        who = self.technician.name
        if not who:
            return f"{LOGIN_PREFIX}{self.login}" if self.login else ""
        return f"{who} ({self.technician.id})" if self.technician.id else who


def who_words(technician: str) -> str:
    """An action's ``technician`` as shown: a person as recorded, a login as such."""
    if technician.startswith(LOGIN_PREFIX):
        return _("login {name}").format(name=technician[len(LOGIN_PREFIX):])
    return technician or _("unknown technician")


def act(case: Case, actor: Actor, kind: str, *, to_state: str = "", force: bool = False,
        reason: str = "", details: dict[str, Any] | None = None, **changes: Any) -> Case:
    """The case with one more action (and the field ``changes``); IllegalTransition on a bad
    step. A forced step records ``forced`` and the reason."""
    before, after, forced = case.state, "", False
    if to_state:
        step = check_step(case.state, to_state, force=force, reason=reason)
        after, forced, reason = step.after, step.forced, step.reason or reason
    action = Action(number=len(case.actions) + 1, at=actor.now(), host=actor.host,
                    technician=actor.name, kind=kind, state_before=before if after else "",
                    state_after=after, forced=forced, reason=reason,
                    details=scrub(details or {}))
    updated = replace(case, actions=(*case.actions, action), **changes)
    return replace(updated, state=after) if after else updated


def change_case(case_dir: str | Path, kit_key: KitKey, change: Callable[[Case], Case], *,
                actor: Actor | None = None) -> CaseFile:
    """Load and verify the case, apply ``change``, write the result as a new revision."""
    current = load_case(case_dir)
    current.require_unaltered()
    updated = change(current.case)
    return write_revision(current, updated, kit_key, now=(actor or Actor()).now,
                          host=(actor or Actor()).host)
