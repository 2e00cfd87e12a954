"""Write-once files on removable media, read back past the page cache before they count.

Order per file (backup-media.md §2.3-2.5): create with O_EXCL (never
overwrite) → write → fsync(file) → fsync(dir) → posix_fadvise(DONTNEED) → read
back and compare SHA-256 and size. Only then may a manifest name the file.

There is deliberately no temp-name-then-rename step: on FAT a rename is two
directory updates that a pulled stick can tear apart, and it gains nothing here
because a file is only committed once a signed manifest names it. An
interrupted write just leaves an unnamed file that readers ignore.

All file-system calls go through ``Medium`` so tests can inject EIO, ENOSPC or
EROFS at any step. Any OSError becomes a ``MediaError`` subclass; after an
fsync error nothing is retried (fsyncgate: the pages may already be gone).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from posdiag.backup.manifest import FileEntry
from posdiag.errors import MediaCorrupt, MediaError, MediaFull, MediaReadOnly, MediaRemoved

READ_CHUNK = 1 << 20

_REMOVED = {errno.EIO, errno.ENODEV, errno.ENXIO, errno.ENOENT, errno.ESTALE, errno.ENOTCONN}
_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


def media_error(err: OSError, path: Path | str) -> MediaError:
    """The MediaError subclass (with a one-sentence message) for an OSError on the medium."""
    code = err.errno
    if code in _FULL:
        return MediaFull(f"The medium is full while writing {path}; use a larger or empty stick "
                         "and run the backup again with --resume.")
    if code in _READ_ONLY:
        return MediaReadOnly(f"The medium refused writing {path} (read-only or no permission); "
                             "check the stick's lock switch or re-insert it, then use --resume.")
    if code in _REMOVED:
        return MediaRemoved(f"The medium failed or was removed while writing {path}; re-insert "
                            "it and run the backup again with --resume.")
    return MediaError(f"The medium failed on {path} ({err.strerror or err}); check the stick and "
                      "run the backup again with --resume.")


class Medium:
    """The file-system calls of the backup writer and reader. Subclass to inject faults."""

    def create(self, path: Path) -> BinaryIO:
        return open(path, "xb")  # O_EXCL: a write-once name that exists is never reused

    def open_read(self, path: Path) -> BinaryIO:
        return open(path, "rb")

    def listdir(self, path: Path) -> list[str]:
        return sorted(os.listdir(path))

    def makedirs(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)

    def sync_file(self, file: BinaryIO) -> None:
        file.flush()
        os.fsync(file.fileno())

    def sync_dir(self, path: Path) -> None:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        except OSError as err:
            if err.errno != errno.EINVAL:  # some file systems cannot fsync a directory
                raise
        finally:
            os.close(fd)

    def drop_cache(self, file: BinaryIO) -> None:
        """Ask the kernel to forget the file's clean pages, so a read really touches the stick."""
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)

    def remove(self, path: Path) -> None:
        os.unlink(path)

    def free_bytes(self, path: Path) -> int:
        from posdiag.backup.media import free_bytes

        return free_bytes(path)


class HashingWriter:
    """A write-only binary file that hashes and counts what passes through to the medium."""

    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        written = self._file.write(data)
        view = memoryview(data)[: written if written is not None else len(data)]
        self._hash.update(view)
        self.size += len(view)
        return len(view)

    def flush(self) -> None:
        self._file.flush()

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def write_once(medium: Medium, directory: Path, name: str,
               produce: Callable[[HashingWriter], object]) -> FileEntry:
    """Create ``directory/name``, fill it with ``produce``, make it durable and verify it.

    If ``produce`` raises, the half-written file is removed when possible (it
    was never named by a manifest) and the exception propagates.
    """
    path = directory / name
    try:
        file = medium.create(path)
    except FileExistsError as err:
        raise MediaError(f"{path} already exists and files of a backup set are never "
                         "overwritten; use a new folder or --resume.") from err
    except OSError as err:
        raise media_error(err, path) from err
    writer = HashingWriter(file)
    try:
        try:
            produce(writer)
            medium.sync_file(file)
        finally:
            file.close()
        medium.sync_dir(directory)
    except OSError as err:
        raise media_error(err, path) from err
    except BaseException:
        with contextlib.suppress(OSError):
            medium.remove(path)
        raise
    entry = FileEntry(name, writer.size, writer.hexdigest())
    read_back = hash_file(medium, path)
    if read_back != entry:
        raise MediaCorrupt(f"{path} reads back differently from what was written "
                           f"({read_back.size} of {entry.size} bytes, hash "
                           f"{'differs' if read_back.size == entry.size else 'n/a'}); the stick "
                           "is failing or fake, use another one.")
    return entry


def hash_file(medium: Medium, path: Path) -> FileEntry:
    """Size and SHA-256 of a file as the medium returns it, bypassing the page cache."""
    digest = hashlib.sha256()
    size = 0
    try:
        with medium.open_read(path) as file:
            medium.drop_cache(file)
            while chunk := file.read(READ_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except OSError as err:
        raise media_error(err, path) from err
    return FileEntry(path.name, size, digest.hexdigest())
