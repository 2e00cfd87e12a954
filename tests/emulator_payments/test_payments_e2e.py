"""Driver <-> emulated terminal, end to end over a real pty: every payment-side command, passing
and failing for the right reason (PA00P015 §2.2, 2.9, 2.15, 2.21, 2.31, 2.59/2.60)."""

import dataclasses
import json
import logging

import pytest

from posdiag.cards import find_pans
from posdiag.devices import FILE_APPLICATION_LOG, FILE_MERCHANT_JOURNAL
from posdiag.emulator.pinpad import PinPad
from posdiag.errors import PaymentDeclined, TerminalRefused
from posdiag.journal import parse_record
from posdiag.testcards import load_test_cards

PT_PRINTS = 0x08  # config byte: intermediate status, receipts on the terminal printer

CARDS = load_test_cards()


def journal(emulator):
    size = emulator.ledger.file_size(FILE_MERCHANT_JOURNAL)
    raw = emulator.ledger.read(FILE_MERCHANT_JOURNAL, 0, size)
    return [parse_record(line) for line in raw.splitlines()]


# --- Authorisation 06 01 ----------------------------------------------------------------------


def test_payment_is_approved_with_receipts_and_booked(pt):
    emulator, terminal = pt()
    result = terminal.pay(1234)
    assert result.approved and result.result_code == 0
    assert (result.amount, result.currency) == (1234, 978)
    assert (result.receipt_number, result.trace) == (1, 1)
    assert result.masked_pan == "476173******0010"
    assert (result.card_type, result.card_name) == (0x0A, "VISA")
    assert result.auth_code.isdigit() and len(result.auth_code) == 6
    assert result.aid == "A0000000031010"
    assert [r.kind for r in result.receipts] == ["merchant", "customer"]
    assert "APPROVED" in result.receipts[1].text and "12.34 EUR" in result.receipts[1].text
    totals = emulator.ledger.totals()
    assert (totals.amount, totals.count) == (1234, 1)
    [record] = journal(emulator)
    assert (record.type, record.receipt, record.pan) == ("payment", 1, "476173******0010")
    assert emulator.ledger.last_status is not None


def test_payment_receipts_print_on_the_terminal_when_it_prints(pt):
    emulator, terminal = pt(config_byte=PT_PRINTS)
    result = terminal.pay(500)
    assert result.approved and result.receipts == ()
    printed = emulator.printer.printed
    assert [r.kind for r in printed] == [0x01, 0x02]  # merchant, customer
    assert any(line.attribute & 0x10 for line in printed[0].lines)  # amount double height


def test_amount_ending_in_51_cents_is_declined(pt):
    emulator, terminal = pt()
    with pytest.raises(PaymentDeclined) as info:
        terminal.pay(1251)
    assert info.value.result_code == 0x05
    result = info.value.result
    assert not result.approved and result.amount == 1251
    assert "DECLINED" in result.receipts[0].text
    assert emulator.ledger.totals().amount == 0
    assert [r.type for r in journal(emulator)] == ["decline"]


def test_card_profile_with_another_pin_is_pin_incorrect(pt):
    emulator, terminal = pt()
    emulator.payment.operator.swipe("mastercard_other_pin")  # auto types 1234, card wants 9876
    with pytest.raises(PaymentDeclined) as info:
        terminal.pay(1000)
    assert info.value.result_code == 0x37  # 55 decimal, PIN incorrect


def test_operator_typing_a_wrong_pin_is_pin_incorrect(pt):
    emulator, terminal = pt()
    emulator.payment.operator.insert("visa")
    emulator.payment.operator.type_pin("0000")
    with pytest.raises(PaymentDeclined) as info:
        terminal.pay(1000)
    assert info.value.result_code == 0x37


def test_the_right_pin_of_the_other_profile_is_approved(pt):
    emulator, terminal = pt()
    emulator.payment.operator.swipe("mastercard_other_pin")
    emulator.payment.operator.type_pin("9876")
    result = terminal.pay(1000)
    assert result.approved and result.card_type == 0x06


def test_expired_card_is_declined(pt):
    emulator, terminal = pt()
    emulator.payment.operator.swipe("visa_expired")
    with pytest.raises(PaymentDeclined) as info:
        terminal.pay(1000)
    assert info.value.result_code == 0x78


def test_intermediate_status_tells_the_ecr_to_watch_the_pin_pad(pt):
    _, terminal = pt()
    seen = []
    terminal.on_status = seen.append
    terminal.pay(100)
    assert "insert card" in seen and "please watch PIN pad" in seen


# --- Reversal 06 30, Refund 06 31 -------------------------------------------------------------


