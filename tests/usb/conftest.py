"""Shared fixtures for the USB / printer / card-reader tests."""

from __future__ import annotations

import pytest

from posdiag.emulator.usb import EmulatedBackend, EmulatedCardReader, EmulatedUsbPrinter


@pytest.fixture
def usb_printer() -> EmulatedUsbPrinter:
    return EmulatedUsbPrinter()


@pytest.fixture
def backend(usb_printer: EmulatedUsbPrinter) -> EmulatedBackend:
    return EmulatedBackend([usb_printer, EmulatedCardReader()])
