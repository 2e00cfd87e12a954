"""Typed ZVT messages: captured and spec vectors first, then lossless round trips and fuzzing.

Sources: PA00P015 rev 13.08 §2/§3/§5.1 (spec registration example), docs/reference/zvt.md
§1.2/§4.1/§6, wirelane/ecrterm ecrterm/tests/test_parsing.py (real 04 0F captures, masked PAN),
EVerest/zvt capture header for the extended-length 06 D3.
"""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from posdiag.drivers.zvt.apdu import Apdu, decode_apdu
from posdiag.drivers.zvt.bmp import Bmp
from posdiag.drivers.zvt.codes import TERMINAL_STATUS
from posdiag.drivers.zvt.messages import (
    REGISTRY,
    AbortFromTerminal,
    Ack,
    Authorisation,
    Completion,
    IntermediateStatus,
    Nack,
    NumericInputDukpt,
    NumericInputDukptAnswer,
    PrintLine,
    PrintTextBlock,
    PrintTurnoverReceipts,
    ReadCard,
    ReadFile,
    Registration,
    SetDateTime,
    StatusEnquiry,
    StatusEnquiryCompletion,
    StatusInformation,
    UnknownMessage,
    decode_message,
    permitted_commands,
)
from posdiag.drivers.zvt.messages_admin import (
    ActivateServiceMode,
    ChangeBaudrate,
    ChangePassword,
    SelectLanguage,
    SwitchProtocol,
)
from posdiag.drivers.zvt.messages_answers import (
    DialUpDataAnswer,
    DriverCodeAnswer,
    FunctionKeyAnswer,
    NumericInputAnswer,
)
from posdiag.drivers.zvt.messages_base import BmpCommand, PasswordCommand, build_bmps, tlv_bmp
from posdiag.drivers.zvt.messages_display import (
    DisplayTextOld,
    FunctionKeyInputOld,
    NumericInputOld,
    PinVerificationOld,
    PositionedText,
)
from posdiag.drivers.zvt.messages_payment import PrepaidTopUp
from posdiag.drivers.zvt.messages_requests import DialUp, TransmitDataViaDialUp
from posdiag.drivers.zvt.messages_vendor import CvendFunction, CvendSystemInformation
from posdiag.drivers.zvt.tlv import TlvNode
from posdiag.errors import ProtocolError


def apdu(text: str) -> Apdu:
    return decode_apdu(bytes.fromhex(text.replace(" ", "")))


def decoded(text: str, answering=None):
    a = apdu(text)
    msg = decode_message(a, answering)
    assert msg.to_apdu() == a, "decoding must be lossless"
    return msg


# --- known answers ----------------------------------------------------------------------------


def test_spec_registration_example_and_its_completion():
    # PA00P015 §5.1 / zvt.md §4.1 "Spec example"
    reg = decoded("06 00 14 00 00 00 9E 09 78 06 0C 26 04 0A 02 06 D3 1F 73 03 00 00 00")
    assert isinstance(reg, Registration)
    assert (reg.password, reg.config, reg.currency) == ("000000", 0x9E, 978)
    assert reg.tlv_find(0x0A).value == b"\x06\xd3"
    assert reg.tlv_find(0x1F73).value == b"\x00\x00\x00"
    done = decoded("06 0F 12 19 00 29 65 00 00 28 49 09 78 06 06 26 04 0A 02 06 D3")
    assert isinstance(done, Completion)
    assert (done.status_byte, done.terminal_id, done.currency) == (0, "65000028", 978)


def test_registration_builder_matches_card_complete_recommendation():
    # zvt.md §4.1 card complete: 06 00 10 12 34 56 BE 09 78 03 01 06 06 26 04 0A 02 06 D3
    built = Registration.create("123456", 0xBE, 978, service_byte=0x01,
                                tlv=[permitted_commands([(0x06, 0xD3)])])  # fmt: skip
    assert built.encode() == bytes.fromhex("0600101234 56BE0978 0301 060626040A0206D3")


