"""Finding the backup stick (``--to auto``) and checking it has room, without root.

A mounted filesystem counts as removable USB media when its block device's
disk has ``/sys/block/<disk>/removable`` = 1 or sits on the USB bus (the
removable flag alone misses USB SSD enclosures, backup-media.md §3.1). The
system's own mounts (/, /boot, /boot/firmware) never count. Exactly one
candidate must be found; none is a media error (exit 4), several a usage error (exit 2), each
listing what was seen.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from posdiag.backup.medium import Medium, media_error
from posdiag.errors import MediaFull, MediumNotFound, UsageError
from posdiag.i18n import _

if TYPE_CHECKING:
    from posdiag.devices import TerminalIdentity

SYSTEM_MOUNTS = ("/", "/boot", "/boot/firmware", "/boot/efi")
HEADROOM = 4 << 20  # manifests, indexes, README, snapshots


@dataclass(frozen=True, slots=True)
class MountedMedium:
    device: str  # /dev/sdb1
    mount_point: Path
    fs_type: str
    disk: str  # sdb
    removable: bool
    usb: bool


def _unescape(field: str) -> str:
    # /proc/self/mounts escapes space, tab, newline and backslash as \\ooo octal.
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def parse_mounts(text: str) -> list[tuple[str, str, str]]:
    """(device, mount point, fs type) per line of /proc/self/mounts."""
    mounts = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].startswith("/dev/"):
            mounts.append((_unescape(parts[0]), _unescape(parts[1]), parts[2]))
    return mounts


def _disk_of(device: str, sys_root: Path) -> tuple[str, Path] | None:
    """The whole-disk name and its sysfs folder for a partition or disk device path."""
    name = Path(os.path.realpath(device)).name if sys_root == Path("/sys") else Path(device).name
    node = sys_root / "class" / "block" / name
    if not node.exists():
        return None
    real = node.resolve()
    # A partition's sysfs folder sits inside its disk's folder and has a "partition" file.
    disk_dir = real.parent if (real / "partition").exists() else real
    return disk_dir.name, disk_dir


def list_mounted_media(mounts_text: str | None = None,
                       sys_root: Path = Path("/sys")) -> list[MountedMedium]:
    """Every mounted block-device filesystem with what sysfs says about its disk."""
    if mounts_text is None:
        mounts_text = Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
    found = []
    for device, mount_point, fs_type in parse_mounts(mounts_text):
        disk = _disk_of(device, sys_root)
        if disk is None:  # not in sysfs (device-mapper, gone): listed as seen, never chosen
            found.append(MountedMedium(device, Path(mount_point), fs_type, "", False, False))
            continue
        disk_name, disk_dir = disk
        removable_file = sys_root / "block" / disk_name / "removable"
        removable = removable_file.exists() and removable_file.read_text().strip() == "1"
        usb = "/usb" in str(disk_dir)
        found.append(MountedMedium(device, Path(mount_point), fs_type, disk_name, removable, usb))
    return found


def find_backup_medium(mounts_text: str | None = None,
                       sys_root: Path = Path("/sys"), *, option: str = "--to") -> MountedMedium:
    """The one mounted removable USB filesystem; MediumNotFound if there is none, UsageError
    if there are several. ``option`` is how the command names its folder option."""
    media = list_mounted_media(mounts_text, sys_root)
    candidates = [m for m in media if (m.removable or m.usb)
                  and str(m.mount_point) not in SYSTEM_MOUNTS]
    if len(candidates) == 1:
        return candidates[0]
    seen = ", ".join(f"{m.device} on {m.mount_point} ({m.fs_type}"
                     f"{', removable' if m.removable else ''}{', usb' if m.usb else ''})"
                     for m in media) or "no mounted block devices"
    if not candidates:
        raise MediumNotFound(_("No mounted USB stick found (seen: {seen}); plug in and mount "
                               "the stick, or give {option} DIR.").format(seen=seen,
                                                                          option=option))
    raise UsageError(_("Several removable media are mounted (seen: {seen}); give {option} DIR "
                       "to choose one.").format(seen=seen, option=option))


def choose_set_dir(root: Path, identity: TerminalIdentity, resume: bool) -> Path:
    """posdiag-<terminal>[-N] on a medium: the newest such folder to resume, else a new one."""
    from posdiag.backup.layout import set_dir_name

    key = identity.serial_number or identity.terminal_id or "terminal"
    n = 1
    while (root / set_dir_name(key, n + 1)).exists() or (
            not resume and (root / set_dir_name(key, n)).exists()):
        n += 1
    return root / set_dir_name(key, n)


def space_needed(journal_bytes: int, piece_bytes: int, segment_bytes: int,
                 cluster: int) -> int:
    """Bytes a backup of ``journal_bytes`` more journal needs on a medium, generously.

    Every piece takes whole clusters (its ciphertext is at most 4 KiB over its plaintext);
    seals of the segment in flight, indexes, manifests, README and snapshots fit the headroom.
    """
    def clusters(size: int) -> int:
        return -(-size // cluster) * cluster

    pieces = -(-journal_bytes // max(piece_bytes - 2048, 1)) + 1
    seals_in_flight = segment_bytes // piece_bytes + 2
    return pieces * clusters(piece_bytes + 4096) + seals_in_flight * clusters(1024) + HEADROOM


def require_free_space(medium: Medium, path: Path, needed: int) -> None:
    """MediaFull before writing anything when the journal cannot fit."""
    try:
        available = medium.free_bytes(path)
    except OSError as err:
        raise media_error(err, path) from err
    if available < needed:
        raise MediaFull(_("The medium at {path} has {free} KiB free but the backup needs about "
                          "{needed} KiB; use a larger or empty stick.").format(
            path=path, free=available // 1024, needed=needed // 1024))


def on_medium(root: Path) -> Callable[[TerminalIdentity, bool], Path]:
    """The set folder on a stick mounted at ``root``, chosen once the terminal is known."""
    return lambda identity, resume: choose_set_dir(root, identity, resume)
