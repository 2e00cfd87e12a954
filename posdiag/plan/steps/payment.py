"""Steps that move (test) money: payment 06 01 and the reversal 06 30 that undoes it."""

from __future__ import annotations

import time
from typing import Any

from posdiag.cards import find_pans
from posdiag.errors import PaymentDeclined, UsageError
from posdiag.i18n import _
from posdiag.plan import slips
from posdiag.plan.context import StepContext
from posdiag.plan.model import StepSpec

ENGINES = {"tdes": 0, "aes": 1}  # ZVT DUKPT engine index (TLV 1F77)


def amount_texts(cents: int) -> tuple[str, str]:
    """How a receipt may write the amount: 1.00 or 1,00."""
    text = f"{cents // 100}.{cents % 100:02d}"
    return text, text.replace(".", ",")


def receipts_seen(ctx: StepContext, result: Any, printed_before: int) -> list[dict[str, Any]]:
    """Every receipt of the transaction as printed, for the record (and the acceptance
    certificate, which shows them): those the terminal sent to the ECR (06 D1/06 D3, source
    "ecr") and, on the emulator, those its own printer printed (source "terminal-printer").
    The record masks card numbers on the way out, as everywhere."""
    seen = [{"kind": r.kind, "source": "ecr", "lines": list(r.lines)} for r in result.receipts]
    seen += ctx.bench.terminal_printout(printed_before)  # its own printer, where visible
    return seen


def _receipt_texts(seen: list[dict[str, Any]]) -> list[str]:
    return ["\n".join(r["lines"]) for r in seen]


def _printed(ctx: StepContext) -> int:
    return ctx.bench.terminal_printout_count()


def _summary(result: Any) -> dict[str, Any]:
    data = result.to_dict()
    data["receipts"] = [r["kind"] for r in data["receipts"]]
    return data


def payment(ctx: StepContext, spec: StepSpec) -> None:
    from posdiag.plan.steps.cards import pin_instruction

    name, amount = ctx.options["card"], ctx.options["amount"]
    card = ctx.card(name)
    shown = f"{amount_texts(amount)[0]}"
    ctx.instruct("card", _("Insert or swipe the test card {name!r} ({pan}) for a test payment "
                           "of {amount} when the terminal asks for it; then type its PIN "
                           "(in {file}, [cards.{name}] pin).").format(
                               name=name, pan=card.masked_pan, amount=shown,
                               file=ctx.cards_file_shown()), action="insert", card=name)
    ctx.instruct("pin", pin_instruction(ctx, name), action="pin", card=name)
    terminal = ctx.terminal
    before = _printed(ctx)
    start = time.monotonic()
    try:
        with ctx.timed():
            result = terminal.pay(amount)  # declined: PaymentDeclined with the result code
    except PaymentDeclined as err:
        slip = slips.slip_of_refusal(err, time.monotonic() - start, None,
                                     ctx.data.get("terminal_display", ()))
        if slip is None:
            raise  # declined for the terminal's or the host's reasons: a FAIL
        raise slip from err
    ctx.note("payment", _summary(result))
    ctx.state.last_payment_receipt = result.receipt_number
    ctx.state.last_payment_amount = amount
    if result.approved and result.masked_pan and result.masked_pan != card.masked_pan:
        # Paid with another card: the person's slip (the test payment went to that card).
        raise slips.wrong_card(name, card.masked_pan, result.masked_pan)
    problems = []
    if not result.approved:
        problems.append(f"the payment was not approved ({result.result_text})")
    if result.masked_pan != card.masked_pan:
        problems.append(f"the terminal paid with {result.masked_pan}, not {card.masked_pan}")
    seen = receipts_seen(ctx, result, before)
    ctx.note("printed_receipts", seen)
    texts = _receipt_texts(seen)
    if not texts:
        problems.append("no receipt was printed")
    elif not any(a in text for text in texts for a in amount_texts(amount)):
        problems.append(f"no receipt shows the amount {shown}")
    elif not any(card.masked_pan in text for text in texts):
        problems.append(f"no receipt shows the masked card number {card.masked_pan}")
    if any(find_pans(text) for text in texts):
        problems.append("a receipt shows a full card number (it must be masked)")
    if problems:
        raise ctx.fail("; ".join(problems) + ".")


def reversal(ctx: StepContext, spec: StepSpec) -> None:
    receipt = ctx.state.last_payment_receipt
    if receipt is None:
        raise UsageError(_("there is no payment earlier in this run to reverse."))
    ctx.instruct("card", "If the terminal asks for it, present the test card of the payment "
                 "again.")
    terminal = ctx.terminal
    before = _printed(ctx)
    with ctx.timed():
        result = terminal.reverse(receipt)
    ctx.note("reversal", _summary(result))
    amount = ctx.state.last_payment_amount or 0
    seen = receipts_seen(ctx, result, before)
    ctx.note("printed_receipts", seen)
    texts = _receipt_texts(seen)
    if not result.approved:
        raise ctx.fail(_("the reversal of receipt {receipt} was not approved "
                         "({result_text}).").format(
                           receipt=receipt, result_text=result.result_text))
    if texts and not any(a in text for text in texts for a in amount_texts(amount)):
        raise ctx.fail(_("no reversal receipt shows the amount {amount_texts}.").format(
                           amount_texts=amount_texts(amount)[0]))
    ctx.state.last_payment_receipt = None  # reversed: nothing left to undo
