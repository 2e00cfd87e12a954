"""Write-once files on removable media, read back past the page cache before they count.

Order per file (backup-media.md §2.3-2.5): create with O_EXCL (never
overwrite) → write → fsync(file) → fsync(dir) → posix_fadvise(DONTNEED) → read
back and compare SHA-256 and size. Only then may a manifest name the file.

There is deliberately no temp-name-then-rename step: on FAT a rename is two
directory updates that a pulled stick can tear apart, and it gains nothing here
because a file is only committed once a signed manifest names it. An
interrupted write just leaves an unnamed file that readers ignore.

All file-system calls go through ``Medium`` (medium.py) so tests can inject EIO,
ENOSPC or EROFS at any step. Any OSError becomes a ``MediaError`` subclass; after
an fsync error nothing is retried (fsyncgate: the pages may already be gone).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from posdiag.backup.manifest import FileEntry
from posdiag.backup.medium import Medium, media_error
from posdiag.errors import MediaCorrupt, MediaError
from posdiag.i18n import _

__all__ = ["HashingWriter", "Medium", "hash_file", "media_error", "write_once"]

READ_CHUNK = 1 << 20


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
               produce: Callable[[HashingWriter], object], *,
               sync_dir: bool = True) -> FileEntry:
    """Create ``directory/name``, fill it with ``produce``, make it durable and verify it.

    If ``produce`` raises, the half-written file is removed when possible (it
    was never named by a manifest) and the exception propagates. ``sync_dir=False``
    leaves the folder's fsync to the next file written into it (a piece's seal): until
    then only that next file can name this one, and whoever reads the name checks the file.
    """
    path = directory / name
    try:
        file = medium.create(path)
    except FileExistsError as err:
        raise MediaError(_("{path} already exists and files of a backup set are never "
                           "overwritten; use a new folder or --resume.").format(path=path)) from err
    except OSError as err:
        raise media_error(err, path) from err
    writer = HashingWriter(file)
    try:
        try:
            produce(writer)
            medium.sync_file(file)
        finally:
            file.close()
        if sync_dir:
            medium.sync_dir(directory)
    except OSError as err:
        raise media_error(err, path) from err
    except BaseException:
        with contextlib.suppress(OSError):
            medium.remove(path)
        raise
    entry = FileEntry(name, writer.size, writer.hexdigest())
    read_back = hash_file(medium, path, limit=entry.size)
    if read_back != entry:
        raise MediaCorrupt(_("{path} reads back differently from what was written ({got} of "
                             "{size} bytes); the stick is failing or fake, use another one.")
                           .format(path=path, got=read_back.size, size=entry.size))
    return entry


def hash_file(medium: Medium, path: Path, limit: int | None = None) -> FileEntry:
    """Size and SHA-256 of a file as the medium returns it, bypassing the page cache.

    With ``limit`` at most ``limit + 1`` bytes are read: a file longer than the size a
    record declares is reported as such (size ``limit + 1``) without reading the rest.
    Only regular files are opened (Medium.open_read).
    """
    digest = hashlib.sha256()
    size = 0
    budget = None if limit is None else limit + 1
    try:
        with medium.open_read(path) as file:
            medium.drop_cache(file)
            while budget is None or size < budget:
                want = READ_CHUNK if budget is None else min(READ_CHUNK, budget - size)
                chunk = file.read(want)
                if not chunk:
                    break
                digest.update(chunk)
                size += len(chunk)
    except OSError as err:
        raise media_error(err, path) from err
    return FileEntry(path.name, size, digest.hexdigest())
