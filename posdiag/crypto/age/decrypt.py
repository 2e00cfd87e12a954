"""Decrypting age v1 files as a stream, releasing plaintext only chunk by verified chunk.

Opening reads the header, unwraps the file key with the first identity that
can, checks the header MAC and reads the payload nonce; each ``read`` then
verifies and releases whole chunks. Armored input is recognised by its BEGIN line.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator, Sequence
from typing import BinaryIO

from posdiag.crypto.age.armor import BEGIN, MAX_WHITESPACE, ArmorReader, looks_armored
from posdiag.crypto.age.errors import HeaderError, HeaderMacError, NoIdentityMatch
from posdiag.crypto.age.header import Header, compute_mac, read_header
from posdiag.crypto.age.scrypt import STANZA_TYPE as SCRYPT
from posdiag.crypto.age.scrypt import ScryptIdentity
from posdiag.crypto.age.source import BufferedSource
from posdiag.crypto.age.stream import NONCE_SIZE, open_chunks, payload_key
from posdiag.crypto.age.wrap import Identity
from posdiag.errors import BadInput, DecryptionError
from posdiag.i18n import _


def _unwrap(header: Header, identities: Sequence[Identity]) -> bytes:
    is_passphrase_file = any(s.type == SCRYPT for s in header.stanzas)
    if is_passphrase_file and len(header.stanzas) != 1:
        raise HeaderError(_("A passphrase (scrypt) stanza must be the only stanza of "
                            "an age file; this file is malformed."))
    for identity in identities:
        file_key = identity.unwrap(header.stanzas)
        if file_key is not None:
            return file_key
    if is_passphrase_file and not any(isinstance(i, ScryptIdentity) for i in identities):
        raise NoIdentityMatch(_("The file is encrypted with a passphrase; decrypt it "
                                "with the passphrase instead of an identity."))
    raise NoIdentityMatch(_("None of the given identities can open this age file; "
                            "use the key or passphrase it was encrypted to."))


class DecryptingReader:
    """A read-only stream of the plaintext of an age file."""

    def __init__(self, src: BinaryIO, identities: Sequence[Identity], *,
                 armored: bool | None = None) -> None:
        if not identities:
            raise BadInput(_("No identity given; name an identity file or a passphrase."))
        source = BufferedSource(src.read)
        if armored is None:
            armored = looks_armored(source.peek(MAX_WHITESPACE + len(BEGIN)))
        if armored:
            source = BufferedSource(ArmorReader(source).read)
        header = read_header(source)
        file_key = _unwrap(header, identities)
        if not hmac.compare_digest(compute_mac(file_key, header.mac_input), header.mac):
            raise HeaderMacError(_("The age header MAC does not match: the header "
                                   "was altered or damaged."))
        nonce = source.read(NONCE_SIZE)
        if len(nonce) != NONCE_SIZE:
            raise HeaderError(_("The age file ends before its payload nonce; it is truncated."))
        self._chunks: Iterator[bytes] = open_chunks(payload_key(file_key, nonce), source.read)
        self._pending = b""
        self._error: DecryptionError | None = None
        self._done = False
        self.stanza_types = tuple(s.type for s in header.stanzas)

    def next_chunk(self) -> bytes:
        """The next verified chunk's plaintext (up to 64 KiB); b"" at the end."""
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        if self._error is not None:
            raise self._error
        if self._done:
            return b""
        try:
            return next(self._chunks)
        except StopIteration:
            self._done = True
            return b""
        except DecryptionError as err:
            self._error = err
            raise

    def read(self, n: int = -1) -> bytes:
        """Up to n plaintext bytes (all if n < 0); b"" at the end of a verified file."""
        if n < 0:
            return b"".join(iter(self.next_chunk, b""))
        buf = bytearray()
        while len(buf) < n:
            try:
                chunk = self.next_chunk()
            except DecryptionError:
                if not buf:
                    raise
                break  # verified bytes first; the stored error comes with the next read
            if not chunk:
                break
            buf += chunk
        self._pending = bytes(buf[n:])
        return bytes(buf[:n])

    def readable(self) -> bool:
        return True

    def __enter__(self) -> DecryptingReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._chunks = iter(())


def open_decrypting(src: BinaryIO, identities: Sequence[Identity], *,
                    armored: bool | None = None) -> DecryptingReader:
    """Open an age file (binary or armored) for reading its plaintext."""
    return DecryptingReader(src, identities, armored=armored)


def decrypt_stream(src: BinaryIO, dst: BinaryIO, identities: Sequence[Identity], *,
                   armored: bool | None = None) -> int:
    """Decrypt ``src`` into ``dst`` chunk by chunk; return the plaintext byte count.

    Every chunk written was authenticated first. On damage a DecryptionError is
    raised after the chunks before it were written: write to a temporary file
    and keep it only when this returns.
    """
    reader = open_decrypting(src, identities, armored=armored)
    total = 0
    while chunk := reader.next_chunk():
        dst.write(chunk)
        total += len(chunk)
    return total

