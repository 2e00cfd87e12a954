"""The hybrid post-quantum recipient type: ``-> mlkem768x25519 <enc>`` (C2SP age).

The file key is sealed with HPKE SealBase (RFC 9180): KEM MLKEM768-X25519
(``mlkem768x25519.py``), KDF HKDF-SHA256, AEAD ChaCha20Poly1305,
info = "age-encryption.org/mlkem768x25519", empty aad. The stanza's argument is
the 1120-byte ``enc``, its body the 32-byte HPKE ciphertext.

Keys: identity = 32-byte seed, Bech32 with HRP ``AGE-SECRET-KEY-PQ-`` (upper case,
77 characters); recipient = the 1216-byte public key, Bech32 with HRP ``age1pq``
(lower case, 1959 characters). Files to these recipients must not also be
encrypted to classic ones (``labels``; enforced when encrypting).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from posdiag.crypto.age import b64, bech32, hpke
from posdiag.crypto.age import mlkem768x25519 as kem
from posdiag.crypto.age.errors import HeaderError
from posdiag.crypto.age.header import Stanza
from posdiag.crypto.age.pq_support import mlkem_module
from posdiag.crypto.age.wrap import FILE_KEY_SIZE
from posdiag.errors import BadInput
from posdiag.i18n import _

STANZA_TYPE = "mlkem768x25519"
INFO = b"age-encryption.org/mlkem768x25519"
RECIPIENT_HRP = "age1pq"
IDENTITY_HRP = "AGE-SECRET-KEY-PQ-"
BODY_SIZE = FILE_KEY_SIZE + hpke.TAG_SIZE
# What age calls the recipient's labels: recipients with different labels never share a file.
POST_QUANTUM = "postquantum"


@dataclass(frozen=True, slots=True)
class HybridRecipient:
    """An ``age1pq1…`` recipient: ML-KEM-768 encapsulation key || X25519 public key."""

    public_key: bytes
    labels: ClassVar[frozenset[str]] = frozenset({POST_QUANTUM})

    def __post_init__(self) -> None:
        if len(self.public_key) != kem.PUBLIC_KEY_SIZE:
            raise BadInput(_("A post-quantum age recipient must hold a {size}-byte public key; "
                             "copy it again from its source.").format(size=kem.PUBLIC_KEY_SIZE))
        mlkem = mlkem_module()
        try:
            mlkem.MLKEM768PublicKey.from_public_bytes(self.public_key[:kem.MLKEM_PUBLIC_SIZE])
        except ValueError as err:  # the FIPS 203 encapsulation-key (modulus) check
            raise BadInput(_("The post-quantum age recipient holds an invalid ML-KEM key; "
                             "copy it again from its source.")) from err

    def __str__(self) -> str:
        return bech32.encode(RECIPIENT_HRP, self.public_key)

    def wrap(self, file_key: bytes) -> list[Stanza]:
        return [self._wrap_with(file_key, os.urandom(kem.X25519_SIZE))]

    def _wrap_with(self, file_key: bytes, ephemeral_x25519: bytes) -> Stanza:
        shared, enc = kem.encapsulate(self.public_key, ephemeral_x25519)
        body = hpke.seal(hpke.key_schedule(kem.KEM_ID, shared, INFO), file_key)
        return Stanza(STANZA_TYPE, (b64.encode(enc),), body)


@dataclass(frozen=True, slots=True)
class HybridIdentity:
    """An ``AGE-SECRET-KEY-PQ-1…`` identity: the 32-byte MLKEM768-X25519 seed."""

    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.seed) != kem.SEED_SIZE:
            raise BadInput(_("A post-quantum age identity must hold a {size}-byte seed; copy it "
                             "again from its source.").format(size=kem.SEED_SIZE))
        mlkem_module()  # fail here, with the version to install, rather than at first use

    @classmethod
    def generate(cls) -> HybridIdentity:
        return cls(os.urandom(kem.SEED_SIZE))

    def __str__(self) -> str:
        return bech32.encode(IDENTITY_HRP, self.seed).upper()

    def recipient(self) -> HybridRecipient:
        return HybridRecipient(kem.expand(self.seed).public_key)

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        key: kem.ExpandedKey | None = None
        for stanza in stanzas:
            if stanza.type != STANZA_TYPE:
                continue
            if len(stanza.args) != 1:
                raise HeaderError(_("An mlkem768x25519 stanza has the wrong number of "
                                    "arguments; the file is damaged."))
            enc = b64.decode(stanza.args[0])
            if len(enc) != kem.ENC_SIZE:
                raise HeaderError(_("An mlkem768x25519 stanza holds an encapsulated key of the "
                                    "wrong length; the file is damaged."))
            # Checked before any decryption, against partitioning oracles (C2SP age).
            if len(stanza.body) != BODY_SIZE:
                raise HeaderError(_("The mlkem768x25519 stanza body has the wrong size; the "
                                    "file is damaged."))
            key = key or kem.expand(self.seed)
            try:
                shared = kem.decapsulate(key, enc)
            except kem.LowOrderShare as err:
                raise HeaderError(_("An mlkem768x25519 stanza holds a low-order X25519 share; "
                                    "the file is malicious or damaged.")) from err
            file_key = hpke.open_(hpke.key_schedule(kem.KEM_ID, shared, INFO), stanza.body)
            if file_key is not None:
                return file_key
        return None
