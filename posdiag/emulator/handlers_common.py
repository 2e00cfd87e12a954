"""Building blocks of the emulated terminal's command handlers (PA00P015 §2).

A handler gets the session and the command APDU; it answers 80 00 00 (or refuses with
84 xx), then, as master, sends its messages and ends with Completion 06 0F or Abort 06 1E.
These are the steps they share: the password check, completion and abort, intermediate
status, and where a receipt goes (to the ECR as 06 D1/06 D3, or to the terminal's printer).
"""

from __future__ import annotations

from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.bmp import TLV_BMP, Bmp
from posdiag.drivers.zvt.tlv import TlvNode
from posdiag.emulator.receipts import Receipt, print_line_apdus, text_block_apdu
from posdiag.emulator.session import PtSession

RC_PRINTER_NOT_READY = 0xCC
RC_FUNCTION_NOT_POSSIBLE = 0x83
RC_WRONG_CURRENCY = 0x6F
RC_PROTOCOL_ERROR = 0x9A
RC_NO_CONNECTION = 0xA3


def tlv_bmp(nodes: list[TlvNode] | tuple[TlvNode, ...]) -> bytes:
    """BMP 06 with these TLV nodes, as bytes to append to a message's data."""
    return Bmp.of(TLV_BMP, tuple(nodes)).encode()


def wrong_password(session: PtSession, password: str | None) -> bool:
    """True (and the command refused with 84 83) if password is given and not the terminal's."""
    if password is not None and password != session.terminal.config.password:
        session.refuse(RC_FUNCTION_NOT_POSSIBLE)
        return True
    return False


def completion(session: PtSession, data: bytes = b"") -> None:
    session.send(Apdu(0x06, 0x0F, data))


def abort(session: PtSession, result_code: int, extra: bytes = b"") -> None:
    session.send(Apdu(0x06, 0x1E, bytes((result_code,)) + extra))


def intermediate(session: PtSession, status: int) -> None:
    """04 FF, only to an ECR that asked for intermediate status (config bit 08)."""
    if session.terminal.state.registered.wants_intermediate_status:
        session.send(Apdu(0x04, 0xFF, bytes((status,))))


def deliver(session: PtSession, receipt: Receipt, *, payment: bool) -> int | None:
    """Send a receipt to the ECR or print it on the terminal's printer.

    None when it reached paper; else the result code to abort with: CC when the printer is
    not ready, or the code the ECR refused a print line with (84 xx)."""
    registered = session.terminal.state.registered
    bit = 0x02 if payment else 0x04
    if registered.config_byte & 0x80 and registered.config_byte & bit:
        charset = session.terminal.config.charset
        apdus = [text_block_apdu(receipt, charset)] if registered.text_blocks \
            else print_line_apdus(receipt.lines, charset)
        for apdu in apdus:
            reply = session.send(apdu)
            if reply.cls == 0x84 and reply.instr != 0x00:
                return reply.instr
        return None
    if registered.config_byte & bit:
        return None  # the ECR composes this receipt itself from the status information
    return None if session.terminal.printer.print_receipt(receipt) else RC_PRINTER_NOT_READY


def print_and_complete(session: PtSession, receipt: Receipt, *, payment: bool,
                       data: bytes = b"") -> None:
    """Deliver the receipt, then Completion; Abort when it could not be printed."""
    failed = deliver(session, receipt, payment=payment)
    if failed is None:
        completion(session, data)
    else:
        abort(session, failed)
