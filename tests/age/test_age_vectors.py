"""The C2SP CCTV age test vectors, one test each (tests/vectors/age, from C2SP/CCTV age/testdata).

Decryption: ``expect: success`` must give the payload hash; every failure kind
must raise its DecryptionError subclass, and whatever plaintext was released
before a payload failure must match the vector's hash (vectors' README.md).
Then the round trips the README suggests: armor, header and STREAM re-encoding,
the last one through the deterministic encryption seam. All 143 run, the 19
hybrid (ML-KEM-768 + X25519) ones included.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import Any

import pytest
from age_vectors import Vector, is_post_quantum, load_vector, vector_paths

from posdiag.crypto import age
from posdiag.crypto.age.armor import ArmorReader, ArmorWriter
from posdiag.crypto.age.encrypt import _encrypt_with
from posdiag.crypto.age.header import encode_header, encode_mac_input, read_header
from posdiag.crypto.age.source import BufferedSource
from posdiag.errors import DecryptionError

EXPECTED_ERROR: dict[str, type[DecryptionError]] = {
    "header failure": age.HeaderError,
    "HMAC failure": age.HeaderMacError,
    "no match": age.NoIdentityMatch,
    "payload failure": age.PayloadError,
    "armor failure": age.ArmorError,
}

VECTORS = [load_vector(p) for p in vector_paths()]


def _params(keep: Callable[[Vector], bool] = lambda v: True) -> list[Any]:
    return [pytest.param(v, id=v.name) for v in VECTORS if keep(v)]


def _identities(v: Vector) -> list[age.Identity]:
    ids: list[age.Identity] = [age.parse_identity(i) for i in v.identities]
    ids += [age.ScryptIdentity(p.encode()) for p in v.passphrases]
    # Two header-failure vectors name no key; any identity will do, the header fails first.
    return ids or [age.X25519Identity.generate()]


def test_all_vectors_present_and_understood() -> None:
    assert len(VECTORS) == 143
    # 19 of them are for the hybrid ML-KEM-768 + X25519 type: none is skipped or filtered.
    assert sum(is_post_quantum(v) for v in VECTORS) == 19
    assert all(not v.unknown_keys for v in VECTORS)
    assert len(_params()) == 143


@pytest.mark.parametrize("vector", _params())
def test_decrypt_vector(vector: Vector) -> None:
    out = io.BytesIO()
    if vector.expect == "success":
        age.decrypt_stream(io.BytesIO(vector.file), out, _identities(vector),
                           armored=vector.armored)
    else:
        with pytest.raises(EXPECTED_ERROR[vector.expect]):
            age.decrypt_stream(io.BytesIO(vector.file), out, _identities(vector),
                               armored=vector.armored)
    if vector.payload_sha256 is not None:
        assert hashlib.sha256(out.getvalue()).hexdigest() == vector.payload_sha256


@pytest.mark.parametrize("vector", _params(
    lambda v: v.armored and v.expect != "armor failure"))
def test_armor_round_trip(vector: Vector) -> None:
    decoded = ArmorReader(BufferedSource(io.BytesIO(vector.file).read)).read()
    out = io.BytesIO()
    writer = ArmorWriter(out)
    writer.write(decoded)
    writer.close()
    # CRLF and surrounding whitespace are tolerated on input and do not round-trip.
    expected = vector.file.replace(b"\r\n", b"\n").strip() + b"\n"
    assert out.getvalue() == expected


@pytest.mark.parametrize("vector", _params(
    lambda v: not v.armored and v.expect != "header failure"))
def test_header_round_trip(vector: Vector) -> None:
    source = BufferedSource(io.BytesIO(vector.file).read)
    header = read_header(source)
    payload = source.read(len(vector.file))
    assert encode_mac_input(header.stanzas) == header.mac_input
    if vector.expect != "HMAC failure":
        assert vector.file_key is not None
        assert encode_header(vector.file_key, header.stanzas) + payload == vector.file


@pytest.mark.parametrize("vector", _params(
    lambda v: not v.armored and v.expect == "success"))
def test_encryption_reproduces_vector(vector: Vector) -> None:
    """Known answer for encryption: same file key, nonce and stanzas give the same bytes."""
    source = BufferedSource(io.BytesIO(vector.file).read)
    header = read_header(source)
    nonce = source.read(16)
    plaintext = io.BytesIO()
    age.decrypt_stream(io.BytesIO(vector.file), plaintext, _identities(vector))
    assert vector.file_key is not None
    out = io.BytesIO()
    with _encrypt_with(vector.file_key, nonce, header.stanzas, out) as writer:
        writer.write(plaintext.getvalue())
    assert out.getvalue() == vector.file
