"""The payment side of the emulated terminal (PA00P015 §2.2, 2.9, 2.15, 2.21, 2.31, 2.59/2.60).

  06 01 Authorisation  card read → PIN entry → DUKPT PIN block → host → 04 0F → receipts →
                       06 0F (approved) or 06 1E <result code>
  06 30 Reversal       of a receipt number from the journal (no card needed)
  06 31 Refund         card read (no PIN) → host → as 06 01
  06 C0 Read Card      04 0F with the card's tracks (2D, 23); no Completion
  06 E7 Numeric input  digits DUKPT-encrypted in 80 00 <key> 06{1F32 KSN, 1F75 PIN block}
  06 D1/06 D3 from the ECR: printed on the terminal's printer, 84 CC 00 when it is not ready

A transaction is stored only after the ECR acknowledged its 04 0F and every receipt reached
paper (§2.2.8); otherwise the terminal reverses it itself and ends with 06 1E.
"""

from __future__ import annotations

import time

from posdiag.drivers.zvt import bcd
from posdiag.drivers.zvt import messages_ecr as messages
from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.bmp import Bmp, encode_bmps
from posdiag.drivers.zvt.messages_print import PrintLine, PrintTextBlock
from posdiag.drivers.zvt.tlv import TlvNode
from posdiag.emulator.core import Handler, PaymentDevices
from posdiag.emulator.handlers_common import (
    abort,
    completion,
    deliver,
    intermediate,
    tlv_bmp,
    wrong_password,
)
from posdiag.emulator.operator import Cancelled, PresentedCard
from posdiag.emulator.payment_receipts import TransactionView, transaction_receipts
from posdiag.emulator.pinpad import EncryptedPin, PinPadError
from posdiag.emulator.receipts import Receipt, ReceiptLine
from posdiag.emulator.session import PtSession
from posdiag.testcards import TestCard

RC_OK = 0x00
RC_CARD_NOT_READABLE = 0x64
RC_CARD_DATA_NOT_PRESENT = 0x65
RC_ABORT_OR_TIMEOUT = 0x6C
RC_WRONG_CURRENCY = 0x6F
RC_CARD_UNKNOWN = 0x7A
RC_FUNCTION_NOT_POSSIBLE = 0x83
RC_PROTOCOL_ERROR = 0x9A
RC_ALREADY_REVERSED = 0xB4
RC_REVERSAL_NOT_POSSIBLE = 0xB5
RC_PRINTER_NOT_READY = 0xCC

KEY_OK, KEY_STOP, KEY_TIMEOUT = 0x00, 0x1B, 0x6C  # 06 E7 key codes (§2.31)
STATUS_INSERT_CARD, STATUS_WATCH_PIN_PAD, STATUS_WAITING_HOST = 0x0A, 0x01, 0x04
STATUS_CARD_NOT_READABLE = 0x0C
REPEAT_STATUS_AFTER = 2.0  # s; the ECR answered 84 9C "not ready yet" (§2.2.6)
MAX_STATUS_REPEATS = 5  # when the ECR sent no BMP 02


def _devices(session: PtSession) -> PaymentDevices:
    return session.terminal.payment


# --- card and PIN ----------------------------------------------------------------------------


def _wait_card(session: PtSession, timeout: float | None) -> tuple[PresentedCard | None, int]:
    """Ask for a card and wait: (card, 00) or (None, result code)."""
    devices = _devices(session)
    intermediate(session, STATUS_INSERT_CARD)
    try:
        presented = devices.operator.wait_card(timeout, session.poll_abort)
    except Cancelled:
        return None, RC_ABORT_OR_TIMEOUT
    if presented is None:
        return None, RC_ABORT_OR_TIMEOUT
    if session.terminal.faults.card_misread:
        intermediate(session, STATUS_CARD_NOT_READABLE)
        return None, RC_CARD_NOT_READABLE
    return presented, RC_OK


def _card_for(session: PtSession, request: messages.Message,
              payment_type: int) -> tuple[TestCard | None, int]:
    """The card of a payment or refund: previous Read Card, card data sent, or a new read."""
    devices = _devices(session)
    if payment_type & 0x02:  # "use the data from the previous Read Card" (Table 4)
        last = devices.last_read
        return (last.card, RC_OK) if last else (None, RC_CARD_DATA_NOT_PRESENT)
    sent = request.bmp(0x23) or request.bmp(0x22)
    if sent is not None:  # card data typed or read at the ECR (§2.2.1)
        digits = bcd.unpack_card_digits(sent.raw).split("D", 1)[0]
        found = next((c for c in devices.operator.cards.values() if c.pan == digits), None)
        return (found, RC_OK) if found else (None, RC_CARD_UNKNOWN)
    presented, rc = _wait_card(session, devices.card_timeout)
    return (presented.card if presented else None), rc


