"""Helpers of the end-to-end backup tests: decrypt a set's journal, list its plaintext files."""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

from posdiag.backup.inspect import open_set
from posdiag.crypto.age import open_decrypting, parse_identity

PLAINTEXT_SUFFIXES = (".txt", ".json", ".minisig")


def journal_bytes(set_dir: Path, secret_key: str) -> bytes:
    """The journal as the newest verifying generation holds it: segments decrypted, in order."""
    identity = parse_identity(secret_key)
    out = io.BytesIO()
    for path in open_set(set_dir).journal_files():
        with open(path, "rb") as file:
            out.write(open_decrypting(file, [identity]).read())
    return out.getvalue()


def plaintext_files(set_dir: Path) -> list[Path]:
    """Every file of a set that is not age ciphertext (README, manifests, signatures)."""
    files = [p for p in sorted(set_dir.iterdir()) if not p.name.endswith(".age")]
    assert all(p.name.endswith(PLAINTEXT_SUFFIXES) for p in files), files
    return files


# A SHA-256 in hex has a 13-19 digit Luhn-valid run about once in 240 hashes; a manifest holds
# dozens. Such a value is a digest of a file, not card data, so it is blanked before the scan.
_HASH_VALUE = re.compile(r'"sha256":"[0-9a-f]{64}"')


def scannable_text(path: Path) -> str:
    """A plaintext file's text as the card-number scan sees it (manifest hashes blanked)."""
    text = path.read_text(encoding="utf-8")
    if path.name.endswith(".json"):
        hashes = len(_HASH_VALUE.findall(text))
        text = _HASH_VALUE.sub('"sha256":"<hash>"', text)
        assert hashes and text.count('"sha256"') == hashes  # every hash field was a hash
    return text


# --- altering a set the way an attacker with a signing key would ------------------------------


def manifest_files(set_dir: Path) -> list[Path]:
    return sorted(set_dir.glob("manifest-*.json"))


def load_manifest(path: Path) -> dict:
    return json.loads(path.read_bytes())


def write_signed(set_dir: Path, obj: dict, kit_key) -> Path:
    """Write ``obj`` as manifest generation obj["generation"], signed by ``kit_key`` (KitKey)."""
    from posdiag.backup.layout import manifest_name, signature_name
    from posdiag.backup.manifest import canonical_json, sign_manifest

    data = canonical_json(obj)
    path = set_dir / manifest_name(obj["generation"])
    path.write_bytes(data)
    comment = f"posdiag set {obj['set_id']} generation {obj['generation']}"
    (set_dir / signature_name(obj["generation"])).write_bytes(
        sign_manifest(data, kit_key.private_key, comment))
    return path


def resign(set_dir: Path, generation: int, kit_key, change) -> None:
    """Rewrite generation ``generation`` with ``change(obj)`` applied, signed by ``kit_key``."""
    from posdiag.backup.layout import manifest_name

    obj = load_manifest(set_dir / manifest_name(generation))
    change(obj)
    write_signed(set_dir, obj, kit_key)


def append_generation(set_dir: Path, kit_key, change=lambda obj: None) -> int:
    """A new newest generation, chained correctly onto the newest one, signed by ``kit_key``."""
    newest = manifest_files(set_dir)[-1]
    obj = load_manifest(newest)
    obj["previous"] = {"generation": obj["generation"],
                       "sha256": hashlib.sha256(newest.read_bytes()).hexdigest()}
    obj["generation"] += 1
    obj["kit_key"] = kit_key.public_key
    obj["skipped"] = []
    change(obj)
    write_signed(set_dir, obj, kit_key)
    return obj["generation"]


def emulator_set(root: Path, port: str, office_recipient: str) -> tuple[Path, Path]:
    """(set folder, kit folder) of a backup of the emulated terminal at ``port`` in small
    segments (20 KiB) of small pieces (8 KiB): several generations, several pieces each."""
    from posdiag.backup.kitkey import load_or_create_kit_key
    from posdiag.backup.service import run_backup
    from posdiag.crypto.age import parse_recipient
    from posdiag.terminals import open_terminal

    with open_terminal(port) as terminal:
        run_backup(terminal, root / "set", [parse_recipient(office_recipient)],
                   load_or_create_kit_key(root / "kit"), segment_bytes=20 * 1024,
                   piece_bytes=8 * 1024)
    return root / "set", root / "kit"
