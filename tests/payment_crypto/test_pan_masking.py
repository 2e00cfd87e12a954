"""PANs: Luhn, masking to first 6 / last 4, finding PANs in text, and the logging filter.

Known Luhn values: /work/shared/docs/reference/payment-crypto.md §4.
"""

from __future__ import annotations

import io
import logging
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posdiag.cards import (
    MaskingFilter,
    assert_no_pans,
    find_pans,
    luhn_check_digit,
    luhn_valid,
    mask_pan,
    mask_text,
)
from posdiag.errors import BadInput

# --- known answers -------------------------------------------------------------------------

PUBLIC_TEST_PANS = [
    "4761739001010010", "5413330002001155", "6210947000000021", "3569990010082211",
    "36070500001376", "6510000000000166", "374245455400001", "6799990200000001114",
    "67030010054610102", "4012000098765439", "5499740000000057", "4012345678909",
]


def test_luhn_known_values() -> None:
    assert luhn_valid("79927398713")
    assert all(luhn_valid(pan) for pan in PUBLIC_TEST_PANS)
    # used in PIN-block examples but not Luhn-valid (payment-crypto.md §4)
    assert not luhn_valid("4321987654321098")
    assert not luhn_valid("5555555551234567")
    assert not luhn_valid("")
    assert not luhn_valid("4761 7390 0101 0010")


def test_luhn_check_digit() -> None:
    assert luhn_check_digit("476173900101001") == "0"
    assert luhn_check_digit("7992739871") == "3"


@pytest.mark.parametrize(
    ("pan", "masked"),
    [
        ("4761739001010010", "476173******0010"),
        ("4012345678909", "401234***8909"),
        ("6799990200000001114", "679999*********1114"),
        ("123456", "**3456"),
    ],
)
def test_mask_pan_keeps_first_six_and_last_four(pan: str, masked: str) -> None:
    assert mask_pan(pan) == masked


def test_mask_pan_refuses_non_digits() -> None:
    with pytest.raises(BadInput):
        mask_pan("4761-7390")


def test_find_pans_takes_whole_runs_grouped_or_not() -> None:
    text = "pan=4761739001010010; ref 123456789012; grouped 4761 7390 0101 0010; 4012345678909."
    assert find_pans(text) == ["4761739001010010", "4761739001010010", "4012345678909"]
    # a Luhn-invalid 16-digit run is not a PAN
    assert find_pans("4321987654321098") == []
    # 20 digits are not a PAN by themselves
    assert find_pans("04761739001010010000") == []


def test_mask_text_masks_pans_and_the_middle_of_runs_hiding_one() -> None:
    assert mask_text("card 4761739001010010 ok") == "card 476173******0010 ok"
    glued = "0000" + "4761739001010010"
    # The PAN inside loses its middle; windows starting with 0 are no card numbers.
    assert mask_text(f"dump {glued} end") == "dump 0000476173******0010 end"
    assert mask_text("dump 94761739001010010 end") == "dump 9476173******0010 end"
    assert mask_text("amount 000000001000 terminal 52500017") == (
        "amount 000000001000 terminal 52500017"
    )


def test_assert_no_pans_reports_masked_numbers_only() -> None:
    assert assert_no_pans("nothing here, 12345") == []
    with pytest.raises(AssertionError) as info:
        assert_no_pans("leak 4761739001010010")
    assert "4761739001010010" not in str(info.value)
    assert "476173******0010" in str(info.value)


# --- the logging filter --------------------------------------------------------------------


@pytest.fixture
def masked_log() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskingFilter())
    logger = logging.getLogger("posdiag.test.masking")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_filter_masks_messages_arguments_and_numbers(masked_log) -> None:
    logger, stream = masked_log
    logger.info("swiped %s", "4761739001010010")
    logger.info("pan as number %d", 5413330002001155)
    logger.info("pan %(pan)s by name", {"pan": "6210947000000021"})
    logger.info("inline 4012345678909 in the message")
    out = stream.getvalue()
    assert_no_pans(out)
    assert "476173******0010" in out
    assert "541333******1155" in out


def test_filter_masks_tracebacks(masked_log) -> None:
    logger, stream = masked_log
    try:
        raise ValueError("bad track ;4761739001010010=30122011143878089?")
    except ValueError:
        logger.exception("parse failed")
    assert_no_pans(stream.getvalue())
    assert "ValueError" in stream.getvalue()


