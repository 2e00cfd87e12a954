"""A person's slip or a terminal's failure: telling them apart from what the terminal said.

A card step fails for one of two reasons. Either the person at the terminal slipped — typed a
wrong PIN, presented another card, presented nothing in time, pressed STOP, swiped so that the
reader could not read the stripe — and doing it again will do; or the terminal did something
wrong, and that is what an acceptance test is for. Only the terminal's own answers decide,
never a guess from a message text:

  ZVT result (PA00P015 §10, Table 17)       while waiting for    slip
  6C abort via time-out or abort key        a card               NO_CARD (or CANCELLED early)
  06 E7 key code 6C (time-out)              a PIN                NO_PIN
  06 E7 key code 1B (STOP)                  a PIN                CANCELLED
  64 card not readable (LRC/parity error)   a card               CARD_UNREADABLE
  65 card data not present                  a card               CARD_UNREADABLE
  37 (host 55) PIN incorrect                a payment            WRONG_PIN
  a PIN that decrypts, but to other digits  PIN entry            WRONG_PIN
  a card read whose PAN is another card's   card swipe, payment  WRONG_CARD

Everything else — another result code, a card read with the right PAN but wrong tracks or
expiry, a PIN block that does not decrypt — is the terminal's failure (FAIL). A card the reader
cannot read at every attempt of a step is the reader's failure too: the runner leaves a
CARD_UNREADABLE step that never succeeded as FAIL, and any other slip as ERROR "operator" (the
terminal was not judged).

Which wait a 6C ended is known from the terminal's last intermediate status (04 FF: "insert
card", "please watch PIN pad"); ZVT's 6C itself does not say time-out or abort key, so the
time waited tells them apart: a wait that ended well before the time allowed was cancelled.
"""

from __future__ import annotations

from collections.abc import Sequence

from posdiag.errors import (
    CancelledAtTerminal,
    OperatorSlip,
    PersonTimedOut,
    TerminalRefused,
)
from posdiag.i18n import _

NO_CARD, NO_PIN, CANCELLED = "no-card", "no-pin", "cancelled"
WRONG_CARD, WRONG_PIN, CARD_UNREADABLE = "wrong-card", "wrong-pin", "card-unreadable"
SLIPS = (NO_CARD, NO_PIN, CANCELLED, WRONG_CARD, WRONG_PIN, CARD_UNREADABLE)

RC_PIN_INCORRECT = 0x37  # host answer 55 decimal (PA00P015 §2.2.6)
RC_CARD_NOT_READABLE = 0x64
RC_CARD_DATA_NOT_PRESENT = 0x65
RC_TIMEOUT_OR_ABORT = 0x6C
EARLY = 0.8  # a 6C before this share of the time allowed: the wait was cancelled, not timed out

# What the ZVT driver reports for the intermediate statuses that wait for a person (Table 17).
CARD_WAIT_STATUS = ("insert card", "for loading please insert card")
PIN_WAIT_STATUS = ("please watch pin pad",)


def waiting_for(displays: Sequence[str]) -> str:
    """"card" or "pin": what the terminal's last status said it waits for; "" if none did."""
    for text in reversed(displays):
        low = text.strip().lower()
        if low in PIN_WAIT_STATUS:
            return "pin"
        if low in CARD_WAIT_STATUS:
            return "card"
    return ""


def slip_of_refusal(err: TerminalRefused, waited: float, allowed: float | None,
                    displays: Sequence[str] = (), *, wanted: str = "") -> OperatorSlip | None:
    """The slip a refusal means, or None when it is the terminal's failure.

    ``wanted`` is what the step waited for ("card" or "pin"); a payment passes "" and the
    terminal's statuses tell which wait ended. ``allowed`` is the time the terminal was given
    for it; None when the terminal keeps its own (a payment): then the time it waited is said.
    """
    rc = err.result_code
    if isinstance(err, PersonTimedOut):
        return OperatorSlip(_("no PIN was typed within {seconds:.0f} s").format(
            seconds=allowed if allowed is not None else waited), NO_PIN)
    if isinstance(err, CancelledAtTerminal):
        return OperatorSlip(_("the PIN entry was cancelled at the terminal (STOP)"), CANCELLED)
    if rc == RC_PIN_INCORRECT:
        return OperatorSlip(_("the PIN typed was wrong (the host answered 55, PIN incorrect)"),
                            WRONG_PIN)
    if rc == RC_CARD_NOT_READABLE:
        return OperatorSlip(_("the terminal could not read the card (64, card not readable): "
                              "swipe it again in one steady movement, or insert it"),
                            CARD_UNREADABLE)
    if rc == RC_CARD_DATA_NOT_PRESENT:
        return OperatorSlip(_("the terminal found neither a stripe nor a chip on the card (65): "
                              "present it the right way round"), CARD_UNREADABLE)
    if rc != RC_TIMEOUT_OR_ABORT:
        return None
    what = wanted or waiting_for(displays) or "card"
    if allowed is None:  # the terminal's own time: say how long it waited
        if what == "pin":
            return OperatorSlip(_("no PIN was typed: the terminal gave up after {seconds:.0f} s "
                                  "(6C, time-out or abort key)").format(seconds=waited), NO_PIN)
        return OperatorSlip(_("no card was presented: the terminal gave up after {seconds:.0f} "
                              "s (6C, time-out or abort key)").format(seconds=waited), NO_CARD)
    if waited < EARLY * allowed:
        return OperatorSlip(_("the terminal's wait was cancelled after {seconds:.0f} s (6C, "
                              "time-out or abort key)").format(seconds=waited), CANCELLED)
    if what == "pin":
        return OperatorSlip(_("no PIN was typed within {seconds:.0f} s").format(
            seconds=allowed), NO_PIN)
    return OperatorSlip(_("no card was presented within {seconds:.0f} s").format(
        seconds=allowed), NO_CARD)


def wrong_card(name: str, expected: str, presented: str | None) -> OperatorSlip:
    return OperatorSlip(_("the card presented is {presented}, not the test card {name!r} "
                          "({expected})").format(presented=presented or "?", name=name,
                                                 expected=expected), WRONG_CARD)


def wrong_pin(name: str, length: int) -> OperatorSlip:
    return OperatorSlip(_("the PIN typed ({length} digits) is not the PIN of test card {name!r}")
                        .format(length=length, name=name), WRONG_PIN)
