"""An independent scanner for card numbers in output, for tests only.

Deliberately written apart from posdiag.cards (brute force, no shared code), so a test that
uses it does not pass merely because the masker and the check share a mistake. It follows the
definition in docs/journal.md §Card numbers: a run is digits (any Unicode decimal digit),
possibly split by single spaces, dashes or dots; any 13-19 digit window of a run that does not
start with 0 and passes Luhn is a card number.

The numbers below are published test PANs (test material, not real cards).
"""

from __future__ import annotations

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


def digit_runs(text: str) -> Iterable[list[int]]:
    """Each run of digits joined by single separators, as a list of digit values."""
    run: list[int] = []
    gap = 0  # separators seen since the last digit
    for char in text:
        value = unicodedata.decimal(char, None)
        if value is not None:
            if gap > 1:
                if run:
                    yield run
                run = []
            run.append(value)
            gap = 0
        elif char in SEPARATORS and run:
            gap += 1
        else:
            if run:
                yield run
            run, gap = [], 0
    if run:
        yield run


def card_numbers(text: str) -> list[str]:
    """Every Luhn-valid 13-19 digit window of every run, masked for the failure message."""
    found = []
    for run in digit_runs(text):
        for size in range(13, 20):
            for start in range(len(run) - size + 1):
                window = run[start:start + size]
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
