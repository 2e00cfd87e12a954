"""The card-number guard (posdiag.cards): what a run is, masking text and structures, logging.

Known answers first (docs/journal.md §Card numbers gives the definition), then hypothesis
properties checked against an independent brute-force scanner (pan_scan.py). All numbers are
published test PANs (test material).
"""

from __future__ import annotations

import io
import json
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pan_scan import TEST_PAN, card_numbers

from posdiag.cards import (
    MaskingFilter,
    find_pans,
    holds_pan,
    luhn_check_digit,
    mask_data,
    mask_text,
    pan_paths,
    trailing_run_start,
)

FULL_WIDTH = "".join(chr(0xFF10 + int(c)) for c in TEST_PAN)
ARABIC_INDIC = "".join(chr(0x0660 + int(c)) for c in TEST_PAN)

# --- what counts as a run ----------------------------------------------------------------


@pytest.mark.parametrize(("text", "masked"), [
    ("4761 7390 0101 0010", "4761 73** **** 0010"),
    ("4761-7390-0101-0010", "4761-73**-****-0010"),
    ("4761.7390.0101.0010", "4761.73**.****.0010"),
    ("3782 822463 10005", "3782 82**** *0005"),  # Amex grouping 4-6-5
    ("4761\u00a07390\u00a00101\u00a00010", "4761\u00a073**\u00a0****\u00a00010"),
    ("47 61 73 90 01 01 00 10", "47 61 73 ** ** ** 00 10"),  # BCD bytes in a hex dump
])
def test_grouped_numbers_are_masked_keeping_first_six_and_last_four(text: str,
                                                                      masked: str) -> None:
    assert mask_text(f"card {text} ok") == f"card {masked} ok"


def test_two_separators_in_a_row_end_a_run() -> None:
    text = "4761  7390  0101  0010"
    assert mask_text(text) == text


@pytest.mark.parametrize("text", [
    "case 2026-1130-52500001-01",  # a case ID: date, TID, counter
    "52500001 52500002",  # two TIDs in a table
    "2026-11-30 10:15:00 receipt 0042 trace 000123",
    "1.2.3 10.0.0.5 1.20.300.4000.50000",
])
def test_groups_not_written_like_a_card_number_are_not_joined(text: str) -> None:
    assert mask_text(text) == text


@pytest.mark.parametrize("text", [FULL_WIDTH, ARABIC_INDIC])
def test_non_ascii_digits_are_recognised_and_masking_never_raises(text: str) -> None:
    masked = mask_text(f"pan {text}")
    assert card_numbers(masked) == []
    assert masked.count("*") == 6
    assert find_pans(text) == [TEST_PAN]


def test_non_ascii_digits_in_track_layouts_never_raise() -> None:
    # \d in a track pattern used to match these and hand them to mask_pan, which raised.
    track = f";{FULL_WIDTH}=２５１２２０１１１４３８７８０８９?"
    assert card_numbers(mask_text(track)) == []


def test_a_pan_glued_to_other_digits_loses_its_middle_whatever_the_run_length() -> None:
    for before, after in (("9", ""), ("", "12"), ("12345", "67"), ("13 ", "")):
        masked = mask_text(f"x {before}{TEST_PAN}{after} y")
        assert card_numbers(masked) == [], (before, after)
        assert "9001" not in masked, (before, after)  # the PAN's middle digits are hidden
        assert masked.startswith("x ") and masked.endswith(" y"), masked


def test_windows_found_in_linear_time_match_a_brute_force_count() -> None:
    import random

    from posdiag.cards import _luhn_windows, luhn_valid

    rng = random.Random(10)
    for _ in range(200):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 40)))
        fast = set(_luhn_windows([int(d) for d in digits]))
        slow = {(s, s + n) for n in range(13, 20) for s in range(len(digits) - n + 1)
                if digits[s] != "0" and luhn_valid(digits[s:s + n])}
        assert fast == slow, digits


def test_numbers_that_are_not_card_numbers_stay() -> None:
    text = ("amount 000000001000 terminal 52500017 time 2026-11-25T10:15:00 "
            "ip 10.0.0.5 version 1.2.3 receipt 0042 aid A0000000101030 "
            "bcd 04 00 00 00 00 10 10 30")  # zero-padded: no card number starts with 0
    assert mask_text(text) == text


def test_digit_runs_are_scanned_in_linear_time() -> None:
    # 200 000 digits in one run: blanked, and fast (no window-by-window Luhn sums).
    text = "1" * 200_000
    assert set(mask_text(text)) == {"*"}


# --- structures: every string, every key, every number -----------------------------------


