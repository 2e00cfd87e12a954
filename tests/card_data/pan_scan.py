"""An independent scanner for card numbers in output, for tests only.

Deliberately written apart from posdiag.cards (brute force, no shared code), so a test that
uses it does not pass merely because the masker and the check share a mistake. It follows the
definition in docs/journal.md §Card numbers: digit groups (any Unicode decimal digit) joined by
single spaces, dashes or dots; a card number is any 13-19 consecutive digits, not starting
with 0, that pass Luhn, inside one group or inside groups written the way card numbers are
written (fours with a shorter last group, 4-6-5 or 4-6-4, ones and twos).

The numbers below are published test PANs (test material, not real cards).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

TEST_PAN = "4761739001010010"  # Visa test card, Luhn-valid
SEPARATORS = set(" \u00a0\u2007\u202f\u3000-\u2010\u2011\u2012\u2013\u2014\u2212\uff0d.\uff0e")


def _luhn(digits: list[int]) -> bool:
    total = 0
    for position, value in enumerate(reversed(digits)):
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def digit_runs(text: str) -> Iterable[list[list[int]]]:
    """Each run as its digit groups (lists of digit values); single separators join groups."""
    run: list[list[int]] = []
    group: list[int] = []
    gap = 0  # separators seen since the last digit
    for char in text:
        value = unicodedata.decimal(char, None)
        if value is not None:
            if gap == 1 and group:
                run.append(group)
                group = []
            elif gap > 1 and group:
                yield [*run, group]
                run, group = [], []
            group.append(value)
            gap = 0
        elif char in SEPARATORS and group:
            gap += 1
        else:
            if group:
                yield [*run, group]
            run, group, gap = [], [], 0
    if group:
        yield [*run, group]


def _written_like_cards(run: list[list[int]]) -> Iterable[list[int]]:
    """Every stretch of consecutive groups whose sizes follow a card-number layout."""
    sizes = [len(g) for g in run]
    for first in range(len(run)):
        for last in range(first, len(run)):
            stretch = sizes[first:last + 1]
            fours = all(n == 4 for n in stretch[:-1]) and (
                stretch[-1] == 4 or (len(stretch) > 1 and 1 <= stretch[-1] <= 3))
            small = all(n <= 2 for n in stretch)
            amex = stretch in ([4, 6, 5], [4, 6, 4])
            if len(stretch) == 1 or fours or small or amex:
                yield [d for g in run[first:last + 1] for d in g]


# A whole hex digest standing alone (MD5, SHA-1, SHA-256, SHA-512 in lower case, with at least
# one letter): posdiag prints these exact on purpose (manifests, hash chains, stamps), and one
# in a few hundred holds a Luhn-valid 13-digit run by chance. Only the shape is exempt.
_DIGEST = re.compile(r"(?<![0-9A-Za-z])(?:[0-9a-f]{128}|[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})"
                     r"(?![0-9A-Za-z])")


def _without_digests(text: str) -> str:
    return _DIGEST.sub(lambda m: m.group() if m.group().isdigit() else "\n", text)


def card_numbers(text: str) -> list[str]:
    """Every card number found, masked for the failure message."""
    found = []
    for run in digit_runs(_without_digests(text)):
        for digits in _written_like_cards(run):
            for size in range(13, 20):
                for start in range(len(digits) - size + 1):
                    window = digits[start:start + size]
                    if window[0] != 0 and _luhn(window):
                        shown = "".join(map(str, window))
                        found.append(f"{shown[:6]}…{shown[-4:]} ({size} digits)")
    return found


def assert_no_card_numbers(text: str, where: str = "output") -> None:
    found = card_numbers(text)
    assert not found, f"card numbers in {where}: {found[:5]}"


def scan_tree(root: Path) -> dict[str, list[str]]:
    """Card numbers per file under ``root`` (bytes read as UTF-8 with replacement)."""
    hits = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found = card_numbers(path.read_bytes().decode("utf-8", "replace"))
            if found:
                hits[str(path)] = found
    return hits
