"""Case IDs: readable, unique, sortable — ``2026-1130-52500001-01``.

Date the case was opened (local, as the technician reads a calendar), the terminal's TID (or
its serial number when the TID is unknown), and a counter that makes the ID unique among the
cases under the same root folder. The case folder carries the ID as its name; the folder is
claimed with ``mkdir`` (which fails if it exists), so two cases opened at once cannot collide.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from posdiag.errors import BadInput, UsageError
from posdiag.i18n import _

CASE_ID = re.compile(r"^(\d{4})-(\d{2})(\d{2})-([A-Za-z0-9]{1,24})-(\d{2,3})$")
_UNSAFE = re.compile(r"[^A-Za-z0-9]")
MAX_COUNTER = 999


def terminal_key(terminal_id: str, serial_number: str) -> str:
    """The part of the ID that names the terminal: TID, else serial number, letters and digits."""
    for value in (terminal_id, serial_number):
        cleaned = _UNSAFE.sub("", value or "")[:24]
        if cleaned:
            return cleaned
    raise BadInput(_("A case needs the terminal's TID or serial number for its ID; give "
                     "--tid or --serial."))


def case_id_prefix(opened: date, key: str) -> str:
    return f"{opened:%Y-%m%d}-{key}"


def is_case_id(text: str) -> bool:
    return CASE_ID.match(text) is not None


def claim_case_folder(root: Path, opened: date, key: str) -> tuple[str, Path]:
    """(case ID, folder): the first free counter for this day and terminal under ``root``."""
    prefix = case_id_prefix(opened, key)
    try:
        root.mkdir(parents=True, exist_ok=True)
        taken = {name for name in os.listdir(root) if name.startswith(prefix + "-")}
    except OSError as err:
        raise UsageError(_("Cannot use the case folder {root} ({error}); choose another with "
                           "--root.").format(root=root, error=err.strerror)) from err
    for counter in range(1, MAX_COUNTER + 1):
        case_id = f"{prefix}-{counter:02d}"
        if case_id in taken:
            continue
        folder = root / case_id
        try:
            folder.mkdir()
        except FileExistsError:
            continue  # opened at the same moment by someone else
        except OSError as err:
            raise UsageError(_("Cannot create the case folder {folder} ({error}).").format(
                folder=folder, error=err.strerror)) from err
        return case_id, folder
    raise UsageError(_("{root} already holds {n} cases for this terminal today; use another "
                       "--root.").format(root=root, n=MAX_COUNTER))
