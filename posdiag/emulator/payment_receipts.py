"""What a card transaction looks like to people: the fields of its 04 0F and its receipts.

A ``TransactionView`` holds only what may be shown (masked PAN, brand, AID, codes); the
receipts built from it are what the terminal prints or sends to the ECR (06 D1/06 D3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from posdiag.drivers.zvt.bcd import format_amount
from posdiag.drivers.zvt.codes import currency_alpha, result_text
from posdiag.emulator.config import TerminalConfig
from posdiag.emulator.ledger import SCHEMES, Booked
from posdiag.emulator.receipts import (
    CENTRED,
    CUSTOMER,
    DOUBLE_HEIGHT,
    MERCHANT,
    Receipt,
    ReceiptLine,
)
from posdiag.testcards import TestCard

# ZVT card type -> (brand on receipts and in BMP 8B, EMV AID)
_BRANDS = {card_type: (brand, aid) for brand, card_type, _prefix, _length, aid in SCHEMES}
_UNKNOWN_AID = "A000000000"
_TITLES = {"payment": "PAYMENT", "refund": "REFUND", "reversal": "REVERSAL"}


@dataclass(frozen=True, slots=True)
class TransactionView:
    kind: str  # payment | refund | reversal
    amount: int  # minor units
    currency: int
    receipt: int
    trace: int
    result_code: int
    auth_code: str | None
    card_type: int
    brand: str
    masked_pan: str  # first 6 / last 4, "*" between
    aid: str
    pin_verified: bool = False
    orig_receipt: int | None = None
    when: datetime = field(default_factory=datetime.now)

    @classmethod
    def of_card(cls, kind: str, card: TestCard, amount: int, receipt: int, trace: int,
                result_code: int, auth_code: str | None, *, pin_verified: bool,
                currency: int, when: datetime) -> TransactionView:
        brand, aid = _BRANDS.get(card.zvt_card_type, (card.scheme.capitalize(), _UNKNOWN_AID))
        return cls(kind, amount, currency, receipt, trace, result_code, auth_code,
                   card.zvt_card_type, brand, card.masked_pan, aid, pin_verified, when=when)

    @classmethod
    def of_booking(cls, original: Booked, receipt: int, trace: int,
                   currency: int, *, when: datetime) -> TransactionView:
        """A reversal of a booked payment (its card data is only what the journal kept)."""
        card_type = original.card_type or 0
        brand, aid = _BRANDS.get(card_type, ("Card", _UNKNOWN_AID))
        return cls("reversal", original.amount, currency, receipt, trace, 0x00, None, card_type,
                   original.brand or brand, original.pan or "****", original.aid or aid,
                   orig_receipt=original.receipt, when=when)


def transaction_receipts(config: TerminalConfig, view: TransactionView) -> list[Receipt]:
    """Merchant copy, then customer copy; both carry the masked PAN only."""
    return [_receipt(config, view, MERCHANT), _receipt(config, view, CUSTOMER)]


def _receipt(config: TerminalConfig, view: TransactionView, kind: int) -> Receipt:
    approved = view.result_code == 0x00
    amount = format_amount(view.amount, currency_alpha(view.currency))
    lines = [
        ReceiptLine(config.merchant_name, CENTRED),
        ReceiptLine(config.merchant_city, CENTRED),
        ReceiptLine(""),
        ReceiptLine(_TITLES.get(view.kind, view.kind.upper()), CENTRED | DOUBLE_HEIGHT),
        ReceiptLine(view.brand),
        ReceiptLine(f"Card     {view.masked_pan}"),
        ReceiptLine(f"Date     {view.when:%d.%m.%Y}  {view.when:%H:%M:%S}"),
        ReceiptLine(f"TID      {config.terminal_id}"),
        ReceiptLine(f"VU no.   {config.merchant_id}"),
        ReceiptLine(f"Trace    {view.trace:06d}"),
        ReceiptLine(f"Receipt  {view.receipt:04d}"),
    ]
    if view.orig_receipt is not None:
        lines.append(ReceiptLine(f"Reverses receipt {view.orig_receipt:04d}"))
    if view.auth_code:
        lines.append(ReceiptLine(f"Auth     {view.auth_code}"))
    lines += [
        ReceiptLine(f"AID      {view.aid}"),
        ReceiptLine(f"AMOUNT   {amount}", DOUBLE_HEIGHT),
        ReceiptLine(""),
    ]
    if approved:
        lines.append(ReceiptLine("APPROVED", CENTRED))
        if view.pin_verified:
            lines.append(ReceiptLine("PIN verified", CENTRED))
    else:
        lines.append(ReceiptLine("DECLINED", CENTRED))
        lines.append(ReceiptLine(f"{view.result_code:02X} "
                                 f"{result_text(view.result_code, translated=False)}"))
    lines += [
        ReceiptLine("TEST CARD - NO VALUE", CENTRED),
        ReceiptLine("MERCHANT COPY" if kind == MERCHANT else "CUSTOMER COPY", CENTRED),
    ]
    return Receipt(kind, tuple(lines))
