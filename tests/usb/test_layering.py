"""The layering of docs/design.md for printers, card readers and USB, checked over the source.

Drivers know no emulator (the emulated pyusb backend is handed to them, or named through the
link layer's registry), the card reader borrows nothing from the printer driver, and the
link layer knows no driver and no emulator.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def sources(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def offenders(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.name} imports {name}"
            for path in files for name in sorted(imported_modules(path))
            if name.startswith(forbidden)]


@pytest.mark.parametrize("folder", ["drivers/escpos", "drivers/msr"])
def test_printer_and_card_reader_drivers_do_not_import_the_emulator(folder: str) -> None:
    assert offenders(sources(folder), ("posdiag.emulator",)) == []


def test_the_card_reader_does_not_borrow_the_printer_driver() -> None:
    assert offenders(sources("drivers/msr"), ("posdiag.drivers.escpos",)) == []


def test_the_usb_link_knows_no_driver_and_no_emulator() -> None:
    files = [ROOT / "posdiag/link/usb.py", ROOT / "posdiag/link/ports.py"]
    assert offenders(files, ("posdiag.drivers", "posdiag.emulator")) == []


def test_the_checker_sees_an_import_of_the_emulator(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from posdiag.emulator.usb import demo_backend\n")
    assert offenders([bad], ("posdiag.emulator",)) != []