def test_status_enquiry_completion_vector():
    # ecrterm test_version_completion; zvt.md §1.2: SW "2.14.15", terminal status 00
    msg = decoded("06 0F 0B F0 F0 F7 32 2E 31 34 2E 31 35 00", answering=(0x05, 0x01))
    assert isinstance(msg, StatusEnquiryCompletion)
    assert (msg.version_text, msg.terminal_status) == ("2.14.15", 0x00)
    without_version = decoded("06 0F 01 F0", answering=(0x05, 0x01))
    assert (without_version.software_version, without_version.terminal_status) == (None, 0xF0)
    # Without context the shape decides (§2.56.5 vs §3.2): no BMP starts with F0 F0 F7.
    assert decoded("06 0F 0B F0 F0 F7 32 2E 31 34 2E 31 35 00") == msg
    assert decoded("06 0F 01 F0") == without_version  # F0 = reconciliation required
    assert isinstance(decoded("06 0F 00"), Completion)


def test_status_information_after_payment_captured():
    # ecrterm test_parsing.py: Visa 10.00 EUR with TLV 41/49/15/60/2F (PAN masked by the PT)
    msg = decoded(
        "040FCE2700040000000010004909780C1230050D062922F0F8474843EEEEEE77438700023B3838393135"
        "3000000B000733196029420030360E18018A0A8C038BF0F556495341002A34353536303030303035393920"
        "20203CF0F7F341532D544944203D2031334630303031330D41532D50726F632D436F6465203D20323020"
        "3930332030300D436170742E2D5265662E3D20303030300D41494435393A20383039323538062B410200"
        "0A4902000315024445600F4204564953414307A00000000310102F0C1F1001001F1101011F120102"
    )
    assert isinstance(msg, StatusInformation)
    assert (msg.result_code, msg.amount, msg.currency, msg.trace) == (0, 1000, 978, 733)
    assert (msg.receipt_number, msg.card_type, msg.card_name) == (2, 10, "VISA")
    assert msg.pan_masked == "474843******7743"
    assert msg.tlv_find(0x43).value == bytes.fromhex("A0000000031010")
    assert msg.totals() is not None and msg.totals().amount == 1000


def test_status_information_with_separator_in_pan_field_masks_digits():
    # ecrterm test_parsing.py: girocard 40.00 EUR, BMP 22 carries digits and a D separator
    msg = decoded("04 0F 37 27 00 04 00 00 00 00 40 00 49 09 78 0C 09 38 48 0D 04 25 22 F1 F1 59"
                  " 66 66 66 66 D2 00 21 22 01 00 17 00 01 87 01 75 0B 61 39 95 19 40 29 60 09 99"
                  " 14 0E 05 12 8A 02")  # fmt: skip
    assert msg.amount == 4000
    assert msg.pan_masked == "******6666"
    assert "5966666666" not in repr(msg.fields())


def test_intermediate_status_with_timeout_and_display_text():
    # ecrterm test_parsing.py: 04 FF status 0A, T4 1 min, TLV 24{07 "Bitte Karte einstecken"}
    msg = decoded("04 FF 1E 0A 01 06 1A 24 18 07 16 42 69 74 74 65 20 4B 61 72 74 65 20 65 69 6E"
                  " 73 74 65 63 6B 65 6E")  # fmt: skip
    assert isinstance(msg, IntermediateStatus)
    assert (msg.status, msg.timeout_minutes, msg.texts) == (0x0A, 1, ["Bitte Karte einstecken"])
    assert decoded("04 FF 01 0A") == IntermediateStatus(0x0A)


def test_print_line_card_complete_with_trailing_tlv():
    # zvt.md §6 (Portalum PrintLineTest): centred "** HÄNDLERBELEG **" in Latin-1 + TLV 1F07
    msg = decoded("06 D1 19 40 2A 2A 20 48 C4 4E 44 4C 45 52 42 45 4C 45 47 20 2A 2A 06 04 1F 07"
                  " 01 01")  # fmt: skip
    assert isinstance(msg, PrintLine)
    assert msg.attribute == 0x40
    assert msg.text("latin-1") == "** HÄNDLERBELEG **"
    assert msg.tlv_find(0x1F07).value == b"\x01"


def test_print_text_block_extended_length_header():
    # EVerest capture: 06 D3 FF 61 04 ... = 0x0461 (1121) data bytes, length low byte first
    lines = [f"line {n:02d}".ljust(31) for n in range(33)]
    block = PrintTextBlock.create(lines, receipt_type=2)
    raw = block.encode()
    size = len(raw) - 5
    assert raw[:5] == bytes((0x06, 0xD3, 0xFF, size & 0xFF, size >> 8))
    back = decode_message(decode_apdu(raw))
    assert back == block and back.lines() == lines and back.receipt_type == 2