def _pin_block(session: PtSession, card: TestCard) -> tuple[EncryptedPin | None, int]:
    devices = _devices(session)
    intermediate(session, STATUS_WATCH_PIN_PAD)
    if session.terminal.faults.pin_timeout:
        return None, RC_ABORT_OR_TIMEOUT  # nobody types: the pad times out
    try:
        digits = devices.operator.wait_pin(devices.pin_timeout, session.poll_abort)
    except Cancelled:
        return None, RC_ABORT_OR_TIMEOUT
    if digits is None:
        return None, RC_ABORT_OR_TIMEOUT
    try:
        return devices.pinpad.encrypt(digits, card.pan, devices.pinpad.payment_format), RC_OK
    except PinPadError as err:
        return None, err.result_code


# --- the transaction, after the card ---------------------------------------------------------


def _terminal_prints_payments(session: PtSession) -> bool:
    return not session.terminal.state.registered.config_byte & 0x02


def _status_data(session: PtSession, view: TransactionView, with_currency: bool) -> bytes:
    """04 0F after a payment, reversal or refund (§3.1.1)."""
    terminal = session.terminal
    fields = [
        Bmp.of(0x27, view.result_code),
        Bmp.of(0x04, view.amount),
        Bmp.of(0x0B, view.trace),
        Bmp.of(0x0C, view.when.strftime("%H%M%S")),
        Bmp.of(0x0D, view.when.strftime("%m%d")),
        Bmp.of(0x19, 0x70 if view.pin_verified else 0x60),  # PIN payment / online
        Bmp.of(0x22, view.masked_pan.replace("*", "E")),  # masked digits travel as nibble E
        Bmp.of(0x29, terminal.config.terminal_id),
        Bmp.of(0x87, view.receipt),
        Bmp.of(0x8A, view.card_type),
        Bmp.of(0x8B, view.brand + "\x00"),
        Bmp.of(0x2A, terminal.config.merchant_id),
    ]
    if view.auth_code:
        fields.append(Bmp.of(0x3B, view.auth_code))
    if with_currency:
        fields.append(Bmp.of(0x49, terminal.config.currency))
    data = encode_bmps(fields)
    if terminal.state.registered.tlv_enabled:
        payment = TlvNode(0x2F, (TlvNode(0x1F10, b"\x02" if view.pin_verified else b"\x00"),
                                 TlvNode(0x1F11, b"\x01"), TlvNode(0x1F12, b"\x00")))
        data += tlv_bmp([TlvNode(0x43, bytes.fromhex(view.aid)), payment])
    return data


def _send_status(session: PtSession, data: bytes, max_repeats: int | None) -> bool:
    """Send 04 0F; True once the ECR accepts it (80 00 / 84 00), repeating after 84 9C."""
    repeats = 0
    while True:
        reply = session.send(Apdu(0x04, 0x0F, data))
        if reply.cls == 0x80 or (reply.cls == 0x84 and reply.instr == 0x00):
            return True
        if reply.cls == 0x84 and reply.instr == 0x9C:
            repeats += 1
            if repeats <= (MAX_STATUS_REPEATS if max_repeats is None else max_repeats):
                time.sleep(REPEAT_STATUS_AFTER)
                continue
        return False  # 84 yy: issue of goods failed, or too many "not ready yet"


def _finish(session: PtSession, view: TransactionView, request: messages.Message) -> None:
    """04 0F, receipts, journal, then 06 0F or 06 1E (§2.2.6-2.2.9)."""
    terminal = session.terminal
    data = _status_data(session, view, with_currency=request.bmp(0x49) is not None)
    if not _send_status(session, data, request.value(0x02)):
        terminal.ledger.log(f"auto-reversal of receipt {view.receipt:04d}: ECR did not confirm")
        abort(session, RC_ABORT_OR_TIMEOUT)
        return
    receipts = transaction_receipts(terminal.config, view)
    for receipt in receipts:
        failed = deliver(session, receipt, payment=True)
        if failed is not None:
            terminal.ledger.log(f"auto-reversal of receipt {view.receipt:04d}: no receipt")
            abort(session, failed)
            return
    terminal.last_receipts = tuple(receipts)
    kind = view.kind if view.result_code == RC_OK else "decline"
    terminal.ledger.book(terminal.ledger.new_record(
        receipt=view.receipt, trace=view.trace, type=kind, result=view.result_code,
        amount=view.amount, time=view.when.strftime("%Y-%m-%dT%H:%M:%S"),
        card_type=view.card_type, brand=view.brand, pan=view.masked_pan, aid=view.aid,
        auth=view.auth_code or "", orig_receipt=view.orig_receipt,
    ))
    terminal.ledger.last_status = data
    if view.result_code == RC_OK:
        completion(session)
    else:
        abort(session, view.result_code)


