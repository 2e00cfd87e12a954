"""The one place a case meets the card-data guard.

Every string that goes into a case file passes ``scrub`` (PANs masked to first 6 / last 4,
track data withheld), exactly as test records are written; ``holds_card_data`` is what the
verifier and the attachment check ask. Both use posdiag.cards' guard: card numbers in any
spelling it knows (grouped by spaces, dashes or dots, non-ASCII digits, glued to other digits;
docs/journal.md §Card numbers), in strings, keys and numbers.

One shape of string is left alone, by the guard itself (``posdiag.cards.is_digest``): a
whole hex digest or ID (SHA-256, a set or run ID). A case is full of them — the hash chain,
the backup reference — and masking one that happens to hold a Luhn-valid run would break the
reference it is.
"""

from __future__ import annotations

import re
from typing import Any

from posdiag.cards import holds_pan, mask_data, mask_text


def scrub_text(text: str) -> str:
    return mask_text(text)


def scrub(value: Any) -> Any:
    """The value with every string masked, recursively (JSON-like data)."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {scrub_text(str(k)): scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return mask_data(value)  # a number that reads as a card number becomes its masked text


def card_data_in(text: str) -> bool:
    """True if ``text`` holds what the guard would mask (a PAN or track data)."""
    return holds_pan(text) or mask_text(text) != text


# A JSON string that is a whole digest (posdiag.cards.is_digest, the forms a case holds).
_DIGEST_STRING = re.compile(rb'"(?:[0-9a-f]{64}|[0-9a-f]{32})"')
_LONG_DIGITS = re.compile(rb"[0-9]{12,}")


def file_may_hold_card_data(data: bytes) -> bool:
    """A quick look at a whole JSON file before a string-by-string check.

    Track layouts need a run of at least 12 ASCII digits; any other card number is a run the
    guard finds (grouped, non-ASCII digits), so a file with neither outside hex digests holds
    none. A JSON escape (backslash-u) could hide digits from this look; files posdiag writes
    have none, so one sends the file to the full check."""
    if b"\\u" in data:
        return True
    outside_digests = _DIGEST_STRING.sub(b"", data)
    return (_LONG_DIGITS.search(outside_digests) is not None
            or holds_pan(outside_digests.decode("utf-8", "replace")))


def holds_card_data(value: Any) -> bool:
    """True if any string (or key) in JSON-like data holds card data."""
    if isinstance(value, str):
        return card_data_in(value)
    if isinstance(value, dict):
        return any(card_data_in(str(k)) or holds_card_data(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(holds_card_data(v) for v in value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return holds_pan(str(value))
    return False
