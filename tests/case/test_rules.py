"""The rules a case lives by, as tables and properties: states and steps, warranty dates,
case IDs, fault categories, profiles, and the JSON round trip of the model."""

import itertools
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posdiag.case import states
from posdiag.case.categories import CATEGORY_KEYS, FAULT_CATEGORIES, category
from posdiag.case.codec import from_json, to_json
from posdiag.case.ids import claim_case_folder, is_case_id, terminal_key
from posdiag.case.model import (
    Action,
    Case,
    Fault,
    Merchant,
    Party,
    Technician,
    TerminalInfo,
    Warranty,
)
from posdiag.case.profiles import Addressees, load_kit_profile, load_merchant_profile
from posdiag.case.warranty import add_months, judge_warranty
from posdiag.errors import BadInput, IllegalTransition, PlanError
from posdiag.i18n import use_language

# --- states --------------------------------------------------------------------------------

STORY = [states.OPEN, states.BACKED_UP, states.REQUESTED, states.REPLACEMENT_TESTING,
         states.ACCEPTED, states.CLOSED]


def test_the_story_is_a_sequence_of_steps():
    for before, after in itertools.pairwise(STORY):
        step = states.check_step(before, after)
        assert not step.forced


@pytest.mark.parametrize(("before", "after", "words"), [
    (states.OPEN, states.REQUESTED, "add --force and --reason"),
    (states.REQUESTED, states.OPEN, "cannot go back"),
    (states.CLOSED, states.OPEN, "closed"),
    (states.ACCEPTED, states.REJECTED, "cannot go back"),
])
def test_a_skipped_or_backward_step_is_refused(before, after, words):
    with pytest.raises(IllegalTransition, match=words):
        states.check_step(before, after)


def test_a_forced_skip_needs_a_reason_and_records_it():
    with pytest.raises(IllegalTransition, match="--reason"):
        states.check_step(states.OPEN, states.REQUESTED, force=True)
    step = states.check_step(states.OPEN, states.REQUESTED, force=True, reason=" no stick ")
    assert step.forced and step.reason == "no stick"


@given(st.sampled_from(states.STATES), st.sampled_from(states.STATES), st.booleans())
def test_every_pair_of_states_is_a_step_or_a_clear_refusal(before, after, force):
    try:
        step = states.check_step(before, after, force=force, reason="why")
    except IllegalTransition as err:
        assert str(err).endswith(".")
        assert not states.is_step(before, after)
        return
    assert step.forced == (not states.is_step(before, after))
    assert before != states.CLOSED


def test_every_state_has_both_labels():
    for state in states.STATES:
        with use_language("zh_CN"):
            chinese = states.state_label(state)
        assert chinese != state and states.state_label(state)


# --- fault categories -----------------------------------------------------------------------


def test_the_fault_list_is_the_documented_one():
    assert CATEGORY_KEYS == ("no-power", "display", "card-reader", "pin-pad", "printer",
                             "communication", "tamper", "keys", "other")
    assert all(c.en and c.zh for c in FAULT_CATEGORIES)
    with use_language("zh-CN"):
        assert category("printer").label() == "打印机故障"
    assert category("printer").label() == "Printer fault"
    with pytest.raises(BadInput, match="no-power, display"):
        category("broken")


# --- warranty -------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "months", "end"), [
    (date(2025, 1, 31), 1, date(2025, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2025, 3, 1), 12, date(2026, 3, 1)),
    (date(2025, 11, 15), 3, date(2026, 2, 15)),
])
def test_months_are_added_as_calendars_do(start, months, end):
    assert add_months(start, months) == end


MAKER = Party("manufacturer", name="EMU Terminals Ltd.")
PROVIDER = Party("service-provider", name="POS Service Co.")


@pytest.mark.parametrize(("judged", "in_warranty", "role", "fee"), [
    (date(2026, 2, 28), True, "manufacturer", False),  # the last day covered
    (date(2026, 3, 1), False, "service-provider", True),  # the first day not
])
def test_warranty_decides_addressee_and_fee(judged, in_warranty, role, fee):
    warranty = judge_warranty(judged, start=date(2025, 3, 1), start_kind="purchase", months=12,
                              addressees=Addressees(MAKER, PROVIDER))
    assert (warranty.in_warranty, warranty.addressee.role, warranty.repair_fee) == (
        in_warranty, role, fee)
    assert warranty.until == "2026-02-28"


def test_without_a_date_there_is_no_proof_of_warranty():
    warranty = judge_warranty(date(2026, 1, 1), start=None, start_kind="", months=None,
                              addressees=Addressees(MAKER, PROVIDER, repair_fee=False))
    assert not warranty.in_warranty and warranty.basis == "no-date"
    assert warranty.addressee == PROVIDER and warranty.repair_fee is False


# --- case IDs -------------------------------------------------------------------------------