def test_reversal_takes_the_payment_out_of_the_totals(pt):
    emulator, terminal = pt()
    paid = terminal.pay(2000)
    reversed_ = terminal.reverse(paid.receipt_number)
    assert reversed_.approved and reversed_.amount == 2000
    assert reversed_.receipt_number == paid.receipt_number + 1
    assert "Reverses receipt 0001" in reversed_.receipts[0].text
    assert emulator.ledger.totals().amount == 0
    assert emulator.ledger.booked[paid.receipt_number].reversed
    with pytest.raises(PaymentDeclined) as info:
        terminal.reverse(paid.receipt_number)
    assert info.value.result_code == 0xB4  # already reversed


def test_reversal_of_an_unknown_receipt_is_not_possible(pt):
    _, terminal = pt()
    with pytest.raises(PaymentDeclined) as info:
        terminal.reverse(42)
    assert info.value.result_code == 0xB5


def test_refund_counts_against_the_totals(pt):
    emulator, terminal = pt()
    terminal.pay(3000)
    refund = terminal.refund(1000)
    assert refund.approved and refund.kind == "refund"
    assert emulator.ledger.totals().amount == 2000
    assert [r.type for r in journal(emulator)] == ["payment", "refund"]


def test_refund_to_an_expired_card_is_declined(pt):
    emulator, terminal = pt()
    emulator.payment.operator.swipe("visa_expired")
    with pytest.raises(PaymentDeclined) as info:
        terminal.refund(1000)
    assert info.value.result_code == 0x78


# --- Read Card 06 C0 --------------------------------------------------------------------------


def test_read_card_returns_the_tracks_and_the_masked_pan(pt):
    emulator, terminal = pt()
    emulator.payment.operator.swipe("mastercard")
    card = terminal.read_card(timeout=5)
    expected = CARDS["mastercard"]
    assert card.masked_pan == "541333******1155"
    assert card.tracks == (1, 2) and card.expiry_yymm == expected.expiry_yymm
    assert card.track2 == expected.track2.encode()[1:-1]  # no sentinels (§3.1.2)
    assert card.track1 == expected.track1.encode()[1:-1]
    assert expected.pan not in repr(card) and expected.pan not in json.dumps(card.to_dict())


def test_payment_with_the_card_of_the_previous_read_card(pt):
    emulator, terminal = pt()
    emulator.payment.operator.swipe("mastercard")
    terminal.read_card(timeout=5)
    result = terminal.pay(700, payment_type=0x42)  # xxxx xx1x: use the Read Card data
    assert result.card_type == 0x06 and result.masked_pan == "541333******1155"


def test_read_card_misread_is_card_not_readable(pt):
    _, terminal = pt(fault="card-misread")
    with pytest.raises(TerminalRefused) as info:
        terminal.read_card(timeout=5)
    assert info.value.result_code == 0x64


def test_payment_with_a_misread_card_is_not_readable(pt):
    emulator, terminal = pt(fault="card-misread")
    with pytest.raises(PaymentDeclined) as info:
        terminal.pay(1000)
    assert info.value.result_code == 0x64 and info.value.result.receipt_number is None
    assert emulator.ledger.totals().amount == 0


def test_read_card_times_out_when_nobody_presents_a_card(pt):
    _, terminal = pt(operator="manual")
    with pytest.raises(TerminalRefused) as info:
        terminal.read_card(timeout=1)
    assert info.value.result_code == 0x6C


# --- Numeric input with DUKPT 06 E7 -----------------------------------------------------------


@pytest.mark.parametrize(("engine", "pan", "pin_format"), [
    (0, "4761739001010010", 0), (0, None, 1), (1, "4761739001010010", 4),
])
def test_pin_entry_is_decrypted_on_the_ecr_side(pt, engine, pan, pin_format):
    emulator, terminal = pt()
    emulator.payment.operator.type_pin("5827")
    entry = terminal.pin_entry(pan=pan, engine=engine)
    assert (entry.length, entry.masked, entry.pin_format) == (4, "****", pin_format)
    assert entry.matches("5827") and not entry.matches("1234")
    for text in (repr(entry), str(entry), json.dumps(entry.to_dict())):
        assert "5827" not in text


def test_each_pin_entry_advances_the_ksn(pt):
    _, terminal = pt()
    first, second = terminal.pin_entry(), terminal.pin_entry()
    assert first.ksn == "FFFF9876543210E00001" and second.ksn == "FFFF9876543210E00002"


def test_pin_entry_cancelled_on_the_terminal(pt):
    emulator, terminal = pt()
    emulator.payment.operator.press_cancel()
    with pytest.raises(TerminalRefused, match="cancelled") as info:
        terminal.pin_entry()
    assert info.value.result_code == 0x6C


