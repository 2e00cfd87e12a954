"""The emulated terminal's own commands: Registration 06 00, Status Enquiry 05 01, Log-Off
06 02, Abort 06 B0, Diagnosis 06 70, Print System Configuration 06 1A, Display Text 06 E0 and
Change Baudrate 08 40 (PA00P015 §2.1, 2.17, 2.19, 2.23, 2.24, 2.26, 2.55, 2.57).
"""

from __future__ import annotations

import time
from datetime import datetime

from posdiag.drivers.zvt import bcd
from posdiag.drivers.zvt import messages_ecr as messages
from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.bmp import TLV_BMP, Bmp, encode_bmps
from posdiag.drivers.zvt.charsets import code_of
from posdiag.drivers.zvt.messages_pt import StatusEnquiryCompletion
from posdiag.drivers.zvt.rates import CHANGE_BAUDRATE, requested_rate
from posdiag.drivers.zvt.tlv import TlvNode, find, find_all
from posdiag.emulator.core import Handler, Registration
from posdiag.emulator.handlers_common import (
    RC_NO_CONNECTION,
    RC_WRONG_CURRENCY,
    abort,
    completion,
    intermediate,
    print_and_complete,
    tlv_bmp,
    wrong_password,
)
from posdiag.emulator.receipts import ADMIN, CENTRED, Receipt, ReceiptLine
from posdiag.emulator.session import PtSession

RC_CANNOT_CHANGE_RATE = 0x7D
RC_RATE_NOT_SUPPORTED = 0xFD
RATE_SWITCH_SECONDS = 2.0  # the PT accepts commands at the new rate this long after its answer

# --- Registration 06 00 ----------------------------------------------------------------------


def registration(session: PtSession, command: Apdu) -> None:
    request = messages.Registration.from_apdu(command)  # ProtocolError -> 84 9A by the session
    terminal = session.terminal
    if wrong_password(session, request.password):
        return
    if request.currency_code is not None and request.currency_code != terminal.config.currency:
        # 84 1E with 6F and the terminal's currency (§2.1, wrong currency code).
        session.transport.send(Apdu(0x84, 0x1E, bytes((RC_WRONG_CURRENCY,))
                                    + bcd.int_to_bcd(terminal.config.currency, 2)))
        return
    tlv_nodes = request.tlv
    permitted = frozenset(
        (node.value[0], node.value[1])
        for node in find_all(tlv_nodes, 0x0A)
        if isinstance(node.value, bytes) and len(node.value) == 2
    )
    registered = terminal.state.registered
    registered.config_byte = request.config
    registered.currency = request.currency_code
    registered.tlv_enabled = request.bmp(0x06) is not None
    registered.permitted = permitted
    max_apdu = find(tlv_nodes, 0x1A)
    if max_apdu is not None and isinstance(max_apdu.value, bytes) and max_apdu.value:
        registered.max_apdu = int.from_bytes(max_apdu.value, "big")
    session.answer()
    fields = [Bmp.of(0x19, 0x00), Bmp.of(0x29, terminal.config.terminal_id)]
    if request.currency_code is not None:  # the PT echoes a CC only to an ECR that sent one
        fields.append(Bmp.of(0x49, terminal.config.currency))
    reply = encode_bmps(fields)
    if registered.tlv_enabled:
        echo: list[TlvNode] = []
        if permitted:
            echo.append(TlvNode(0x26, tuple(TlvNode(0x0A, bytes(c)) for c in sorted(permitted))))
        if find(tlv_nodes, 0x12) is not None:
            echo.append(TlvNode(0x12, bcd.int_to_bcd(terminal.config.receipt_width, 1)))
        charset = code_of(terminal.config.charset)
        if charset is not None and charset != 0xFF:  # a PT set to another charset says so
            echo.append(TlvNode(0x27, (TlvNode(0x14, bytes((charset,))),)))
        reply += tlv_bmp(echo)
    completion(session, reply)


# --- Status Enquiry 05 01 ------------------------------------------------------------------


def serial_number_tlv_value(serial: str) -> bytes:
    """TLV 1F42 is packed BCD (§9.4.12). A configured serial with other characters cannot
    be; it is sent as ASCII then, as some real PTs do (the analyser flags it)."""
    if serial.isascii() and serial.isdigit():
        return bcd.pack_bcd(serial)
    return serial.encode("ascii", "replace")


def status_enquiry(session: PtSession, command: Apdu) -> None:
    request = messages.StatusEnquiry.from_apdu(command)
    if wrong_password(session, request.password):
        return
    service = request.value(0x03) or 0
    tlv_requested = request.bmp(0x06) is not None
    terminal = session.terminal
    config = terminal.config
    session.answer()
    # Service byte bit 1 set: no software version.
    version = None if service & 0x02 else config.software_version.encode("ascii", "replace")
    bmps: tuple[Bmp, ...] = ()
    if service & 0x04 or tlv_requested or terminal.state.registered.tlv_enabled:
        device = TlvNode(0xE4, (
            TlvNode(0x1F40, config.device_name.encode("ascii", "replace")),
            TlvNode(0x1F41, config.software_version.encode("ascii", "replace")),
            TlvNode(0x1F42, serial_number_tlv_value(config.serial_number)),
            TlvNode(0x1F43, bytes((terminal.state.status,))),
        ))
        now = terminal.now()
        clock = TlvNode(0x34, (
            TlvNode(0x1F0E, bcd.pack_bcd(now.strftime("%Y%m%d"))),
            TlvNode(0x1F0F, bcd.pack_bcd(now.strftime("%H%M%S"))),
        ))
        tid = TlvNode(0x1F44, bcd.pack_bcd(config.terminal_id))
        bmps = (Bmp.of(TLV_BMP, (tid, device, clock)),)
    reply = StatusEnquiryCompletion(terminal.state.status, version, bmps)
    session.send(reply.to_apdu())