def test_case_ids_count_up_per_day_and_terminal(tmp_path):
    day = date(2026, 11, 30)
    first, _ = claim_case_folder(tmp_path, day, "52500001")
    second, _ = claim_case_folder(tmp_path, day, "52500001")
    other, _ = claim_case_folder(tmp_path, day, "EMU0000001")
    assert (first, second, other) == ("2026-1130-52500001-01", "2026-1130-52500001-02",
                                      "2026-1130-EMU0000001-01")
    assert all(is_case_id(i) for i in (first, second, other))


def test_the_terminal_key_is_tid_else_serial_in_safe_characters():
    assert terminal_key("52500001", "X") == "52500001"
    assert terminal_key("", "SN 12/34-5") == "SN12345"
    with pytest.raises(BadInput):
        terminal_key("", " / ")


# --- profiles -------------------------------------------------------------------------------


def test_a_merchant_profile_with_a_typo_names_the_key(tmp_path):
    path = tmp_path / "shop.toml"
    path.write_text('[merchant]\nname = "Shop"\nnumbr = "1"\n', encoding="utf-8")
    with pytest.raises(PlanError, match="unknown key 'numbr' in \\[merchant\\]"):
        load_merchant_profile(path)
    path.write_text('[merchant]\nname = "Shop"\n[terminal]\npurchased = "last year"\n')
    with pytest.raises(PlanError, match="must be a date"):
        load_merchant_profile(path)


def test_profiles_carry_merchant_addressees_and_technician(tmp_path):
    shop = tmp_path / "shop.toml"
    shop.write_text('[merchant]\nname = "Shop"\nnumber = 898310048990001\n'
                    '[terminal]\ninstalled = 2025-06-01\n'
                    '[service-provider]\nname = "Fix It"\nrepair-fee = false\n',
                    encoding="utf-8")
    profile = load_merchant_profile(shop)
    assert profile.merchant.merchant_number == "898310048990001"
    assert profile.installed == date(2025, 6, 1)
    assert profile.addressees.service_provider.name == "Fix It"
    assert profile.addressees.repair_fee is False
    kit = tmp_path / "profile.toml"
    kit.write_text('[technician]\nname = "Li Wei"\nid = "T-42"\n[cases]\nroot = "cases"\n',
                   encoding="utf-8")
    loaded = load_kit_profile(kit)
    assert loaded.technician.name == "Li Wei" and loaded.cases_root == tmp_path / "cases"
    assert load_kit_profile(config_dir=tmp_path / "none").path == ""


# --- the model as JSON ----------------------------------------------------------------------

texts = st.text(max_size=20)


@given(texts, texts, st.sampled_from(CATEGORY_KEYS), st.none() | st.integers(0, 999),
       st.booleans())
def test_a_case_survives_the_json_round_trip(name, serial, fault, currency, in_warranty):
    case = Case(
        case_id="2026-1130-52500001-01", state="open", opened="2026-11-30T10:00:00Z",
        technician=Technician(name),
        merchant=Merchant(name=name), old_terminal=TerminalInfo("read", serial_number=serial,
                                                                currency=currency),
        fault=Fault(fault, description=name),
        warranty=Warranty(in_warranty, "dates", "2026-11-30", MAKER, not in_warranty),
        actions=(Action(1, "2026-11-30T10:00:00Z", "kit", name, "opened", "", "open",
                        details={"nested": {"list": [1, "two", None]}}),))
    assert from_json(Case, to_json(case)) == case


@pytest.mark.parametrize(("change", "words"), [
    (lambda d: d.pop("fault"), "field 'fault' is missing"),
    (lambda d: d.update(colour="red"), "unknown field 'colour'"),
    (lambda d: d["old_terminal"].update(currency="978"), "old_terminal.currency"),
    (lambda d: d.update(actions={}), "actions: expected a list"),
])
def test_a_damaged_case_is_named_by_its_path(change, words):
    case = Case("id", "open", "t", Technician(),
                Merchant("m"), TerminalInfo("hand"), Fault("other"),
                Warranty(False, "no-date", "d", PROVIDER, True))
    data = to_json(case)
    change(data)
    with pytest.raises(ValueError, match=words):
        from_json(Case, data)


# --- card data ------------------------------------------------------------------------------

VISA_TEST = "4761739001010010"  # the public Visa TEST card of testplans/cards.toml


@given(st.text(alphabet="0123456789abcdef", min_size=64, max_size=64))
def test_a_digest_is_never_masked_whatever_digits_it_holds(digest):
    from posdiag.case.carddata import holds_card_data, scrub

    assert scrub({"sha256": digest}) == {"sha256": digest}
    assert not holds_card_data([digest])


def test_a_card_number_anywhere_else_is_masked_and_found():
    from posdiag.case.carddata import holds_card_data, scrub

    digest = VISA_TEST + "ab" * 24  # a hash whose first 16 digits happen to be a Visa number
    assert scrub([digest, f"card {VISA_TEST}"]) == [digest, "card 476173******0010"]
    assert holds_card_data({"note": f"card {VISA_TEST}"})
    assert holds_card_data({f"{VISA_TEST}": 1})
    assert holds_card_data({"track": f";{VISA_TEST}=30121011234567890?"})
    assert not holds_card_data({"note": "card 476173******0010", "id": digest})
