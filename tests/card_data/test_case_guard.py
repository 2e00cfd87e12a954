"""The repair case's card-data guard is the full one: grouped, non-ASCII and numeric card
numbers are masked and found; whole hex digests (the hash chain) stay exact. Test PANs only."""

from __future__ import annotations

import json

from pan_scan import TEST_PAN, card_numbers

from posdiag.case.carddata import file_may_hold_card_data, holds_card_data, scrub

FULL_WIDTH = "".join(chr(0xFF10 + int(c)) for c in TEST_PAN)
DIGEST = "476173900101001" + "0" + "ab" * 24  # a SHA-256 that holds a Luhn-valid run


def test_scrub_masks_every_spelling_and_keeps_digests() -> None:
    doc = {"fault": "card 4761 7390 0101 0010 stuck", "note": FULL_WIDTH,
           "reference": int(TEST_PAN), "previous": DIGEST}
    scrubbed = scrub(doc)
    assert card_numbers(json.dumps({k: v for k, v in scrubbed.items() if k != "previous"},
                                   ensure_ascii=False)) == []
    assert scrubbed["previous"] == DIGEST
    assert not holds_card_data(scrubbed)


def test_the_verifier_finds_grouped_and_numeric_card_numbers() -> None:
    assert holds_card_data({"fault": "4761-7390-0101-0010"})
    assert holds_card_data({"n": int(TEST_PAN)})
    assert holds_card_data([FULL_WIDTH])
    assert not holds_card_data({"previous": DIGEST, "amount": 1234})


def test_the_quick_look_sends_grouped_numbers_to_the_full_check() -> None:
    grouped = json.dumps({"fault": "4761 7390 0101 0010"}).encode()
    assert file_may_hold_card_data(grouped)
    assert file_may_hold_card_data(json.dumps({"x": FULL_WIDTH}, ensure_ascii=False).encode())
    assert not file_may_hold_card_data(json.dumps({"previous": DIGEST, "n": 12}).encode())
