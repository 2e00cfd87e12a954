"""Manifest generations of a backup set: records, canonical JSON, minisign signatures.

A manifest is the commit record of a set (docs/backup-set.md). Its bytes are
canonical JSON (sorted keys, no spaces, ASCII, one trailing newline) so the
same manifest always signs to the same bytes. The signature file is minisign's
prehashed Ed25519 format, so a third party can check it with the stock
``minisign -Vm`` tool and the ``kit_key`` printed by ``posdiag verify``.

Damaged or foreign manifest bytes raise ``VerificationError``, never anything else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from posdiag.errors import VerificationError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

MANIFEST_FORMAT = "posdiag-backup-set"
MANIFEST_VERSION = 1


@dataclass(frozen=True, slots=True)
class FileEntry:
    """A file of the set as stored on the medium (ciphertext for segments)."""

    name: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class SegmentEntry:
    """One committed journal segment: a byte range of the journal, encrypted as one age file."""

    index: int  # 1, 2, 3 ... in journal order
    file: FileEntry
    offset: int  # journal offset of the first plaintext byte
    length: int  # plaintext bytes (whole records)
    records: int
    first_seq: int | None
    last_seq: int | None
    tally: dict[str, list[int]]  # BMP 60 bucket -> [count, amount] for this segment
    kind: str = "journal"


@dataclass(frozen=True, slots=True)
class SnapshotEntry:
    """A segment holding what the terminal said about itself: identity, totals or its log.

    Unlike journal segments these are not ranges of an append-only file but whole
    readings taken during the backup; a later run replaces them by kind.
    """

    kind: str  # "identity", "totals" or "log" (layout.SNAPSHOT_KINDS)
    file: FileEntry
    offset: int  # of the plaintext within the terminal's file (log); 0 otherwise
    length: int  # plaintext bytes
    records: int  # log lines; 1 for identity and totals


@dataclass(frozen=True, slots=True)
class PreviousGeneration:
    generation: int
    sha256: str  # of the previous manifest file; a hash chain makes a removed generation evident


@dataclass(frozen=True, slots=True)
class JournalState:
    file_id: int
    reported_size: int  # size the terminal reported when last read
    committed: int  # bytes of the journal held by the segments
    records: int
    last_seq: int | None
    complete: bool  # committed == reported_size at the time of this generation


@dataclass(frozen=True, slots=True)
class Manifest:
    generation: int
    set_id: str
    created: str  # kit clock, UTC, RFC 3339
    tool: str
    kit_key: str  # minisign public key of the signing kit
    terminal: dict[str, Any]
    recipients: tuple[str, ...]  # age recipients (public) or "scrypt"
    journal: JournalState
    segments: tuple[SegmentEntry, ...]
    readme: FileEntry | None = None
    snapshots: tuple[SnapshotEntry, ...] = ()
    previous: PreviousGeneration | None = None
    skipped: tuple[str, ...] = ()  # damaged newer generations this one supersedes
    totals: dict[str, Any] | None = None  # terminal totals vs journal, once the journal is complete
    currency: int | None = None
    format: str = MANIFEST_FORMAT
    version: int = MANIFEST_VERSION
    extra: dict[str, Any] = field(default_factory=dict)


def manifest_to_bytes(manifest: Manifest) -> bytes:
    """Canonical JSON: sorted keys, compact, ASCII only, newline-terminated."""
    data = asdict(manifest)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return text.encode("ascii") + b"\n"


def manifest_from_bytes(data: bytes, name: str = "manifest") -> Manifest:
    """Parse a manifest; VerificationError if it is not a well-formed posdiag manifest."""
    try:
        obj = json.loads(data.decode("ascii"))
        if not isinstance(obj, dict) or obj.get("format") != MANIFEST_FORMAT:
            raise ValueError("not a posdiag manifest")
        if obj.get("version") != MANIFEST_VERSION:
            raise ValueError(f"version {obj.get('version')!r}")
        manifest = Manifest(
            generation=_int(obj["generation"]),
            set_id=_str(obj["set_id"]),
            created=_str(obj["created"]),
            tool=_str(obj["tool"]),
            kit_key=_str(obj["kit_key"]),
            terminal=dict(obj["terminal"]),
            recipients=tuple(_str(r) for r in obj["recipients"]),
            journal=JournalState(**obj["journal"]),
            segments=tuple(_segment(s) for s in obj["segments"]),
            readme=FileEntry(**obj["readme"]) if obj.get("readme") else None,
            snapshots=tuple(_snapshot(s) for s in obj.get("snapshots", ())),
            previous=PreviousGeneration(**obj["previous"]) if obj.get("previous") else None,
            skipped=tuple(_str(s) for s in obj.get("skipped", ())),
            totals=obj.get("totals"),
            currency=obj.get("currency"),
            extra=dict(obj.get("extra", {})),
        )
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError,
            RecursionError) as err:  # RecursionError: deeply nested JSON from a damaged file
        raise VerificationError(f"{name} is damaged or not a posdiag manifest ({err}); "
                                "fall back to an older generation or re-run the backup.") from err
    if manifest_to_bytes(manifest) != data:
        raise VerificationError(f"{name} is not in canonical form; it was altered after signing.")
    return manifest


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"expected an integer, got {type(value).__name__}")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    return value


def _segment(obj: dict[str, Any]) -> SegmentEntry:
    fields = dict(obj)
    fields["file"] = FileEntry(**fields["file"])
    return SegmentEntry(**fields)


def _snapshot(obj: dict[str, Any]) -> SnapshotEntry:
    fields = dict(obj)
    fields["file"] = FileEntry(**fields["file"])
    return SnapshotEntry(**fields)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- minisign-format Ed25519 signatures ------------------------------------------------------
# Signature file: "untrusted comment: ..." / b64("ED" || key_id || Ed25519(BLAKE2b-512(file)))
# / "trusted comment: ..." / b64(Ed25519(signature || trusted comment)).  Public key:
# b64("Ed" || key_id || public key).  (jedisct1/minisign, backup-media.md §5.2.)

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
        raise VerificationError("The kit key is not a minisign public key; copy it again.") from err
    if len(raw) != 42 or raw[:2] != _PUBKEY_ALG:
        raise VerificationError("The kit key is not a minisign Ed25519 public key; copy it again.")
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
    bad = VerificationError(f"The signature of {name} does not verify; the manifest or its "
                            ".minisig file was altered or damaged.")
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
            raise VerificationError(f"{name} was signed by another key than {public_key}; check "
                                    "which kit wrote it.")
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
