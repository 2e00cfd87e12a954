"""Attachments: files copied into the case folder under their SHA-256.

Photos of the fault or of the label go to ``attachments/<sha256><suffix>``: the name says what
the content is, the same photo attached twice is kept once, and verification re-hashes it. A
file that reads as text is checked for card data first and refused if it holds any (a photo
cannot be read that way; the technician is told not to photograph cards).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from posdiag.case.carddata import card_data_in
from posdiag.case.model import Attachment
from posdiag.case.store import ATTACHMENTS_DIR, case_media_error
from posdiag.errors import BadInput, UsageError
from posdiag.i18n import _

MAX_ATTACHMENT_BYTES = 32 << 20  # a phone photo is a few MiB; a video does not belong here
_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


def _looks_like_text(data: bytes) -> str | None:
    if b"\x00" in data[:8192]:
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def copy_attachment(case_dir: Path, source: Path, *, added: str,
                    caption: str = "") -> Attachment:
    """Copy ``source`` into the case; the Attachment naming it."""
    try:
        size = source.stat().st_size
        if size > MAX_ATTACHMENT_BYTES:
            raise BadInput(_("{file} has {size} MiB; attachments are at most {limit} MiB "
                             "(photos, not videos).").format(file=source, size=size >> 20,
                                                             limit=MAX_ATTACHMENT_BYTES >> 20))
        data = source.read_bytes()
    except FileNotFoundError:
        raise UsageError(_("The attachment {file} does not exist; check the path.").format(
            file=source)) from None
    except IsADirectoryError:
        raise UsageError(_("The attachment {file} is a folder; attach files one by one.").format(
            file=source)) from None
    except OSError as err:
        raise UsageError(_("Cannot read the attachment {file} ({error}).").format(
            file=source, error=err.strerror)) from err
    text = _looks_like_text(data)
    if text is not None and card_data_in(text):
        raise BadInput(_("The attachment {file} holds a card number; a case never holds card "
                         "data — mask it and attach it again.").format(file=source))
    digest = hashlib.sha256(data).hexdigest()
    suffix = source.suffix.lower() if _SUFFIX.match(source.suffix) else ""
    relative = f"{ATTACHMENTS_DIR}/{digest}{suffix}"
    target = case_dir / relative
    folder = target.parent
    try:
        folder.mkdir(exist_ok=True)
        if not target.exists():
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
    except OSError as err:
        raise case_media_error(err, target) from err
    return Attachment(name=source.name, file=relative, sha256=digest, size=size, added=added,
                      caption=caption)