def test_mask_data_masks_strings_keys_and_numbers_at_any_depth() -> None:
    doc = {
        "note": f"card {TEST_PAN}",
        "nested": [{"brand": "4761 7390 0101 0010"}, (1, 2, int(TEST_PAN))],
        f"key {TEST_PAN}": True,
        "float": float(TEST_PAN),
        "fine": 1234, "none": None, "flag": False,
    }
    masked = mask_data(doc)
    assert card_numbers(json.dumps(masked, ensure_ascii=False)) == []
    assert masked["fine"] == 1234 and masked["none"] is None and masked["flag"] is False
    assert masked["nested"][1][2] == "476173******0010"


def test_pan_paths_names_where_a_card_number_sits_without_showing_it() -> None:
    doc = {"a": {"b": ["ok", f"x{TEST_PAN}"]}, "seq": int(TEST_PAN), f"k{TEST_PAN}": 1}
    paths = pan_paths(doc)
    assert paths == ["$.a.b[1]", "$.seq", "$.<key 3>"]
    assert not any(TEST_PAN in p for p in paths)
    assert pan_paths({"a": "476173******0010"}) == []


def test_holds_pan() -> None:
    assert holds_pan(f"x {TEST_PAN}") and holds_pan("4761-7390-0101-0010")
    assert not holds_pan("476173******0010") and not holds_pan("2026-11-25T10:15:00")


# --- logging -----------------------------------------------------------------------------


@pytest.fixture
def masked_log() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskingFilter())
    logger = logging.getLogger("posdiag.test.guard")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_masking_filter_survives_non_ascii_digit_runs(masked_log) -> None:
    logger, stream = masked_log
    logger.warning("track ;%s=２５１２２０１１１４３８?", FULL_WIDTH)
    logger.warning("digits %s and %s", ARABIC_INDIC, "4761 7390 0101 0010")
    assert card_numbers(stream.getvalue()) == []
    assert stream.getvalue().count("\n") == 2


def test_masking_filter_never_raises_even_when_an_argument_does(masked_log) -> None:
    class Hostile:
        def __str__(self) -> str:
            raise RuntimeError(f"boom {TEST_PAN}")

    logger, stream = masked_log
    logger.warning("value %s", Hostile())
    assert card_numbers(stream.getvalue()) == []
    assert stream.getvalue().strip()  # a line still says something was logged


# --- properties against the independent scanner ------------------------------------------

SEPARATORS = [" ", "-", ".", "\u00a0", "\u3000", "\uff0d"]
DIGIT_FORMS = [lambda d: d, lambda d: chr(0xFF10 + int(d)), lambda d: chr(0x0660 + int(d))]


@st.composite
def disguised_pans(draw: st.DrawFn) -> str:
    body = draw(st.from_regex(r"[1-9][0-9]{11,17}", fullmatch=True))
    pan = body + luhn_check_digit(body)
    form = draw(st.sampled_from(DIGIT_FORMS))
    out = []
    for index, digit in enumerate(pan):
        if index and draw(st.integers(0, 3)) == 0:
            out.append(draw(st.sampled_from(SEPARATORS)))
        out.append(form(digit))
    return "".join(out)


filler = st.text(alphabet=st.sampled_from("0123456789 -.=;?^%abcXYZ\n\t\u00a0*"), max_size=30)


@settings(max_examples=300, deadline=None)  # time is not under test; CI machines are busy
@given(st.lists(st.one_of(filler, disguised_pans()), max_size=6))
def test_masked_text_holds_no_card_number_and_masking_is_stable(parts: list[str]) -> None:
    masked = mask_text("".join(parts))
    assert card_numbers(masked) == []
    assert mask_text(masked) == masked


@settings(deadline=None)
@given(st.text())
def test_text_without_a_thirteen_digit_run_is_unchanged(text: str) -> None:
    # The independent scanner finds no run of 13+ digits: then nothing may change.
    runs = __import__("pan_scan").digit_runs(text)
    if not any(sum(len(group) for group in run) >= 13 for run in runs):
        assert mask_text(text) == text


@settings(deadline=None)
@given(st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
              st.text(), disguised_pans()),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.one_of(st.text(), disguised_pans()),
                                               children, max_size=4)),
    max_leaves=12))
def test_mask_data_leaves_no_card_number_anywhere(doc: object) -> None:
    masked = mask_data(doc)
    assert card_numbers(json.dumps(masked, ensure_ascii=False)) == []
    assert pan_paths(masked) == []


