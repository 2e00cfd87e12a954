"""age key strings and key files: ``age1…`` recipients, ``AGE-SECRET-KEY-1…`` identities.

Recipients are lower case, identities upper case, as age writes them; the
Bech32 checksum is always verified. Key files hold one key per line, with
``#`` comments and blank lines, like ``age -R`` / ``age -i`` files.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from posdiag.crypto.age import bech32
from posdiag.crypto.age.x25519 import (
    IDENTITY_HRP,
    KEY_SIZE,
    RECIPIENT_HRP,
    X25519Identity,
    X25519Recipient,
)
from posdiag.errors import BadInput

T = TypeVar("T")


def generate_identity() -> tuple[str, str]:
    """A fresh X25519 key pair as (AGE-SECRET-KEY-1…, age1…)."""
    identity = X25519Identity.generate()
    return str(identity), str(identity.recipient())


def parse_recipient(text: str) -> X25519Recipient:
    """An ``age1…`` recipient; BadInput on anything else (SSH keys, plugins, typos)."""
    text = text.strip()
    if text.startswith(("ssh-", "ecdsa-")):
        raise BadInput("SSH recipients are not supported; use an age1… recipient.")
    if text.lower().startswith("age1") and text != text.lower():
        raise BadInput("An age1… recipient must be all lower case; copy it again from its source.")
    hrp, data = bech32.decode(text)
    if hrp != RECIPIENT_HRP:
        raise BadInput("Not an age recipient: it must start with age1 (post-quantum and plugin "
                       "recipients are not supported).")
    if len(data) != KEY_SIZE:
        raise BadInput("The age recipient has the wrong length; copy it again from its source.")
    return X25519Recipient(data)


def parse_identity(text: str) -> X25519Identity:
    """An ``AGE-SECRET-KEY-1…`` identity; BadInput on anything else."""
    text = text.strip()
    hrp, data = bech32.decode(text)
    if hrp != IDENTITY_HRP:
        raise BadInput("Not an age identity: it must start with AGE-SECRET-KEY-1 in upper case "
                       "(post-quantum and plugin identities are not supported).")
    if len(data) != KEY_SIZE:
        raise BadInput("The age identity has the wrong length; copy it again from its source.")
    return X25519Identity(data)


def _key_lines(path: str | os.PathLike[str], what: str) -> list[tuple[int, str]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise BadInput(f"The {what} file {path} does not exist; check the path.") from err
    except UnicodeDecodeError as err:
        raise BadInput(f"The {what} file {path} is not a text key file.") from err
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1)]
    keys = [(n, line) for n, line in lines if line and not line.startswith("#")]
    if not keys:
        raise BadInput(f"The {what} file {path} holds no key.")
    return keys


def _parse_each(
    path: str | os.PathLike[str], what: str, parse: Callable[[str], T]
) -> list[T]:
    result: list[T] = []
    for number, line in _key_lines(path, what):
        try:
            result.append(parse(line))
        except BadInput as err:
            raise BadInput(f"{path} line {number}: {err}") from err
    return result


def load_identities(path: str | os.PathLike[str]) -> list[X25519Identity]:
    """All identities of an identity file (age-keygen format)."""
    return _parse_each(path, "identity", parse_identity)


def load_recipients(path: str | os.PathLike[str]) -> list[X25519Recipient]:
    """All recipients of a recipients file (``age -R`` format)."""
    return _parse_each(path, "recipients", parse_recipient)


def format_identity_file(identity: str, recipient: str, *, now: datetime) -> str:
    """An identity file exactly as age-keygen writes one."""
    created = now.isoformat(timespec="seconds").replace("+00:00", "Z")
    return f"# created: {created}\n# public key: {recipient}\n{identity}\n"


def write_identity_file(path: str | os.PathLike[str], *, now: datetime) -> str:
    """Create a new identity file (mode 0600, never overwriting); return its age1… recipient."""
    identity, recipient = generate_identity()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as err:
        raise BadInput(f"{path} already exists; choose a new file name (keys are never "
                       "overwritten).") from err
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(format_identity_file(identity, recipient, now=now))
        out.flush()
        os.fsync(out.fileno())
    return recipient
