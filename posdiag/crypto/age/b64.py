"""Canonical, unpadded base64 of the age header (C2SP age §"Conventions").

Decoders must reject padding, line breaks and non-canonical encodings (unused
trailing bits set), or a header would have several spellings with one meaning.
"""

from __future__ import annotations

import base64
import binascii

from posdiag.crypto.age.errors import HeaderError
from posdiag.i18n import _


def encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def decode(text: str | bytes) -> bytes:
    """Decode unpadded base64, refusing anything but its one canonical spelling."""
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError as err:
            raise HeaderError(_("The age header holds a non-ASCII base64 value.")) from err
    if len(text) % 4 == 1 or "=" in text:
        raise HeaderError(_("The age header holds a malformed base64 value."))
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as err:
        raise HeaderError(_("The age header holds a malformed base64 value.")) from err
    if encode(data) != text:
        raise HeaderError(_("The age header holds a non-canonical base64 value."))
    return data
