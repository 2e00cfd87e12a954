"""The file-system calls of a backup set, in one seam: safe opens, bounded reads, typed errors.

Everything the writer, the verifier and the resume logic do to a medium goes through
``Medium`` so tests can inject EIO, ENOSPC or EROFS at any step. The floor of the
backup package: it imports nothing else of it.

A stick is untrusted input. Reading, only regular files are opened: ``O_NOFOLLOW``
refuses a symbolic link (to /dev/zero, say), ``O_NONBLOCK`` keeps a FIFO from
blocking the open, and ``fstat`` then refuses anything that is not a regular file
(FIFO, device, socket). Every read is bounded by what the caller expects - a size a
manifest declares, or a documented cap - so a 3 GiB "manifest" costs one read of
``cap + 1`` bytes, not 3 GiB of memory.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from posdiag.errors import MediaError, MediaFull, MediaReadOnly, MediaRemoved, UnsafeFile
from posdiag.i18n import _

_REMOVED = {errno.EIO, errno.ENODEV, errno.ENXIO, errno.ENOENT, errno.ESTALE, errno.ENOTCONN}
_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}

# A set folder with more entries than this is not a backup set (a 1 GiB journal makes about
# 19 000 pieces); listing stops there instead of building an unbounded list.
MAX_FOLDER_ENTRIES = 200_000


def media_error(err: OSError, path: Path | str) -> MediaError:
    """The MediaError subclass (with a one-sentence message) for an OSError on the medium."""
    code = err.errno
    if code in _FULL:
        return MediaFull(_("The medium is full while writing {path}; use a larger or empty "
                           "stick and run the backup again with --resume.").format(path=path))
    if code in _READ_ONLY:
        return MediaReadOnly(_("The medium refused writing {path} (read-only or no "
                               "permission); check the stick's lock switch or re-insert it, "
                               "then use --resume.").format(path=path))
    if code in _REMOVED:
        return MediaRemoved(_("The medium failed or was removed while writing {path}; "
                              "re-insert it and run the backup again with --resume.")
                            .format(path=path))
    return MediaError(_("The medium failed on {path} ({reason}); check the stick and run the "
                        "backup again with --resume.").format(path=path,
                                                              reason=err.strerror or err))


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return _("a FIFO")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("a device")
    if stat.S_ISSOCK(mode):
        return _("a socket")
    if stat.S_ISDIR(mode):
        return _("a folder")
    return _("not a regular file")


def not_regular(path: Path | str, what: str) -> UnsafeFile:
    return UnsafeFile(_("{path} is {what}, not a regular file; a backup set holds only regular "
                        "files, so it was not read.").format(path=path, what=what))


class Medium:
    """The file-system calls of the backup writer and reader. Subclass to inject faults."""

    def create(self, path: Path) -> BinaryIO:
        # "x" is O_CREAT|O_EXCL: a write-once name that exists is never reused, and O_EXCL
        # never follows a symbolic link planted under that name.
        return open(path, "xb")

    def open_read(self, path: Path) -> BinaryIO:
        """A regular file opened for reading; UnsafeFile for anything else, never a hang."""
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | \
            getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags)
        except OSError as err:
            if err.errno == errno.ELOOP:
                raise not_regular(path, _("a symbolic link")) from err
            raise
        try:
            mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(mode):
                raise not_regular(path, _kind_of(mode))
            return os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise

    def listdir(self, path: Path) -> list[str]:
        names: list[str] = []
        with os.scandir(path) as entries:
            for entry in entries:
                names.append(entry.name)
                if len(names) > MAX_FOLDER_ENTRIES:
                    raise UnsafeFile(_("{path} holds more than {count} entries; it is not a "
                                       "backup set.").format(path=path,
                                                             count=MAX_FOLDER_ENTRIES))
        return sorted(names)

    def is_link(self, path: Path) -> bool:
        return path.is_symlink()

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
        """Bytes an unprivileged user may still write on the file system holding ``path``."""
        return self._statvfs(path).f_bavail * self._statvfs(path).f_frsize

    def cluster_bytes(self, path: Path) -> int:
        """The allocation unit of the file system holding ``path`` (a FAT cluster)."""
        return max(self._statvfs(path).f_frsize, 512)

    @staticmethod
    def _statvfs(path: Path) -> os.statvfs_result:
        while not path.exists() and path != path.parent:
            path = path.parent
        return os.statvfs(path)


def read_bounded(medium: Medium, path: Path, cap: int, *, fresh: bool = True) -> bytes:
    """The whole of a small file, at most ``cap`` bytes; UnsafeFile if it is larger.

    ``fresh`` drops the page cache first, so what is read is what the stick holds.
    """
    try:
        with medium.open_read(path) as file:
            if fresh:
                medium.drop_cache(file)
            data = file.read(cap + 1)
    except OSError as err:
        raise media_error(err, path) from err
    if len(data) > cap:
        raise UnsafeFile(_("{path} is larger than the {cap} bytes such a file may have; it is "
                           "not part of a backup set and was not read further.")
                         .format(path=path, cap=cap))
    return data