# --- Log-Off 06 02, Abort 06 B0 -------------------------------------------------------------


def log_off(session: PtSession, command: Apdu) -> None:
    session.terminal.state.registered = Registration()  # config byte 86, TLV off (§2.24)
    session.answer()


def abort_command(session: PtSession, command: Apdu) -> None:
    # Outside a running transaction there is nothing to abort: acknowledge (§2.23).
    session.answer()


# --- Diagnosis 06 70, Print System Configuration 06 1A --------------------------------------


def system_configuration_receipt(session: PtSession) -> Receipt:
    terminal = session.terminal
    config = terminal.config
    lines = [
        ReceiptLine("SYSTEM CONFIGURATION", CENTRED),
        ReceiptLine(config.merchant_name, CENTRED),
        ReceiptLine(config.merchant_city, CENTRED),
        ReceiptLine(""),
        ReceiptLine(f"Device:   {config.device_name}"),
        ReceiptLine(f"Serial:   {config.serial_number}"),
        ReceiptLine(f"Software: {config.software_version}"),
        ReceiptLine(f"TID:      {config.terminal_id}"),
        ReceiptLine(f"VU no.:   {config.merchant_id}"),
        ReceiptLine(f"Currency: {config.currency:03d}"),
        ReceiptLine(f"MCC:      {config.mcc}"),
        ReceiptLine(f"ECR config byte: {terminal.state.registered.config_byte:02X}"),
        ReceiptLine(f"Status:   {terminal.state.status:02X}"),
        ReceiptLine(terminal.now().strftime("%d.%m.%Y %H:%M:%S")),
    ]
    return Receipt(ADMIN, tuple(lines))


def print_system_configuration(session: PtSession, command: Apdu) -> None:
    session.answer()
    print_and_complete(session, system_configuration_receipt(session), payment=False)


def diagnosis(session: PtSession, command: Apdu) -> None:
    """06 70 (PA00P015 §2.17): contact the host, pass its date and time on (04 01), print,
    then Completion 06 0F 00; Abort 06 1E A3 when the host cannot be reached."""
    request = messages.Diagnosis.from_apdu(command)
    node = request.tlv_find(0x1B)
    diagnosis_type = node.value[0] if node and isinstance(node.value, bytes) and node.value \
        else 0x02  # extended diagnosis is the default (TLV 1B)
    terminal = session.terminal
    session.answer()
    intermediate(session, 0x0E)  # please wait
    if terminal.faults.host_offline:
        abort(session, RC_NO_CONNECTION)
        return
    host_time = datetime.now()  # the host's clock; the terminal takes it over
    terminal.clock_offset = 0.0
    session.send(Apdu(0x04, 0x01, encode_bmps([Bmp.of(0xAA, host_time.strftime("%y%m%d")),
                                                Bmp.of(0x0C, host_time.strftime("%H%M%S"))])))
    config = terminal.config
    lines = [ReceiptLine("DIAGNOSIS", CENTRED), ReceiptLine(f"type {diagnosis_type:02X}"),
             ReceiptLine(f"TID {config.terminal_id}"), ReceiptLine("host connection OK"),
             ReceiptLine(host_time.strftime("%d.%m.%Y %H:%M:%S"))]
    if terminal.state.status in (0xC2, 0x62):  # diagnosis required / date-time incorrect
        terminal.state.status = 0x00
    print_and_complete(session, Receipt(ADMIN, tuple(lines)), payment=False)


def display_text(session: PtSession, command: Apdu) -> None:
    """06 E0 (§2.26): show BMP F1-F8 on the display; answer 80 00, no Completion."""
    request = messages.DisplayText.from_apdu(command)
    lines = [request.value(0xF1 + i) for i in range(8)]
    session.terminal.state.display = tuple(str(line) for line in lines if line is not None)
    session.answer()


# --- Change Baudrate 08 40 --------------------------------------------------------------------


def change_baudrate(session: PtSession, command: Apdu) -> None:
    """08 40 (§2.57): 80 00 at the old rate, then the new rate, heard from 2 s after that
    answer on; 84 FD for a rate the terminal does not take, 84 7D when it cannot change at
    all. On TCP there is no rate: it answers 80 00 and changes nothing (§2.57.2)."""
    rate = requested_rate(command)
    config = session.terminal.config
    if session.line is None:
        session.answer()
        return
    if config.baud_fixed:
        session.refuse(RC_CANNOT_CHANGE_RATE)
        return
    if rate is None or rate > config.max_baud:
        session.refuse(RC_RATE_NOT_SUPPORTED)
        return
    answered = time.monotonic()
    session.answer()  # waits for the ECR's ACK, still at the old rate
    session.line.change_rate(rate, max(0.0, answered + RATE_SWITCH_SECONDS - time.monotonic()))


def admin_handlers() -> dict[tuple[int, int], Handler]:
    return {
        (0x06, 0x00): registration,
        (0x05, 0x01): status_enquiry,
        (0x06, 0x02): log_off,
        (0x06, 0xB0): abort_command,
        (0x06, 0x70): diagnosis,
        (0x06, 0x1A): print_system_configuration,
        (0x06, 0xE0): display_text,
        CHANGE_BAUDRATE: change_baudrate,
    }
