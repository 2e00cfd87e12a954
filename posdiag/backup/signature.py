"""minisign-format Ed25519 signatures: of manifest generations and of test records.

Signature file: "untrusted comment: ..." / b64("ED" || key_id || Ed25519(BLAKE2b-512(file)))
/ "trusted comment: ..." / b64(Ed25519(signature || trusted comment)). Public key:
b64("Ed" || key_id || public key) (jedisct1/minisign, backup-media.md §5.2), so a third
party can check a set with the stock ``minisign -Vm`` tool and the ``kit_key`` printed
by ``posdiag verify``. Bad signatures or keys raise ``VerificationError``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import TYPE_CHECKING

from posdiag.errors import VerificationError
from posdiag.i18n import _

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

_PUBKEY_ALG = b"Ed"
_PREHASHED_ALG = b"ED"
_UNTRUSTED_COMMENT = b"untrusted comment: signature from posdiag kit key"


def raw_public_key(private_key: Ed25519PrivateKey) -> bytes:
    """32 raw public-key bytes (public_bytes_raw() needs cryptography >= 40; the Pi has 38)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public_raw: bytes) -> bytes:
    """8-byte key id; derived from the key so it need not be stored beside it."""
    return hashlib.blake2b(public_raw, digest_size=8).digest()


def public_key_string(public_raw: bytes) -> str:
    return base64.b64encode(_PUBKEY_ALG + key_id(public_raw) + public_raw).decode("ascii")


def parse_public_key(text: str) -> tuple[bytes, bytes]:
    """(key_id, raw public key) of a minisign public key string; VerificationError if malformed."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as err:
        raise VerificationError(_("The kit key is not a minisign public key; copy it "
                                  "again.")) from err
    if len(raw) != 42 or raw[:2] != _PUBKEY_ALG:
        raise VerificationError(_("The kit key is not a minisign Ed25519 public key; "
                                  "copy it again."))
    return raw[2:10], raw[10:]


def sign_manifest(data: bytes, private_key: Ed25519PrivateKey, trusted_comment: str) -> bytes:
    """A minisign signature file for ``data``."""
    public_raw = raw_public_key(private_key)
    signature = private_key.sign(hashlib.blake2b(data, digest_size=64).digest())
    comment = trusted_comment.replace("\n", " ").encode("utf-8")
    global_signature = private_key.sign(signature + comment)
    return _signature_file(key_id(public_raw), signature, comment, global_signature)


def _signature_file(kid: bytes, signature: bytes, comment: bytes, global_signature: bytes) -> bytes:
    lines = [
        _UNTRUSTED_COMMENT,
        base64.b64encode(_PREHASHED_ALG + kid + signature),
        b"trusted comment: " + comment,
        base64.b64encode(global_signature),
    ]
    return b"\n".join(lines) + b"\n"


def verify_manifest_signature(data: bytes, signature_file: bytes, public_key: str,
                              name: str = "manifest", *, strict: bool = True) -> str:
    """Check a minisign signature; returns the trusted comment, VerificationError otherwise."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    expected_id, public_raw = parse_public_key(public_key)
    bad = VerificationError(_("The signature of {name} does not verify; the manifest "
                              "or its .minisig file was altered or damaged.").format(name=name))
    try:
        lines = signature_file.decode("utf-8").split("\n")
        if len(lines) < 4 or not lines[2].startswith("trusted comment: "):
            raise bad
        sig_blob = base64.b64decode(lines[1], validate=True)
        global_sig = base64.b64decode(lines[3], validate=True)
        comment = lines[2][len("trusted comment: "):].encode("utf-8")
        if len(sig_blob) != 74 or sig_blob[:2] != _PREHASHED_ALG or len(global_sig) != 64:
            raise bad
        if sig_blob[2:10] != expected_id:
            raise VerificationError(_("{name} was signed by another key than "
                                      "{public_key}; check which kit wrote it.").format(
                                        name=name, public_key=public_key))
        key = Ed25519PublicKey.from_public_bytes(public_raw)
        key.verify(sig_blob[10:], hashlib.blake2b(data, digest_size=64).digest())
        key.verify(global_sig, sig_blob[10:] + comment)
        # minisign leaves the first line unsigned and base64 has slack bits; a set's files must
        # still be exactly as written, so any changed byte of the signature file counts.
        if strict and signature_file != _signature_file(sig_blob[2:10], sig_blob[10:], comment,
                                                        global_sig):
            raise bad
    except (UnicodeDecodeError, binascii.Error, ValueError, InvalidSignature) as err:
        raise bad from err
    return comment.decode("utf-8")


# --- plain Ed25519 over small records (piece seals) ------------------------------------------
# Seals are read by posdiag only, so they carry one Ed25519 signature over a context label and
# the record's bytes; the label keeps a seal's signature from ever passing for anything else.


def sign_record(data: bytes, private_key: Ed25519PrivateKey, context: bytes) -> str:
    """base64 Ed25519 signature of ``context ‖ 0x00 ‖ data``."""
    return base64.b64encode(private_key.sign(context + b"\0" + data)).decode("ascii")


def record_signature_holds(data: bytes, signature: str, public_key: str, context: bytes) -> bool:
    """Whether ``signature`` (from sign_record) is by ``public_key``; False if malformed."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        _, public_raw = parse_public_key(public_key)
        raw = base64.b64decode(signature, validate=True)
        if len(raw) != 64:
            return False
        Ed25519PublicKey.from_public_bytes(public_raw).verify(raw, context + b"\0" + data)
    except (VerificationError, binascii.Error, ValueError, InvalidSignature):
        return False
    return True
