"""age v1 file encryption (C2SP age) on pyca/cryptography: the public recipe.

    identity, recipient = generate_identity()
    encrypt_stream(src, dst, [parse_recipient(recipient)])
    decrypt_stream(src, dst, [parse_identity(identity)])

X25519 and scrypt (passphrase) recipients, optional ASCII armor, 64 KiB STREAM
chunks with constant memory both ways. Every decryption failure is a
DecryptionError (subclasses in ``posdiag.crypto.age.errors`` say which stage);
malformed key strings are BadInput.
"""

from __future__ import annotations

from posdiag.crypto.age.decrypt import DecryptingReader, decrypt_stream, open_decrypting
from posdiag.crypto.age.encrypt import EncryptingWriter, age_writer, encrypt_stream
from posdiag.crypto.age.errors import (
    ArmorError,
    HeaderError,
    HeaderMacError,
    NoIdentityMatch,
    PayloadError,
)
from posdiag.crypto.age.keys import (
    generate_identity,
    load_identities,
    load_recipients,
    parse_identity,
    parse_recipient,
)
from posdiag.crypto.age.scrypt import (
    DEFAULT_WORK_FACTOR,
    MAX_WORK_FACTOR,
    ScryptIdentity,
    ScryptRecipient,
)
from posdiag.crypto.age.stream import CHUNK_SIZE
from posdiag.crypto.age.wrap import Identity, Recipient
from posdiag.crypto.age.x25519 import X25519Identity, X25519Recipient

__all__ = [
    "CHUNK_SIZE",
    "DEFAULT_WORK_FACTOR",
    "MAX_WORK_FACTOR",
    "ArmorError",
    "DecryptingReader",
    "EncryptingWriter",
    "HeaderError",
    "HeaderMacError",
    "Identity",
    "NoIdentityMatch",
    "PayloadError",
    "Recipient",
    "ScryptIdentity",
    "ScryptRecipient",
    "X25519Identity",
    "X25519Recipient",
    "age_writer",
    "decrypt_stream",
    "encrypt_stream",
    "generate_identity",
    "load_identities",
    "load_recipients",
    "open_decrypting",
    "parse_identity",
    "parse_recipient",
]
