"""The protocol analyser on spec examples and on the defects issue 13 lists.

Vectors: PA00P015 rev 13.08 §5.1 (the MsgSeqId example, byte for byte), §2.2.6/§3.1.1
(84 9C / 84 9D / 84 yy answers), §2.10.1 (06 23 enquiry), §2.56.5 (Status-Enquiry
Completion), §9.4 (tag types), §3.16/§3.13/§3.15 (menus, input), card complete
ZVT-Präzisierungen v22 §7 (vendor tags). Test card numbers only.
"""

from __future__ import annotations

import pytest

from posdiag.cards import luhn_check_digit
from posdiag.drivers.zvt.analyser import FrameReport, analyse, parse_hex
from posdiag.drivers.zvt.capture import analyse_capture, summarise
from posdiag.drivers.zvt.charsets import ZVT7, normalise
from posdiag.errors import BadInput

TEST_PAN = "4111111111111111"  # the classic test Visa number, never a real card


def one(text: str, answering=None, charset=None) -> FrameReport:
    direction, data = parse_hex(text)
    report, _ = analyse(data, direction, answering, charset=charset,
                        fixed=charset is not None)  # fmt: skip
    return report


def shown(report: FrameReport) -> str:
    return report.render()


def T(tag: str, *parts: bytes | str) -> bytes:
    """A TLV data object: tag (hex), then its value built from bytes and hex strings."""
    value = b"".join(p if isinstance(p, bytes) else bytes.fromhex(p) for p in parts)
    length = bytes((len(value),)) if len(value) < 0x80 else bytes((0x81, len(value)))
    return bytes.fromhex(tag) + length + value


def A(cls_instr: str, *parts: bytes | str) -> str:
    """An APDU as hex text: CLASS INSTR LEN data."""
    data = b"".join(p if isinstance(p, bytes) else bytes.fromhex(p) for p in parts)
    return f"{cls_instr} {len(data):02X} {data.hex(' ')}"


# --- the spec's own MsgSeqId example (§5.1), every message of it ---------------------------------

SPEC_5_1 = """\
> 06 00 14 00 00 00 9E 09 78 06 0C 26 04 0A 02 06 D3 1F 73 03 00 00 00
< 80 00 00
< 06 0F 18 19 00 29 65 00 00 28 49 09 78 06 0C 26 04 0A 02 06 D3 1F 73 03 00 00 00
> 80 00 00
< 80 00 08 06 06 1F 73 03 00 00 01
< 04 FF 09 17 06 06 1F 73 03 00 00 02
> 80 00 08 06 06 1F 73 03 00 00 02
< 04 FF 09 01 06 06 1F 73 03 00 00 03
< 04 FF 19 17 03 06 15 24 0D 07 0B 30 30 20 41 70 70 72 6F 76 65 64 1F 73 03 00 00 08
< 06 0F 08 06 06 1F 73 03 00 00 11
> 80 00 08 06 06 1F 73 03 00 00 11
"""


def test_spec_message_sequence_example_decodes_completely():
    reports = analyse_capture(SPEC_5_1.splitlines())
    assert [r.complete for r in reports] == [True] * 11, [r.error for r in reports]
    assert summarise(reports).complete == 11
    completion = shown(reports[2])
    assert "29 terminal ID: 65000028" in completion
    assert "1F73 message sequence ID: 000000" in completion
    # 04 FF with a TLV container but no timeout byte: the spec's own example does that.
    status = shown(reports[5])
    assert "status: 17 (please wait)" in status and "timeout" not in status
    assert "1F73 message sequence ID: 000002" in status
    with_text = shown(reports[8])
    assert "timeout T4: 3 min" in with_text and "07 text line: '00 Approved'" in with_text


def test_the_authorisation_of_the_example_has_a_length_byte_too_small():
    # §5.1 prints "06 01 0C ..." for 20 data bytes: reported, and the 12 bytes decoded.
    report = one("06 01 0C 04 00 00 00 00 01 00 49 09 78 19 44 06 06 1F 73 03 00 00 01")
    assert not report.complete and "8 byte(s) after the end of the APDU" in report.error
    assert "04 amount: 1.00 EUR" in shown(report)


