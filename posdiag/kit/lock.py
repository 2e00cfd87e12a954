"""One kit cycle at a time: an exclusive fcntl lock on a file in the kit's state folder.

The kernel drops the lock when the holder exits, crashes or loses power, so a
stale lock never blocks the next cycle (unlike a PID file). The file holds the
holder's PID for people reading it; nothing trusts that content.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from posdiag.errors import UsageError
from posdiag.i18n import _

LOCK_NAME = "kit-cycle.lock"


def lock_path(state_dir: Path) -> Path:
    return state_dir / LOCK_NAME


def _open(path: Path) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as err:
        raise UsageError(_("Cannot open the kit lock file {path} ({strerror}); check "
                           "that the kit's state folder is writable.").format(
                             path=path, strerror=err.strerror)) from err


@contextlib.contextmanager
def cycle_lock(path: Path) -> Iterator[None]:
    """Hold the cycle lock for the ``with`` block; UsageError at once if another cycle has it."""
    fd = _open(path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(_("Another kit cycle is running (lock {path}); wait for "
                               "it to finish and try again.").format(path=path)) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock


def is_locked(path: Path) -> bool:
    """True while some process holds the cycle lock (checked by briefly trying to take it)."""
    if not path.exists():
        return False
    fd = _open(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