def test_filter_survives_a_broken_format_string(masked_log) -> None:
    logger, stream = masked_log
    logger.info("two %s %s", "4761739001010010")
    assert_no_pans(stream.getvalue())


# --- properties ----------------------------------------------------------------------------


def luhn_pans() -> st.SearchStrategy[str]:
    # A card number's first digit is never 0 (ISO/IEC 7812-1), see posdiag.cards.
    return st.from_regex(r"[1-9][0-9]{11,17}", fullmatch=True).map(
        lambda body: body + luhn_check_digit(body)
    )


filler = st.text(alphabet=st.sampled_from("0123456789 -=;?^%abcXYZ\n"), max_size=40)


@given(st.lists(st.one_of(filler, luhn_pans()), max_size=8))
def test_mask_text_never_leaves_a_luhn_valid_run(parts: list[str]) -> None:
    masked = mask_text("".join(parts))
    assert find_pans(masked) == []
    assert_no_pans(masked)
    assert mask_text(masked) == masked


@given(pan=luhn_pans(), before=filler, after=filler)
def test_a_separated_pan_keeps_first_six_and_last_four(pan: str, before: str, after: str) -> None:
    text = f"{before}|{pan}|{after}"
    masked = mask_text(text)
    assert f"|{mask_pan(pan)}|" in masked
    shown = mask_pan(pan)
    assert shown[:6] == pan[:6] and shown[-4:] == pan[-4:]
    assert set(shown[6:-4]) == {"*"} and len(shown) == len(pan)


@given(st.text())
def test_mask_text_keeps_text_without_long_digit_runs(text: str) -> None:
    if not re.search("[0-9]{13}", text):
        assert mask_text(text) == text


def test_track_data_is_withheld_whole_not_only_its_pan():
    from posdiag.cards import mask_text

    text = ("swipe ;4761739001010010=25122011143878089? and "
            "%B4761739001010010^VISA ACQUIRER TEST/CARD^2512201114380078? and "
            "bcd 4761739001010010D25122011143878089")
    masked = mask_text(text)
    assert "2512201" not in masked and "1143878089" not in masked
    assert masked.count("476173******0010") == 3
    assert "<track data withheld>" in masked


# --- edges of the rules (issue 10: mutants of cards.py that the tests above let live) --------


def test_luhn_is_defined_from_two_digits_on() -> None:
    # The shortest number with a check digit has two digits: "18" passes, "1" alone does not.
    assert luhn_valid("18") and luhn_valid("00") and not luhn_valid("8")
    assert not luhn_valid("0")  # one digit is no check digit, though its sum is 0
    assert luhn_check_digit("1") == "8"
    for partial in ("4761 7390", "47a1", "\uff14\uff17"):  # full-width digits are not ASCII
        with pytest.raises(BadInput):
            luhn_check_digit(partial)


@pytest.mark.parametrize(("number", "masked"), [
    ("1", "1"), ("123", "123"), ("1234", "1234"), ("12345", "*2345"), ("12345678", "****5678"),
    ("123456789012", "********9012"),
])  # fmt: skip
def test_mask_pan_of_a_short_number_keeps_only_its_last_four(number: str, masked: str) -> None:
    assert mask_pan(number) == masked


def test_a_run_of_up_to_4096_digits_is_masked_window_by_window_a_longer_one_whole() -> None:
    # No window of zeros is a card number, so 4096 of them stay; past the bound the run is
    # blanked without looking (it would hold a Luhn-valid window with near certainty).
    assert mask_text("0" * 4096) == "0" * 4096
    assert mask_text("0" * 4097) == "*" * 4097


@pytest.mark.parametrize("message, args", [
    ("two %s %s", ("4761739001010010",)),  # TypeError: too few arguments
    ("card %q", ("4761739001010010",)),  # ValueError: no such conversion
    ("card %(pan)s", ({"card": "4761739001010010"},)),  # KeyError: no such key
])
def test_a_broken_format_string_still_logs_its_line_masked(masked_log, message, args) -> None:
    # Logging would print msg and args raw in its error report; the filter keeps one line,
    # with the card number masked, instead of withholding it.
    logger, stream = masked_log
    logger.info(message, *args)
    out = stream.getvalue()
    assert_no_pans(out)
    assert "476173******0010" in out and "withheld" not in out