def test_abort_from_terminal_vectors():
    # zvt.md §1.2: 06 1E 01 6C; §4: wrong currency 6F + CC; open pre-auth enquiry B8 87 rcpt
    assert decoded("06 1E 01 6C") == AbortFromTerminal(0x6C)
    wrong_cc = decoded("06 1E 03 6F 09 78")
    assert (wrong_cc.result_code, wrong_cc.currency) == (0x6F, 978)
    enquiry = decoded("06 1E 04 B8 87 FF FF")
    assert enquiry.result_code == 0xB8 and enquiry.bmp(0x87).value is None  # FFFF = none open
    text = decoded("06 1E 0E FF 06 0B 1F 16 01 07 1F 17 04 54 65 78 74")
    assert text.error_text == "Text"


def test_ack_nack_and_unknown():
    assert decoded("80 00 00") == Ack()
    nack = decoded("84 83 00")
    assert isinstance(nack, Nack) and nack.error == 0x83 and not nack.positive
    assert decoded("84 9C 00").positive
    unknown = decoded("0F 77 02 00 01")
    assert isinstance(unknown, UnknownMessage)
    assert unknown.name == "proprietary command 0F 77 (vendor-specific)"
    assert unknown.fields()[0].value == "<2 bytes, not decoded>"
    # A vendor's own command whose bytes do not fit its document: shown as unknown.
    assert isinstance(decoded("0F A1 01 00"), UnknownMessage)
    assert isinstance(decoded("0F A1 02 00 01"), CvendFunction)


def test_numeric_input_dukpt_request_and_answer():
    # PA00P015 §2.31: 06 E7 BMPs as 06 E2 plus 22 PAN; answer 80 00 <key code> 06 TLV{1F32,1F75}
    request = NumericInputDukpt.create(["PIN eingeben"], min_length=4, max_length=12, echo=0x01,
                                       mac=bytes(8), pan="4111111111111111")  # fmt: skip
    assert decode_message(request.to_apdu()) == request
    assert "4111111111111111" not in repr(request.fields())
    pin_block = bytes.fromhex("1122334455667788")
    answer = Apdu(0x80, 0x00, b"\x00" + Bmp.of(0x06, [
        TlvNode(0x1F32, bytes.fromhex("FFFF9876543210E00001")), TlvNode(0x1F75, pin_block)
    ]).encode())  # fmt: skip
    msg = decode_message(answer, answering=(0x06, 0xE7))
    assert isinstance(msg, NumericInputDukptAnswer) and msg.key_code == 0
    assert msg.tlv_find(0x1F75).value == pin_block
    for shown in (msg.fields(), decode_message(answer).fields()):
        assert "11 22 33" not in repr(shown) and "1122334455667788" not in repr(shown)


def test_builders_produce_the_documented_bytes():
    # zvt.md §1.2: 06 01 07 04 00 00 00 00 01 90 (pay 1.90, no currency)
    assert Authorisation.create(190, currency=None).encode() == bytes.fromhex("0601070400000000"
                                                                             "0190")  # fmt: skip
    assert StatusEnquiry.create("123456").encode() == bytes.fromhex("050103123456")
    # zvt.md §4: 06 91 0B pw AA YYMMDD 0C HHMMSS
    assert SetDateTime.at("123456", datetime(2026, 11, 25, 8, 9, 44)).encode() == bytes.fromhex(
        "06910B123456AA2611250C080944")
    # 08 11 with TLV 2D{1D 01, 1E 00}, 1A 04 00
    expected = bytes.fromhex("08110E 060C 2D06 1D0101 1E0100 1A020400")
    assert ReadFile.create(1, 0, 1024).encode() == expected
    assert ReadCard.create(30, card_type=0x10).encode() == bytes.fromhex("06C0031E1910")


def test_file_blocks_from_read_file_status_information():
    nodes = [TlvNode(0x2D, (TlvNode(0x1C, b"journal"), TlvNode(0x1D, b"\x01"),
                            TlvNode(0x1E, b"\x00\x10"), TlvNode(0x1F00, b"\x01\x00")))]  # fmt: skip
    msg = StatusInformation(bmps=(Bmp.of(0x06, nodes),))
    block = decode_message(msg.to_apdu()).file_blocks()[0]
    assert (block.file_id, block.offset, block.data, block.file_size) == (1, 16, b"journal", 256)


# --- properties ---------------------------------------------------------------------------------