def test_a_digest_posdiag_computed_is_left_exact() -> None:
    from posdiag.cards import Digest

    # A SHA-256 (hex) that holds a Luhn-valid window, as about one in a few hundred does.
    value = "476173900101001" + "0" + "ab" * 24
    assert holds_pan(value, strict=True)  # a journal field never holds such a thing
    digest = Digest(value)
    assert mask_text(digest) == value and mask_data({"sha256": digest}) == {"sha256": value}
    assert pan_paths({"sha256": digest}) == []
    with pytest.raises(ValueError):
        Digest(f"card {TEST_PAN}")


def test_a_digest_read_back_or_quoted_in_text_stays_the_reference_it_is() -> None:
    """A case's hash chain, a record's plan SHA-256, a manifest hash shown by verify: read
    back from JSON or printed in a sentence, a digest must stay exact or it names nothing."""
    from posdiag.cards import is_digest

    value = "476173900101001" + "0" + "ab" * 24
    assert is_digest(value) and not holds_pan(value)
    assert mask_data(json.loads(json.dumps({"sha256": value}))) == {"sha256": value}
    assert mask_text(f"manifest SHA-256 {value}, generation 3.") == (
        f"manifest SHA-256 {value}, generation 3.")
    for length in (32, 40, 128):
        other = ("4761739001010010" + "c" * 128)[:length]
        assert is_digest(other) and mask_text(other) == other


@pytest.mark.parametrize("shape", [
    "476173900101001" + "0" + "AB" * 24,            # upper case: not how posdiag writes one
    "4761739001010010" + "0" * 16,                  # no letter: a 32-digit number
    "g" + "4761739001010010" + "ab" * 24,           # glued to a letter: part of a longer word
    "4761739001010010" + "ab" * 23,                 # 62 characters: no digest is that long
    "4761739001010010" + "ab" * 24 + "1",           # 65: a digit glued after it
])
def test_only_a_whole_standalone_lower_case_digest_is_exempt(shape: str) -> None:
    masked = mask_text(shape)
    assert "4761739001010010" not in masked and card_numbers(masked) == []


def test_a_test_record_keeps_its_plan_digest_exact() -> None:
    from pathlib import Path

    from posdiag.cards import Digest
    from posdiag.plan.loader import load_plan

    plan = load_plan(Path(__file__).parents[2] / "testplans" / "quick.toml")
    assert isinstance(plan.sha256, Digest)


def test_the_test_helper_passes_digests_but_not_card_numbers_next_to_them() -> None:
    from posdiag.cards import assert_no_pans

    digest = "476173900101001" + "0" + "ab" * 24
    assert assert_no_pans(f"made from data with SHA-256 {digest}; ref=x") == []
    with pytest.raises(AssertionError):
        assert_no_pans(f"{digest} card {TEST_PAN}")
    with pytest.raises(AssertionError):
        assert_no_pans("0" * 16 + TEST_PAN + "0" * 32)  # all digits: no digest


# --- the groupings at their edges (issue 10: mutants of cards.py that lived) -----------------


@pytest.mark.parametrize(("text", "pan"), [
    ("6799 9902 0000 0001 114", "6799990200000001114"),  # 4-4-4-4-3: a 19-digit Maestro
    ("3607 0500 0013 76", "36070500001376"),  # 4-4-4-2: a 14-digit Diners number
    ("4012 3456 7890 9", "4012345678909"),  # 4-4-4-1: a 13-digit Visa
])
def test_fours_with_a_shorter_last_group_are_one_number(text: str, pan: str) -> None:
    assert find_pans(f"card {text} ok") == [pan]
    assert pan[6:-4] not in mask_text(text).replace(" ", "")


def test_an_amex_grouping_is_found_wherever_it_sits_in_a_run() -> None:
    # "No. 1 3742 454554 00001": the 4-6-5 triple starts at the run's second group.
    assert find_pans("No. 1 3742 454554 00001") == ["374245455400001"]
    assert find_pans("ref 12-3742-454554-00001") == ["374245455400001"]
    assert find_pans("Diners 3607 050000 1376") == ["36070500001376"]  # 4-6-4
    # Followed by another group, the triple is still the number, and only the triple.
    assert find_pans("card 3742 454554 00001 1 of 2") == ["374245455400001"]


def test_fours_after_a_group_of_another_size_are_read_from_their_first_group() -> None:
    assert find_pans("No. 123 4761 7390 0101 0010") == ["4761739001010010"]


def test_fours_take_one_shorter_group_after_them_not_more() -> None:
    # "2 items" after a 4-4-4-1 Visa number is not part of it.
    assert find_pans("card 4012 3456 7890 9 2 items") == ["4012345678909"]


