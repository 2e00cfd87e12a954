"""The native X25519 recipient type: ``-> X25519 <share>`` (C2SP age, "X25519 recipient type").

wrap key = HKDF-SHA-256(ikm = X25519(ephemeral, recipient),
                         salt = share || recipient, info = "age-encryption.org/v1/X25519")
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from posdiag.crypto.age import b64, bech32
from posdiag.crypto.age.errors import HeaderError
from posdiag.crypto.age.header import Stanza, hkdf32
from posdiag.crypto.age.wrap import open_file_key, seal_file_key
from posdiag.errors import BadInput
from posdiag.i18n import _

STANZA_TYPE = "X25519"
LABEL = b"age-encryption.org/v1/X25519"
RECIPIENT_HRP = "age"
IDENTITY_HRP = "AGE-SECRET-KEY-"
KEY_SIZE = 32


def _public_raw(key: X25519PublicKey) -> bytes:
    # public_bytes(Raw) rather than public_bytes_raw(): the latter needs cryptography >= 40,
    # and Debian 12 on the Pi ships 38.
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True, slots=True)
class X25519Recipient:
    public_key: bytes

    def __post_init__(self) -> None:
        if len(self.public_key) != KEY_SIZE:
            raise BadInput(_("An X25519 recipient must hold a 32-byte public key."))

    def __str__(self) -> str:
        return bech32.encode(RECIPIENT_HRP, self.public_key)

    def wrap(self, file_key: bytes) -> list[Stanza]:
        return [self._wrap_with(file_key, os.urandom(KEY_SIZE))]

    def _wrap_with(self, file_key: bytes, ephemeral_secret: bytes) -> Stanza:
        ephemeral = X25519PrivateKey.from_private_bytes(ephemeral_secret)
        share = _public_raw(ephemeral.public_key())
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(self.public_key))
        wrap_key = hkdf32(shared, share + self.public_key, LABEL)
        return Stanza(STANZA_TYPE, (b64.encode(share),), seal_file_key(wrap_key, file_key))


@dataclass(frozen=True, slots=True)
class X25519Identity:
    secret_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret_key) != KEY_SIZE:
            raise BadInput(_("An X25519 identity must hold a 32-byte secret key."))

    @classmethod
    def generate(cls) -> X25519Identity:
        raw = X25519PrivateKey.generate().private_bytes(
            Encoding.Raw, PrivateFormat.Raw, NoEncryption()
        )
        return cls(raw)

    def __str__(self) -> str:
        return bech32.encode(IDENTITY_HRP, self.secret_key).upper()

    def recipient(self) -> X25519Recipient:
        private = X25519PrivateKey.from_private_bytes(self.secret_key)
        return X25519Recipient(_public_raw(private.public_key()))

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        private = X25519PrivateKey.from_private_bytes(self.secret_key)
        ours = _public_raw(private.public_key())
        for stanza in stanzas:
            if stanza.type != STANZA_TYPE:
                continue
            if len(stanza.args) != 1:
                raise HeaderError(_("An X25519 stanza has the wrong number of arguments."))
            share = b64.decode(stanza.args[0])
            if len(share) != KEY_SIZE:
                raise HeaderError(_("An X25519 stanza holds a share of the wrong length."))
            try:
                shared = private.exchange(X25519PublicKey.from_public_bytes(share))
            except ValueError as err:
                # cryptography refuses an all-zero shared secret (low-order share).
                raise HeaderError(_("An X25519 stanza holds a low-order share; the "
                                    "file is malicious or damaged.")) from err
            file_key = open_file_key(hkdf32(shared, share + ours, LABEL), stanza.body, "X25519")
            if file_key is not None:
                return file_key
        return None
