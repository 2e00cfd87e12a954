"""The payment side, ECR end: read a card, PIN entry, pay, reverse, refund, print on the PT.

A mixin of ZvtTerminal (it uses run(), ensure_registered(), password, currency, receipts).

  read_card()   06 C0 → 04 0F with tracks (2D, 23); no Completion (PA00P015 §2.21)
  pin_entry()   06 E7 → 80 00 <key> 06{1F32 KSN, 1F75 PIN block} (§2.31); the block is
                opened here, on the ECR/host side, with the PUBLIC TEST BDK by default
  pay()         06 01 → … 04 0F … 06 0F | 06 1E (§2.2)
  reverse()     06 30, refund() 06 31 (§2.9, §2.15)
  print_text()  06 D1 lines or one 06 D3 block, printed on the terminal (§2.59, §2.60)

Every outcome is a typed record from posdiag.devices; every failure a typed error. Card data
is masked in records; tracks and the PIN stay out of repr and to_dict.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from posdiag.cards import mask_pan
from posdiag.crypto import dukpt_aes, dukpt_tdes
from posdiag.crypto.dukpt_host import ENGINE_AES, ENGINE_TDES, open_pin_block
from posdiag.devices import CardRead, PaymentResult, PinEntry, PrintedReceipt
from posdiag.drivers.zvt import bcd
from posdiag.drivers.zvt import messages_ecr as cmd
from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.codes import result_text
from posdiag.drivers.zvt.dialog import T3, End
from posdiag.drivers.zvt.messages_base import Message, int_node
from posdiag.drivers.zvt.messages_print import PrintLine, PrintTextBlock
from posdiag.drivers.zvt.messages_pt import NumericInputDukptAnswer, StatusInformation
from posdiag.errors import (
    CancelledAtTerminal,
    DecryptionError,
    PaymentDeclined,
    PersonTimedOut,
    ProtocolError,
    TerminalRefused,
)
from posdiag.i18n import _

if TYPE_CHECKING:
    from posdiag.drivers.zvt.terminal import ZvtTerminal

TEST_BDK_TDES = dukpt_tdes.TEST_BDK_TDES  # PUBLIC TEST KEY: test terminals and the emulator only
TEST_BDK_AES = dukpt_aes.TEST_BDK_AES128  # PUBLIC TEST KEY: test terminals and the emulator only

KEY_OK, KEY_STOP, KEY_TIMEOUT = 0x00, 0x1B, 0x6C
RC_TIMEOUT_OR_ABORT = 0x6C
LAST_LINE = 0x81  # Print Line attribute 1xxx xxxx (not 80): last line of the receipt
STATUS_INFORMATION = (0x04, 0x0F)
PRINT_COMMANDS = ((0x06, 0xD1), (0x06, 0xD3))


NO_LIMIT = 7 * 24 * 3600.0  # "wait forever", as a number the clock can handle


class PaymentCommands:
    """Mixed into ZvtTerminal."""

    # --- 06 C0 Read Card ----------------------------------------------------------------

    def read_card(self: ZvtTerminal, timeout: int = 30, *,
                  abort_after: float | None = None) -> CardRead:
        """Wait up to ``timeout`` s (0 = no limit) for a card; its masked PAN and tracks.

        abort_after: the ECR's own limit; when it passes, the ECR sends Abort 06 B0.
        Raises TerminalRefused with the terminal's result code (64 not readable, 6C time-out,
        abort key or ECR abort)."""
        self.ensure_registered()
        # The command's own timeout replaces T3/T4 (§2.21); 0 means the terminal waits on.
        t4 = timeout + self.t3 if timeout else NO_LIMIT
        result = self.run(cmd.ReadCard.create(timeout), end=End.STATUS, t4=t4,
                          abort_after=abort_after)
        if result.final is None:
            raise ProtocolError(_("Read Card ended without Status-Information 04 0F"))
        status = StatusInformation.from_apdu(result.final)
        rc = status.result_code
        if rc not in (None, 0):
            raise TerminalRefused(_("the terminal read no card: {result_text} "
                                    "({rc:02X}).").format(result_text=result_text(rc), rc=rc),
                                  result_code=rc)
        return _card_read(status)

    # --- 06 E7 PIN entry with DUKPT -----------------------------------------------------

    def pin_entry(
        self: ZvtTerminal,
        prompt: Sequence[str] = ("Please enter PIN",),
        *,
        pan: str | None = None,
        engine: int = ENGINE_TDES,
        timeout: int = 30,
        min_length: int = 4,
        max_length: int = 12,
        bdk: bytes | None = None,
    ) -> PinEntry:
        """Ask for digits on the PIN pad; decrypt the DUKPT PIN block here with ``bdk``.

        engine 0 (TDES DUKPT) sends ISO 9564 format 0 when ``pan`` is given, format 1
        otherwise; engine 1 (AES-128 DUKPT) sends format 4 and needs the PAN. ``bdk`` defaults
        to the PUBLIC TEST BDK of the engine: a production terminal's block will not open.
        """
        tlv = [int_node(0x1F77, engine)] if engine else None
        request = cmd.NumericInputDukpt.create(
            prompt, min_length=min_length, max_length=max_length, echo=0x01, confirm=0x01,
            pan=pan, duration=timeout, tlv=tlv,
        )
        # The PT answers only after the input: its own time-out replaces T3 (§2.31).
        result = self.run(request, end=End.ACK, t3=timeout + T3, abortable=True)
        answer = NumericInputDukptAnswer.from_apdu(result.answer)
        if answer.key_code == KEY_STOP:
            raise CancelledAtTerminal(_("the PIN entry was cancelled on the terminal (STOP key)."),
                                      result_code=RC_TIMEOUT_OR_ABORT)
        if answer.key_code == KEY_TIMEOUT:
            raise PersonTimedOut(_("nobody entered a PIN before the terminal's time-out."),
                                 result_code=RC_TIMEOUT_OR_ABORT)
        ksn_node, block_node = answer.tlv_find(0x1F32), answer.tlv_find(0x1F75)
        if ksn_node is None or block_node is None or not isinstance(ksn_node.value, bytes) \
                or not isinstance(block_node.value, bytes):
            raise ProtocolError(_("06 E7 answer without KSN (TLV 1F32) and PIN block (1F75)"))
        pin, pin_format = _open_pin_block(ksn_node.value, block_node.value, pan, engine, bdk)
        return PinEntry(len(pin), ksn_node.value.hex().upper(), pin_format, pin)

    # --- 06 01 / 06 30 / 06 31 ----------------------------------------------------------

    def pay(self: ZvtTerminal, amount_cents: int, *, payment_type: int | None = None,
            ecr_printer_ready: bool = True) -> PaymentResult:
        """Authorisation 06 01; raises PaymentDeclined (with .result) unless approved.

        payment_type 0x42 pays with the card of the previous read_card(); ecr_printer_ready
        False answers receipts with 84 CC 00, as an ECR with an empty printer does."""
        self.ensure_registered()
        request = cmd.Authorisation.create(amount_cents, self.currency, payment_type)
        return self._transaction(request, "payment", ecr_printer_ready)

    def reverse(self: ZvtTerminal, receipt: int, *,
                ecr_printer_ready: bool = True) -> PaymentResult:
        """Reversal 06 30 of the payment with this receipt number."""
        self.ensure_registered()
        request = cmd.Reversal.of_receipt(self.password, receipt, self.currency)
        return self._transaction(request, "reversal", ecr_printer_ready)

    def refund(self: ZvtTerminal, amount: int, *, ecr_printer_ready: bool = True) -> PaymentResult:
        """Refund 06 31 of an amount to the card the customer presents."""
        self.ensure_registered()
        request = cmd.Refund.of_amount(self.password, amount, self.currency)
        return self._transaction(request, "refund", ecr_printer_ready)

    def _transaction(self: ZvtTerminal, request: Message, kind: str,
                     ecr_printer_ready: bool) -> PaymentResult:
        statuses: list[Apdu] = []
        seen: list[Apdu] = []

        def respond(message: Apdu) -> Apdu | None:
            seen.append(message)
            if message.command == STATUS_INFORMATION:
                statuses.append(message)
            if not ecr_printer_ready and message.command in PRINT_COMMANDS:
                return Apdu(0x84, 0xCC)  # printer not ready
            return None

        before = len(self.receipts)
        try:
            self.run(request, responder=respond)
        except TerminalRefused as err:
            if not seen:
                raise  # refused outright (84 xx): nothing was transacted
            rc = err.result_code if err.result_code is not None else 0xFF
            outcome = _payment_result(kind, statuses[-1] if statuses else None, rc,
                                      tuple(self.receipts[before:]), approved=False)
            raise PaymentDeclined(
                _("the terminal did not complete the {kind}: {result_text} "
                  "({rc:02X}).").format(kind=kind, result_text=result_text(rc), rc=rc),
                result_code=rc, result=outcome,
            ) from err
        if not statuses:
            raise ProtocolError(_("the terminal completed the {kind} without "
                                  "Status-Information").format(kind=kind))
        return _payment_result(kind, statuses[-1], 0x00, tuple(self.receipts[before:]),
                               approved=True)

    # --- 06 D1 / 06 D3 to the terminal's printer ----------------------------------------

    def print_text(self: ZvtTerminal, lines: Sequence[str], *, text_block: bool = False,
                   receipt_type: int | None = None) -> None:
        """Print lines on the terminal's own printer; TerminalRefused (CC) when it cannot."""
        if not lines:
            return
        if text_block:
            self.run(PrintTextBlock.create(lines, receipt_type, charset=self.charset),
                     end=End.ACK)
            return
        for i, line in enumerate(lines):
            attribute = LAST_LINE if i == len(lines) - 1 else 0x00
            self.run(PrintLine.create(line, attribute, self.charset), end=End.ACK)