def _start(session: PtSession, request: messages.Message) -> bool:
    """Checks before the 80 00: printer ready if the terminal prints, currency right."""
    terminal = session.terminal
    if _terminal_prints_payments(session) and not terminal.printer.ready:
        session.refuse(RC_PRINTER_NOT_READY)
        return False
    session.answer()
    currency = request.value(0x49)
    if currency is not None and currency != terminal.config.currency:
        abort(session, RC_WRONG_CURRENCY, bcd.int_to_bcd(terminal.config.currency, 2))
        return False
    return True


def _card_transaction(session: PtSession, request: messages.Message, kind: str,
                      amount: int, with_pin: bool) -> None:
    card, rc = _card_for(session, request, request.value(0x19) or 0x40)
    if card is None:
        abort(session, rc)
        return
    encrypted = None
    if with_pin:
        encrypted, rc = _pin_block(session, card)
        if encrypted is None:
            abort(session, rc)
            return
    devices = _devices(session)
    intermediate(session, STATUS_WAITING_HOST)
    terminal = session.terminal
    today = devices.today() if devices.today is not None else terminal.now().date()
    answer = devices.host.authorise(card, amount, encrypted, today)
    receipt, trace = terminal.ledger.next_numbers()
    view = TransactionView.of_card(kind, card, amount, receipt, trace, answer.result_code,
                                   answer.auth_code, pin_verified=with_pin and answer.approved,
                                   currency=terminal.config.currency, when=terminal.now())
    _finish(session, view, request)


def authorisation(session: PtSession, command: Apdu) -> None:
    request = messages.Authorisation.from_apdu(command)
    if request.amount is None:
        session.refuse(RC_PROTOCOL_ERROR)  # bonus transactions without amount: not emulated
        return
    if _start(session, request):
        _card_transaction(session, request, "payment", request.amount, with_pin=True)


def refund(session: PtSession, command: Apdu) -> None:
    request = messages.Refund.from_apdu(command)
    if wrong_password(session, request.password):
        return
    amount = request.value(0x04)
    if amount is None:
        session.refuse(RC_PROTOCOL_ERROR)
        return
    if _start(session, request):
        _card_transaction(session, request, "refund", amount, with_pin=False)


def reversal(session: PtSession, command: Apdu) -> None:
    request = messages.Reversal.from_apdu(command)
    terminal = session.terminal
    if wrong_password(session, request.password):
        return
    number = request.value(0x87)
    if number is None:
        session.refuse(RC_PROTOCOL_ERROR)  # the receipt number is mandatory (§2.9)
        return
    if not _start(session, request):
        return
    original = terminal.ledger.booked.get(number)
    amount = request.value(0x04)
    if original is None or (amount is not None and amount != original.amount):
        abort(session, RC_REVERSAL_NOT_POSSIBLE)
        return
    if original.reversed:
        abort(session, RC_ALREADY_REVERSED)
        return
    receipt, trace = terminal.ledger.next_numbers()
    view = TransactionView.of_booking(original, receipt, trace, terminal.config.currency,
                                      when=terminal.now())
    _finish(session, view, request)


# --- 06 C0 Read Card -------------------------------------------------------------------------


def read_card(session: PtSession, command: Apdu) -> None:
    request = messages.ReadCard.from_apdu(command)
    devices = _devices(session)
    timeout: float | None = devices.card_timeout if request.timeout is None else request.timeout
    session.answer()
    presented, rc = _wait_card(session, timeout or None)  # timeout 00 = infinite (§2.21)
    if presented is None:
        session.send(Apdu(0x04, 0x0F, encode_bmps([Bmp.of(0x27, rc)])))
        return
    devices.last_read = presented  # an inserted card stays in the reader until used
    card = presented.card
    track1 = card.track1.encode()[1:-1]  # without start and end sentinel (§3.1.2)
    track2 = card.track2.encode()[1:-1].replace("=", "D")
    data = encode_bmps([Bmp.of(0x2D, track1), Bmp.of(0x23, track2)])
    session.send(Apdu(0x04, 0x0F, data))  # returns master rights: no Completion


