"""`posdiag case list`: "what happened to terminal 52500001?" from the folders alone.

Case folders are found under the roots given — a case folder itself, a folder of cases, or a
stick whose ``posdiag-cases/`` holds them — and by default under the kit's state folder and on
every mounted USB stick. Only the newest revision of each case is read and its signature
checked (the whole chain is ``case show``'s job): that keeps a thousand cases well under a
second (bench/case_list.py, docs/performance.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from posdiag.case.model import CASE_FORMAT, Case
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

    @property
    def empty(self) -> bool:
        return not (self.tid or self.serial or self.merchant or self.since or self.state)

    def matches(self, case: Case) -> bool:
        terminals = [case.old_terminal, *(r.terminal for r in case.replacements if r.terminal)]
        return self._matches([(t.terminal_id, t.serial_number) for t in terminals],
                             case.merchant.name, case.merchant.merchant_number, case.opened,
                             case.state)

    def may_match(self, content: Any) -> bool:
        """The same question asked of a revision's parsed, not yet verified JSON (``case``):
        only what may match is then verified. Anything malformed may match (the full check
        will say what is wrong with it)."""
        try:
            terminals = [content["old_terminal"], *(r["terminal"] for r in
                                                    content["replacements"] if r["terminal"])]
            merchant = content["merchant"]
            return self._matches([(str(t["terminal_id"]), str(t["serial_number"]))
                                  for t in terminals], str(merchant["name"]),
                                 str(merchant["merchant_number"]), str(content["opened"]),
                                 str(content["state"]))
        except (KeyError, TypeError, AttributeError):
            return True

    def _matches(self, terminals: list[tuple[str, str]], name: str, number: str, opened: str,
                 state: str) -> bool:
        if self.tid and not any(tid == self.tid.strip() for tid, _serial in terminals):
            return False
        if self.serial and not any(_plain(serial) == _plain(self.serial)
                                   for _tid, serial in terminals):
            return False
        if self.merchant:
            wanted = self.merchant.strip().casefold()
            if wanted not in name.casefold() and wanted != number.casefold():
                return False
        if self.since and opened[:10] < self.since.isoformat():
            return False
        return not (self.state and state != self.state)


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


def _may_match(folder: Path, numbered: list[tuple[int, str]], query: CaseQuery) -> bool:
    """Whether the newest revision's content may match, from its JSON alone (no signature)."""
    if query.empty or not numbered:
        return True
    try:
        doc = json.loads((folder / numbered[0][1]).read_bytes())
    except (OSError, ValueError, RecursionError):
        return True  # torn or unreadable: the full check decides
    if not isinstance(doc, dict) or doc.get("format") != CASE_FORMAT:
        return True
    return query.may_match(doc.get("case"))


def summarise(folder: Path, names: list[str]) -> CaseSummary:
    """The newest revision that can be read, its signature checked, and the hash chain below it
    followed back to revision 1 (hashes only: the signatures of older revisions are
    ``case show``'s job). A torn newest write falls back to the revision before it."""
    numbered = _numbered(names)
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


def _numbered(names: list[str]) -> list[tuple[int, str]]:
    """Revision files, newest first."""
    return sorted(((int(m.group(1)), n) for n in names if (m := _REVISION.match(n))),
                  reverse=True)


_PREVIOUS = b'\n "previous_sha256": "'
_NO_SKIPPED = b'\n "skipped": [],'


def _chain_intact(folder: Path, older: list[tuple[int, str]], previous: str,
                  skipped: tuple[str, ...]) -> bool | None:
    """Each older revision file hashes to what the one above it names as its predecessor.

    The newest revision's signature vouches for its ``previous_sha256``; a file that hashes to
    it is then exactly as signed, so its own top-level ``previous_sha256`` (one space of
    indent: never inside the case, whose keys sit deeper and come first) can be read without
    parsing. None: the quick walk cannot tell (skipped torn files, another layout)."""
    for _number, name in older:
        if name in skipped:
            continue
        try:
            data = (folder / name).read_bytes()
        except OSError:
            return False
        if hashlib.sha256(data).hexdigest() != previous:
            return False
        at = data.rfind(_PREVIOUS)
        if at < 0 or data.find(_NO_SKIPPED, at) < 0:
            return None
        start = at + len(_PREVIOUS)
        end = data.find(b'"', start)
        previous = data[start:end].decode("ascii", "replace")
    return previous == ""


def list_cases(roots: Iterable[Path], query: CaseQuery | None = None) -> list[CaseSummary]:
    """Cases under the roots that match the query, newest opened first.

    A case is verified (newest revision's signature, hash chain) only when its newest
    revision's content may match: what is not shown need not be proven, and a thousand cases
    stay well under a second (bench/case_list.py)."""
    query = query or CaseQuery()
    found = []
    for folder, names in case_folders(roots):
        if not _may_match(folder, _numbered(names), query):
            continue
        summary = summarise(folder, names)
        if summary.case is None or query.matches(summary.case):
            found.append(summary)
    found.sort(key=lambda s: (s.case.opened if s.case else "", str(s.path)), reverse=True)
    return found
