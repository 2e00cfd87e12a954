"""age v1 file encryption (C2SP age) on pyca/cryptography: the public recipe.

    identity, recipient = generate_identity(post_quantum=True)
    encrypt_stream(src, dst, [parse_recipient(recipient)])
    decrypt_stream(src, dst, [parse_identity(identity)])

Hybrid post-quantum (ML-KEM-768 + X25519), X25519 and scrypt (passphrase)
recipients, optional ASCII armor, 64 KiB STREAM chunks with constant memory both
ways. Every decryption failure is a DecryptionError (subclasses in
``posdiag.crypto.age.errors`` say which stage); malformed key strings are
BadInput, and hybrid keys where cryptography lacks ML-KEM PostQuantumUnavailable.
Byte-in, byte-out: key files and output paths are ``posdiag.age_files``.
"""

from __future__ import annotations

from posdiag.crypto.age.decrypt import DecryptingReader, decrypt_stream, open_decrypting
from posdiag.crypto.age.encrypt import (
    EncryptingWriter,
    age_writer,
    check_recipients,
    encrypt_stream,
)
from posdiag.crypto.age.errors import (
    ArmorError,
    HeaderError,
    HeaderMacError,
    NoIdentityMatch,
    NotAgeFile,
    PayloadError,
    PostQuantumUnavailable,
)
from posdiag.crypto.age.hybrid import HybridIdentity, HybridRecipient
from posdiag.crypto.age.keys import (
    AgeIdentity,
    AgeRecipient,
    generate_identity,
    parse_identity,
    parse_identity_file,
    parse_recipient,
    parse_recipients_file,
)
from posdiag.crypto.age.pq_support import post_quantum_available
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
    "AgeIdentity",
    "AgeRecipient",
    "ArmorError",
    "DecryptingReader",
    "EncryptingWriter",
    "HeaderError",
    "HeaderMacError",
    "HybridIdentity",
    "HybridRecipient",
    "Identity",
    "NoIdentityMatch",
    "NotAgeFile",
    "PayloadError",
    "PostQuantumUnavailable",
    "Recipient",
    "ScryptIdentity",
    "ScryptRecipient",
    "X25519Identity",
    "X25519Recipient",
    "age_writer",
    "check_recipients",
    "decrypt_stream",
    "encrypt_stream",
    "generate_identity",
    "open_decrypting",
    "parse_identity",
    "parse_identity_file",
    "parse_recipient",
    "parse_recipients_file",
    "post_quantum_available",
]