# --- Status-Enquiry Completion: by shape, with its TLV ------------------------------------------


def test_status_enquiry_completion_with_device_information():
    # §2.56.5 + §9.4.12: 1F44 TID (4 BCD), E4{1F40 name, 1F41 SW, 1F42 serial (BCD), 1F43}.
    tlv = ("1F 44 04 52 50 00 01 E4 1C 1F 40 05 46 45 49 47 20 1F 41 05 31 2E 32 2E 33"
           " 1F 42 05 00 12 34 56 78 1F 43 01 00 1F 55 02 80 01")  # fmt: skip
    size = len(tlv.split()) + 2
    data = f"F0 F0 F5 31 2E 32 2E 33 00 06 {size - 2:02X} {tlv}"
    report = one(f"06 0F {len(data.split()):02X} {data}")
    text = shown(report)
    assert report.complete, report.error
    assert report.name == "Completion (Status Enquiry)"
    for line in ("software version: '1.2.3'", "terminal status: 00 (PT ready)",
                 "1F44 terminal ID: 52500001", "1F40 device name: 'FEIG '",
                 "1F42 serial number: 0012345678", "1F43 device state: 0x00 (ready)",
                 "1F55 terminal locks: 0x80: reconciliation with closure lock; 0x01: MDB "
                 "not ready"):  # fmt: skip
        assert line in text


def test_status_enquiry_completion_without_version_by_its_status_code():
    # Service byte bit 1 set: no SW version. DC = card inserted (§11).
    report = one("06 0F 01 DC")
    assert report.name == "Completion (Status Enquiry)" and report.complete
    assert "terminal status: DC (card inserted)" in shown(report)
    assert one("06 0F 03 27 00 06 00").name == "Completion"  # a plain one stays plain


def test_serial_number_sent_as_ascii_is_shown_and_flagged():
    report = one("06 0F 0C 00 06 09 E4 07 1F 42 04 53 4E 2D 31")
    assert "1F42 serial number: 'SN-1' (ASCII; the spec says BCD)" in shown(report)


# --- character sets ------------------------------------------------------------------------------

UTF8_SESSION = [
    "> 06 00 0D 12 34 56 BE 09 78 06 05 27 03 14 01 FE",
    "< 80 00 00",
    "< 06 0F 11 19 00 29 52 50 00 01 49 09 78 06 05 27 03 14 01 FE",
    "> 80 00 00",
    "< 04 FF 0D 0A 01 06 09 24 07 07 05 48 C3 A9 6C 6C",
    "< 06 D1 05 00 C3 A4 C3 B6",
    "< 06 D3 0B 06 09 25 07 07 05 C3 BC 62 65 72",
    "> 06 02 00",
    "< 06 D1 05 00 C3 A4 C3 B6",
]


def test_the_character_set_the_terminal_accepted_applies_to_later_messages():
    reports = analyse_capture(UTF8_SESSION)
    assert "accepted UTF-8" in reports[2].notes[0]
    assert "07 text line: 'Héll'" in shown(reports[4])
    assert "text: 'äö'" in shown(reports[5])
    assert "07 text line: 'über'" in shown(reports[6])
    assert "text: '├ñ├╢'" in shown(reports[8])  # after Log-Off: CP437 again


def test_charset_option_reaches_print_lines_text_blocks_and_display_texts():
    reports = analyse_capture(UTF8_SESSION, normalise("latin-1"))
    assert "--charset ISO 8859-1 is used instead" in reports[2].notes[0]
    assert "07 text line: 'HÃ©ll'" in shown(reports[4])
    assert "text: 'Ã¤Ã¶'" in shown(reports[5])
    assert "07 text line: 'Ã¼ber'" in shown(reports[6])
    single = one("06 D3 0B 06 09 25 07 07 05 C3 BC 62 65 72", charset="utf-8")
    assert "'über'" in shown(single)


