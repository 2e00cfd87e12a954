"""The MLKEM768-X25519 hybrid KEM (X-Wing) of draft-ietf-hpke-pq, as age uses it. Pure.

A private key is a 32-byte seed. Everything else is derived (filippo.io/hpke-pq,
draft-irtf-cfrg-concrete-hybrid-kems "MLKEM768-X25519", HPKE KEM id 0x647a):

    seed_full     = SHAKE256(seed, 96)
    ML-KEM-768    key pair from seed_full[0:64] (FIPS 203 seed d || z)
    X25519        private key seed_full[64:96]
    public key    = ek_PQ (1184) || ek_T (32)                               1216 bytes
    enc           = ct_PQ (1088) || ct_T (32)                               1120 bytes
    shared secret = SHA3-256(ss_PQ || ss_T || ct_T || ek_T || "\\.//^\\")

ML-KEM-768 comes from pyca/cryptography; see ``pq_support`` for which versions
have it. X25519, SHAKE256 and SHA3-256 are available everywhere.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from posdiag.crypto.age.pq_support import mlkem_module
from posdiag.i18n import _

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM768PrivateKey

KEM_ID = 0x647A
SEED_SIZE = 32
MLKEM_SEED_SIZE = 64
MLKEM_PUBLIC_SIZE = 1184
MLKEM_CIPHERTEXT_SIZE = 1088
X25519_SIZE = 32
PUBLIC_KEY_SIZE = MLKEM_PUBLIC_SIZE + X25519_SIZE  # 1216
ENC_SIZE = MLKEM_CIPHERTEXT_SIZE + X25519_SIZE  # 1120
LABEL = b"\\.//^\\"  # 5c 2e 2f 2f 5e 5c, X-Wing's domain separator


class LowOrderShare(ValueError):
    """The X25519 half of an encapsulation gives the all-zero shared secret."""


def _x25519_public(key: X25519PrivateKey) -> bytes:
    # public_bytes(Raw): public_bytes_raw() needs cryptography >= 40 (Debian 12 ships 38).
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _combine(ss_pq: bytes, ss_t: bytes, ct_t: bytes, ek_t: bytes) -> bytes:
    return hashlib.sha3_256(ss_pq + ss_t + ct_t + ek_t + LABEL).digest()


@dataclass(frozen=True, slots=True)
class ExpandedKey:
    """The two component private keys of a seed, and the hybrid public key."""

    mlkem: MLKEM768PrivateKey = field(repr=False)
    x25519: X25519PrivateKey = field(repr=False)
    public_key: bytes


def expand(seed: bytes) -> ExpandedKey:
    """expandKey(seed): the ML-KEM-768 and X25519 keys a 32-byte seed stands for."""
    if len(seed) != SEED_SIZE:
        raise ValueError(_("an MLKEM768-X25519 private key is a 32-byte seed"))
    mlkem = mlkem_module()
    full = hashlib.shake_256(seed).digest(MLKEM_SEED_SIZE + X25519_SIZE)
    pq = mlkem.MLKEM768PrivateKey.from_seed_bytes(full[:MLKEM_SEED_SIZE])
    t = X25519PrivateKey.from_private_bytes(full[MLKEM_SEED_SIZE:])
    public = pq.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw) + _x25519_public(t)
    return ExpandedKey(pq, t, public)


def encapsulate(public_key: bytes, ephemeral_x25519: bytes) -> tuple[bytes, bytes]:
    """Encaps(ek) -> (shared secret, enc). ML-KEM draws its own randomness.

    Raises ValueError when ek_PQ fails the FIPS 203 encapsulation-key check.
    """
    if len(public_key) != PUBLIC_KEY_SIZE:
        raise ValueError(_("an MLKEM768-X25519 public key is 1216 bytes"))
    mlkem = mlkem_module()
    ek_pq, ek_t = public_key[:MLKEM_PUBLIC_SIZE], public_key[MLKEM_PUBLIC_SIZE:]
    ss_pq, ct_pq = mlkem.MLKEM768PublicKey.from_public_bytes(ek_pq).encapsulate()
    ephemeral = X25519PrivateKey.from_private_bytes(ephemeral_x25519)
    ct_t = _x25519_public(ephemeral)
    ss_t = ephemeral.exchange(X25519PublicKey.from_public_bytes(ek_t))
    return _combine(ss_pq, ss_t, ct_t, ek_t), ct_pq + ct_t


def decapsulate(key: ExpandedKey, enc: bytes) -> bytes:
    """Decaps(seed, enc) -> shared secret; LowOrderShare if the X25519 half is degenerate."""
    if len(enc) != ENC_SIZE:
        raise ValueError(_("an MLKEM768-X25519 encapsulation is 1120 bytes"))
    ct_pq, ct_t = enc[:MLKEM_CIPHERTEXT_SIZE], enc[MLKEM_CIPHERTEXT_SIZE:]
    # ML-KEM decapsulation never fails on a well-sized ciphertext (implicit rejection):
    # a corrupted one yields an unrelated secret, and the HPKE tag then does not verify.
    ss_pq = key.mlkem.decapsulate(ct_pq)
    try:
        ss_t = key.x25519.exchange(X25519PublicKey.from_public_bytes(ct_t))
    except ValueError as err:  # pyca refuses the all-zero X25519 output
        raise LowOrderShare(_("the X25519 share is of low order")) from err
    return _combine(ss_pq, ss_t, ct_t, key.public_key[MLKEM_PUBLIC_SIZE:])
