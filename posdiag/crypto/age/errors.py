"""Why an age file did not decrypt (DecryptionError subclasses), and PostQuantumUnavailable.

Callers catch ``DecryptionError`` (exit code 1); the subclasses exist so the
CCTV vectors can check *which* stage rejected a file, and so a message can say
what to try next. They map one-to-one onto the vectors' ``expect:`` values.
``PostQuantumUnavailable`` is a BadInput (exit 2): a hybrid key this installation
cannot use, whatever the file.
"""

from __future__ import annotations

from posdiag.errors import BadInput, DecryptionError


class ArmorError(DecryptionError):
    """The ASCII armor (-----BEGIN AGE ENCRYPTED FILE-----) is malformed."""


class HeaderError(DecryptionError):
    """The header is not a well-formed age v1 header, or a stanza for us is malformed."""


class NotAgeFile(HeaderError):
    """The file does not start as an age v1 file does: not an age file at all (or another
    age version). The wrong input rather than a damaged file: ``decrypt`` says so, exit 2."""


class NoIdentityMatch(DecryptionError):
    """No identity given could unwrap any recipient stanza of the file."""


class HeaderMacError(DecryptionError):
    """A file key was unwrapped but the header MAC does not match: the header was altered."""


class PayloadError(DecryptionError):
    """The encrypted payload is damaged, truncated or has trailing data."""


class PostQuantumUnavailable(BadInput):
    """A hybrid (ML-KEM-768 + X25519) key was used where cryptography has no ML-KEM."""