def test_a_registration_completion_without_echo_means_the_default_set():
    lines = [*UTF8_SESSION[:4], "> 06 00 06 12 34 56 BE 09 78", "< 06 0F 00",
             "< 06 D1 05 00 C3 A4 C3 B6"]  # fmt: skip
    reports = analyse_capture(lines)
    assert "default set" in reports[5].notes[0]
    assert "text: '├ñ├╢'" in shown(reports[6])


def test_a_tag_14_inside_a_text_block_names_its_set():
    report = one("06 D3 0E 06 0C 14 01 01 25 07 07 05 C3 BC 62 65 72")
    assert "07 text line: 'Ã¼ber'" in shown(report)


def test_display_texts_use_the_seven_bit_zvt_set():
    # §2.26 / §15.1: 5B 5C 5D 7B 7C 7D 7E are Ä Ö Ü ä ö ü ß; a leading 14 = larger font.
    report = one(A("06 E0", "F1 F0 F5 5B 7C 7E 5D 21", "F2 F0 F4 14 4F 4B 21"))
    text = shown(report)
    assert "F1 text1 line 1: 'ÄößÜ!'" in text
    assert "F2 text1 line 2: 'OK!' (large font)" in text
    assert normalise("zvt-7") == ZVT7


def test_unknown_or_non_text_charset_names_are_refused():
    with pytest.raises(BadInput, match="unknown character set"):
        normalise("klingon")
    with pytest.raises(BadInput, match="not a character set"):
        normalise("hex")


def test_invalid_bytes_for_the_session_set_fall_back_and_say_so():
    report = one("06 D1 03 00 FF FE", charset="utf-8")
    assert "(not valid UTF-8; shown as CP437)" in shown(report)


# --- text TLVs, numbers, bit fields ------------------------------------------------------------


def test_text_tags_are_text_not_hex():
    # 1F62/1F63 in E9 (§9.4.2, EVerest's pre-auth token), 46/47 EMV receipt lines, 1F59.
    container = T("06", T("E9", T("1F62", b"AC"), T("1F63", b"TOK1")), T("46", b"VISA1"),
                  T("47", b"VISA2"), T("1F59", b"girocc"))  # fmt: skip
    text = shown(one(A("04 0F", container)))
    for line in ("1F62 BMP 60 identifier of the reference number: 'AC'",
                 "1F63 individual reference number: 'TOK1'",
                 "46 EMV print data (customer receipt): 'VISA1'",
                 "47 EMV print data (merchant receipt): 'VISA2'",
                 "1F59 payment application: 'girocc'"):  # fmt: skip
        assert line in text


def test_display_sizes_are_columns_and_lines():
    # TLV 10/11: SSZZ, 2 bytes BCD; empty = no display (§9.4.2).
    text = shown(one(A("06 0F", T("06", T("10", "20 04"), T("11"), T("12", "40")))))
    assert "10 merchant display columns/lines: 20 columns, 4 lines" in text
    assert "11 customer display columns/lines: (empty: no display)" in text
    assert "12 printer characters per line: 40" in text


def test_registration_bits_and_permitted_commands():
    text = shown(one("06 00 10 12 34 56 BE 09 78 03 01 06 06 26 04 0A 02 06 D3"))
    assert "config byte: 0xBE: ECR prints payment receipts" in text
    assert "03 service byte: 0x01: service menu not on a PT function key" in text
    assert "0A ZVT command: 06 D3 (Print Text-Block)" in text


def test_payment_type_and_status_information_kind():
    assert "19 status/payment/card type byte: 0x40 (PT decides, excluding GeldKarte)" in shown(
        one("06 01 02 19 40"))
    assert "0x70 (PIN payment)" in shown(one("04 0F 02 19 70"))
    assert "0x50 (chip and magnetic stripe)" in shown(one("06 C0 03 1E 19 50"))


