"""The states of a case and the steps between them.

    open ──> backed-up ─────────┐
      └────> backup-impossible ─┴─> requested ──> replacement-testing ──> accepted ──> closed
                                        │             ↑   │                              ↑
                                        │             │   └──> rejected ─────────────────┘
                                        └─────────────┴──────────┘ (refused, or another unit)

Each arrow is one step of the story. A step that skips one (say ``open`` straight to
``requested``, a request without a backup) is allowed only with ``--force`` and a reason, and
both are recorded. Nothing leaves ``closed``; nothing goes back to an earlier stage except a
rejected replacement being followed by another one under test.
"""

from __future__ import annotations

from dataclasses import dataclass

from posdiag.errors import IllegalTransition
from posdiag.i18n import N_, _

OPEN = "open"
BACKED_UP = "backed-up"
BACKUP_IMPOSSIBLE = "backup-impossible"
REQUESTED = "requested"
REPLACEMENT_TESTING = "replacement-testing"
ACCEPTED = "accepted"
REJECTED = "rejected"
CLOSED = "closed"

STATES: tuple[str, ...] = (OPEN, BACKED_UP, BACKUP_IMPOSSIBLE, REQUESTED, REPLACEMENT_TESTING,
                           ACCEPTED, REJECTED, CLOSED)

# The story's order: a forced step may only go forward in it.
_STAGE = {OPEN: 0, BACKED_UP: 1, BACKUP_IMPOSSIBLE: 1, REQUESTED: 2, REPLACEMENT_TESTING: 3,
          ACCEPTED: 4, REJECTED: 4, CLOSED: 5}

STEPS: dict[str, frozenset[str]] = {
    OPEN: frozenset({BACKED_UP, BACKUP_IMPOSSIBLE}),
    BACKED_UP: frozenset({REQUESTED}),
    BACKUP_IMPOSSIBLE: frozenset({REQUESTED, BACKED_UP}),  # it answered after all
    REQUESTED: frozenset({REPLACEMENT_TESTING, REJECTED}),  # the request may be refused
    REPLACEMENT_TESTING: frozenset({ACCEPTED, REJECTED, REPLACEMENT_TESTING}),
    ACCEPTED: frozenset({CLOSED}),
    REJECTED: frozenset({REPLACEMENT_TESTING, CLOSED}),  # another unit arrives, or give up
    CLOSED: frozenset(),
}

STATE_LABELS: dict[str, tuple[str, str]] = {
    OPEN: (N_("open"), "已开单"),
    BACKED_UP: (N_("backed up"), "已备份"),
    BACKUP_IMPOSSIBLE: (N_("backup impossible"), "无法备份"),
    REQUESTED: (N_("replacement requested"), "已申请换机"),
    REPLACEMENT_TESTING: (N_("replacement under test"), "新机测试中"),
    ACCEPTED: (N_("replacement accepted"), "新机已验收"),
    REJECTED: (N_("replacement rejected"), "新机验收未通过"),
    CLOSED: (N_("closed"), "已结单"),
}


def state_label(state: str) -> str:
    from posdiag.i18n import current_language

    en, zh = STATE_LABELS.get(state, (state, state))
    return zh if current_language() == "zh_CN" else _(en)


@dataclass(frozen=True, slots=True)
class Step:
    """A checked change of state: what it was, what it becomes, and whether it was forced."""

    before: str
    after: str
    forced: bool
    reason: str


def is_step(before: str, after: str) -> bool:
    return after in STEPS.get(before, frozenset())


def check_step(before: str, after: str, *, force: bool = False, reason: str = "") -> Step:
    """The step from ``before`` to ``after``, or IllegalTransition saying what would allow it."""
    if is_step(before, after) or (before == "" and after == OPEN):  # "": being opened
        return Step(before, after, False, reason)
    if before == CLOSED:
        raise IllegalTransition(_("The case is closed; it cannot change any more. Open a new "
                                  "case for a new fault."))
    if after not in _STAGE or _STAGE[after] <= _STAGE[before]:
        raise IllegalTransition(_("The case is {before}; it cannot go back to {after}.").format(
            before=before, after=after))
    if not force:
        expected = " / ".join(sorted(STEPS[before])) or "-"
        raise IllegalTransition(_(
            "The case is {before}; the next step is {expected}, not {after}. To skip a step "
            "add --force and --reason \"why\".").format(before=before, expected=expected,
                                                        after=after))
    if not reason.strip():
        raise IllegalTransition(_("--force skips a step of the case only with --reason "
                                  "\"why\", which is recorded."))
    return Step(before, after, True, reason.strip())
