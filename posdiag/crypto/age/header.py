"""The age v1 textual header: stanzas, the ``---`` MAC line, parse and encode. Pure.

Grammar (C2SP age, "Header"):
    age-encryption.org/v1 LF
    1*( "-> " type *(SP arg) LF  *(64 b64 chars LF)  (0..63 b64 chars) LF )
    "--- " 43 b64 chars LF
Arguments are 1*VCHAR. The MAC covers every header byte up to and including
"---". Parsing is strict so that the bytes MACed are the one encoding of what
was parsed (no re-encoding needed).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from posdiag.crypto.age import b64
from posdiag.crypto.age.errors import HeaderError
from posdiag.crypto.age.source import BufferedSource, LineTooLong
from posdiag.i18n import _

INTRO = b"age-encryption.org/v1\n"
STANZA_PREFIX = b"->"
FOOTER_PREFIX = b"---"
COLUMNS = 64
BYTES_PER_LINE = COLUMNS // 4 * 3
# Bounds that keep a hostile header from eating memory; real headers are a few hundred bytes.
MAX_LINE = 4096
MAX_HEADER = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Stanza:
    """One recipient stanza: ``-> type args…`` and its binary body."""

    type: str
    args: tuple[str, ...]
    body: bytes


@dataclass(frozen=True, slots=True)
class Header:
    stanzas: tuple[Stanza, ...]
    mac: bytes
    # The exact bytes from the intro through "---", which the MAC authenticates.
    mac_input: bytes


def hkdf32(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    """HKDF-SHA-256 with 32 bytes of output, as every age derivation uses."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def compute_mac(file_key: bytes, mac_input: bytes) -> bytes:
    return hmac.new(hkdf32(file_key, b"", b"header"), mac_input, hashlib.sha256).digest()


def _valid_arg(arg: str) -> bool:
    return bool(arg) and all(33 <= ord(c) <= 126 for c in arg)


def encode_stanza(stanza: Stanza) -> bytes:
    if not all(_valid_arg(a) for a in (stanza.type, *stanza.args)):
        raise ValueError(_("stanza arguments must be 1*VCHAR"))
    text = b64.encode(stanza.body)
    # Full 64-column lines, then a final short (possibly empty) line.
    lines = [text[i : i + COLUMNS] for i in range(0, len(text) - len(text) % COLUMNS, COLUMNS)]
    lines.append(text[len(text) - len(text) % COLUMNS :])
    arg_line = " ".join(("->", stanza.type, *stanza.args))
    return "\n".join((arg_line, *lines)).encode("ascii") + b"\n"


def encode_mac_input(stanzas: Sequence[Stanza]) -> bytes:
    """The header from the intro line through "---": what the MAC covers."""
    return INTRO + b"".join(encode_stanza(s) for s in stanzas) + FOOTER_PREFIX


def encode_header(file_key: bytes, stanzas: Sequence[Stanza]) -> bytes:
    """The full header, MAC line included, for these stanzas under this file key."""
    mac_input = encode_mac_input(stanzas)
    mac = compute_mac(file_key, mac_input)
    return mac_input + b" " + b64.encode(mac).encode("ascii") + b"\n"


def _split_args(line: bytes) -> tuple[bytes, list[str]]:
    parts = line[:-1].split(b" ")
    try:
        return parts[0], [p.decode("ascii") for p in parts[1:]]
    except UnicodeDecodeError as err:
        raise HeaderError(_("The age header has a line with non-ASCII characters.")) from err


def read_header(source: BufferedSource) -> Header:
    """Parse the header from the stream, leaving the source at the first payload byte."""
    consumed = 0

    def next_line() -> bytes:
        nonlocal consumed
        try:
            line = source.readline(MAX_LINE)
        except LineTooLong as err:
            raise HeaderError(_("The age header has an overlong line; the file is "
                                "damaged.")) from err
        consumed += len(line)
        if not line.endswith(b"\n") or consumed > MAX_HEADER:
            raise HeaderError(_("The age header is truncated or not an age file at all."))
        return line

    intro = next_line()
    if intro != INTRO:
        if intro.startswith(b"age-encryption.org/"):
            raise HeaderError(_("The file uses an age version other than v1, which "
                                "is not supported."))
        raise HeaderError(_("The file is not an age v1 encrypted file (wrong first line)."))
    parts = [intro]
    stanzas: list[Stanza] = []
    while True:
        line = next_line()
        if line.startswith(FOOTER_PREFIX):
            prefix, args = _split_args(line)
            if prefix != FOOTER_PREFIX or len(args) != 1:
                raise HeaderError(_("The age header's closing MAC line is malformed."))
            mac = b64.decode(args[0])
            if len(mac) != 32:
                raise HeaderError(_("The age header's MAC has the wrong length."))
            if not stanzas:
                raise HeaderError(_("The age header has no recipient stanza."))
            parts.append(FOOTER_PREFIX)
            return Header(tuple(stanzas), mac, b"".join(parts))
        if not line.startswith(STANZA_PREFIX):
            raise HeaderError(_("The age header has an unexpected line; the file is damaged."))
        prefix, args = _split_args(line)
        if prefix != STANZA_PREFIX or not args or not all(_valid_arg(a) for a in args):
            raise HeaderError(_("The age header has a malformed recipient stanza line."))
        parts.append(line)
        body = bytearray()
        while True:
            body_line = next_line()
            parts.append(body_line)
            chunk = b64.decode(body_line[:-1])
            if len(chunk) > BYTES_PER_LINE:
                raise HeaderError(_("A stanza body line in the age header is longer "
                                    "than 64 columns."))
            body += chunk
            if len(chunk) < BYTES_PER_LINE:
                break
        stanzas.append(Stanza(args[0], tuple(args[1:]), bytes(body)))
