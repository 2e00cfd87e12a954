"""Steps with a test card: card-swipe (Read Card 06 C0) and pin-entry (06 E7, DUKPT).

What the terminal read is compared with the named profile of testplans/cards.toml in memory;
only the masked PAN and the verdicts reach the record.
"""

from __future__ import annotations

import hmac

from posdiag.plan.context import StepContext
from posdiag.plan.model import StepSpec
from posdiag.plan.steps.payment import ENGINES


def card_swipe(ctx: StepContext, spec: StepSpec) -> None:
    name, how = ctx.options["card"], ctx.options["how"]
    card = ctx.card(name)
    verb = "Swipe" if how == "swipe" else "Insert"
    ctx.instruct("card", f"{verb} the test card '{name}' ({card.masked_pan}) at the terminal.",
                 action=how, card=name)
    terminal = ctx.terminal
    with ctx.timed():
        read = terminal.read_card(timeout=max(1, int(spec.timeout)))
    ctx.note("card", read.to_dict())
    problems = []
    if read.masked_pan != card.masked_pan:
        problems.append(f"the card number read is {read.masked_pan or 'missing'}, the profile "
                        f"has {card.masked_pan}")
    if read.expiry_yymm != card.expiry_yymm:
        problems.append(f"the expiry read is {read.expiry_yymm or 'missing'}, the profile has "
                        f"{card.expiry_yymm}")
    expected_track2 = card.track2.encode()[1:-1]  # without start and end sentinel
    track2_ok = read.track2 is not None and hmac.compare_digest(read.track2, expected_track2)
    ctx.note("track2_matches_profile", track2_ok)
    if not track2_ok:
        problems.append("track 2 differs from the profile" if read.track2 is not None
                        else "the terminal sent no track 2")
    if problems:
        raise ctx.fail(f"card {name!r}: " + "; ".join(problems) + ".")


def pin_entry(ctx: StepContext, spec: StepSpec) -> None:
    name = ctx.options["card"]
    card = ctx.card(name)
    ctx.instruct("pin", f"Type the PIN of test card '{name}' on the PIN pad and press OK.",
                 action="pin", card=name)
    terminal = ctx.terminal
    with ctx.timed():
        entry = terminal.pin_entry(pan=card.pan, engine=ENGINES[ctx.options["engine"]],
                                   timeout=max(1, int(spec.timeout)))
    ctx.note("pin", entry.to_dict())
    if not entry.matches(card.pin):
        raise ctx.fail(f"the PIN decrypted from the terminal ({entry.length} digits) is not the "
                       f"PIN of test card {name!r} the operator was asked to type.")
