"""Test doubles for the kit: a stick that is pulled mid-write, and a fake sysfs for eject.

VanishingMedium is the fault seam of posdiag.backup.writer.Medium: after ``budget``
bytes the write in progress fails with EIO (the kernel's "lost async page write")
and every later call with ENODEV, as when the stick is gone.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import BinaryIO

from posdiag.backup.writer import Medium


class _VanishingFile:
    def __init__(self, file: BinaryIO, medium: VanishingMedium) -> None:
        self._file, self._medium = file, medium

    def write(self, data: bytes) -> int:
        self._medium.spend(len(data))
        return self._file.write(data)

    def __getattr__(self, name: str):
        return getattr(self._file, name)


class VanishingMedium(Medium):
    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.gone = False

    def spend(self, amount: int) -> None:
        self.check()
        if amount > self.budget:
            self.gone = True
            raise OSError(errno.EIO, "Input/output error (test: stick pulled)")
        self.budget -= amount

    def check(self) -> None:
        if self.gone:
            raise OSError(errno.ENODEV, "No such device (test: stick pulled)")

    def create(self, path: Path) -> BinaryIO:
        self.check()
        return _VanishingFile(super().create(path), self)  # type: ignore[return-value]

    def open_read(self, path: Path) -> BinaryIO:
        self.check()
        return super().open_read(path)

    def listdir(self, path: Path) -> list[str]:
        self.check()
        return super().listdir(path)

    def sync_file(self, file: BinaryIO) -> None:
        self.check()
        super().sync_file(file)

    def sync_dir(self, path: Path) -> None:
        self.check()
        super().sync_dir(path)


def fake_usb_stick_sysfs(sys_root: Path, disk: str = "sdz") -> str:
    """A sysfs with one USB disk and its partition 1; returns the partition's device path."""
    disk_dir = sys_root / "devices/platform/usb1/1-1/1-1:1.0/host0/target0:0:0/block" / disk
    part_dir = disk_dir / f"{disk}1"
    part_dir.mkdir(parents=True)
    (part_dir / "partition").write_text("1\n")
    (sys_root / "class/block").mkdir(parents=True)
    (sys_root / "class/block" / f"{disk}1").symlink_to(part_dir)
    (sys_root / "class/block" / disk).symlink_to(disk_dir)
    (sys_root / "block").mkdir()
    (sys_root / "block" / disk).symlink_to(disk_dir)
    (disk_dir / "removable").write_text("1\n")
    return f"/dev/{disk}1"
