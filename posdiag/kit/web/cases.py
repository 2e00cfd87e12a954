"""The Cases page: the repair cases on the stick, and the documents made for them.

Cases are listed by ``posdiag.case.listing`` (the same listing and verification as
`posdiag case list`), from ``<stick>/posdiag-cases/``. A case's documents are the PDF files
in its folder (the replacement request and the acceptance certificate once they are
written there); each is served as a download by ``document_path``, which admits only a
plain file name ending in .pdf, in a case folder directly under the cases folder, that is
a regular file and no symbolic link.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from posdiag.cards import mask_text
from posdiag.i18n import _

MAX_CASES = 50  # the newest; a stick with more is read with `posdiag case list`
MAX_DOCUMENT_BYTES = 50 * 1000 * 1000
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


@dataclass(frozen=True, slots=True)
class CaseRow:
    title: str
    state: str
    detail: str
    documents: tuple[tuple[str, str], ...]  # (file name, link)


def cases_root(media: Path) -> Path:
    from posdiag.case.opening import STICK_CASES_FOLDER

    return media / STICK_CASES_FOLDER


def _documents(folder: Path) -> tuple[tuple[str, str], ...]:
    found = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return ()
    for entry in entries:
        if (entry.name.lower().endswith(".pdf") and _NAME.fullmatch(entry.name)
                and entry.is_file(follow_symlinks=False)):
            found.append((entry.name, f"/cases/{quote(folder.name)}/{quote(entry.name)}"))
    return tuple(found)


def case_finder(media: Path | None) -> list[CaseRow]:
    """Cases on the stick, newest opened first (in the language active now)."""
    if media is None:
        return []
    from posdiag.case.listing import list_cases
    from posdiag.case.states import state_label

    root = cases_root(media)
    if not root.is_dir() or root.is_symlink():
        return []
    rows = []
    for summary in list_cases([root])[:MAX_CASES]:
        case = summary.case
        if case is None:
            rows.append(CaseRow(summary.path.name, _("unreadable"), mask_text(summary.problem),
                                _documents(summary.path)))
            continue
        terminal = case.old_terminal
        parts = [p for p in (case.merchant.name, terminal.model, terminal.serial_number,
                             case.opened[:10]) if p]
        if not summary.verified:
            parts.append(_("signature does NOT verify"))
        rows.append(CaseRow(case.case_id, state_label(case.state),
                            mask_text(" · ".join(parts)), _documents(summary.path)))
    return rows


def document_path(media: Path | None, case: str, name: str) -> Path | None:
    """The PDF to download, or None when the request names anything else."""
    if media is None or not _NAME.fullmatch(case) or not _NAME.fullmatch(name) \
            or not name.lower().endswith(".pdf"):
        return None
    root = cases_root(media)
    folder = root / case
    path = folder / name
    try:
        for part in (root, folder):
            if not stat.S_ISDIR(os.lstat(part).st_mode):
                return None
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_DOCUMENT_BYTES:
        return None
    return path