def test_amount_information_uses_its_decimals_and_currency():
    # E2 DCC container with 31{1F1D 03, 1F1E 00, 1F20 amount, 1F21 0392 JPY} (§9.4.8).
    amount = T("31", T("1F1D", "03"), T("1F1E", "00"), T("1F20", "12 34"), T("1F21", "03 92"))
    text = shown(one(A("04 0F", T("06", T("E2", amount)))))
    assert "1F20 amount: 1234 JPY" in text and "0x03 (foreign currency)" in text


def test_vendor_tags_are_labelled_vendor_specific():
    # card complete §7.2: D0 control parameters, D1 BIN, DF01 network information.
    text = shown(one(A("06 C0", "0F", T("06", T("D0", "02"), T("D1", "47"), T("DF01", "01")))))
    assert "D0 proprietary control parameters [vendor-specific: card complete" in text
    assert "send the card's BIN in tag D1" in text
    assert "D1 bank identification number (BIN) [vendor-specific" in text
    assert "bandwidth not sufficient" in text


def test_file_commands_08_13_and_08_14_are_decoded():
    # 08 13: 2D{1C configuration} (§2.40); 08 14: pw 2D{1D, 1F00, 1F81} (§2.41).
    config = shown(one(A("08 13", T("06", T("2D", T("1C", "AA"))))))
    assert "Change Configuration" in config and "1C file block: <1 bytes of file data>" in config
    write = one(A("08 14", "12 34 56", T("06", T("2D", T("1D", "01"), T("1F00", "10 00"),
                                                 T("1F81", b"text/plain")))))  # fmt: skip
    text = shown(write)
    assert write.complete and "password: 123456" in text
    assert "1D file ID: 0x01 (merchant journal)" in text
    assert "1F00 total length of file: 4096" in text
    request = shown(one(A("04 0C", T("06", T("2D", T("1E", "00 10 00"))))))
    assert "Request File Block" in request and "1E start position: 4096" in request


# --- answers and their context --------------------------------------------------------------------


def test_answers_to_a_status_information_after_an_authorisation():
    # §2.2.6: 84 9C = send it again in 2 s; 84 9D 04<amount> = partial issue; 84 yy = failed.
    capture = ["> 06 01 07 04 00 00 00 00 10 00", "< 80 00 00",
               "< 04 0F 02 27 00", "> 84 9C 00",
               "< 04 0F 02 27 00", "> 84 9D 07 04 00 00 00 00 05 00",
               "< 04 0F 02 27 00", "> 84 66 00"]  # fmt: skip
    reports = analyse_capture(capture)
    assert reports[3].name == "Repeat Status-Information (84 9C)"
    assert "sends the Status-Information again in 2 s" in shown(reports[3])
    assert reports[5].name == "Partial Issue of Goods (84 9D)"
    assert "04 amount: 5.00" in shown(reports[5])
    assert "the issue of goods failed; the PT reverses the payment" in shown(reports[7])
    assert all(r.complete for r in reports)


def test_key_code_answers_need_their_command():
    reports = analyse_capture(["> 06 E1 05 F1 F0 02 4F 4B", "< 80 00 01 0D",
                               "> 06 E2 0A EB 08 01 02 03 04 05 06 07 08",
                               "< 80 00 04 31 32 33 34"])  # fmt: skip
    assert "key code: 0x0D (OK key)" in shown(reports[1])
    numeric = shown(reports[3])
    assert "<4 characters typed, withheld" in numeric and "1234" not in numeric


def test_enquiry_for_open_pre_authorisations():
    # §2.10.1: 06 23 03 87 FF FF; the PT ends with 06 1E 04 B8 87 <receipt | FFFF>.
    assert one("06 23 03 87 FF FF").name == "Enquire if Pre-Authorisations exist"
    text = shown(one("06 1E 04 B8 87 FF FF"))
    assert "result code: B8 (error pre-authorisation)" in text and "FFFF (none)" in text


