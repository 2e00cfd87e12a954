"""Sync the stick, then unmount it and power it off through udisks2 (backup-media.md §3.4).

Only a mounted removable/USB filesystem is ever ejected, never the system's
own disks: a ``--media`` folder on the SD card is synced and left alone. The
outcome says whether the technician may pull the stick; when unmount or
power-off fails we say so and never claim "safe to remove".
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posdiag.backup.media import SYSTEM_MOUNTS, MountedMedium, list_mounted_media
from posdiag.i18n import _

UDISKSCTL = "udisksctl"
TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class EjectOutcome:
    safe: bool  # unmounted (and flushed): the stick may be pulled
    powered_off: bool
    message: str


def medium_holding(folder: Path, mounts_text: str | None = None,
                   sys_root: Path = Path("/sys")) -> MountedMedium | None:
    """The mounted USB/removable filesystem that ``folder`` lives on, or None."""
    target = Path(os.path.abspath(folder))
    holders = [m for m in list_mounted_media(mounts_text, sys_root)
               if m.mount_point == target or m.mount_point in target.parents]
    if not holders:
        return None
    best = max(holders, key=lambda m: len(m.mount_point.parts))  # the innermost mount
    if not (best.removable or best.usb) or str(best.mount_point) in SYSTEM_MOUNTS:
        return None
    return best


def eject(folder: Path, *, mounts_text: str | None = None, sys_root: Path = Path("/sys"),
          run: Callable[..., Any] = subprocess.run,
          which: Callable[[str], str | None] = shutil.which,
          sync: Callable[[], None] = os.sync) -> EjectOutcome:
    """Flush everything to the stick holding ``folder``, then unmount and power it off."""
    sync()
    medium = medium_holding(folder, mounts_text, sys_root)
    if medium is None:
        return _not_safe(_("{folder} is not on a mounted USB stick; data is synced, nothing "
                           "was powered off.").format(folder=folder))
    tool = which(UDISKSCTL)
    if tool is None:
        return _not_safe(_("udisksctl is not installed, so {device} stays mounted; install "
                           "udisks2 or unmount it by hand before pulling it.").format(
                               device=medium.device))
    for action in ("unmount", "power-off"):
        try:
            done = run([tool, action, "--no-user-interaction", "-b", medium.device],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            return _not_safe(_("udisksctl {action} of {device} failed ({reason}); do not pull "
                               "the stick yet.").format(action=action, device=medium.device,
                                                        reason=err))
        if done.returncode != 0:
            why = (done.stderr or done.stdout or "").strip().splitlines()
            detail = why[-1] if why else _("exit status {code}").format(code=done.returncode)
            if action == "power-off":  # unmounted: the data is safe, only the LED stays on
                return EjectOutcome(True, False, _("{device} is unmounted but could not be "
                                                   "powered off ({reason}); pull it now.").format(
                                                       device=medium.device, reason=detail))
            return _not_safe(_("udisksctl could not unmount {device} ({reason}); do not pull "
                               "the stick yet.").format(device=medium.device, reason=detail))
    return EjectOutcome(True, True, _("{device} is unmounted and powered off; pull the "
                                      "stick.").format(device=medium.device))


def _not_safe(message: str) -> EjectOutcome:
    return EjectOutcome(False, False, message)
