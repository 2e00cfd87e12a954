"""The merchant-journal record format (docs/journal.md): known answers, rejections, properties."""

from __future__ import annotations

import contextlib
import dataclasses

import pytest
from backup_fakes import make_journal, make_records
from hypothesis import given, settings
from hypothesis import strategies as st

from posdiag.devices import BrandTotal
from posdiag.errors import ProtocolError
from posdiag.journal import (
    BRAND_ORDER,
    JournalParser,
    JournalRecord,
    encode_record,
    iter_records,
    parse_record,
    totals_from_records,
)

# The example line of the journal format (task brief / docs/journal.md); masked test PAN.
EXAMPLE_LINE = (
    b'{"v":1,"seq":1,"receipt":1,"trace":1,"type":"payment","result":0,"amount":1234,'
    b'"currency":978,"card_type":10,"brand":"VISA","pan":"476173******0010",'
    b'"aid":"A0000000031010","auth":"123456","time":"2026-11-25T10:15:00","tid":"52500001"}\n'
)
EXAMPLE = JournalRecord(seq=1, receipt=1, trace=1, type="payment", result=0, amount=1234,
                        currency=978, time="2026-11-25T10:15:00", tid="52500001", card_type=10,
                        brand="VISA", pan="476173******0010", aid="A0000000031010",
                        auth="123456")


def test_example_record_encodes_to_the_documented_line() -> None:
    assert encode_record(EXAMPLE) == EXAMPLE_LINE


def test_example_line_parses_to_the_record() -> None:
    assert parse_record(EXAMPLE_LINE) == EXAMPLE


def test_reversal_carries_the_original_receipt_after_trace() -> None:
    reversal = dataclasses.replace(EXAMPLE, seq=2, type="reversal", orig_receipt=1)
    line = encode_record(reversal)
    assert b'"trace":1,"orig_receipt":1,"type":"reversal"' in line
    assert parse_record(line) == reversal


def _line_with(**changes: object) -> bytes:
    import json

    obj = json.loads(EXAMPLE_LINE)
    obj.update(changes)
    return json.dumps(obj).encode() + b"\n"


# 4761739001010010 is the Visa test card whose masked form is in EXAMPLE (Luhn-valid, test only).
@pytest.mark.parametrize("line, message", [
    (_line_with(pan="4761739001010010"), "unmasked card number"),
    (_line_with(track2="4761739001010010=2512"), "sensitive authentication data"),
    (_line_with(track1="B4761739001010010^TEST/CARD^2512"), "sensitive authentication data"),
    (_line_with(cvv="123"), "sensitive authentication data"),
    (_line_with(pin_block="0412AC89ABCDEF67"), "sensitive authentication data"),
    (_line_with(brand="VISA 4761739001010010"), "card number"),
    (_line_with(note="hello"), "unknown field"),
    (_line_with(pan="4761739001******"), "'pan'"),
    (_line_with(type="sale"), "'type'"),
    (_line_with(result=5), "'result'"),  # a payment must be approved
    (_line_with(amount=-1), "'amount'"),
    (_line_with(amount=True), "'amount'"),
    (_line_with(v=2), "version"),
    (_line_with(v=0), "version"),
    (b'{"v":1,"v":1}\n', "not valid JSON"),
    (b'[1,2]\n', "not a JSON object"),
    (b'{"v":NaN}\n', "not valid JSON"),
    (b'\xff\xfe\n', "not valid JSON"),
])
def test_parser_rejects_records_that_are_not_clean(line: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message) as caught:
        parse_record(line, offset=7)
    assert "4761739001010010" not in str(caught.value)  # the error never echoes a PAN


def test_a_pan_of_twelve_plain_digits_or_more_is_named_an_unmasked_card_number() -> None:
    # docs/journal.md: 12 or more plain digits are a full card number; fewer are a bad pan.
    for pan in ("476173900101", "4761739001010010", "4761739001010010123"):
        with pytest.raises(ProtocolError, match="unmasked card number"):
            parse_record(_line_with(pan=pan))
    with pytest.raises(ProtocolError, match="bad 'pan'") as caught:
        parse_record(_line_with(pan="47617390010"))
    assert "unmasked" not in str(caught.value)


