"""Properties of the age encryptor and decryptor (hypothesis), and the STREAM rules.

Every byte of an age file is authenticated or structural, so any change to an
encrypted file must raise DecryptionError; round trips must hold for every
size, in particular around the 64 KiB chunk boundaries.
"""

from __future__ import annotations

import hashlib
import io
import tracemalloc
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posdiag.crypto import age
from posdiag.crypto.age.encrypt import _encrypt_with
from posdiag.crypto.age.stream import SEALED_CHUNK_SIZE
from posdiag.errors import BadInput, DecryptionError, UsageError

CHUNK = age.CHUNK_SIZE
# Test material only: fixed keys so that failures reproduce.
IDENTITY = age.X25519Identity(bytes(range(32)))
RECIPIENT = IDENTITY.recipient()
FILE_KEY = bytes(range(16))
NONCE = bytes(range(100, 116))

BOUNDARY_SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK - 1, 2 * CHUNK, 2 * CHUNK + 1,
                  3 * CHUNK]
sizes = st.sampled_from(BOUNDARY_SIZES) | st.integers(min_value=0, max_value=3 * CHUNK + 17)
FAST = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def payload(size: int) -> bytes:
    # Cheap, non-repeating-per-chunk plaintext (random bytes would only slow hypothesis down).
    return hashlib.shake_256(size.to_bytes(8, "big")).digest(size) if size else b""


def encrypt(data: bytes, recipients: Sequence[age.Recipient] = (RECIPIENT,),
            armor: bool = False) -> bytes:
    out = io.BytesIO()
    age.encrypt_stream(io.BytesIO(data), out, list(recipients), armor=armor)
    return out.getvalue()


def decrypt(blob: bytes, identities: Sequence[age.Identity] = (IDENTITY,)) -> bytes:
    out = io.BytesIO()
    age.decrypt_stream(io.BytesIO(blob), out, list(identities))
    return out.getvalue()


@FAST
@given(size=sizes, armor=st.booleans())
def test_round_trip(size: int, armor: bool) -> None:
    data = payload(size)
    blob = encrypt(data, armor=armor)
    assert decrypt(blob) == data


