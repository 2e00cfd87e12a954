"""Steps with a test card: card-swipe (Read Card 06 C0) and pin-entry (06 E7, DUKPT).

What the terminal read is compared with the named profile of testplans/cards.toml in memory;
only the masked PAN and the verdicts reach the record.
"""

from __future__ import annotations

import hmac
import time

from posdiag.errors import TerminalRefused
from posdiag.i18n import _
from posdiag.plan import slips
from posdiag.plan.context import StepContext
from posdiag.plan.model import StepSpec
from posdiag.plan.steps.payment import ENGINES


def pin_instruction(ctx: StepContext, name: str) -> str:
    """Which PIN to type, and where the test card's PIN is written (never the PIN itself: no
    PIN reaches a record, not even a public test card's)."""
    return _("Type the PIN of test card {name!r} on the PIN pad and press OK (its PIN is in "
             "{file}, [cards.{name}] pin).").format(name=name, file=ctx.cards_file_shown())


def card_swipe(ctx: StepContext, spec: StepSpec) -> None:
    name, how = ctx.options["card"], ctx.options["how"]
    card = ctx.card(name)
    # Read Card (06 C0) takes the card as the terminal offers — it shows "insert card" and
    # reads a swipe too — so the person is told both; ``how`` is what the emulated one does.
    ctx.instruct("card", _("Insert or swipe the test card {name!r} ({pan}) when the terminal "
                           "asks for it.").format(name=name, pan=card.masked_pan),
                 action=how, card=name)
    terminal = ctx.terminal
    allowed = max(1, int(spec.timeout))
    start = time.monotonic()
    try:
        with ctx.timed():
            read = terminal.read_card(timeout=allowed)
    except TerminalRefused as err:
        slip = slips.slip_of_refusal(err, time.monotonic() - start, allowed,
                                     ctx.data.get("terminal_display", ()), wanted="card")
        if slip is None:
            raise
        raise slip from err
    ctx.note("card", read.to_dict())
    if read.masked_pan and read.masked_pan != card.masked_pan:
        raise slips.wrong_card(name, card.masked_pan, read.masked_pan)
    problems = []
    if read.masked_pan != card.masked_pan:
        problems.append(_("the card number read is {read}, the profile has {expected}").format(
            read=read.masked_pan or _("missing"), expected=card.masked_pan))
    if read.expiry_yymm != card.expiry_yymm:
        problems.append(_("the expiry read is {read}, the profile has {expected}").format(
            read=read.expiry_yymm or _("missing"), expected=card.expiry_yymm))
    expected_track2 = card.track2.encode()[1:-1]  # without start and end sentinel
    track2_ok = read.track2 is not None and hmac.compare_digest(read.track2, expected_track2)
    ctx.note("track2_matches_profile", track2_ok)
    if not track2_ok:
        problems.append(_("track 2 differs from the profile") if read.track2 is not None
                        else _("the terminal sent no track 2"))
    if problems:
        raise ctx.fail(_("card {name!r}: {problems}.").format(
            name=name, problems=_("; ").join(problems)))


def pin_entry(ctx: StepContext, spec: StepSpec) -> None:
    name = ctx.options["card"]
    card = ctx.card(name)
    ctx.instruct("pin", pin_instruction(ctx, name), action="pin", card=name)
    terminal = ctx.terminal
    allowed = max(1, int(spec.timeout))
    start = time.monotonic()
    try:
        with ctx.timed():
            entry = terminal.pin_entry(pan=card.pan, engine=ENGINES[ctx.options["engine"]],
                                       timeout=allowed)
    except TerminalRefused as err:
        slip = slips.slip_of_refusal(err, time.monotonic() - start, allowed,
                                     ctx.data.get("terminal_display", ()), wanted="pin")
        if slip is None:
            raise
        raise slip from err
    ctx.note("pin", entry.to_dict())
    if not entry.matches(card.pin):
        # The block opened with the test key, so the pad and its keys work: other digits
        # were typed. (A block that does not open is a DecryptionError: the terminal's fault.)
        raise slips.wrong_pin(name, entry.length)