def test_encoder_refuses_an_unmasked_pan() -> None:
    with pytest.raises(ProtocolError, match="unmasked"):
        encode_record(dataclasses.replace(EXAMPLE, pan="4761739001010010"))


def test_stream_parser_gives_offsets_and_accepts_any_split() -> None:
    journal, records = make_journal(20)
    expected_offsets = []
    offset = 0
    for record in records:
        expected_offsets.append(offset)
        offset += len(encode_record(record))
    for split in (1, 7, 64, 333, len(journal)):
        chunks = [journal[i:i + split] for i in range(0, len(journal), split)]
        parsed = list(iter_records(chunks))
        assert [p.record for p in parsed] == records
        assert [p.offset for p in parsed] == expected_offsets
        assert b"".join(p.raw for p in parsed) == journal


def test_stream_parser_rejects_a_journal_cut_inside_a_record() -> None:
    journal, _ = make_journal(3)
    with pytest.raises(ProtocolError, match="ends inside a record"):
        list(iter_records([journal[:-5]]))


def test_stream_parser_rejects_repeated_or_backward_sequence_numbers() -> None:
    line = encode_record(EXAMPLE)
    with pytest.raises(ProtocolError, match="sequence number"):
        list(iter_records([line + line]))
    with pytest.raises(ProtocolError, match="sequence number"):
        JournalParser(last_seq=5).feed(line)


def test_stream_parser_memory_is_bounded_by_the_line_limit() -> None:
    parser = JournalParser()
    with pytest.raises(ProtocolError, match="longer than"):
        parser.feed(b"{" + b" " * 5000)


# --- totals (ZVT BMP 60 order, brief §4.4) -----------------------------------------------------


def test_totals_follow_bmp60_order_and_count_each_type_as_documented() -> None:
    pay = dataclasses.replace(EXAMPLE)  # VISA 12.34
    giro = dataclasses.replace(EXAMPLE, seq=2, receipt=2, card_type=5, brand="girocard",
                               amount=1000)
    refund = dataclasses.replace(EXAMPLE, seq=3, receipt=3, type="refund", amount=200)
    reversal = dataclasses.replace(giro, seq=4, receipt=4, type="reversal", orig_receipt=2)
    decline = dataclasses.replace(EXAMPLE, seq=5, receipt=5, type="decline", result=0x05,
                                  amount=99_999)
    other_currency = dataclasses.replace(EXAMPLE, seq=6, receipt=6, currency=840)
    totals = totals_from_records([pay, giro, refund, reversal, decline, other_currency], 978)
    assert [b.brand for b in totals.brands] == list(BRAND_ORDER)
    by_brand = {b.brand: b for b in totals.brands}
    assert by_brand["VISA"] == BrandTotal("VISA", 2, 1234 - 200)
    assert by_brand["girocard"] == BrandTotal("girocard", 0, 0)
    assert totals.amount == 1034
    assert totals.count == 2
    assert (totals.receipt_from, totals.receipt_to) == (1, 4)


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_raise_only_protocol_error(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        list(iter_records([data]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=20), st.integers(0, 40))
def test_random_chunks_around_valid_records_raise_only_protocol_error(
        junk: list[bytes], count: int) -> None:
    journal, _ = make_journal(count)
    with contextlib.suppress(ProtocolError):
        list(iter_records([journal, *junk]))


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 60), st.integers(0, 2**32), st.lists(st.integers(1, 500), min_size=1))
def test_any_chunking_round_trips(count: int, seed: int, sizes: list[int]) -> None:
    records = make_records(count, seed)
    journal = b"".join(encode_record(r) for r in records)
    chunks, i, k = [], 0, 0
    while i < len(journal):
        size = sizes[k % len(sizes)]
        chunks.append(journal[i:i + size])
        i, k = i + size, k + 1
    assert [p.record for p in iter_records(chunks)] == records


