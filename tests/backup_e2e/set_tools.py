"""Helpers of the end-to-end backup tests: decrypt a set's journal, list its plaintext files."""

from __future__ import annotations

import io
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