@pytest.mark.parametrize("size", BOUNDARY_SIZES)
def test_ciphertext_size_follows_the_chunk_rule(size: int) -> None:
    chunks = max(1, -(-size // CHUNK))  # an empty payload still has one (empty) final chunk
    blob = encrypt(payload(size))
    header_end = blob.index(b"\n---") + len(b"\n--- ") + 43 + 1
    assert len(blob) - header_end == 16 + size + 16 * chunks


@FAST
@given(size=sizes, splits=st.lists(st.integers(min_value=0, max_value=CHUNK + 9), max_size=8))
def test_output_does_not_depend_on_write_sizes(size: int, splits: list[int]) -> None:
    data = payload(size)
    stanzas = RECIPIENT._wrap_with(FILE_KEY, bytes(32))
    whole, pieces = io.BytesIO(), io.BytesIO()
    with _encrypt_with(FILE_KEY, NONCE, [stanzas], whole) as w:
        w.write(data)
    with _encrypt_with(FILE_KEY, NONCE, [stanzas], pieces) as w:
        pos = 0
        for n in splits:
            w.write(data[pos : pos + n])
            pos += n
        w.write(data[pos:])
    assert pieces.getvalue() == whole.getvalue()


@FAST
@given(size=sizes, reads=st.lists(st.integers(min_value=1, max_value=CHUNK + 9), min_size=1))
def test_reader_returns_the_plaintext_for_any_read_sizes(size: int, reads: list[int]) -> None:
    data = payload(size)
    reader = age.open_decrypting(io.BytesIO(encrypt(data)), [IDENTITY])
    got = bytearray()
    for n in reads:
        got += reader.read(n)
    got += reader.read()
    assert bytes(got) == data
    assert reader.read(1) == b""


# One encrypted file per size is enough for the tamper properties.
_TAMPER_SIZES = [0, 5, CHUNK, CHUNK + 1, 2 * CHUNK + 3]
_BLOBS = {size: encrypt(payload(size)) for size in _TAMPER_SIZES}


@settings(max_examples=200, deadline=None)
@given(size=st.sampled_from(_TAMPER_SIZES), where=st.floats(0, 1, exclude_max=True),
       mask=st.integers(1, 255))
def test_any_flipped_byte_is_detected(size: int, where: float, mask: int) -> None:
    blob = bytearray(_BLOBS[size])
    blob[int(where * len(blob))] ^= mask
    with pytest.raises(DecryptionError):
        decrypt(bytes(blob))


@settings(max_examples=100, deadline=None)
@given(size=st.sampled_from(_TAMPER_SIZES), where=st.floats(0, 1, exclude_max=True))
def test_any_truncation_is_detected(size: int, where: float) -> None:
    blob = _BLOBS[size]
    with pytest.raises(DecryptionError):
        decrypt(blob[: int(where * len(blob))])


@settings(max_examples=50, deadline=None)
@given(size=st.sampled_from(_TAMPER_SIZES), extra=st.binary(min_size=1, max_size=40))
def test_trailing_data_is_detected(size: int, extra: bytes) -> None:
    with pytest.raises(age.PayloadError):
        decrypt(_BLOBS[size] + extra)


def test_plaintext_is_released_only_for_verified_chunks() -> None:
    data = payload(3 * CHUNK)
    blob = bytearray(encrypt(data))
    payload_start = len(blob) - 3 * SEALED_CHUNK_SIZE
    blob[payload_start + SEALED_CHUNK_SIZE + 7] ^= 1  # damage chunk 1 of 0..2
    out = io.BytesIO()
    with pytest.raises(age.PayloadError, match="Chunk 1"):
        age.decrypt_stream(io.BytesIO(bytes(blob)), out, [IDENTITY])
    assert out.getvalue() == data[:CHUNK]


def test_dropping_the_final_chunk_is_detected() -> None:
    data = payload(2 * CHUNK + 1)
    blob = encrypt(data)
    with pytest.raises(age.PayloadError):
        decrypt(blob[: len(blob) - 17])  # exactly the one-byte final chunk gone


def test_multiple_recipients_each_decrypt() -> None:
    other = age.X25519Identity.generate()
    blob = encrypt(b"journal", recipients=(RECIPIENT, other.recipient()))
    assert decrypt(blob, identities=(other,)) == b"journal"
    with pytest.raises(age.NoIdentityMatch):
        decrypt(blob, identities=(age.X25519Identity.generate(),))


def test_scrypt_round_trip_and_limits() -> None:
    blob = encrypt(b"notes", recipients=(age.ScryptRecipient(b"test passphrase", 10),))
    assert b"-> scrypt " in blob and blob.count(b"\n-> ") == 1
    assert decrypt(blob, identities=(age.ScryptIdentity(b"test passphrase"),)) == b"notes"
    with pytest.raises(age.NoIdentityMatch):
        decrypt(blob, identities=(age.ScryptIdentity(b"wrong"),))
    with pytest.raises(age.HeaderError, match="exceeds the limit"):
        decrypt(blob, identities=(age.ScryptIdentity(b"test passphrase", max_work_factor=9),))
    with pytest.raises(age.NoIdentityMatch, match="passphrase"):
        decrypt(blob)  # an X25519 identity on a passphrase file says what to do instead


def test_scrypt_must_be_alone_and_default_fits_a_pi_zero() -> None:
    # 128 * r * N bytes with r = 8: the default stays within 64 MiB (docs/age.md).
    assert 128 * 8 * 2**age.DEFAULT_WORK_FACTOR <= 64 * 2**20
    with pytest.raises(BadInput):
        encrypt(b"x", recipients=(age.ScryptRecipient(b"pw", 10), RECIPIENT))
    with pytest.raises(BadInput):
        age.ScryptRecipient(b"pw", age.MAX_WORK_FACTOR + 1)


def test_writer_refuses_writes_after_close_and_leaves_no_final_chunk_on_error() -> None:
    out = io.BytesIO()
    with pytest.raises(RuntimeError), age.age_writer(out, [RECIPIENT]) as w:
        w.write(b"partial journal")
        raise RuntimeError("producer failed")
    with pytest.raises(age.PayloadError, match="truncated"):
        decrypt(out.getvalue())
    with pytest.raises(UsageError):
        w.write(b"more")


class _Zeros:
    """A source of n zero bytes that never holds them all."""

    def __init__(self, n: int) -> None:
        self.left = n

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return bytes(n)


class _Sink:
    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)


def test_memory_stays_constant_both_ways() -> None:
    """8 MiB through each direction with well under 1 MiB of Python allocations at peak."""
    size = 8 * 2**20
    blob = io.BytesIO()
    age.encrypt_stream(_Zeros(size), blob, [RECIPIENT])  # the ciphertext is kept, outside tracing
    blob.seek(0)
    tracemalloc.start()
    try:
        age.encrypt_stream(_Zeros(size), _Sink(), [RECIPIENT])
        _, encrypt_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        sink = _Sink()
        age.decrypt_stream(blob, sink, [IDENTITY])
        _, decrypt_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sink.size == size
    assert encrypt_peak < 1 * 2**20
    assert decrypt_peak < 1 * 2**20
