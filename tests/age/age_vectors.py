"""Loader for the C2SP CCTV age vectors (tests/vectors/age, from C2SP/CCTV age/testdata).

Format (tests/vectors/age/README.md): ``key: value`` lines, an empty line, then
the age file, zlib-compressed when ``compressed: zlib``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path

VECTOR_DIR = Path(__file__).resolve().parent.parent / "vectors" / "age"
KNOWN_KEYS = {"expect", "payload", "file key", "identity", "passphrase", "armored",
              "compressed", "comment"}


@dataclass(frozen=True)
class Vector:
    name: str
    expect: str
    file: bytes
    payload_sha256: str | None = None
    file_key: bytes | None = None
    identities: tuple[str, ...] = ()
    passphrases: tuple[str, ...] = ()
    armored: bool = False
    comment: str = ""
    unknown_keys: tuple[str, ...] = field(default=())


def load_vector(path: Path) -> Vector:
    raw = path.read_bytes()
    head, sep, body = raw.partition(b"\n\n")
    assert sep, f"{path.name}: no blank line after the vector header"
    fields: dict[str, list[str]] = {}
    for line in head.decode("utf-8").split("\n"):
        key, _, value = line.partition(": ")
        fields.setdefault(key, []).append(value)
    if fields.get("compressed") == ["zlib"]:
        body = zlib.decompress(body)

    def one(key: str) -> str | None:
        return fields[key][0] if key in fields else None

    file_key = one("file key")
    return Vector(
        name=path.name,
        expect=fields["expect"][0],
        file=body,
        payload_sha256=one("payload"),
        file_key=bytes.fromhex(file_key) if file_key else None,
        identities=tuple(fields.get("identity", ())),
        passphrases=tuple(fields.get("passphrase", ())),
        armored=one("armored") == "yes",
        comment=one("comment") or "",
        unknown_keys=tuple(k for k in fields if k not in KNOWN_KEYS),
    )


def vector_paths() -> list[Path]:
    return sorted(p for p in VECTOR_DIR.iterdir() if p.name != "README.md")


def is_post_quantum(vector: Vector) -> bool:
    """The vectors of the hybrid ML-KEM-768 + X25519 recipient type (mlkem768x25519)."""
    return "hybrid" in vector.name or any(i.startswith("AGE-SECRET-KEY-PQ-")
                                          for i in vector.identities)
