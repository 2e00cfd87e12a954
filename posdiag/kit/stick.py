"""What the kit accepts on a stick before it reads or writes a folder there.

A stick is untrusted media: anyone may have prepared it. Before a cycle touches a folder on
it, that folder must be a real folder on the stick itself, and a set folder must hold only
regular files (issue 10, item 6):

* a set or records folder that is a symbolic link would make the kit write the whole set
  somewhere else on the kit (its state folder, another disk): refused;
* a FIFO, a device node, a socket or a symbolic link inside a set folder would make reading
  it hang (a FIFO blocks ``open`` until a writer comes; ``/dev/zero`` never ends) or read
  something that is not on the stick: refused, before anything is opened;
* a set folder with more entries than any backup writes is refused, so listing it stays
  bounded.

Only ``lstat``/``scandir`` are used here, which never open, follow or block. A refused stick
ends the cycle with MediaError (exit 4, state ``failed``) within moments, and the cycle lock
is released with it; the technician is told to use a clean stick.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from posdiag.display import untrusted
from posdiag.errors import MediaError
from posdiag.i18n import N_, _

# A set of a 4 GiB journal in 256 KiB segments has about 16 000 segments, plus a manifest
# and a signature per generation; far beyond any terminal's journal.
MAX_SET_ENTRIES = 50_000

_KINDS = (
    (stat.S_ISLNK, N_("a symbolic link")),
    (stat.S_ISFIFO, N_("a FIFO")),
    (stat.S_ISCHR, N_("a character device")),
    (stat.S_ISBLK, N_("a block device")),
    (stat.S_ISSOCK, N_("a socket")),
    (stat.S_ISDIR, N_("a folder")),
)


def kind_of(mode: int) -> str:
    """What a file mode says a directory entry is, in words (translated)."""
    for test, words in _KINDS:
        if test(mode):
            return _(words)
    return _("not a regular file")


def check_folder(root: Path, folder: Path) -> None:
    """``folder`` (a child of the stick's ``root``) is absent or a real folder on the stick."""
    try:
        mode = os.lstat(folder).st_mode
    except FileNotFoundError:
        return
    except OSError as err:
        raise MediaError(_("Cannot look at {folder} on the stick ({error}); check the stick.")
                         .format(folder=untrusted(folder), error=err.strerror or err)) from err
    if stat.S_ISLNK(mode):
        raise MediaError(_("{name} on the stick is a symbolic link; the kit writes only onto "
                           "the stick itself. Remove the link or use a clean stick.")
                         .format(name=untrusted(folder.name)))
    if not stat.S_ISDIR(mode):
        raise MediaError(_("{name} on the stick is {kind}, not a folder; remove it or use a "
                           "clean stick.").format(name=untrusted(folder.name),
                                                  kind=kind_of(mode)))
    real_root, real = os.path.realpath(root), os.path.realpath(folder)
    if os.path.commonpath([real_root, real]) != real_root:
        raise MediaError(_("{name} leads off the stick; use a clean stick.")
                         .format(name=untrusted(folder.name)))


def check_set_folder(root: Path, set_dir: Path) -> None:
    """The set folder is absent, or a real folder on the stick holding only regular files."""
    check_folder(root, set_dir)
    if not os.path.lexists(set_dir):
        return
    try:
        with os.scandir(set_dir) as entries:
            for count, entry in enumerate(entries, start=1):
                if count > MAX_SET_ENTRIES:
                    raise MediaError(_("The set folder {folder} on the stick holds more than "
                                       "{limit} entries, more than any backup writes; use a "
                                       "clean stick.").format(folder=untrusted(set_dir.name),
                                                              limit=MAX_SET_ENTRIES))
                if not entry.is_file(follow_symlinks=False):
                    mode = entry.stat(follow_symlinks=False).st_mode
                    raise MediaError(_("The set folder {folder} on the stick holds {name}, "
                                       "which is not a regular file ({kind}); a backup set "
                                       "holds only files. Use a clean stick.")
                                     .format(folder=untrusted(set_dir.name),
                                             name=untrusted(entry.name), kind=kind_of(mode)))
    except OSError as err:
        raise MediaError(_("Cannot list the set folder {folder} on the stick ({error}); check "
                           "the stick.").format(folder=untrusted(set_dir.name),
                                                error=err.strerror or err)) from err
