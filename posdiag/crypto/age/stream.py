"""The age payload: STREAM over ChaCha20-Poly1305 in 64 KiB chunks (C2SP age, "Payload").

Chunk i is sealed under nonce = i as 11 big-endian bytes || last-flag (1 on the
final chunk). The final chunk may be short but is empty only when the whole
plaintext is empty. Neither side holds more than one chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from posdiag.crypto.age.errors import PayloadError
from posdiag.crypto.age.header import hkdf32
from posdiag.i18n import _

CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE
NONCE_SIZE = 16
_MAX_COUNTER = 1 << 88


def payload_key(file_key: bytes, nonce: bytes) -> bytes:
    return hkdf32(file_key, nonce, b"payload")


def chunk_nonce(counter: int, last: bool) -> bytes:
    if counter >= _MAX_COUNTER:
        raise PayloadError(_("The age payload exceeds the STREAM chunk counter; split the data."))
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class ChunkSealer:
    """Encrypts plaintext chunk by chunk; the caller says which chunk is the last."""

    def __init__(self, key: bytes) -> None:
        self._aead = ChaCha20Poly1305(key)
        self._counter = 0
        self._done = False

    def seal(self, plaintext: bytes, last: bool) -> bytes:
        if self._done:
            raise ValueError(_("STREAM already finished"))
        if len(plaintext) > CHUNK_SIZE or (not last and len(plaintext) != CHUNK_SIZE):
            raise ValueError(_("only the final STREAM chunk may be short"))
        if last and not plaintext and self._counter:
            raise ValueError(_("the final STREAM chunk may be empty only for an empty payload"))
        sealed = self._aead.encrypt(chunk_nonce(self._counter, last), plaintext, None)
        self._counter += 1
        self._done = last
        return sealed


def _read_full(read: Callable[[int], bytes], n: int) -> bytes:
    data = read(n)
    if len(data) == n or not data:
        return data
    parts = [data]
    got = len(data)
    while got < n:
        more = read(n - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def open_chunks(key: bytes, read: Callable[[int], bytes]) -> Iterator[bytes]:
    """Yield each chunk's plaintext only after its tag verified; raise PayloadError on damage.

    Follows the reference reader: a full-length chunk is tried as non-final
    first, then as final; a short chunk must be final; after the final chunk
    the stream must end.
    """
    aead = ChaCha20Poly1305(key)
    counter = 0
    while True:
        sealed = _read_full(read, SEALED_CHUNK_SIZE)
        if not sealed:
            raise PayloadError(_("The age file is truncated: it ends without its final chunk."))
        last = len(sealed) < SEALED_CHUNK_SIZE
        if last and len(sealed) == TAG_SIZE and counter:
            raise PayloadError(_("The age file ends with an empty chunk, which age forbids."))
        if len(sealed) < TAG_SIZE:
            raise PayloadError(_("The age file is truncated inside a chunk."))
        try:
            plaintext = aead.decrypt(chunk_nonce(counter, last), sealed, None)
        except InvalidTag:
            plaintext = None
        if plaintext is None and not last:
            last = True
            try:
                plaintext = aead.decrypt(chunk_nonce(counter, True), sealed, None)
            except InvalidTag:
                plaintext = None
        if plaintext is None:
            raise PayloadError(
                _("Chunk {counter} of the age payload failed authentication: the "
                  "file is damaged or was altered.").format(counter=counter)
            )
        counter += 1
        yield plaintext
        if last:
            if read(1):
                raise PayloadError(_("The age file has trailing data after its final chunk."))
            return
