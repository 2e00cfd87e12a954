"""age key strings and the text of key files. Pure: the files themselves are ``posdiag.age_files``.

Recipients are lower case, identities upper case, as age writes them; the
Bech32 checksum is always verified.

    age1…                 X25519 recipient (32 bytes)
    age1pq1…              hybrid ML-KEM-768 + X25519 recipient (1216 bytes)
    AGE-SECRET-KEY-1…     X25519 identity (32 bytes)
    AGE-SECRET-KEY-PQ-1…  hybrid identity (32-byte seed)

Key files hold one key per line, with ``#`` comments and blank lines, like
``age -R`` / ``age -i`` files.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from posdiag.crypto.age import bech32, hybrid, x25519
from posdiag.crypto.age.hybrid import HybridIdentity, HybridRecipient
from posdiag.crypto.age.x25519 import X25519Identity, X25519Recipient
from posdiag.errors import BadInput
from posdiag.i18n import N_, _

T = TypeVar("T")
AgeRecipient = X25519Recipient | HybridRecipient
AgeIdentity = X25519Identity | HybridIdentity


def generate_identity(post_quantum: bool = False) -> tuple[str, str]:
    """A fresh key pair as (identity, recipient): hybrid when ``post_quantum``, else X25519."""
    identity: AgeIdentity = HybridIdentity.generate() if post_quantum \
        else X25519Identity.generate()
    return str(identity), str(identity.recipient())


def parse_recipient(text: str) -> AgeRecipient:
    """An ``age1…`` or ``age1pq1…`` recipient; BadInput on anything else (SSH keys, typos)."""
    text = text.strip()
    if text.startswith(("ssh-", "ecdsa-")):
        raise BadInput(_("SSH recipients are not supported; use an age1… recipient."))
    if text.lower().startswith("age1") and text != text.lower():
        raise BadInput(_("An age1… recipient must be all lower case; copy it again "
                         "from its source."))
    hrp, data = bech32.decode(text)
    if hrp == hybrid.RECIPIENT_HRP:
        return HybridRecipient(data)
    if hrp != x25519.RECIPIENT_HRP:
        raise BadInput(_("Not an age recipient: it must start with age1 or age1pq1 (tag and "
                         "plugin recipients are not supported)."))
    if len(data) != x25519.KEY_SIZE:
        raise BadInput(_("The age recipient has the wrong length; copy it again from its source."))
    return X25519Recipient(data)


def parse_identity(text: str) -> AgeIdentity:
    """An ``AGE-SECRET-KEY-1…`` or ``AGE-SECRET-KEY-PQ-1…`` identity; BadInput on anything else."""
    text = text.strip()
    hrp, data = bech32.decode(text)
    if hrp == hybrid.IDENTITY_HRP:
        return HybridIdentity(data)
    if hrp != x25519.IDENTITY_HRP:
        raise BadInput(_("Not an age identity: it must start with AGE-SECRET-KEY-1 or "
                         "AGE-SECRET-KEY-PQ-1 in upper case (plugin identities are not "
                         "supported)."))
    if len(data) != x25519.KEY_SIZE:
        raise BadInput(_("The age identity has the wrong length; copy it again from its source."))
    return X25519Identity(data)


def _parse_lines(text: str, source: str, empty: str, parse: Callable[[str], T]) -> list[T]:
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1)]
    keys = [(n, line) for n, line in lines if line and not line.startswith("#")]
    if not keys:
        raise BadInput(_(empty).format(path=source))
    result: list[T] = []
    for number, line in keys:
        try:
            result.append(parse(line))
        except BadInput as err:
            raise type(err)(_("{path} line {number}: {reason}").format(
                path=source, number=number, reason=err)) from err
    return result


def parse_identity_file(text: str, source: str) -> list[AgeIdentity]:
    """Every identity in the text of an identity file (age-keygen format); ``source`` names it."""
    return _parse_lines(text, source, N_("The identity file {path} holds no key."),
                        parse_identity)


def parse_recipients_file(text: str, source: str) -> list[AgeRecipient]:
    """Every recipient in the text of a recipients file (``age -R`` format)."""
    return _parse_lines(text, source, N_("The recipients file {path} holds no key."),
                        parse_recipient)


def format_identity_file(identity: str, recipient: str, *, now: datetime) -> str:
    """An identity file exactly as age-keygen writes one."""
    created = now.isoformat(timespec="seconds").replace("+00:00", "Z")
    return f"# created: {created}\n# public key: {recipient}\n{identity}\n"
