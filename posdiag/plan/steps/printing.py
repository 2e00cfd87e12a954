"""receipt-print: on the terminal's own printer (06 D1) or on an ESC/POS receipt printer.

Printer status is checked first, the receipt printed and timed, then the operator confirms it
is legible and cut. The emulated operator does so by looking at the emulated printer.
"""

from __future__ import annotations

from posdiag.i18n import _
from posdiag.plan.context import StepContext
from posdiag.plan.model import StepSpec
from posdiag.plan.operator import RECEIPT_PRINTER, TERMINAL_PRINTER, Look

DEFAULT_LINES = ("POSDIAG TEST RECEIPT", "0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                 "abcdefghijklmnopqrstuvwxyz .,:;-+*/=()", "END OF TEST")


def receipt_print(ctx: StepContext, spec: StepSpec) -> None:
    if ctx.options["device"] == "printer":
        _on_escpos_printer(ctx)
    else:
        _on_terminal(ctx)


def _confirm(ctx: StepContext, where: str, look: Look) -> None:
    answer = ctx.confirm("confirm", f"Is the test receipt from {where} legible, complete and "
                         "cut off cleanly?", look=look)
    if not answer.yes:
        raise ctx.fail(_("the operator rejected the receipt from {where} ({reason}).").format(
                           where=where, reason=answer.reason))


def _on_terminal(ctx: StepContext) -> None:
    lines = list(ctx.options["lines"] or DEFAULT_LINES)
    terminal = ctx.terminal
    status, text = terminal.status()
    ctx.note("terminal_status", text)
    ctx.note("terminal_status_code", status)  # pages say it in their language from the code
    if status != 0x00:
        raise ctx.fail(_("the terminal is not ready to print: {text} ({status:02X}).").format(
                           text=text, status=status))
    before = ctx.bench.terminal_printout_count()
    ctx.note("lines_sent", lines)  # what the certificate shows when nothing was captured
    with ctx.timed():
        terminal.print_text(lines)  # printer not ready: TerminalRefused (CC), a FAIL
    printed = ctx.bench.terminal_printout(before)
    if printed:  # the emulated printer's paper, as the certificate shows it
        ctx.note("printed_receipts", printed)
        ctx.note("captured_receipt_matches", any(r["lines"] == lines for r in printed))
    _confirm(ctx, "the terminal", Look(TERMINAL_PRINTER, tuple(lines)))


def _on_escpos_printer(ctx: StepContext) -> None:
    printer = ctx.bench.printer
    status = printer.status()
    ctx.note("printer_status", list(status.words))
    if not status.ready:
        raise ctx.fail(_("the receipt printer reports {words}; fix it and run the "
                         "step again.").format(words=', '.join(status.words)))
    with ctx.timed():
        printer.print_test_receipt()
    _confirm(ctx, "the receipt printer", Look(RECEIPT_PRINTER))
