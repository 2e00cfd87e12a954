"""`posdiag case list`: "what happened to terminal 52500001?" from the folders alone.

Case folders are found under the roots given — a case folder itself, a folder of cases, or a
stick whose ``posdiag-cases/`` holds them — and by default under the kit's state folder and on
every mounted USB stick. Only the newest revision of each case is read and its signature
checked (the whole chain is ``case show``'s job): that keeps a thousand cases well under a
second (bench/case_list.py, docs/performance.md).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from posdiag.case.model import Case
from posdiag.case.opening import STICK_CASES_FOLDER, default_root
from posdiag.case.profiles import KitProfile
from posdiag.case.states import STATES
from posdiag.case.store import _REVISION, read_revision
from posdiag.errors import BadInput
from posdiag.i18n import _

_SEPARATORS = re.compile(r"[\s\-_.:/]")


@dataclass(frozen=True, slots=True)
class CaseQuery:
    tid: str = ""
    serial: str = ""
    merchant: str = ""  # part of the name, or the merchant number
    since: date | None = None  # opened on or after
    state: str = ""

    def __post_init__(self) -> None:
        if self.state and self.state not in STATES:
            raise BadInput(_("{state!r} is not a case state; use one of {states}.").format(
                state=self.state, states=", ".join(STATES)))

    def matches(self, case: Case) -> bool:
        terminals = [case.old_terminal, *(r.terminal for r in case.replacements if r.terminal)]
        if self.tid and not any(t.terminal_id == self.tid.strip() for t in terminals):
            return False
        if self.serial and not any(_plain(t.serial_number) == _plain(self.serial)
                                   for t in terminals):
            return False
        if self.merchant:
            wanted = self.merchant.strip().casefold()
            if wanted not in case.merchant.name.casefold() and wanted != (
                    case.merchant.merchant_number.casefold()):
                return False
        if self.since and case.opened[:10] < self.since.isoformat():
            return False
        return not (self.state and case.state != self.state)


def _plain(text: str) -> str:
    return _SEPARATORS.sub("", text).upper()


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """A case as the list shows it: its newest revision, and whether that one verifies."""

    path: Path
    case: Case | None  # None: the newest revision could not be read
    revision: int
    written: str
    verified: bool
    problem: str = ""


def default_roots(kit_profile: KitProfile | None = None,
                  config_dir: Path | None = None) -> list[Path]:
    """The kit's case folder and the posdiag-cases folder of every mounted USB stick."""
    roots = [default_root(kit_profile, config_dir)]
    try:
        from posdiag.backup.media import list_mounted_media

        roots += [m.mount_point / STICK_CASES_FOLDER for m in list_mounted_media()]
    except (OSError, ValueError):
        pass  # no /proc (not Linux): the state folder alone
    return roots


def case_folders(roots: Iterable[Path]) -> Iterator[tuple[Path, list[str]]]:
    """(case folder, its file names) under each root, each folder once.

    A root is a case folder, or a folder whose sub-folders are cases (one level), or a stick
    whose posdiag-cases/ folder holds them."""
    seen: set[str] = set()

    def case_at(folder: Path) -> tuple[Path, list[str]] | None:
        try:
            names = os.listdir(folder)
        except OSError:
            return None
        if "case-0001.json" not in names:
            return None
        key = os.path.realpath(folder)
        if key in seen:
            return None
        seen.add(key)
        return folder, names

    def children(folder: Path) -> Iterator[Path]:
        try:
            with os.scandir(folder) as entries:
                found = [Path(e.path) for e in entries
                         if not e.name.startswith(".") and e.is_dir()]
        except OSError:
            return
        yield from sorted(found)

    for root in map(Path, roots):
        found = case_at(root)
        if found is not None:
            yield found
            continue
        for child in children(root):
            if child.name == STICK_CASES_FOLDER:
                for grandchild in children(child):
                    if (found := case_at(grandchild)) is not None:
                        yield found
            elif (found := case_at(child)) is not None:
                yield found


def summarise(folder: Path, names: list[str]) -> CaseSummary:
    """The newest revision that can be read, its signature checked, and the hash chain below it
    followed back to revision 1 (hashes only: the signatures of older revisions are
    ``case show``'s job). A torn newest write falls back to the revision before it."""
    numbered = sorted(((int(m.group(1)), n) for n in names if (m := _REVISION.match(n))),
                      reverse=True)
    first_problem = ""
    for index, (number, name) in enumerate(numbered):
        check = read_revision(folder, number, name)
        if check.revision is None:
            if not check.torn:
                first_problem = first_problem or str(check.problem)
            continue
        revision = check.revision
        intact = _chain_intact(folder, numbered[index + 1:], revision.previous_sha256,
                               revision.skipped)
        if intact is None:  # an unusual layout: the full check decides
            from posdiag.case.store import load_case

            intact = not load_case(folder, check_files=False).problems
        if not first_problem and not intact:
            first_problem = _("the history below revision {n} does not verify; see `posdiag "
                              "case show`").format(n=number)
        return CaseSummary(folder, revision.case, number, revision.written,
                           verified=not first_problem, problem=first_problem)
    return CaseSummary(folder, None, 0, "", False, first_problem or _("no readable revision"))


_PREVIOUS = re.compile(rb'\n "previous_sha256": "([0-9a-f]*)"')
_SKIPPED = re.compile(rb'\n "skipped": \[\]')


def _chain_intact(folder: Path, older: list[tuple[int, str]], previous: str,
                  skipped: tuple[str, ...]) -> bool | None:
    """Each older revision file hashes to what the one above it names as its predecessor.

    The newest revision's signature vouches for its ``previous_sha256``; a file that hashes to
    it is then exactly as signed, so its own top-level ``previous_sha256`` (one space of
    indent: never inside the case, whose keys sit deeper) can be read without parsing. None:
    the quick walk cannot tell."""
    for _number, name in older:
        if name in skipped:
            continue
        try:
            data = (folder / name).read_bytes()
        except OSError:
            return False
        if hashlib.sha256(data).hexdigest() != previous:
            return False
        found = _PREVIOUS.search(data)
        if found is None or _SKIPPED.search(data) is None:
            return None  # skipped torn files, or another layout: not for the quick walk
        previous = found.group(1).decode("ascii")
    return previous == ""


def list_cases(roots: Iterable[Path], query: CaseQuery | None = None) -> list[CaseSummary]:
    """Cases under the roots that match the query, newest opened first."""
    query = query or CaseQuery()
    found = []
    for folder, names in case_folders(roots):
        summary = summarise(folder, names)
        if summary.case is None or query.matches(summary.case):
            found.append(summary)
    found.sort(key=lambda s: (s.case.opened if s.case else "", str(s.path)), reverse=True)
    return found
