"""What is plugged into the kit right now: the terminal's port and the backup stick.

Both answers are "exactly one, or None" so the service simply keeps waiting
while nothing (or too much) is plugged in. The terminal is found through the
/dev/posdiag/ links our udev rules make (terminals first, then USB-serial
bridges a terminal may sit behind); without them, through pyserial's listing
named by posdiag.usbids.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from posdiag import usbids
from posdiag.backup.media import MountedMedium, find_backup_medium
from posdiag.errors import MediumNotFound, UsageError

LINK_DIR = Path("/dev/posdiag")
# Kinds the kit backs up, most specific first: a known terminal beats an anonymous bridge.
TERMINAL_KINDS = (usbids.TERMINAL, usbids.USB_SERIAL)
_INTERFACE_LINK = re.compile(r".*-if\d\d$")  # per-interface twins of the main link


def terminal_links(link_dir: Path = LINK_DIR) -> dict[str, list[str]]:
    """kind -> sorted /dev/posdiag/<kind>-<serial> links present (interface twins left out)."""
    found: dict[str, list[str]] = {kind: [] for kind in TERMINAL_KINDS}
    if not link_dir.is_dir():
        return found
    for path in sorted(link_dir.iterdir()):
        if _INTERFACE_LINK.fullmatch(path.name) or path.is_dir():
            continue
        for kind in TERMINAL_KINDS:
            if path.name.startswith(kind + "-"):
                found[kind].append(str(path))
                break
    return found


def _from_pyserial() -> dict[str, list[str]]:
    from posdiag.discovery import list_serial_ports

    found: dict[str, list[str]] = {kind: [] for kind in TERMINAL_KINDS}
    for port in list_serial_ports():
        if port.kind in found and port.path:
            found[port.kind].append(port.path)
    return found


def find_terminal_port(link_dir: Path = LINK_DIR,
                       fallback: Callable[[], dict[str, list[str]]] = _from_pyserial
                       ) -> str | None:
    """The one terminal port plugged in, or None when there is none or it is ambiguous."""
    for source in (lambda: terminal_links(link_dir), fallback):
        found = source()
        for kind in TERMINAL_KINDS:
            if len(found.get(kind, [])) == 1:
                return found[kind][0]
            if found.get(kind):
                return None  # two terminals: the kit cannot guess which one to back up
    return None


def find_stick(mounts_text: str | None = None, sys_root: Path = Path("/sys")
               ) -> MountedMedium | None:
    """The one mounted USB stick, or None while there is none (or several)."""
    try:
        return find_backup_medium(mounts_text, sys_root)
    except (UsageError, MediumNotFound):
        return None