# --- every field's range, at both ends (docs/journal.md's table; issue 10 mutation testing) ---


def _parses(**changes: object) -> bool:
    try:
        parse_record(_line_with(**changes))
    except ProtocolError:
        return False
    return True


# (field, lowest, highest, other fields the record needs for that field to count)
INT_RANGES = [
    ("seq", 1, 999_999_999_999, {}),
    ("receipt", 0, 9999, {}),
    ("trace", 0, 999_999, {}),
    ("orig_receipt", 0, 9999, {"type": "reversal"}),
    ("result", 1, 255, {"type": "decline"}),
    ("amount", 0, 999_999_999_999, {}),
    ("currency", 0, 999, {}),
    ("card_type", 0, 0xFFFF, {}),
]


@pytest.mark.parametrize(("field", "low", "high", "context"), INT_RANGES,
                         ids=[r[0] for r in INT_RANGES])
def test_each_number_field_takes_exactly_its_documented_range(field, low, high,
                                                              context) -> None:
    assert _parses(**context, **{field: low}) and _parses(**context, **{field: high})
    assert not _parses(**context, **{field: low - 1})
    assert not _parses(**context, **{field: high + 1})
    assert not _parses(**context, **{field: str(low)})  # a number, not its text
    assert not _parses(**context, **{field: float(low)})
    assert not _parses(**context, **{field: True})


def test_optional_fields_may_be_null_and_required_ones_may_not() -> None:
    for field in ("card_type", "brand", "pan", "aid", "auth"):
        assert _parses(**{field: None}), field
    assert _parses(type="reversal", orig_receipt=None)
    for field in ("seq", "receipt", "trace", "result", "amount", "currency", "time", "tid",
                  "type"):
        assert not _parses(**{field: None}), field


def test_only_a_decline_has_a_non_zero_result_and_only_a_reversal_an_original() -> None:
    assert _parses(type="decline", result=5) and not _parses(type="decline", result=0)
    assert not _parses(type="decline", result=-1)
    for kind in ("payment", "refund", "reversal"):
        assert _parses(type=kind, result=0) and not _parses(type=kind, result=5)
    assert not _parses(type="payment", orig_receipt=1)
    assert not _parses(type="refund", orig_receipt=1)


@pytest.mark.parametrize(("field", "good", "bad"), [
    ("brand", ["A" * 32, "V PAY", "Carte 1234", "A.&/+'-b"], ["A" * 33, "", "Carte 12345",
                                                              "VISA\n", "VISA;"]),
    ("auth", ["", "12345678", "AB 12"], ["123456789", "ab12", "12-34"]),
    ("aid", ["A0000000031010", "D2760000254541", "A000000003"],
     ["B0000000031010", "a0000000031010", "A00000000", "A" + "0" * 32]),
    ("tid", ["52500001", "00000000"], ["5250000", "525000011", "5250000A"]),
    ("time", ["2026-11-25T10:15:00"], ["2026-11-25 10:15:00", "2026-11-25T10:15",
                                        "2026-11-25T10:15:00Z"]),
    ("pan", ["476173******0010", "47617390****0010", "*" * 12, "4761" + "*" * 11 + "0010",
             "*" * 8 + "0010"],
     ["*" * 7 + "0010", "4761" + "*" * 12 + "0010", "4761739001******", "476173-*****0010",
      "476173******00101"]),
])  # fmt: skip
def test_each_text_field_takes_exactly_its_documented_form(field, good, bad) -> None:
    for value in good:
        assert _parses(**{field: value}), (field, value)
    for value in bad:
        assert not _parses(**{field: value}), (field, value)


