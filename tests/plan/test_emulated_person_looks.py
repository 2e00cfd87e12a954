"""The emulated person answers a confirm by looking where the step says: the display, the
terminal's printer, or the receipt printer — steps never touch emulator objects themselves."""

from __future__ import annotations

from posdiag.emulator.receipts import Receipt, ReceiptLine
from posdiag.emulator.terminal import EmulatedTerminal
from posdiag.plan.operator import (
    DISPLAY,
    RECEIPT_PRINTER,
    TERMINAL_PRINTER,
    EmulatorOperator,
    Look,
    Prompt,
)


def ask(operator: EmulatorOperator, look: Look):
    return operator.confirm(Prompt("step.confirm", "confirm", "Do you see it?", look=look))


def test_the_display_is_compared_line_by_line():
    emulator = EmulatedTerminal()
    operator = EmulatorOperator(emulator)
    emulator.state.display = ("HELLO", "WORLD")
    assert ask(operator, Look(DISPLAY, ("HELLO", "WORLD"))).yes
    answer = ask(operator, Look(DISPLAY, ("HELLO",)))
    assert not answer.yes and "WORLD" in answer.reason


def test_the_last_receipt_of_the_terminal_printer_is_read():
    emulator = EmulatedTerminal()
    operator = EmulatorOperator(emulator)
    assert ask(operator, Look(TERMINAL_PRINTER, ("A",))).reason == "nothing was printed"
    emulator.printer.print_receipt(Receipt(0, (ReceiptLine("A"), ReceiptLine("B"))))
    assert ask(operator, Look(TERMINAL_PRINTER, ("A", "B"))).yes
    assert not ask(operator, Look(TERMINAL_PRINTER, ("A", "C"))).yes


def test_without_an_emulated_receipt_printer_there_is_nothing_to_look_at():
    operator = EmulatorOperator(EmulatedTerminal(), receipt_printer=lambda: None)
    assert ask(operator, Look(RECEIPT_PRINTER)).yes
