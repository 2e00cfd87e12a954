"""age on disk: key files, and decrypting to a path. The I/O half of ``posdiag.crypto.age``.

The crypto package works on strings and streams only; this module opens,
creates and renames files around it:

- ``load_identities`` / ``load_recipients`` read key files (``age -i`` / ``age -R``);
- ``write_identity_file`` creates a new identity file, mode 0600, never overwriting;
- ``decrypt_file`` decrypts to a private temporary file next to the target and
  renames it into place only after the whole file verified (fsynced first), so
  the target never holds unauthenticated plaintext.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from posdiag.crypto.age.decrypt import decrypt_stream
from posdiag.crypto.age.keys import (
    AgeIdentity,
    AgeRecipient,
    format_identity_file,
    generate_identity,
    parse_identity_file,
    parse_recipients_file,
)
from posdiag.crypto.age.wrap import Identity
from posdiag.errors import BadInput
from posdiag.i18n import N_, _


def _read_key_file(path: str | os.PathLike[str], missing: str, not_text: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise BadInput(_(missing).format(path=path)) from err
    except UnicodeDecodeError as err:
        raise BadInput(_(not_text).format(path=path)) from err


def load_identities(path: str | os.PathLike[str]) -> list[AgeIdentity]:
    """All identities of an identity file (age-keygen format, X25519 or hybrid)."""
    text = _read_key_file(path, N_("The identity file {path} does not exist; check the path."),
                          N_("The identity file {path} is not a text key file."))
    return parse_identity_file(text, str(path))


def load_recipients(path: str | os.PathLike[str]) -> list[AgeRecipient]:
    """All recipients of a recipients file (``age -R`` format)."""
    text = _read_key_file(path, N_("The recipients file {path} does not exist; check the path."),
                          N_("The recipients file {path} is not a text key file."))
    return parse_recipients_file(text, str(path))


def write_identity_file(path: str | os.PathLike[str], *, now: datetime,
                        post_quantum: bool = False) -> str:
    """Create a new identity file (mode 0600, never overwriting); return its recipient."""
    identity, recipient = generate_identity(post_quantum)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as err:
        raise BadInput(_("{path} already exists; choose a new file name (keys are never "
                         "overwritten).").format(path=path)) from err
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(format_identity_file(identity, recipient, now=now))
        out.flush()
        os.fsync(out.fileno())
    return recipient


@contextlib.contextmanager
def _open_input(src: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    if str(src) == "-":
        yield sys.stdin.buffer
        return
    try:
        handle = open(src, "rb")  # noqa: SIM115 - closed by the with below
    except FileNotFoundError as err:
        raise BadInput(_("The file {path} does not exist; check the path.").format(path=src)) \
            from err
    with handle:
        yield handle


def decrypt_file(src: str | os.PathLike[str], out: str | os.PathLike[str] | None,
                 identities: Sequence[Identity], *, stdout: BinaryIO | None = None) -> int:
    """Decrypt ``src`` ("-" for stdin) to ``out``, or to ``stdout`` when out is None.

    Returns the plaintext byte count. Writing to a stream releases each chunk as
    soon as it verified, like the age tool; writing to a path is all or nothing.
    """
    with _open_input(src) as source:
        if out is None:
            sink = stdout if stdout is not None else sys.stdout.buffer
            size = decrypt_stream(source, sink, identities)
            sink.flush()
            return size
        target = Path(out)
        fd, temp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.",
                                    suffix=".partial")
        try:
            with os.fdopen(fd, "wb") as sink:
                size = decrypt_stream(source, sink, identities)
                sink.flush()
                os.fsync(sink.fileno())
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise
        return size
