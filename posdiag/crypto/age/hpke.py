"""HPKE base mode (RFC 9180) with HKDF-SHA256 and ChaCha20Poly1305, for one message. Pure.

age's hybrid recipient seals the 16-byte file key with SealBase and opens it with
OpenBase. The KEM is supplied by the caller as its shared secret; this module is
the key schedule and the AEAD, the same for any KEM (its identifier enters
``suite_id``). Only the first message of a context is sealed, so the nonce is
``base_nonce`` itself (sequence number 0).

    suite_id           = "HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2)
    LabeledExtract     = HKDF-Extract(salt, "HPKE-v1" || suite_id || label || ikm)
    LabeledExpand      = HKDF-Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L)
    key_schedule_ctx   = mode || LabeledExtract("", "psk_id_hash", "")
                                || LabeledExtract("", "info_hash", info)
    secret             = LabeledExtract(shared_secret, "secret", "")
    key, base_nonce    = LabeledExpand(secret, "key" | "base_nonce", key_schedule_ctx, 32 | 12)
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

KDF_HKDF_SHA256 = 0x0001
AEAD_CHACHA20POLY1305 = 0x0003
MODE_BASE = 0x00
KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
_VERSION = b"HPKE-v1"


def suite_id(kem_id: int) -> bytes:
    return (b"HPKE" + kem_id.to_bytes(2, "big") + KDF_HKDF_SHA256.to_bytes(2, "big")
            + AEAD_CHACHA20POLY1305.to_bytes(2, "big"))


def _extract(salt: bytes, ikm: bytes) -> bytes:
    # HKDF-Extract is HMAC(salt, ikm); an empty salt is HMAC's zero-padded key, as RFC 5869 asks.
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def _expand(prk: bytes, info: bytes, length: int) -> bytes:
    return HKDFExpand(algorithm=hashes.SHA256(), length=length, info=info).derive(prk)


@dataclass(frozen=True, slots=True)
class Context:
    """The AEAD key and base nonce of an HPKE base-mode context."""

    key: bytes = field(repr=False)
    base_nonce: bytes


def key_schedule(kem_id: int, shared_secret: bytes, info: bytes) -> Context:
    """KeySchedule(mode_base, shared_secret, info, psk = "", psk_id = "") of RFC 9180 §5.1."""
    suite = suite_id(kem_id)

    def labeled_extract(salt: bytes, label: bytes, ikm: bytes) -> bytes:
        return _extract(salt, _VERSION + suite + label + ikm)

    def labeled_expand(prk: bytes, label: bytes, context: bytes, length: int) -> bytes:
        return _expand(prk, length.to_bytes(2, "big") + _VERSION + suite + label + context,
                       length)

    context = (bytes([MODE_BASE]) + labeled_extract(b"", b"psk_id_hash", b"")
               + labeled_extract(b"", b"info_hash", info))
    secret = labeled_extract(shared_secret, b"secret", b"")
    return Context(labeled_expand(secret, b"key", context, KEY_SIZE),
                   labeled_expand(secret, b"base_nonce", context, NONCE_SIZE))


def seal(context: Context, plaintext: bytes, aad: bytes = b"") -> bytes:
    """The first (and only) message of the context: ChaCha20Poly1305 under base_nonce."""
    return ChaCha20Poly1305(context.key).encrypt(context.base_nonce, plaintext, aad)


def open_(context: Context, ciphertext: bytes, aad: bytes = b"") -> bytes | None:
    """The plaintext, or None when the tag does not verify (not sealed for this key)."""
    try:
        return ChaCha20Poly1305(context.key).decrypt(context.base_nonce, ciphertext, aad)
    except InvalidTag:
        return None
