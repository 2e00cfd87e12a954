"""Steps about the terminal itself: identify, identity-match, display, end-of-day."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from posdiag.errors import UsageError
from posdiag.i18n import _
from posdiag.i18n_terms import origin_words
from posdiag.plan.context import StepContext
from posdiag.plan.model import StepSpec
from posdiag.plan.operator import DISPLAY, Look

READY = 0x00  # ZVT terminal status (§11): PT ready
_SEPARATORS = re.compile(r"[\s\-_.:/]")


def same_serial(typed: str, reported: str) -> bool:
    """Serial numbers compared as people copy them: case, spaces and dashes do not count."""
    def plain(text: str) -> str:
        return _SEPARATORS.sub("", text).upper()

    return bool(plain(reported)) and plain(typed) == plain(reported)


def identity_dict(identity: Any) -> dict[str, Any]:
    data = dataclasses.asdict(identity)
    data.pop("extra", None)
    return data


def current_identity(ctx: StepContext) -> dict[str, Any]:
    """The identity read earlier in the run, or read now."""
    if ctx.state.identity is None:
        ctx.state.identity = identity_dict(ctx.terminal.identify())
    return ctx.state.identity


def identify(ctx: StepContext, spec: StepSpec) -> None:
    terminal = ctx.terminal
    with ctx.timed():
        identity = terminal.identify()
    data = identity_dict(identity)
    ctx.state.identity = data
    ctx.note("identity", data)
    if identity.status != READY:
        shown = f"{identity.status:02X}" if identity.status is not None else "none"
        raise ctx.fail(_("the terminal is not ready: {value} ({shown}); clear its "
                         "message and run the test again.").format(
                           value=identity.status_text or 'no status', shown=shown))


def _backup_identity(set_dir: Path) -> dict[str, Any]:
    from posdiag.backup.verify import scan_set, verify_set

    report = verify_set(set_dir)
    if not report.ok:
        problems = "; ".join(report.problems[:2])
        raise UsageError(_("the backup set {set_dir} does not verify ({problems}); "
                           "identity-match needs the old terminal's verified set.").format(
                             set_dir=set_dir, problems=problems))
    committed = scan_set(set_dir).committed
    if committed is None or committed.manifest is None:  # verify_set said ok: cannot happen
        raise UsageError(_("the backup set {set_dir} has no verified manifest.").format(
                             set_dir=set_dir))
    return dict(committed.manifest.terminal)


def identity_match(ctx: StepContext, spec: StepSpec) -> None:
    """TID, merchant (VU) number, currency: the replacement must be bound to the same merchant."""
    options = ctx.options
    # A repair case may not know every field (a dead terminal's identity is typed from its
    # label): what it does not know is noted, not failed — except the binding itself.
    optional: set[str] = set()
    # origin: what was compared with, as a code the record keeps ("case:ID", "backup:NAME",
    # "expect"); pages say it in their own language (report.words.origin_words).
    if options["source"] != "expect" and options.get("backup"):
        expected = _backup_identity(Path(options["backup"]))
        origin = f"backup:{Path(options['backup']).name}"
    elif options["source"] == "replaced":
        expected, origin = dict(options.get("expected") or {}), str(options.get("against"))
        optional = set(options["fields"]) - {"terminal_id", "merchant_id"}
    else:
        expected, origin = ctx.expect, "expect"
    against = origin_words(origin)
    with ctx.timed():
        actual = current_identity(ctx)
    compared, differences, unknown = {}, [], []
    for name in options["fields"]:
        want, got = expected.get(name), actual.get(name)
        compared[name] = {"expected": want, "actual": got}
        if want in (None, "") and name in optional:
            unknown.append(name)
        elif want in (None, ""):
            differences.append(_("{origin} records no {name}").format(origin=against,
                                                                       name=name))
        elif str(want) != str(got):
            differences.append(_("{name} is {got}, {origin} has {want}").format(
                name=name, got=got, origin=against, want=want))
    # A replacement is another unit: the terminal it replaces reporting its own serial number
    # again means the old terminal (or its twin by a copied configuration) is on the cable.
    old_serial = str(expected.get("serial_number") or "") if options["source"] != "expect" else ""
    new_serial = str(actual.get("serial_number") or "")
    same_unit = bool(old_serial) and same_serial(new_serial, old_serial)
    if unknown:
        ctx.note("not_compared", unknown)
    ctx.note("compared", compared)
    ctx.note("against", origin)
    ctx.note("binding_ok", not differences)
    problems = []
    if same_unit:
        ctx.note("same_unit", new_serial)
        problems.append(_("the terminal reports serial number {serial}, the serial number of "
                          "the terminal it replaces: it is the same unit, not a replacement; "
                          "connect the replacement terminal").format(serial=new_serial))
    if differences:
        problems.append(_("{differences}: this terminal is not bound to the same merchant; "
                          "have the acquirer/network operator re-assign it").format(
                              differences=_("; ").join(differences)))
    if problems:
        raise ctx.fail(_("{problems}.").format(problems=_("; ").join(problems)))


def display(ctx: StepContext, spec: StepSpec) -> None:
    """Display Text 06 E0 (PA00P015 §2.26): the PT answers 80 00 and shows the lines."""

    lines = list(ctx.options["text"])
    terminal = ctx.terminal
    with ctx.timed():
        terminal.display_text(lines, duration=ctx.options["duration"])
    shown_text = " / ".join(lines)
    answer = ctx.confirm("confirm", _("Does the terminal display \"{text}\"?").format(
                             text=shown_text),
                         look=Look(DISPLAY, tuple(lines)))
    if not answer.yes:
        raise ctx.fail(_("the operator did not see the text on the display "
                         "({reason}).").format(reason=answer.reason))


def end_of_day(ctx: StepContext, spec: StepSpec) -> None:
    with ctx.timed():
        totals = ctx.terminal.end_of_day(confirm=True)
    ctx.note("totals", {"amount": totals.amount, "count": totals.count,
                        "currency": totals.currency})