def test_input_request_and_menu_request_containers():
    # §3.15: 04 0D 06 32{24{07 prompt}, 1F38 01 number, 1F39 00 3C}; answer 80 00 32{1F3A}.
    prompt = T("24", T("07", b"KM? "))
    request = shown(one(A("04 0D", T("06", T("32", prompt, T("1F38", "01"), T("1F39", "00 3C"))))))
    assert "1F38 input mode: 0x01 (number)" in request and "1F39 input timeout: 60 s" in request
    item = T("2C", T("07", b"ABC"), T("19", "05"))
    menu = shown(one(A("04 0E", T("06", T("2B", T("16", "01"), T("17", "02"), item)))))
    assert "17 menu context: 0x02 (application selection)" in menu
    assert "19 return value: 5" in menu


# --- truncation and damage -----------------------------------------------------------------------


def test_a_truncated_text_block_shows_the_lines_that_are_there():
    whole = A("06 D3", T("06", T("25", T("07", b"Line1"), T("07", b"Line2"),
                                 T("07", b"Line three"))))  # fmt: skip
    report = one(whole[: len("06 D3 20 ") + 3 * 24])  # the first 24 data bytes only
    assert report.decoded and not report.complete
    text = shown(report)
    assert "'Line1'" in text and "'Line2'" in text and "07 text line: 'Line'" in text
    assert "APDU truncated: its length says 30 data bytes, 24 are present" in report.error
    assert "truncated" in report.error


def test_a_truncated_status_information_keeps_the_complete_bmps():
    report = one("04 0F 14 27 00 04 00 00 00 00 12 34 0B 00 00 01 0C 12 30")
    text = shown(report)
    assert "27 result code: 00 (no error)" in text and "04 amount: 12.34" in text
    assert "0B trace number: 1" in text and not report.complete


def test_an_unknown_bmp_stops_the_list_and_says_where():
    report = one("04 0F 06 27 00 99 01 02 03")
    assert "27 result code: 00" in shown(report)
    assert "unknown BMP 99" in report.error and "at offset 2" in report.error


def test_a_field_that_breaks_its_format_does_not_hide_the_rest():
    # A trace number with a non-decimal nibble: shown as such, the rest decoded.
    report = one("04 0F 06 0B 00 0A 01 27 00")
    assert "0B trace number: 00 0A 01 (not valid BCD)" in shown(report)
    assert "27 result code: 00" in shown(report)


def test_a_masked_expiry_date_decodes():
    # card complete §3.3.1.1: the expiry may be masked with E.
    assert "0E expiry date: **/25" in shown(one("04 0F 03 0E 25 EE"))


# --- what must never reach the screen -----------------------------------------------------------


def _pan() -> str:
    body = "411111111111111"
    return body + luhn_check_digit(body)


def _apdu(cls_instr: str, data: bytes) -> str:
    return f"{cls_instr} {len(data):02X} {data.hex(' ')}"


def _tlv(tag: str, value: bytes) -> bytes:
    return bytes.fromhex(tag) + bytes((len(value),)) + value


FREE_TEXT_PLACES = {
    "print line": lambda t: _apdu("06 D1", b"\x00" + t),
    "text block": lambda t: _apdu("06 D3", _tlv("06", _tlv("25", _tlv("07", t)))),
    "display text": lambda t: _apdu("04 FF", b"\xff\x00" + _tlv("06", _tlv("24", _tlv("07", t)))),
    "error text": lambda t: _apdu("06 1E", b"\xff" + _tlv("06", _tlv("1F17", t))),
    "additional text": lambda t: _apdu("04 0F", b"\x3c" + bytes(
        0xF0 | int(d) for d in f"{len(t):03d}") + t),
    "dial-up data": lambda t: _apdu("06 D8", t),
    "card name": lambda t: _apdu("04 0F", b"\x8b" + bytes(0xF0 | int(d) for d in f"{len(t):02d}")
                                 + t),
}  # fmt: skip


