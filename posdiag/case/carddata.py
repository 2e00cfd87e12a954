"""The one place a case meets the card-data guard.

Every string that goes into a case file passes ``scrub`` (PANs masked to first 6 / last 4,
track data withheld), exactly as test records are written; ``card_data_in`` is what the
verifier and the attachment check ask. Both call posdiag.cards today; when the stronger guard
arrives, it is swapped in here and nowhere else.
"""

from __future__ import annotations

from typing import Any

from posdiag.cards import find_pans, mask_text


def scrub(value: Any) -> Any:
    """The value with every string masked, recursively (JSON-like data)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {str(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def scrub_text(text: str) -> str:
    return mask_text(text)


def card_data_in(text: str) -> bool:
    """True if ``text`` holds what the guard would mask (a PAN or track data)."""
    return bool(find_pans(text)) or mask_text(text) != text