# --- decoding ----------------------------------------------------------------------------------


def _card_read(status: StatusInformation) -> CardRead:
    track1_bmp, track2_bmp = status.bmp(0x2D), status.bmp(0x23)
    track1 = track1_bmp.raw.decode("ascii", "replace") if track1_bmp is not None else None
    track2 = None
    if track2_bmp is not None:
        track2 = bcd.unpack_card_digits(track2_bmp.raw).replace("D", "=")
    pan, expiry = None, None
    if track2 and "=" in track2:
        pan, rest = track2.split("=", 1)
        expiry = rest[:4] or None
    elif track1 and track1.startswith("B") and "^" in track1:
        pan = track1[1:].split("^", 1)[0]
    masked = mask_pan(pan) if pan and pan.isdigit() else None
    tracks = tuple(n for n, t in ((1, track1), (2, track2)) if t is not None)
    return CardRead(masked, expiry, tracks, track1, track2)


def _payment_result(kind: str, status_apdu: Apdu | None, result_code: int,
                    receipts: tuple[PrintedReceipt, ...], *, approved: bool) -> PaymentResult:
    if status_apdu is None:
        return PaymentResult(kind, False, result_code, result_text(result_code),
                             receipts=receipts)
    status = StatusInformation.from_apdu(status_apdu)
    rc = status.result_code if status.result_code is not None else result_code
    auth = status.value(0x3B)
    aid = status.tlv_find(0x43)
    return PaymentResult(
        kind=kind,
        approved=approved and rc == 0,
        result_code=rc,
        result_text=result_text(rc),
        amount=status.amount,
        currency=status.currency,
        receipt_number=status.receipt_number,
        trace=status.trace,
        time=status.value(0x0C),
        date=status.value(0x0D),
        card_type=status.card_type,
        card_name=status.card_name,
        masked_pan=status.pan_masked,
        auth_code=(auth.rstrip("\x00") or None) if auth else None,
        aid=aid.value.hex().upper() if aid and isinstance(aid.value, bytes) else None,
        receipts=receipts,
    )


def _open_pin_block(ksn: bytes, block: bytes, pan: str | None, engine: int,
                    bdk: bytes | None) -> tuple[str, int]:
    """Host side of DUKPT: (PIN, ISO 9564 format). DecryptionError if it does not open."""
    try:
        return open_pin_block(block, ksn, pan, engine=engine,
                              bdk=bdk or (TEST_BDK_AES if engine == ENGINE_AES
                                          else TEST_BDK_TDES))
    except DecryptionError as err:
        if engine == ENGINE_AES and pan is None:
            raise DecryptionError(_("A format 4 PIN block opens only with the PAN; pass pan=.")) \
                from err
        raise DecryptionError(
            _("The terminal's PIN block did not decrypt with the TEST BDK; is it a test terminal?")
        ) from err
