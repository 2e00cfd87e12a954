"""receipt-print: on the terminal's own printer (06 D1) or on an ESC/POS receipt printer.

Printer status is checked first, the receipt printed and timed, then the operator confirms it
is legible and cut. With an emulator the captured receipt is compared with what was sent too.
"""

from __future__ import annotations

import time
from typing import Any

from posdiag.plan.context import StepContext
from posdiag.plan.model import StepSpec

DEFAULT_LINES = ("POSDIAG TEST RECEIPT", "0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                 "abcdefghijklmnopqrstuvwxyz .,:;-+*/=()", "END OF TEST")
CAPTURE_WAIT = 3.0  # s for an emulated network printer to decode what it was sent


def receipt_print(ctx: StepContext, spec: StepSpec) -> None:
    if ctx.options["device"] == "printer":
        _on_escpos_printer(ctx)
    else:
        _on_terminal(ctx)


def _confirm(ctx: StepContext, where: str, check: Any) -> None:
    answer = ctx.confirm("confirm", f"Is the test receipt from {where} legible, complete and "
                         "cut off cleanly?", check)
    if not answer.yes:
        raise ctx.fail(f"the operator rejected the receipt from {where} ({answer.reason}).")


def _on_terminal(ctx: StepContext) -> None:
    lines = list(ctx.options["lines"] or DEFAULT_LINES)
    terminal = ctx.terminal
    status, text = terminal.status()
    ctx.note("terminal_status", text)
    if status != 0x00:
        raise ctx.fail(f"the terminal is not ready to print: {text} ({status:02X}).")
    emulator = ctx.bench.emulator
    before = len(emulator.printer.printed) if emulator is not None else 0
    ctx.note("lines_sent", lines)  # what the certificate shows when nothing was captured
    with ctx.timed():
        terminal.print_text(lines)  # printer not ready: TerminalRefused (CC), a FAIL

    def check() -> tuple[bool, str]:
        printed = list(emulator.printer.printed)[before:]
        got = [[line.text for line in r.lines] for r in printed]
        if lines in got:
            return True, ""
        return False, ("nothing was printed" if not got
                       else "the printed text differs from the text sent")

    if emulator is not None:
        from posdiag.plan.steps.payment import printed_receipt

        ctx.note("printed_receipts", [printed_receipt(r) for r in
                                      list(emulator.printer.printed)[before:]])
        ok, reason = check()
        ctx.note("captured_receipt_matches", ok)
        if not ok:
            raise ctx.fail(f"the terminal's printer: {reason}.")
    _confirm(ctx, "the terminal", check if emulator is not None else None)


def _on_escpos_printer(ctx: StepContext) -> None:
    from posdiag.drivers.escpos.testreceipt import check_test_receipt

    printer = ctx.bench.printer
    status = printer.status()
    ctx.note("printer_status", list(status.words))
    if not status.ready:
        raise ctx.fail(f"the receipt printer reports {', '.join(status.words)}; fix it and run "
                       "the step again.")
    emulated = ctx.bench.emulated_printer
    before = len(emulated.receipts) if emulated is not None else 0
    with ctx.timed():
        printer.print_test_receipt()
    problems: list[str] = []
    if emulated is not None:
        deadline = time.monotonic() + CAPTURE_WAIT
        while len(emulated.receipts) <= before and time.monotonic() < deadline:
            time.sleep(0.01)
        captured = emulated.receipts[before:]
        problems = check_test_receipt(captured[0]) if captured else ["nothing was printed."]
        ctx.note("captured_receipt_problems", problems)
        if problems:
            raise ctx.fail("the printed receipt differs: " + " ".join(problems[:3]))
    _confirm(ctx, "the receipt printer",
             (lambda: (not problems, " ".join(problems))) if emulated is not None else None)
