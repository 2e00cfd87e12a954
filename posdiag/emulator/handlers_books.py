"""The terminal's books over ZVT: Read File 08 11, Send Turnover Totals 06 10, End-of-Day
06 50, Repeat Receipt 06 20, Print Turnover Receipts 06 12, Set Date/Time 06 91 and
Initialisation 06 93 (PA00P015 §2.16, 2.18–2.20, 2.25, 2.38, 2.43; §3.1.3).
"""

from __future__ import annotations

from datetime import datetime

from posdiag.devices import Totals
from posdiag.drivers.zvt import bcd
from posdiag.drivers.zvt import messages_ecr as messages
from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.bmp import Bmp, encode_bmps
from posdiag.drivers.zvt.tlv import TlvNode, find_all
from posdiag.emulator.core import Handler
from posdiag.emulator.handlers_common import (
    RC_FUNCTION_NOT_POSSIBLE,
    abort,
    completion,
    deliver,
    intermediate,
    print_and_complete,
    tlv_bmp,
    wrong_password,
)
from posdiag.emulator.receipts import ADMIN, CENTRED, Receipt, ReceiptLine
from posdiag.emulator.session import PtSession
from posdiag.journal import BRAND_ORDER

RC_OK = 0x00
DUPLICATE = "*** DUPLICATE ***"
# Room a Read File 04 0F needs around the block: APDU header (5), BMP 06 and its length (4),
# 2D with its length (4), 1D (3), 1E with 4 bytes (6), 1F00 with 4 bytes (7), 1C header (4).
READ_FILE_OVERHEAD = 40
MIN_BLOCK = 16


# --- Read File 08 11 -------------------------------------------------------------------------


def read_file(session: PtSession, command: Apdu) -> None:
    request = messages.ReadFile.from_apdu(command)
    wanted: list[tuple[int, int]] = []
    for node in find_all(request.tlv, 0x2D):
        if not isinstance(node.value, tuple):
            continue
        parts = {n.tag: n.value for n in node.value if isinstance(n.value, bytes)}
        file_id = int.from_bytes(parts.get(0x1D, b""), "big") if 0x1D in parts else None
        offset = int.from_bytes(parts.get(0x1E, b"\x00"), "big")
        if file_id is not None:
            wanted.append((file_id, offset))
    terminal = session.terminal
    limit = terminal.state.registered.max_apdu or terminal.config.max_apdu
    for node in find_all(request.tlv, 0x1A):  # also accepted here, not only in Registration
        if isinstance(node.value, bytes) and node.value:
            limit = int.from_bytes(node.value, "big")
    block = max(MIN_BLOCK, min(limit, terminal.config.max_apdu) - READ_FILE_OVERHEAD)
    ledger = terminal.ledger
    if not wanted or any(ledger.file_size(f) is None for f, _ in wanted):
        session.answer()
        abort(session, RC_FUNCTION_NOT_POSSIBLE)  # no such file
        return
    session.answer()
    for file_id, offset in wanted:
        size = ledger.file_size(file_id) or 0
        position = min(offset, size)
        while position < size:
            data = ledger.read(file_id, position, block)
            nodes = (TlvNode(0x2D, (
                TlvNode(0x1C, data),
                TlvNode(0x1D, bytes((file_id,))),
                TlvNode(0x1E, position.to_bytes(4, "big")),
                TlvNode(0x1F00, size.to_bytes(4, "big")),
            )),)  # fmt: skip
            reply = session.send(Apdu(0x04, 0x0F, tlv_bmp(nodes)))
            if reply.cls == 0x84 and reply.instr != 0x00:
                abort(session, reply.instr)  # the ECR refused the block (e.g. its disk is full)
                return
            position += len(data)
    completion(session, encode_bmps([Bmp.of(0x27, RC_OK)]))


# --- totals ----------------------------------------------------------------------------------


def totals_fields(session: PtSession, totals: Totals) -> bytes:
    """04 0F data after Send Turnover Totals / End-of-Day (§3.1.3), plus TID and VU number."""
    terminal = session.terminal
    receipts = (totals.receipt_from or 0, totals.receipt_to or 0)
    singles = bcd.int_to_bcd(receipts[0], 2) + bcd.int_to_bcd(receipts[1], 2)
    by_brand = {b.brand: b for b in totals.brands}
    for brand in BRAND_ORDER:
        line = by_brand.get(brand)
        count, amount = (line.count, line.amount) if line else (0, 0)
        # The count is one binary byte on the wire: a batch of more wraps, as a byte counter does.
        singles += bytes((count & 0xFF,)) + bcd.int_to_bcd(max(amount, 0), 6)
    now = terminal.now()
    _, trace = terminal.ledger.next_numbers()
    fields = [
        Bmp.of(0x27, RC_OK),
        Bmp.of(0x04, max(totals.amount, 0)),
        Bmp.from_raw(0x60, singles),
        Bmp.of(0x0B, trace),
        Bmp.of(0x0C, now.strftime("%H%M%S")),
        Bmp.of(0x0D, now.strftime("%m%d")),
        Bmp.of(0x29, terminal.config.terminal_id),
        Bmp.of(0x2A, terminal.config.merchant_id),
    ]
    if terminal.state.registered.currency is not None:
        fields.append(Bmp.of(0x49, terminal.config.currency))
    return encode_bmps(fields)


