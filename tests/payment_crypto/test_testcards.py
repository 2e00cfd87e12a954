"""Test-card profiles (testplans/cards.toml): public test PANs, tracks built at load time."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from posdiag.cards import luhn_valid
from posdiag.errors import PlanError, UsageError
from posdiag.testcards import TestCard, default_cards_path, load_test_cards
from posdiag.tracks import Track1, Track2

# payment-crypto.md §4: the well-known test PANs that pass Luhn
EXPECTED = {
    "visa": ("4761739001010010", 0x0A),
    "mastercard": ("5413330002001155", 0x06),
    "unionpay": ("6210947000000021", 0xC6),
    "maestro": ("6799990200000001114", 0x2E),
}


@pytest.fixture(scope="module")
def cards() -> dict[str, TestCard]:
    return load_test_cards()


def test_the_shipped_file_says_it_holds_public_test_cards() -> None:
    header = default_cards_path().read_text(encoding="utf-8")[:400]
    assert "PUBLIC TEST CARDS ONLY" in header


@pytest.mark.parametrize(("key", "expected"), EXPECTED.items())
def test_scheme_profiles_use_the_published_test_pans(cards, key: str, expected) -> None:
    pan, card_type = expected
    assert cards[key].pan == pan
    assert cards[key].zvt_card_type == card_type


def test_every_profile_is_a_luhn_valid_test_card_with_matching_tracks(cards) -> None:
    assert len(cards) >= 6
    for card in cards.values():
        assert luhn_valid(card.pan)
        assert card.track1.pan == card.track2.pan == card.pan
        assert card.track2.expiry_yymm == card.expiry_yymm
        assert card.track2.service_code == card.service_code
        assert Track1.from_text(card.track1.encode(with_lrc=True)) == card.track1
        assert Track2.from_text(card.track2.encode(with_lrc=True)) == card.track2
        assert card.track2.encode().startswith(";") and card.track1.encode().startswith("%B")


def test_expired_and_other_pin_profiles(cards) -> None:
    today = date(2026, 11, 25)
    assert cards["visa_expired"].is_expired(today)
    assert not any(cards[key].is_expired(today) for key in EXPECTED)
    assert cards["mastercard_other_pin"].pin != cards["visa"].pin


def test_repr_hides_pan_pin_and_tracks(cards) -> None:
    for card in cards.values():
        shown = repr(card) + str(card)
        assert card.pan not in shown
        assert card.track2.encode() not in shown
        assert card.pin not in shown.replace(card.masked_pan, "")
        assert card.masked_pan in shown


PROFILE = """
[cards.one]
test = {test}
scheme = "visa"
description = "x"
pan = "{pan}"
expiry = "3012"
service_code = "201"
cardholder = "TEST/CARD"
pin = "1234"
zvt_card_type = 0x0A
track1_discretionary = ""
track2_discretionary = ""
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cards.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_minimal_profile_loads(tmp_path: Path) -> None:
    cards = load_test_cards(write(tmp_path, PROFILE.format(test="true", pan="4761739001010010")))
    assert cards["one"].track2.encode() == ";4761739001010010=3012201?"


@pytest.mark.parametrize(
    "text",
    [
        PROFILE.format(test="false", pan="4761739001010010"),  # not labelled test
        PROFILE.format(test="true", pan="4761739001010011"),  # fails Luhn
        PROFILE.format(test="true", pan="4761739001010010") + 'colour = "red"\n',  # unknown
        PROFILE.format(test="true", pan="4761739001010010").replace('pin = "1234"', 'pin = "12"'),
        "[cards.one\n",  # not TOML
        "title = 'no cards'\n",
    ],
)
def test_bad_profiles_are_plan_errors(tmp_path: Path, text: str) -> None:
    with pytest.raises(PlanError):
        load_test_cards(write(tmp_path, text))


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        load_test_cards(tmp_path / "absent.toml")
