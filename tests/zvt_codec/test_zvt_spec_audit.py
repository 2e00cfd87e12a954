"""Known answers for what the second spec audit (docs/zvt-analyser-coverage.md) found the
analyser missing or getting wrong, each built from the spec's own description of the bytes.

Sections are PA00P015 rev 13.08 unless named otherwise. Test card numbers only.
"""

from __future__ import annotations

from posdiag.drivers.zvt.analyser import FrameReport, analyse, parse_hex
from posdiag.drivers.zvt.capture import analyse_capture


def one(text: str, answering=None) -> FrameReport:
    direction, data = parse_hex(text)
    report, _message = analyse(data, direction, answering)
    return report


# --- 84 1E: the PT refuses a command the way an Abort would --------------------------------------


def test_registration_refused_for_a_wrong_currency():
    # §2.1.3: "In error-case (=incorrect currency code) the PT answers with: 84 1E xx 6F[<CC>]";
    # 1E is not a result code here (as host code 30 it would be an acquirer's) but the
    # instruction of Abort: the result code follows in the data.
    reports = analyse_capture(["> 06 00 06 12 34 56 BA 09 78", "< 84 1E 03 6F 09 78"])
    text = reports[1].render()
    assert "host/authorisation system code 30" not in text
    assert "1E: the PT refuses the command (as Abort 06 1E)" in text
    assert "result code: 6F (wrong currency)" in text
    assert "currency code: 978 (EUR)" in text
    assert reports[1].complete


def test_registration_refused_without_the_currency():
    # §2.1.3: "The PT only sends a currency code to the ECR, if the ECR had also sent one."
    report = one("< 84 1E 01 6F")
    assert "result code: 6F (wrong currency)" in report.render()
    assert report.complete


def test_close_card_session_refused():
    # §2.64: negative PT response to 06 C5 is "84 1E 00".
    reports = analyse_capture(["> 06 C5 00", "< 84 1E 00"])
    assert "1E: the PT refuses the command (as Abort 06 1E)" in reports[1].render()
    assert reports[1].complete


def test_84_1E_data_that_is_no_result_code_layout_is_shown_and_reported():
    # Never silently dropped: bytes after result code and currency are shown and named.
    report = one("< 84 1E 05 6F 09 78 AB CD")
    text = report.render()
    assert "result code: 6F (wrong currency)" in text
    assert "AB CD" in text
    assert not report.complete


# --- 06 00 without its currency code ------------------------------------------------------------


def test_registration_with_tlv_but_no_currency_code_is_decoded_and_flagged():
    # §2.1.1: "06 00 xx <password><config-byte>[<CC>[03<service-byte>][06<TLV-container>]]":
    # the CC comes before 03/06. An ECR that leaves it out and sends the TLV container
    # (26{0A 06 D3}) straight after the config byte must not have 06 06 read as currency 606.
    report = one("> 06 00 0C 12 34 56 BA 06 06 26 04 0A 02 06 D3")
    text = report.render()
    assert "currency 606" not in text
    assert "0A ZVT command: 06 D3 (Print Text-Block)" in text
    assert "no currency code before the service byte/TLV container" in text
    assert report.complete


def test_registration_in_the_spec_order_keeps_its_currency_code():
    report = one("> 06 00 0E 12 34 56 BA 09 78 06 06 26 04 0A 02 06 D3")
    assert "currency code: 978 (EUR)" in report.render()
    assert "no currency code" not in report.render()


# --- a tag 14 in the Status-Information applies to the message's BMP texts as well --------------


def test_status_information_charset_tag_applies_to_its_bmp_texts():
    # §9.4.2 tag 14: "The PT sends this tag within the tags 27, 2B, 32 and in the
    # status-information": the set it names is that of the message's texts, BMP 3C and 8B
    # (card name) as much as the TLV 24 display lines.
    text = "Grüße".encode()
    tlv = bytes.fromhex("06") + bytes((len(text) + 7,)) + bytes.fromhex("14 01 FE 24") + bytes(
        (len(text) + 2,)) + bytes.fromhex("07") + bytes((len(text),)) + text
    card_name = bytes.fromhex("8B F0") + bytes((0xF0 | len(text) + 1,)) + text + b"\x00"
    additional = bytes.fromhex("3C F0 F0") + bytes((0xF0 | len(text),)) + text
    data = bytes.fromhex("27 00") + card_name + additional + tlv
    report = one("< 04 0F " + f"{len(data):02X} " + data.hex(" "))
    shown = report.render()
    assert "8B card name: 'Grüße'" in shown
    assert "3C additional data/text: 'Grüße'" in shown
    assert "07 text line: 'Grüße'" in shown
    assert report.complete


def test_a_charset_the_user_named_is_not_overridden_by_the_message():
    text = "Grüße".encode()
    additional = bytes.fromhex("3C F0 F0") + bytes((0xF0 | len(text),)) + text
    data = bytes.fromhex("27 00") + additional + bytes.fromhex("06 03 14 01 FE")
    direction, raw = parse_hex("< 04 0F " + f"{len(data):02X} " + data.hex(" "))
    report, _message = analyse(raw, direction, charset="cp437", fixed=True)
    assert "'Gr├╝├ƒe'" in report.render()


def test_change_baudrate_rfu_codes_are_named_rfu():
    # §2.57 Table 13: 0 9600, 1 19200, 2-5 RFU, 6 57600, 7 115200.
    assert "baud rate: 0x03 (RFU)" in one("> 08 40 01 03").render()
    assert "baud rate: 0x07 (115200)" in one("> 08 40 01 07").render()
    assert "not defined in the spec" in one("> 08 40 01 08").render()