def totals_receipt(session: PtSession, totals: Totals, title: str) -> Receipt:
    config = session.terminal.config
    lines = [ReceiptLine(title, CENTRED), ReceiptLine(config.merchant_name, CENTRED),
             ReceiptLine(f"TID {config.terminal_id}  VU {config.merchant_id}")]
    for line in totals.brands:
        if line.count:
            lines.append(ReceiptLine(f"{line.brand:<12}{line.count:>5}{_money(line.amount):>14}"))
    lines.append(ReceiptLine(f"{'TOTAL':<12}{totals.count:>5}{_money(totals.amount):>14}"))
    lines.append(ReceiptLine(session.terminal.now().strftime("%d.%m.%Y %H:%M:%S")))
    return Receipt(ADMIN, tuple(lines))


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def turnover_totals(session: PtSession, command: Apdu) -> None:
    request = messages.TurnoverTotals.from_apdu(command)
    if wrong_password(session, request.password):
        return
    session.answer()
    session.send(Apdu(0x04, 0x0F, totals_fields(session, session.terminal.ledger.totals())))
    completion(session)


def end_of_day(session: PtSession, command: Apdu) -> None:
    request = messages.EndOfDay.from_apdu(command)
    if wrong_password(session, request.password):
        return
    session.answer()
    intermediate(session, 0x04)  # waiting for the host
    terminal = session.terminal
    totals = terminal.ledger.totals()
    session.send(Apdu(0x04, 0x0F, totals_fields(session, totals)))
    receipt = totals_receipt(session, totals, "END OF DAY")
    failed = deliver(session, receipt, payment=False)
    if failed is not None:
        abort(session, failed)
        return
    terminal.last_receipts = (receipt,)
    # Settled only once the ECR has the totals and the receipt: then the batch starts anew.
    terminal.ledger.settle()
    if terminal.state.status == 0xF0:
        terminal.state.status = 0x00
    completion(session)


# --- receipts ----------------------------------------------------------------------------------


def repeat_receipt(session: PtSession, command: Apdu) -> None:
    """06 20 (§2.20): the status information and/or the receipts of the last transaction or
    end-of-day again, each receipt under a DUPLICATE line; 06 1E 83 when there is none."""
    request = messages.RepeatReceipt.from_apdu(command)
    if wrong_password(session, request.password):
        return
    service = request.value(0x03) or 0
    terminal = session.terminal
    last_status, receipts = terminal.ledger.last_status, terminal.last_receipts
    session.answer()
    if last_status is None and not receipts:
        abort(session, RC_FUNCTION_NOT_POSSIBLE)  # nothing to repeat
        return
    if service & 0x01 and last_status is not None:  # resynchronisation (§2.20.2)
        session.send(Apdu(0x04, 0x0F, last_status))
    if not service & 0x02:  # bit 2 set: no receipt
        for receipt in receipts:
            copy = Receipt(receipt.kind, (ReceiptLine(DUPLICATE, CENTRED), *receipt.lines))
            failed = deliver(session, copy, payment=receipt.kind != ADMIN)
            if failed is not None:
                abort(session, failed)
                return
    completion(session)


def print_turnover_receipts(session: PtSession, command: Apdu) -> None:
    request = messages.PrintTurnoverReceipts.from_apdu(command)
    if wrong_password(session, request.password):
        return
    session.answer()
    totals = session.terminal.ledger.totals()
    print_and_complete(session, totals_receipt(session, totals, "TURNOVER"), payment=False)


# --- clock and initialisation ------------------------------------------------------------------


def set_date_time(session: PtSession, command: Apdu) -> None:
    request = messages.SetDateTime.from_apdu(command)
    if wrong_password(session, request.password):
        return
    date, time = request.value(0xAA), request.value(0x0C)
    try:
        when = datetime.strptime(f"{date}{time}", "%y%m%d%H%M%S")
    except (TypeError, ValueError):
        session.refuse(0x9A)
        return
    terminal = session.terminal
    terminal.set_clock(when)
    if terminal.state.status == 0x62:  # date/time incorrect
        terminal.state.status = 0x00
    session.answer()
    completion(session)


def initialisation(session: PtSession, command: Apdu) -> None:
    request = messages.Initialisation.from_apdu(command)
    if wrong_password(session, request.password):
        return
    session.answer()
    intermediate(session, 0xCA)  # automatic initialisation
    terminal = session.terminal
    terminal.state.status = 0x00
    terminal.ledger.log("initialisation: parameters loaded from the (emulated) host")
    receipt = Receipt(ADMIN, (ReceiptLine("INITIALISATION", CENTRED),
                              ReceiptLine(f"TID {terminal.config.terminal_id}"),
                              ReceiptLine("successful")))
    print_and_complete(session, receipt, payment=False)


def book_handlers() -> dict[tuple[int, int], Handler]:
    return {
        (0x08, 0x11): read_file,
        (0x06, 0x10): turnover_totals,
        (0x06, 0x50): end_of_day,
        (0x06, 0x20): repeat_receipt,
        (0x06, 0x12): print_turnover_receipts,
        (0x06, 0x91): set_date_time,
        (0x06, 0x93): initialisation,
    }
