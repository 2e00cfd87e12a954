"""The folder the kit and its page share, and how files in it are written and read.

``<state>/web/`` (0700, owned by the kit's user) holds:

    status.json          the cycle's state, progress, last errors    kit run / kit once
    prompt.json          the operator prompt waiting for an answer   posdiag test --kit-page
    notice.json          the plan's current step, instruction, display   posdiag test --kit-page
    answer-<nonce>.json  the answer to one prompt                    kit serve
    server.lock          held (flock) while kit serve runs           kit serve

Every file is written whole to a temporary name in the same folder and renamed over the
old one, so a reader sees the old or the new file, never half of one. Readers take at most
``MAX_FILE_BYTES`` and treat anything unreadable as absent: a damaged file can blank a
page, never crash the server or the kit. Writes are not fsynced: these files describe the
moment and are worthless after a power cut, and fsync per progress line would wear the
SD card.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from posdiag.i18n import _

WEB_FOLDER = "web"
SERVER_LOCK = "server.lock"
MAX_FILE_BYTES = 64 * 1024


def web_dir(state_dir: Path) -> Path:
    return Path(state_dir) / WEB_FOLDER


def ensure_dir(folder: Path) -> Path:
    """The folder, made 0700 if missing; refused when it is a symbolic link."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.is_symlink() or not folder.is_dir():
        raise OSError(_("{folder} is not a plain folder").format(folder=folder))
    return folder


def write_json(path: Path, document: dict[str, Any]) -> None:
    """Replace ``path`` atomically with the JSON document (mode 0600)."""
    data = json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def create_json(path: Path, document: dict[str, Any]) -> bool:
    """Write ``path`` only if it does not exist yet (first writer wins); False if it did."""
    data = json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.link(temp, path)  # fails when the file exists: no second answer overwrites the first
        return True
    except FileExistsError:
        return False
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, or None when it is missing, not a regular file, too big
    or not a JSON object."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = os.read(fd, MAX_FILE_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        return None
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def file_version(path: Path) -> tuple[int, int, int] | None:
    """What changes when a file is replaced: (inode, size, mtime in ns); None if absent."""
    try:
        info = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


@contextlib.contextmanager
def server_presence(folder: Path) -> Iterator[None]:
    """Hold ``server.lock`` while the page is served; the kernel drops it with the process."""
    ensure_dir(folder)
    fd = os.open(folder / SERVER_LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OSError(_("another `posdiag kit serve` holds {value}").format(
                              value=folder / SERVER_LOCK)) from None
        yield
    finally:
        os.close(fd)


def server_running(folder: Path) -> bool:
    """True while a `posdiag kit serve` holds the presence lock of this folder."""
    path = folder / SERVER_LOCK
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
