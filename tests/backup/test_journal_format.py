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
    (b'{"v":1,"v":1}\n', "not valid JSON"),
    (b'[1,2]\n', "not a JSON object"),
    (b'{"v":NaN}\n', "not valid JSON"),
    (b'\xff\xfe\n', "not valid JSON"),
])
def test_parser_rejects_records_that_are_not_clean(line: bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message) as caught:
        parse_record(line, offset=7)
    assert "4761739001010010" not in str(caught.value)  # the error never echoes a PAN


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