def test_a_pair_of_digits_is_not_joined_to_a_long_group_after_it() -> None:
    # Ones and twos join each other (BCD bytes), not the group that follows them: "12" and
    # eleven digits are two numbers, even when the thirteen together pass the Luhn check.
    text = "ref 12 34567890128"
    assert find_pans(text) == [] and mask_text(text) == text


@pytest.mark.parametrize(("text", "start"), [
    ("", 0), ("no digits", 9), ("card 4761 7390", 5), ("4761", 0), ("4761 ", 0),
    ("total 12,50", 9), ("4761 7390 x", 11),
])
def test_a_cut_keeps_a_run_that_may_go_on_whole(text: str, start: int) -> None:
    # Writers cut held text where a run at its end begins: that run may continue in the
    # next piece, so it is kept back whole; a separator after it keeps it open too.
    assert trailing_run_start(text) == start


def test_mask_data_masks_any_other_object_by_its_text_and_keeps_it_when_clean() -> None:
    # A path, a decimal or an exception in a document: kept as it is when its text holds no
    # card number, replaced by that text masked when it does.
    from decimal import Decimal
    from pathlib import PurePosixPath

    leaky = PurePosixPath("/stick/4761739001010010.txt")
    assert mask_data(leaky) == "/stick/476173******0010.txt"
    clean = PurePosixPath("/stick/case-2026-11-30/receipt-0042.txt")
    assert mask_data(clean) is clean
    amount = Decimal("12.50")
    assert mask_data([amount]) == [amount] and isinstance(mask_data(amount), Decimal)


def test_numbers_without_a_card_number_stay_numbers() -> None:
    doc = {"amount": 1250, "rate": 0.5, "receipt": 42, "ok": True, "none": None}
    masked = mask_data(doc)
    assert masked == doc and type(masked["amount"]) is int and type(masked["rate"]) is float


def test_track_one_in_an_object_is_withheld_too() -> None:
    # An exception in a document whose text is a whole track 1 (it starts with %B).
    error = ValueError("%B4761739001010010^CARDHOLDER/TEST^25121010000000000000?")
    masked = mask_data(error)
    assert isinstance(masked, str) and "4761739001010010" not in masked
    assert "track data withheld" in masked


def test_find_pans_reads_text_as_masking_does_a_digest_is_no_card_number() -> None:
    digest = "4761739001010010" + "a" * 48  # a SHA-256 in shape, with a Luhn-valid run
    assert find_pans(f"manifest {digest}") == []
    assert mask_text(f"manifest {digest}") == f"manifest {digest}"


def test_a_digest_posdiag_computed_is_left_exact_whatever_its_length() -> None:
    from posdiag.cards import Digest

    odd = Digest("4761739001010010" + "a" * 32)  # 48 hex digits: no standard digest shape
    assert mask_text(odd) == odd
    assert mask_text(str(odd)) != str(odd)  # the same text read from outside is masked


def test_a_long_run_of_grouped_card_numbers_is_masked_without_fail() -> None:
    # A table of 80 card numbers in fours, one run of 320 groups.
    # Read as one stretch of fours, so windows across two numbers hide more (over-masking is
    # the safe failure); however many groups, masking never raises and leaves no number.
    text = " ".join(["4761 7390 0101 0010"] * 80)
    masked = mask_text(text)
    assert len(masked) == len(text) and masked.startswith("4761 73** ****")
    assert find_pans(masked) == [] and not holds_pan(masked)


def test_bcd_bytes_after_a_longer_group_are_read_from_their_first_byte() -> None:
    # A hex dump line: a three-digit offset, then the card number's BCD bytes.
    text = "offset 010 47 61 73 90 01 01 00 10"
    assert find_pans(text) == ["4761739001010010"]
    assert mask_text(text) == "offset 010 47 61 73 ** ** ** 00 10"


def test_find_pans_lists_no_number_starting_with_zero_yet_masking_hides_the_one_inside() -> None:
    # 0004761739001010010 passes the Luhn check (leading zeros add nothing), but no card
    # number starts with 0; the card number inside it is still masked.
    assert find_pans("ref 0004761739001010010") == []
    assert mask_text("ref 0004761739001010010") == "ref 000476173******0010"


def test_a_long_hex_dump_is_masked_without_fail() -> None:
    # 320 BCD bytes in one run: 40 card numbers, masked as one stretch (over-masking is
    # the safe failure), never an exception.
    text = " ".join(["47 61 73 90 01 01 00 10"] * 40)
    masked = mask_text(text)
    assert len(masked) == len(text) and masked.startswith("47 61 73 **")
    assert find_pans(masked) == [] and not holds_pan(masked)