def test_pin_timeout_fault_times_out_pin_entry_and_payment(pt):
    emulator, terminal = pt(fault="pin-timeout")
    with pytest.raises(TerminalRefused, match="time-out"):
        terminal.pin_entry()
    with pytest.raises(PaymentDeclined) as info:
        terminal.pay(1000)
    assert info.value.result_code == 0x6C
    assert emulator.ledger.totals().count == 0


def test_dukpt_exhaustion_is_reported_as_74(pt):
    emulator, terminal = pt()
    emulator.payment.pinpad = PinPad(tdes_counter=0x1FF800)
    assert terminal.pin_entry().ksn.endswith("FFF800")  # the last usable counter
    with pytest.raises(TerminalRefused) as info:
        terminal.pin_entry()
    assert info.value.result_code == 0x74
    with pytest.raises(PaymentDeclined) as info:
        terminal.pay(1000)
    assert info.value.result_code == 0x74


# --- printing: 06 D1 / 06 D3 both ways, printer faults ----------------------------------------


def test_ecr_prints_lines_and_blocks_on_the_terminal(pt):
    emulator, terminal = pt()
    terminal.print_text(["FIRST", "LAST"])
    terminal.print_text(["BLOCK LINE"], text_block=True, receipt_type=0x02)
    lines, block = emulator.printer.printed
    assert (lines.source, [x.text for x in lines.lines]) == ("ecr", ["FIRST", "LAST"])
    assert lines.lines[-1].attribute & 0x80  # the last-line attribute travels with the line
    assert (block.kind, block.text) == (0x02, "BLOCK LINE")


@pytest.mark.parametrize("fault", ["paper-out", "cover-open"])
def test_printer_faults_refuse_printing_and_terminal_printed_payments(pt, fault):
    emulator, terminal = pt(fault=fault, config_byte=PT_PRINTS)
    with pytest.raises(TerminalRefused) as info:
        terminal.print_text(["HELLO"])
    assert info.value.result_code == 0xCC
    with pytest.raises(TerminalRefused) as info:
        terminal.pay(1000)
    assert info.value.result_code == 0xCC and not isinstance(info.value, PaymentDeclined)
    assert emulator.ledger.totals().count == 0


def test_closing_the_cover_makes_the_printer_ready_again(pt):
    emulator, terminal = pt(fault="cover-open")
    emulator.payment.operator.close_cover()
    terminal.print_text(["AFTER"])
    assert emulator.printer.printed[0].text == "AFTER"


def test_paper_out_on_the_terminal_does_not_stop_ecr_printed_payments(pt):
    _, terminal = pt(fault="paper-out")  # registered with BE: the ECR prints the receipts
    assert terminal.pay(1000).approved


def test_ecr_printer_out_makes_the_terminal_reverse_the_payment(pt):
    emulator, terminal = pt()
    with pytest.raises(PaymentDeclined) as info:
        terminal.pay(1000, ecr_printer_ready=False)
    assert info.value.result_code == 0xCC
    assert emulator.ledger.totals().count == 0 and journal(emulator) == []


# --- over TCP as well ---------------------------------------------------------------------------


def test_payment_over_tcp(pt):
    _, terminal = pt(port="sim:transport=tcp")
    assert terminal.pay(990).approved


# --- card data never leaks ------------------------------------------------------------------


def test_no_full_pan_or_pin_in_receipts_records_logs_or_output(pt, caplog):
    caplog.set_level(logging.DEBUG)
    emulator, terminal = pt(config_byte=0xBE)
    texts = []
    emulator.payment.operator.type_pin("1234")
    paid = terminal.pay(1234)
    emulator.payment.operator.swipe("mastercard")
    card = terminal.read_card(timeout=5)
    emulator.payment.operator.type_pin("5827")
    entry = terminal.pin_entry(pan=CARDS["visa"].pan)
    refund = terminal.refund(200)
    with pytest.raises(PaymentDeclined) as info:
        terminal.pay(351)
    for obj in (paid, card, entry, refund, info.value.result):
        texts += [repr(obj), str(obj), json.dumps(obj.to_dict())]
    texts += [str(info.value)]
    texts += [r.text for r in terminal.receipts]
    texts += [r.text for r in emulator.printer.printed]
    for file_id in (FILE_MERCHANT_JOURNAL, FILE_APPLICATION_LOG):
        size = emulator.ledger.file_size(file_id)
        texts.append(emulator.ledger.read(file_id, 0, size).decode())
    texts.append(caplog.text)
    texts.append(repr(dataclasses.replace(paid, receipts=())))
    blob = "\n".join(texts)
    assert find_pans(blob) == []
    assert "5827" not in blob
    for card_profile in CARDS.values():
        assert card_profile.pan not in blob
        assert card_profile.track2.encode()[1:-1] not in blob
