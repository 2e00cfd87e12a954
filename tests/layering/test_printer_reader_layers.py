"""Printers and card readers: the card reader borrows nothing from the printer driver (its USB
pipe is the link layer's). That no driver imports the emulator, and the link layer no driver,
is checked for every package in test_layers.py."""

from __future__ import annotations

from pathlib import Path

from source_imports import offenders, sources


def test_the_card_reader_does_not_borrow_the_printer_driver() -> None:
    assert offenders(sources("drivers/msr"), ("posdiag.drivers.escpos",)) == []


def test_the_checker_sees_an_import_of_the_emulator(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from posdiag.emulator.usb import demo_backend\n")
    assert offenders([bad], ("posdiag.emulator",)) != []