passwords = st.text("0123456789", min_size=6, max_size=6)
primitive_nodes = st.builds(TlvNode, st.sampled_from([0x07, 0x1F16, 0x41]), st.binary(max_size=40))
tlv_nodes = st.lists(primitive_nodes, max_size=3)
maybe_tlv = st.none() | tlv_nodes
messages = st.one_of(
    st.builds(Registration.create, passwords, st.integers(0, 255), st.sampled_from([978, 756]),
              st.none() | st.integers(0, 255), maybe_tlv),
    st.builds(Authorisation.create, st.integers(0, 10**12 - 1), st.none() | st.just(978),
              st.none() | st.integers(0, 255), maybe_tlv),
    st.builds(StatusEnquiry.create, passwords, st.none() | st.integers(0, 255), maybe_tlv),
    st.builds(ReadCard.create, st.integers(0, 255), st.none() | st.integers(0, 255)),
    st.builds(ReadFile.create, st.integers(1, 6), st.none() | st.integers(0, 2**32)),
    st.builds(IntermediateStatus, st.integers(0, 255)),
    st.builds(lambda s, t, n: IntermediateStatus(s, t, (Bmp.of(0x06, n),)), st.integers(0, 255),
              st.integers(0, 255), tlv_nodes),
    st.builds(AbortFromTerminal, st.integers(0, 255).filter(lambda rc: rc != 0x6F)),
    st.builds(lambda cc: AbortFromTerminal(0x6F, cc), st.sampled_from([978, 756, 840, 826])),
    st.builds(lambda v, s: StatusEnquiryCompletion(s, v), st.none() | st.binary(max_size=40),
              st.integers(0, 255)),
    st.builds(lambda t, a: PrintLine.create(t, a), st.text("ABC xyz 0123", max_size=40),
              st.integers(0, 255)),
    st.builds(PrintTextBlock.create, st.lists(st.text("abc 12", max_size=30), max_size=10)),
    st.builds(Ack, st.binary(max_size=10)),
    st.builds(Nack, st.integers(0, 255), st.binary(max_size=10)),
)


bmp_lists = st.lists(st.one_of(
    st.builds(lambda v: Bmp.of(0x04, v), st.integers(0, 10**12 - 1)),
    st.builds(lambda v: Bmp.of(0x49, v), st.sampled_from([978, 756])),
    st.builds(lambda v: Bmp.of(0x87, v), st.integers(0, 9999)),
    st.builds(lambda v: Bmp.of(0x22, v), st.text("0123456789", min_size=12, max_size=19)),
    st.builds(lambda v: Bmp.of(0xF1, v), st.text("Bitte warten", max_size=20)),
    st.builds(lambda n: Bmp.of(0x06, n), tlv_nodes),
), max_size=5).map(tuple)
bmp_classes = sorted((c for c in REGISTRY.values() if issubclass(c, BmpCommand)),
                     key=lambda c: c.COMMAND)  # fmt: skip
password_classes = sorted((c for c in REGISTRY.values() if issubclass(c, PasswordCommand)),
                          key=lambda c: c.COMMAND)  # fmt: skip
messages = st.one_of(
    messages,
    st.builds(lambda c, b: c(bmps=b), st.sampled_from(bmp_classes), bmp_lists),
    st.builds(lambda c, p, b: c(password=p, bmps=b), st.sampled_from(password_classes),
              passwords, bmp_lists),
    st.builds(PrintTurnoverReceipts, passwords, st.integers(0, 9999),
              st.none() | st.integers(0, 9999)),
    st.builds(NumericInputDukptAnswer, st.integers(0, 255), bmp_lists),
)


texts = st.binary(max_size=30).filter(lambda b: 0 not in b)


def ascii_of(n):
    return st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=n,
                   max_size=n).map(str.encode)


