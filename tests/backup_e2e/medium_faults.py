"""A Medium that fails like a USB stick: pulled (EIO), full (ENOSPC), read-only (EROFS).

This is the writer's fault seam (posdiag.backup.writer.Medium); the terminal side stays
the real emulator. The fault fires once, at the chosen step.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import BinaryIO

from posdiag.backup.writer import Medium


class _FailingFile:
    def __init__(self, file: BinaryIO, medium: FailingMedium) -> None:
        self._file, self._medium = file, medium

    def write(self, data: bytes) -> int:
        self._medium.tick("write", len(data))
        return self._file.write(data)

    def __getattr__(self, name: str):
        return getattr(self._file, name)


class FailingMedium(Medium):
    """OSError(code) once ``after`` bytes were written ('write') or calls made ('create',
    'fsync')."""

    def __init__(self, step: str, code: int, after: int) -> None:
        self.step, self.code, self.after = step, code, after
        self.count = 0
        self.fired = False

    def tick(self, step: str, amount: int = 1) -> None:
        if self.fired or step != self.step:
            return
        self.count += amount
        if self.count > self.after:
            self.fired = True
            raise OSError(self.code, f"test fault: {errno.errorcode[self.code]}")

    def create(self, path: Path) -> BinaryIO:
        self.tick("create")
        return _FailingFile(super().create(path), self)  # type: ignore[return-value]

    def sync_file(self, file: BinaryIO) -> None:
        self.tick("fsync")
        super().sync_file(file)
