"""The one place a case meets the card-data guard.

Every string that goes into a case file passes ``scrub`` (PANs masked to first 6 / last 4,
track data withheld), exactly as test records are written; ``holds_card_data`` is what the
verifier and the attachment check ask. Both call posdiag.cards today; when the stronger guard
arrives, it is swapped in here and nowhere else.

One shape of string is left alone: a whole hex digest or ID (SHA-256, a set or run ID). A
case is full of them — the hash chain, the backup reference — and a 64-digit hex string holds
a 13-digit run of decimal digits that passes the Luhn check about once in two hundred hashes;
masking it would break the reference it is, and it is not card data whatever it contains.
"""

from __future__ import annotations

import re
from typing import Any

from posdiag.cards import find_pans, mask_text

_DIGEST = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{64})$")


def _guarded(text: str) -> bool:
    return _DIGEST.match(text) is None


def scrub_text(text: str) -> str:
    return mask_text(text) if _guarded(text) else text


def scrub(value: Any) -> Any:
    """The value with every string masked, recursively (JSON-like data)."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {scrub_text(str(k)): scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def card_data_in(text: str) -> bool:
    """True if ``text`` holds what the guard would mask (a PAN or track data)."""
    return _guarded(text) and (bool(find_pans(text)) or mask_text(text) != text)


_DIGEST_STRING = re.compile(rb'"(?:[0-9a-f]{64}|[0-9a-f]{32})"')
_LONG_DIGITS = re.compile(rb"[0-9]{12,}")


def file_may_hold_card_data(data: bytes) -> bool:
    """A quick look at a whole JSON file before a string-by-string check.

    Every PAN the guard knows is a run of at least 12 digits (track layouts included), so a
    file with no such run outside hex digests holds none. A JSON escape (backslash-u) could
    hide digits from this look; files posdiag writes have none, so one sends the file to the
    full check."""
    return b"\\u" in data or _LONG_DIGITS.search(_DIGEST_STRING.sub(b"", data)) is not None


def holds_card_data(value: Any) -> bool:
    """True if any string (or key) in JSON-like data holds card data."""
    if isinstance(value, str):
        return card_data_in(value)
    if isinstance(value, dict):
        return any(card_data_in(str(k)) or holds_card_data(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(holds_card_data(v) for v in value)
    return False