@pytest.mark.parametrize("place", sorted(FREE_TEXT_PLACES))
def test_a_pan_in_free_text_is_masked_everywhere(place):
    pan = _pan()
    line = FREE_TEXT_PLACES[place](f"CARD {pan} OK".encode("ascii"))
    for charset in (None, "utf-8"):
        report = one(line, charset=charset)
        assert report.complete, report.error
        out = report.render() + str(report.to_json())
        assert pan not in out and pan[6:12] not in out, out
        assert pan[:6] + "******" + pan[-4:] in out


def test_control_characters_are_escaped():
    # ESC [2J (clear screen) and a right-to-left override in a print line.
    report = one(A("06 D1", "00", "1B 5B 32 4A 41 E2 80 AE 42 43"), charset="utf-8")
    text = report.render()
    assert "\x1b" not in text and "\u202e" not in text
    assert "'\\x1b[2JA\\u202eBC'" in text


def test_hex_that_spells_a_pan_is_withheld():
    # An unknown tag holding a test PAN as packed BCD: not shown as hex digits.
    pan = bytes.fromhex(TEST_PAN)
    data = bytes.fromhex("DF7F08") + pan
    line = f"06 0F {len(data) + 2:02X} 06 {len(data):02X} {data.hex(' ')}"
    out = one(line).render()
    assert "41 11 11 11" not in out and "may hold a card number" in out


# --- Feig cVEND, as EVerest/zvt's Feig packets document it (vendor-specific) -------------------


def test_feig_host_configuration_with_primitive_ff_tags():
    # EVerest change_host_config: E4{FF40 password 123456, FF41 213.183.19.105:30401, 01}.
    report = one(A("08 13", T("06", T("E4", T("FF40", "12 34 56"),
                                      T("FF41", "D5 B7 13 69 76 C1 01")))))  # fmt: skip
    text = shown(report)
    assert report.complete, report.error
    assert "FF41 host configuration [vendor-specific: Feig" in text
    assert "213.183.19.105 port 30401, config byte 0x01" in text


def test_feig_enhanced_system_information():
    # EVerest test vectors: 0F A1 02 00 01, then 06 0F with fixed-width ASCII fields.
    answer = b"\x06\x0f\x28" + b"17FE5C90GER-APP-v2.0.9   52525111ABCD8.0"
    reports = analyse_capture(["> 0F A1 02 00 01", "< 80 00 00", "< " + answer.hex(" ")])
    assert reports[0].name == "cVEND Function [vendor-specific: Feig]"
    text = shown(reports[2])
    assert reports[2].complete and "[vendor-specific: Feig]" in reports[2].name
    assert "software version: 'GER-APP-v2.0.9   '" in text
    assert "battery voltage: 'ABCD'" in text and "temperature: '8.0'" in text


def test_feig_extended_error_text_in_utf8():
    text = "Karte ungültig".encode()
    shown_text = shown(one(A("06 1E", "FF", T("06", T("1F16", "17 3A"), T("1F17", text)))))
    assert "1F16 extended error code: 0x173A (5946)" in shown_text
    assert "'Karte ungültig' (UTF-8, as Feig terminals send it)" in shown_text


def test_a_line_with_several_messages_is_cut_into_them():
    # A TCP read often returns several APDUs; a serial log may put ACK and frames together.
    reports = analyse_capture(["< 80 00 00 04 FF 01 0A 06 0F 00",
                               "< 06 10 02 80 00 00 10 03 F5 1F 10 02 06 0F 00 10 03 C6 33"])
    assert [r.name for r in reports] == [
        "Positive Acknowledgement", "Intermediate Status", "Completion",
        "transport ACK", "Positive Acknowledgement", "Completion"]  # fmt: skip
    assert all(r.complete for r in reports) and {r.line for r in reports} == {1, 2}
    # Not cut when the rest is not whole messages: reported instead.
    single = analyse_capture(["80 00 00 04 FF"])
    assert len(single) == 1 and "2 byte(s) after the end of the APDU" in single[0].error


