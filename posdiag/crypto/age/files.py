"""Decrypting an age file to a path without ever leaving unauthenticated plaintext there.

The plaintext goes to a private temporary file next to the target; only when
the whole file (last chunk included) verified is it fsynced and renamed into
place. On any failure the temporary file is removed and the target untouched.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from posdiag.crypto.age.decrypt import decrypt_stream
from posdiag.crypto.age.wrap import Identity
from posdiag.errors import BadInput


@contextlib.contextmanager
def _open_input(src: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    if str(src) == "-":
        yield sys.stdin.buffer
        return
    try:
        handle = open(src, "rb")  # noqa: SIM115 - closed by the with below
    except FileNotFoundError as err:
        raise BadInput(f"The file {src} does not exist; check the path.") from err
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