@pytest.mark.parametrize("limit", [2048, 301])  # the default, and an odd one given
def test_a_line_may_be_as_long_as_the_limit_and_not_a_byte_longer(limit: int) -> None:
    line = encode_record(EXAMPLE)
    padded = line[:-2] + b" " * (limit + 1 - len(line)) + b"}\n"  # JSON whitespace
    assert len(padded) == limit + 1  # the limit counts the bytes before "\n"
    assert [p.raw for p in JournalParser(max_line=limit).feed(padded)] == [padded]
    longer = padded[:-2] + b" }\n"
    with pytest.raises(ProtocolError, match=f"longer than {limit}"):
        JournalParser(max_line=limit).feed(longer)
    # Held back as a partial record: the limit holds before the line ends too.
    parser = JournalParser(max_line=limit)
    assert parser.feed(padded[:-1]) == [] and parser.pending == padded[:-1]
    with pytest.raises(ProtocolError, match=f"longer than {limit}"):
        JournalParser(max_line=limit).feed(longer[:-1])


def test_the_parser_offset_is_always_a_record_boundary() -> None:
    assert JournalParser().offset == 0  # a journal read from its start
    journal, _ = make_journal(3)
    first = journal.index(b"\n") + 1
    parser = JournalParser(start_offset=500)
    assert parser.offset == 500
    parser.feed(journal[:first + 10])  # one record and the start of the next
    assert parser.offset == 500 + first and parser.pending == journal[first:first + 10]
    assert parser.last_seq == 1


def test_records_read_from_a_journal_count_by_their_type() -> None:
    # Strings read from JSON are new objects: the tally compares them by value.
    lines = [_line_with(seq=1, receipt=1), _line_with(seq=2, receipt=2, type="decline",
                                                       result=5),
             _line_with(seq=3, receipt=3, type="refund", amount=200)]
    records = [p.record for p in iter_records(lines)]
    assert [r.type for r in records] == ["payment", "decline", "refund"]
    totals = totals_from_records(records, 978)
    assert (totals.count, totals.amount) == (2, 1234 - 200)


def test_a_line_parses_with_or_without_its_newline() -> None:
    assert parse_record(EXAMPLE_LINE) == parse_record(EXAMPLE_LINE[:-1]) == EXAMPLE


# --- the BMP 60 buckets and the incremental tally (docs/journal.md, "Totals from records") ---


@pytest.mark.parametrize(("card_type", "bucket"), [
    (5, "girocard"), (14, "JCB"), (6, "Mastercard"), (8, "Amex"), (10, "VISA"), (11, "VISA"),
    (13, "VISA"), (12, "Diners"), (46, "others"), (30, "others"), (0, "others"),
])  # fmt: skip
def test_the_card_type_decides_the_bucket_whatever_the_name(card_type, bucket) -> None:
    from posdiag.journal import brand_bucket

    assert brand_bucket(card_type, "VISA") == bucket
    assert brand_bucket(card_type) == bucket


@pytest.mark.parametrize(("brand", "bucket"), [
    ("Eurocard", "Mastercard"), (" MasterCard ", "Mastercard"), ("American Express", "Amex"),
    ("ec-Karte", "others"), ("EC", "girocard"), ("Diners Club", "Diners"), ("V PAY", "others"),
    ("Remaining cards", "others"), (None, "others"), ("", "others"), ("visa", "VISA"),
])  # fmt: skip
def test_without_a_card_type_the_name_decides(brand, bucket) -> None:
    from posdiag.journal import brand_bucket

    assert brand_bucket(None, brand) == bucket


def test_a_tally_adds_up_in_pieces_as_in_one_go_and_keeps_the_receipt_range() -> None:
    from posdiag.journal import TurnoverTally

    records = make_records(40)
    whole = TurnoverTally(978)
    for record in records:
        whole.add(record)
    first, second = TurnoverTally(978), TurnoverTally(978)
    for record in records[:17]:
        first.add(record)
    for record in records[17:]:
        second.add(record)
    first.merge(second)
    assert first.to_totals() == whole.to_totals() == totals_from_records(records, 978)
    counted = [r for r in records if r.type != "decline" and r.currency == 978]
    assert (whole.receipt_from, whole.receipt_to) == (counted[0].receipt, counted[-1].receipt)
    # Merged into an empty tally, and an empty one merged in: nothing lost, nothing made up.
    empty = TurnoverTally(978)
    empty.merge(whole)
    empty.merge(TurnoverTally(978))
    assert empty.to_totals() == whole.to_totals()