# Every complete APDU PA00P015 prints literally, with where it prints it and the name it has.
SPEC_LITERALS = [
    ("80 00 00", "Positive Acknowledgement"),  # passim
    ("84 00 00", "Positive Acknowledgement (84 00)"),  # §2.2.6
    ("84 9C 00", "Repeat Status-Information (84 9C)"),  # §2.2.6
    ("06 0F 00", "Completion"),  # §2.2.9
    ("04 0F 02 27 6C", "Status Information"),  # §2.2.6 notes
    ("06 1E 01 6C", "Abort (from PT)"),  # zvt.md §1.2
    ("06 23 03 87 FF FF", "Enquire if Pre-Authorisations exist"),  # §2.10.1
    ("06 02 00", "Log-Off"),  # §2.24
    ("06 18 00", "Reset Terminal"),  # §2.44.1
    ("06 1A 00", "Print System Configuration"),  # §2.45.1
    ("06 79 00", "Selftest"),  # §2.48.1
    ("08 20 00", "Start OPT Action"),  # §2.50.1
    ("08 22 00", "Start OPT Pre-Initialisation"),  # §2.52.1
    ("08 24 00", "OPT Out-of-Order"),  # §2.54.1
    ("06 F0 00", "Display Image"),  # §2.33.2 (stop)
    ("06 C5 00", "Close Card Session"),  # §2.64
    ("84 1E 00", "Negative Acknowledgement"),  # §2.64
    ("84 7D 00", "Negative Acknowledgement"),  # §2.57.2
    ("84 FD 00", "Negative Acknowledgement"),  # §2.57.2
    ("84 83 00", "Negative Acknowledgement"),  # §2.66
    ("84 37 00", "Negative Acknowledgement"),  # §2.34
    ("84 6C 00", "Negative Acknowledgement"),  # §2.35
    ("84 CC 00", "Negative Acknowledgement"),  # §3.5
    ("06 DB 00", "Hang-Up"),  # §3.9
    ("06 DA 00", "Receive Data via Dial-Up"),  # §3.11
    ("06 DD 00", "Transparent Mode"),  # §3.12
    ("06 00 14 00 00 00 9E 09 78 06 0C 26 04 0A 02 06 D3 1F 73 03 00 00 00",
     "Registration"),  # §5.1
    ("06 0F 12 19 00 29 65 00 00 28 49 09 78 06 06 26 04 0A 02 06 D3", "Completion"),  # §5.1
    ("80 00 08 06 06 1F 73 03 00 00 01", "Positive Acknowledgement"),  # §5.1
    ("04 FF 09 17 06 06 1F 73 03 00 00 02", "Intermediate Status"),  # §5.1
    ("06 0F 08 06 06 1F 73 03 00 00 11", "Completion"),  # §5.1
]  # fmt: skip


@pytest.mark.parametrize(("line", "name"), SPEC_LITERALS)
def test_every_apdu_the_spec_prints_decodes_completely(line, name):
    report = one(line)
    assert report.complete, report.error
    assert report.name == name


def test_ingenico_intermediate_statuses_are_named_and_labelled():
    # Portalum.Zvt IngenicoEnglishIntermediateStatusRepository: A0-A5 are not in Table 17.
    assert "A2 (cancellation successful [vendor-specific: Ingenico])" in shown(one("04 FF 01 A2"))


@pytest.mark.parametrize("written", [
    "06 0F 00", "060F00", "0x06 0x0F 0x00", "0x06, 0x0F, 0x00", "0x06,0x0F,0x00",
    "0X6 0x0f 0x0",
])
def test_bytes_as_captures_write_them(written):
    """Plain hex pairs, or bytes as a C program logs them (0x.., commas): the same bytes."""
    assert parse_hex(written) == (None, bytes.fromhex("060F00"))


@pytest.mark.parametrize("written", ["06, 0F, 00", "0x100", "0x", "06 0F 0", "0x06, 0F"])
def test_mixed_or_ambiguous_notations_are_refused_not_guessed(written):
    with pytest.raises(BadInput):
        parse_hex(written)