positioned = st.builds(PositionedText, st.integers(0, 255), texts)
old_display = st.sampled_from([DisplayTextOld, FunctionKeyInputOld])
messages = st.one_of(
    messages,
    st.builds(lambda c, p: c(p), st.sampled_from([SwitchProtocol, SelectLanguage, ChangeBaudrate]),
              st.integers(0, 255)),
    st.builds(ChangePassword, passwords, passwords),
    st.builds(ActivateServiceMode) | st.builds(ActivateServiceMode, passwords, bmp_lists),
    st.builds(PrepaidTopUp, st.integers(0, 9999), st.integers(0, 255), bmp_lists),
    st.builds(lambda c, t: c(t), old_display, positioned),
    st.builds(lambda c, t, d: c(t, d), old_display, positioned, st.integers(0, 255)),
    st.builds(lambda c, t, d, u: c(t, d, u), old_display, positioned, st.integers(0, 255),
              positioned),
    st.builds(NumericInputOld, st.integers(0, 255), st.integers(0, 255), st.binary(min_size=2,
              max_size=2), st.integers(0, 255), positioned, positioned, st.binary(max_size=8)),
    st.builds(PinVerificationOld, st.integers(0, 255), st.integers(0, 255), st.integers(0, 255),
              st.integers(0, 255), positioned, st.binary(max_size=20)),
    st.builds(DialUp, st.binary(max_size=40)),
    st.builds(CvendFunction, st.none() | passwords, st.integers(0, 0xFFFF)),
    st.builds(TransmitDataViaDialUp, st.binary(max_size=40)),
)  # fmt: skip
answers = st.one_of(
    st.builds(lambda k: (FunctionKeyAnswer(bytes((k,))), (0x06, 0xE1)), st.integers(0, 255)),
    st.builds(lambda b: (NumericInputAnswer(b), (0x06, 0xE2)), st.binary(min_size=1, max_size=9)),
    st.builds(lambda b: (DriverCodeAnswer(b), (0x06, 0x87)), st.binary(min_size=1, max_size=9)),
    st.builds(lambda b: (DialUpDataAnswer(b), (0x06, 0xDA)), st.binary(min_size=1, max_size=9)),
    st.builds(lambda d, s, t, b, c: (CvendSystemInformation(d, s, t, b, c), (0x0F, 0xA1)),
              ascii_of(8), ascii_of(17), ascii_of(8), st.just(b"") | ascii_of(4),
              ascii_of(3) | ascii_of(4)),
)  # fmt: skip


def _context(msg):
    if isinstance(msg, StatusEnquiryCompletion):
        return (0x05, 0x01)
    if isinstance(msg, NumericInputDukptAnswer):
        return (0x06, 0xE7)
    return None


def test_every_registered_message_type_is_in_the_round_trip_strategy():
    covered = {Registration, Authorisation, StatusEnquiry, ReadCard, ReadFile, IntermediateStatus,
               AbortFromTerminal, PrintLine, PrintTextBlock, Ack, PrintTurnoverReceipts,
               SwitchProtocol, SelectLanguage, ChangeBaudrate, ChangePassword,
               ActivateServiceMode, PrepaidTopUp, DisplayTextOld, FunctionKeyInputOld,
               NumericInputOld, PinVerificationOld, DialUp, TransmitDataViaDialUp, CvendFunction,
               *bmp_classes, *password_classes}  # fmt: skip
    assert set(REGISTRY.values()) <= covered


@given(answers)
def test_context_answers_decode_of_encode_is_identity(pair):
    msg, answering = pair
    assert decode_message(decode_apdu(msg.encode()), answering) == msg


@given(st.sampled_from(sorted(TERMINAL_STATUS)), st.none() | st.binary(max_size=40),
       st.none() | tlv_nodes)  # fmt: skip
def test_status_enquiry_completion_is_recognised_without_context(status, version, nodes):
    msg = StatusEnquiryCompletion(status, version, build_bmps(tlv_bmp(nodes)))
    assert decode_message(decode_apdu(msg.encode())) == msg


@given(messages)
def test_decode_of_encode_is_identity(msg):
    assert decode_message(decode_apdu(msg.encode()), _context(msg)) == msg


@settings(max_examples=400)
@given(st.sampled_from([*sorted(REGISTRY), (0x84, 0x00), (0x05, 0x01)]), st.binary(max_size=40),
       st.booleans())  # fmt: skip
def test_random_data_decodes_losslessly_or_raises_protocol_error(command, data, status_ctx):
    a = Apdu(*command, data)
    try:
        msg = decode_message(a, (0x05, 0x01) if status_ctx else None)
    except ProtocolError:
        return
    assert msg.to_apdu() == a
    msg.fields()  # rendering must not fail either


@settings(max_examples=200)
@given(messages, st.data())
def test_mutated_messages_raise_only_protocol_error(msg, data):
    raw = bytearray(msg.encode())
    pos = data.draw(st.integers(0, len(raw) - 1))
    raw[pos] = data.draw(st.integers(0, 255))
    try:
        decoded_msg = decode_message(decode_apdu(bytes(raw)))
    except ProtocolError:
        return
    assert decoded_msg.encode() == bytes(raw)
