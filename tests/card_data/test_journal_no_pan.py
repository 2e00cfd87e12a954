"""The journal sanitiser holds no card number in any field, whatever the field is called.

Each line below was accepted before (issue 10, item 1) or is a variant an attacker would try
next. All numbers are published test PANs (test material, not real cards).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pan_scan import TEST_PAN, card_numbers

from posdiag.cards import luhn_check_digit
from posdiag.errors import ProtocolError
from posdiag.journal import parse_record

CLEAN = {"v": 1, "seq": 1, "receipt": 1, "trace": 1, "type": "payment", "result": 0,
         "amount": 1234, "currency": 978, "card_type": 10, "brand": "VISA",
         "pan": "476173******0010", "aid": "A0000000031010", "auth": "123456",
         "time": "2026-11-25T10:15:00", "tid": "52500001"}


def line(**changes: object) -> bytes:
    return json.dumps({**CLEAN, **changes}).encode() + b"\n"


HOSTILE = {
    "aid holds a PAN after the RID letter": line(aid="A" + TEST_PAN),
    "aid is a D-RID plus a PAN": line(aid="D" + TEST_PAN + "0"),
    "aid pads a PAN with an F nibble": line(aid="A" + TEST_PAN + "F"),
    "aid splits a PAN with E nibbles": line(aid="A4761E7390E0101E0010"),
    "aid splits a PAN with D nibbles": line(aid="A4761D73900101D0010"),
    "brand holds a grouped PAN": line(brand="4761 7390 0101 0010"),
    "brand holds a dashed PAN": line(brand="VISA 4761-7390-0101-0010"),
    "brand holds a dotted PAN": line(brand="4761.7390.0101.0010"),
    "brand holds a slashed PAN": line(brand="4761/7390/0101/0010"),
    "brand holds a PAN joined by plus signs": line(brand="4761+7390+0101+0010"),
    "brand glues a digit before the PAN": line(brand="9" + TEST_PAN),
    "seq is a PAN": line(seq=int(TEST_PAN)),
    "brand ends in half a PAN, the masked PAN starts with the rest": line(
        brand="VISA47617390", pan="01010010****"),
}


@pytest.mark.parametrize("raw", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_record_holding_a_card_number_in_any_field_is_refused(raw: bytes) -> None:
    with pytest.raises(ProtocolError) as info:
        parse_record(raw)
    assert card_numbers(str(info.value)) == []  # the message never repeats it


# EMV AIDs of the main schemes (EMVCo / scheme registrations): a real journal must pass.
REAL_AIDS = ["A0000000031010", "A0000000032010", "A0000000033010", "A0000000041010",
             "A0000000043060", "A0000000042203", "A0000000651010", "A0000001523010",
             "A000000025010801", "A0000000250000", "A0000003330101", "A000000333010101",
             "A000000333010102", "A0000003591010", "D27600002547410", "A0000000980840",
             "A0000001524010", "A0000000101030", "A0000000291010", "A0000000046000"]


@pytest.mark.parametrize("aid", REAL_AIDS)
def test_real_scheme_aids_pass(aid: str) -> None:
    assert parse_record(line(aid=aid)).aid == aid


@pytest.mark.parametrize("brand", ["VISA", "girocard", "Mastercard", "V PAY", "Diners Club",
                                   "American Express", "EC-Cash", "Maestro", "JCB"])
def test_real_brand_names_pass(brand: str) -> None:
    assert parse_record(line(brand=brand)).brand == brand


@settings(deadline=None)
@given(body=st.text(alphabet="0123456789", min_size=12, max_size=18),
       field=st.sampled_from(["brand", "aid", "auth"]),
       prefix=st.sampled_from(["", "A", "D", "VISA ", "9"]))
def test_no_field_ever_holds_a_luhn_valid_run(body: str, field: str, prefix: str) -> None:
    raw = line(**{field: prefix + body + luhn_check_digit(body)})
    try:
        record = parse_record(raw)
    except ProtocolError:
        return
    assert card_numbers(json.dumps([getattr(record, f) for f in CLEAN])) == []