def test_a_tally_travels_as_json_of_its_non_empty_buckets() -> None:
    from posdiag.journal import TurnoverTally

    pay = dataclasses.replace(EXAMPLE)  # VISA 12.34
    giro = dataclasses.replace(EXAMPLE, seq=2, receipt=2, card_type=5, amount=1000)
    reversal = dataclasses.replace(giro, seq=3, receipt=3, type="reversal", orig_receipt=2)
    tally = TurnoverTally(978)
    for record in (pay, giro, reversal):
        tally.add(record)
    assert tally.to_json() == {"VISA": [1, 1234]}  # girocard back to 0 / 0: left out
    again = TurnoverTally.from_json({"VISA": [1, 1234], "girocard": [0, -5]}, 978)
    assert (again.counts["VISA"], again.amounts["VISA"], again.amounts["girocard"]) == (
        1, 1234, -5)
    assert again.to_json() == {"VISA": [1, 1234], "girocard": [0, -5]}
    with pytest.raises(ValueError, match="unknown brand bucket"):
        TurnoverTally.from_json({"Maestro": [1, 1]})


def test_a_tally_without_a_currency_counts_every_currency() -> None:
    from posdiag.journal import TurnoverTally

    usd = dataclasses.replace(EXAMPLE, currency=840)
    tally = TurnoverTally(None)
    tally.add(EXAMPLE)
    tally.add(dataclasses.replace(usd, seq=2, receipt=2))
    assert tally.to_totals().count == 2 and tally.to_totals().amount == 2 * 1234


def test_each_record_ends_where_the_next_begins_from_any_start_offset() -> None:
    journal, _ = make_journal(12)
    for start in (0, 1, 1000, 4095):
        parsed = list(iter_records([journal], start_offset=start))
        assert parsed[0].offset == start and parsed[-1].end == start + len(journal)
        assert [p.end for p in parsed[:-1]] == [p.offset for p in parsed[1:]]
        assert all(p.length == len(p.raw) for p in parsed)


def test_a_blank_line_is_refused_where_it_stands() -> None:
    # No blank lines (docs/journal.md), also when a read ends right before one.
    with pytest.raises(ProtocolError, match="not valid JSON"):
        JournalParser().feed(b"\n")
    parser = JournalParser()
    assert len(parser.feed(encode_record(EXAMPLE))) == 1
    with pytest.raises(ProtocolError, match="not valid JSON"):
        parser.feed(b"\n")


def test_a_checked_record_cannot_be_changed_afterwards() -> None:
    record = parse_record(EXAMPLE_LINE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.pan = "4761739001010010"  # type: ignore[misc]
    (parsed,) = iter_records([EXAMPLE_LINE])
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.raw = b"{}\n"  # type: ignore[misc]


def test_a_record_without_optional_fields_writes_them_as_null_and_reads_back() -> None:
    bare = dataclasses.replace(EXAMPLE, card_type=None, brand=None, pan=None, aid=None,
                               auth=None)
    line = encode_record(bare)
    assert b'"pan":null' in line and b'"auth":null' in line and b"orig_receipt" not in line
    assert parse_record(line) == bare


def test_a_tally_in_one_currency_skips_every_other_currency() -> None:
    from posdiag.journal import TurnoverTally

    tally = TurnoverTally(978)
    for seq, currency in enumerate((978, 840, 985, 0, 999), start=1):  # EUR, USD, PLN, ...
        tally.add(dataclasses.replace(EXAMPLE, seq=seq, receipt=seq, currency=currency))
    assert tally.to_totals().count == 1 and tally.to_totals().amount == 1234
