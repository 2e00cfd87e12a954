"""The tests' own card-number scanner (pan_scan.py) sees what it must and passes digests."""

from __future__ import annotations

from pan_scan import TEST_PAN, card_numbers

# A SHA-256-shaped value that happens to hold a Luhn-valid 16-digit run (here the test PAN).
DIGEST_WITH_RUN = ("ab" + TEST_PAN + "cd" * 23)[:64]


def test_a_whole_digest_is_passed_as_the_tool_prints_it_exact() -> None:
    assert card_numbers(f"sha256 {DIGEST_WITH_RUN}\n") == []
    assert card_numbers(f'{{"sha256": "{DIGEST_WITH_RUN}"}}') == []


def test_the_same_digits_are_found_anywhere_else() -> None:
    assert card_numbers(f"sha256 {DIGEST_WITH_RUN}x") != []  # not a whole digest
    assert card_numbers(f"sha256 {DIGEST_WITH_RUN[:63]}") != []  # 63 hex: not a digest
    assert card_numbers(f"card {TEST_PAN}") != []
    assert card_numbers(TEST_PAN * 4) != []  # 64 digits, no letter: a digit run, scanned