# --- 06 E7 Display Text with Numerical Input, DUKPT-encrypted --------------------------------


def numeric_input_dukpt(session: PtSession, command: Apdu) -> None:
    request = messages.NumericInputDukpt.from_apdu(command)
    devices = _devices(session)
    pan_bmp = request.bmp(0x22)
    pan = bcd.unpack_card_digits(pan_bmp.raw) if pan_bmp is not None else None
    if pan is not None and not pan.isdigit():
        session.refuse(0xEC)  # a masked PAN cannot bind a PIN block
        return
    engine_node = request.tlv_find(0x1F77)
    engine = engine_node.value[0] if engine_node and isinstance(engine_node.value, bytes) \
        and engine_node.value else 0
    pinpad = devices.pinpad
    if (pinpad.aes if engine == 1 else pinpad.tdes).exhausted:
        session.refuse(0x74)  # DUKPT engine exhausted
        return
    duration = request.value(0xF0)
    if session.terminal.faults.pin_timeout:
        session.answer(Apdu(0x80, 0x00, bytes((KEY_TIMEOUT,))))
        return
    try:
        digits = devices.operator.wait_pin(duration or devices.pin_timeout, session.poll_abort)
    except Cancelled:
        session.answer(Apdu(0x80, 0x00, bytes((KEY_STOP,))))
        return
    if digits is None:
        session.answer(Apdu(0x80, 0x00, bytes((KEY_TIMEOUT,))))
        return
    low, high = request.value(0xE0) or 0, request.value(0xE9) or 20
    if not low <= len(digits) <= high:
        session.refuse(0xEC)
        return
    try:
        encrypted = pinpad.encrypt_for_engine(digits, pan, engine)
    except PinPadError as err:
        session.refuse(err.result_code)
        return
    tlv = tlv_bmp([TlvNode(0x1F32, encrypted.ksn), TlvNode(0x1F75, encrypted.block)])
    session.answer(Apdu(0x80, 0x00, bytes((KEY_OK,)) + tlv))


# --- 06 D1 / 06 D3 sent by the ECR: print on the terminal's printer (§2.59, 2.60) -------------


def print_line_on_terminal(session: PtSession, command: Apdu) -> None:
    line = PrintLine.from_apdu(command)
    printer = session.terminal.printer
    if not printer.ready:
        session.refuse(RC_PRINTER_NOT_READY)
        return
    pending = _devices(session).ecr_lines
    if line.is_line_feed:
        pending.extend([ReceiptLine("")] * (line.text_bytes[0] if line.text_bytes else 1))
    else:
        pending.append(ReceiptLine(line.text(session.terminal.config.charset), line.attribute))
    if line.ends_receipt:
        printer.print_receipt(Receipt(0, tuple(pending), source="ecr"))
        pending.clear()
    session.answer()


def print_text_block_on_terminal(session: PtSession, command: Apdu) -> None:
    block = PrintTextBlock.from_apdu(command)
    printer = session.terminal.printer
    if not printer.ready:
        session.refuse(RC_PRINTER_NOT_READY)
        return
    pending = _devices(session).ecr_lines
    box = block.tlv_find(0x25)
    attribute, ended = 0x00, False
    for node in box.value if box is not None and isinstance(box.value, tuple) else ():
        if not isinstance(node.value, bytes):
            continue
        if node.tag == 0x09 and node.value:
            attribute = node.value[0]
            ended = bool(attribute & 0x80) and attribute != 0x80
        elif node.tag == 0x07:
            pending.append(ReceiptLine(node.value.decode(session.terminal.config.charset,
                                                         "replace"), attribute))
            ended = False
    if ended:
        printer.print_receipt(Receipt(block.receipt_type or 0, tuple(pending), source="ecr"))
        pending.clear()
    session.answer()


def payment_handlers() -> dict[tuple[int, int], Handler]:
    return {
        (0x06, 0x01): authorisation,
        (0x06, 0x30): reversal,
        (0x06, 0x31): refund,
        (0x06, 0xC0): read_card,
        (0x06, 0xE7): numeric_input_dukpt,
        (0x06, 0xD1): print_line_on_terminal,
        (0x06, 0xD3): print_text_block_on_terminal,
    }
