"""Helpers for the case tests (imported by name, as tests/kit does with kit_fakes)."""

import re

_DIGEST = re.compile(r'"(?:[0-9a-f]{64}|[0-9a-f]{32})"')


def without_digests(text):
    """Text with whole hex digests (hashes, set and run IDs) blanked: one SHA-256 in a few
    hundred holds a Luhn-valid digit run, which is not card data (posdiag/case/carddata.py)."""
    return _DIGEST.sub('""', text)
