"""What a recipient and an identity are, and the file-key wrapping they share.

A recipient turns the 16-byte file key into stanzas; an identity finds the
stanza meant for it and gets the file key back. Both native types seal the
file key with ChaCha20-Poly1305 under an all-zero nonce (the wrap key is used once).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from posdiag.crypto.age.errors import HeaderError
from posdiag.crypto.age.header import Stanza
from posdiag.i18n import _

FILE_KEY_SIZE = 16
_ZERO_NONCE = bytes(12)


@runtime_checkable
class Recipient(Protocol):
    """Someone a file is encrypted to."""

    def wrap(self, file_key: bytes) -> list[Stanza]: ...


@runtime_checkable
class Identity(Protocol):
    """A secret that may open a file."""

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        """The file key, or None when no stanza is for this identity.

        Raises HeaderError when a stanza of this identity's type is malformed:
        the spec requires aborting rather than trying further (partitioning-oracle defence).
        """
        ...


def seal_file_key(wrap_key: bytes, file_key: bytes) -> bytes:
    return ChaCha20Poly1305(wrap_key).encrypt(_ZERO_NONCE, file_key, None)


def open_file_key(wrap_key: bytes, body: bytes, kind: str) -> bytes | None:
    """File key from a stanza body; None if it was not sealed for this key."""
    if len(body) != FILE_KEY_SIZE + 16:
        raise HeaderError(_("The {kind} stanza body has the wrong size; the file is "
                            "damaged.").format(kind=kind))
    try:
        return ChaCha20Poly1305(wrap_key).decrypt(_ZERO_NONCE, body, None)
    except InvalidTag:
        return None
