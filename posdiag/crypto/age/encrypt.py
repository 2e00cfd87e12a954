"""Encrypting to age v1: header, payload nonce, then STREAM chunks, with constant memory.

Randomness enters in one place: ``age_writer`` draws the file key and payload
nonce and lets each recipient draw its own, then calls ``_encrypt_with``, the
deterministic seam that known-answer tests drive.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from types import TracebackType
from typing import BinaryIO

from posdiag.crypto.age.armor import ArmorWriter
from posdiag.crypto.age.header import Stanza, encode_header
from posdiag.crypto.age.scrypt import STANZA_TYPE as SCRYPT
from posdiag.crypto.age.stream import CHUNK_SIZE, NONCE_SIZE, ChunkSealer, payload_key
from posdiag.crypto.age.wrap import FILE_KEY_SIZE, Recipient
from posdiag.errors import BadInput, UsageError
from posdiag.i18n import _


class EncryptingWriter:
    """A write-only stream that encrypts into ``dst``; ``close()`` seals the final chunk.

    One full chunk is held back until more data arrives, because only the last
    chunk carries the last-chunk flag. ``close()`` does not close ``dst``.
    """

    def __init__(self, dst: BinaryIO, file_key: bytes, nonce: bytes,
                 stanzas: Sequence[Stanza], *, armor: bool = False) -> None:
        if len(file_key) != FILE_KEY_SIZE or len(nonce) != NONCE_SIZE:
            raise ValueError(_("age needs a 16-byte file key and a 16-byte payload nonce"))
        self._out: BinaryIO | ArmorWriter = ArmorWriter(dst) if armor else dst
        self._sealer = ChunkSealer(payload_key(file_key, nonce))
        self._held: bytes | None = None  # a full chunk, sealed once we know if it is the last
        self._partial = bytearray()  # fewer than CHUNK_SIZE bytes
        self._closed = False
        self.bytes_in = 0
        self._out.write(encode_header(file_key, stanzas) + nonce)

    def _push(self, chunk: bytes) -> None:
        if self._held is not None:
            self._out.write(self._sealer.seal(self._held, last=False))
        self._held = chunk

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._closed:
            raise UsageError(_("The age file is already closed; nothing more can be written."))
        size = len(data)
        self.bytes_in += size
        if not self._partial and size == CHUNK_SIZE and isinstance(data, bytes):
            self._push(data)  # the common case of encrypt_stream: no copy at all
            return size
        with memoryview(data) as view:
            if self._partial:
                take = CHUNK_SIZE - len(self._partial)
                self._partial += view[:take]
                view = view[take:]
                if len(self._partial) < CHUNK_SIZE:
                    return size
                self._push(bytes(self._partial))
                self._partial.clear()
            while len(view) >= CHUNK_SIZE:
                # Copied: the caller may reuse its buffer after write() returns.
                self._push(view[:CHUNK_SIZE].tobytes())
                view = view[CHUNK_SIZE:]
            self._partial += view
        return size

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._partial or self._held is None:
            self._push(bytes(self._partial))
            self._partial.clear()
        assert self._held is not None
        self._out.write(self._sealer.seal(self._held, last=True))
        self._held = None
        if isinstance(self._out, ArmorWriter):
            self._out.close()

    def __enter__(self) -> EncryptingWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        # On an exception the file is left without its final chunk: a reader reports it
        # truncated instead of accepting a silently shortened file.
        if exc_type is None:
            self.close()
        else:
            self._closed = True
            self._held = None
            self._partial.clear()


def check_recipients(recipients: Sequence[Recipient]) -> None:
    """BadInput unless these recipients may share one file (some, all age, PQ not mixed)."""
    if not recipients:
        raise BadInput(_("No recipient given; name at least one age1… recipient."))
    if not all(isinstance(r, Recipient) for r in recipients):
        raise BadInput(_("A recipient is not an age recipient object; parse it with "
                         "parse_recipient() first."))
    # C2SP age: a file for a post-quantum recipient SHOULD NOT also go to classic ones, or
    # the classic stanza would undo the protection. As age does, every recipient of a file
    # must carry the same labels (hybrid recipients carry "postquantum", X25519 none).
    if len({_labels(r) for r in recipients}) > 1:
        raise BadInput(_("Post-quantum (age1pq1…) and classic (age1…) recipients cannot share "
                         "a file, since the classic one could be broken by a future quantum "
                         "computer; make every recipient age1pq1…, or none."))


def _labels(recipient: Recipient) -> frozenset[str]:
    labels: frozenset[str] = getattr(recipient, "labels", frozenset())
    return labels


def _encrypt_with(file_key: bytes, nonce: bytes, stanzas: Sequence[Stanza], dst: BinaryIO,
                  *, armor: bool = False) -> EncryptingWriter:
    """The deterministic core: everything random is passed in."""
    if any(s.type == SCRYPT for s in stanzas) and len(stanzas) != 1:
        raise BadInput(_("A passphrase cannot be combined with other recipients in one age file."))
    return EncryptingWriter(dst, file_key, nonce, stanzas, armor=armor)


def age_writer(dst: BinaryIO, recipients: Sequence[Recipient], *,
               armor: bool = False) -> EncryptingWriter:
    """Start an age file in ``dst`` for these recipients; use as a context manager."""
    check_recipients(recipients)
    file_key = os.urandom(FILE_KEY_SIZE)
    stanzas = [stanza for r in recipients for stanza in r.wrap(file_key)]
    return _encrypt_with(file_key, os.urandom(NONCE_SIZE), stanzas, dst, armor=armor)


def encrypt_stream(src: BinaryIO, dst: BinaryIO, recipients: Sequence[Recipient], *,
                   armor: bool = False) -> int:
    """Encrypt all of ``src`` into ``dst``; return the number of plaintext bytes read."""
    with age_writer(dst, recipients, armor=armor) as writer:
        while block := src.read(CHUNK_SIZE):
            writer.write(block)
    return writer.bytes_in
