"""Emulated USB devices behind a pyusb backend, so the real pyusb code path runs without hardware.

Tests build their own ``EmulatedBackend`` and pass it to the drivers. ``demo_backend``
is registered as the USB backend ``emulated`` (entry-point group
``posdiag.usb_backends``), so ``POSDIAG_USB=emulated`` gives a process one emulated bus
with a receipt printer (0416:5011) and a MagTek-style reader (0801:0002) plugged in; the
drivers never import this package.
"""

from __future__ import annotations

from posdiag.emulator.usb.backend import EmulatedBackend
from posdiag.emulator.usb.device import (
    EmulatedCardReader,
    EmulatedUsbDevice,
    EmulatedUsbPrinter,
    EndpointSpec,
    InterfaceSpec,
)

__all__ = [
    "EmulatedBackend",
    "EmulatedCardReader",
    "EmulatedUsbDevice",
    "EmulatedUsbPrinter",
    "EndpointSpec",
    "InterfaceSpec",
    "demo_backend",
]


def demo_backend() -> EmulatedBackend:
    """A fresh backend with one emulated printer and one emulated card reader."""
    return EmulatedBackend([EmulatedUsbPrinter(address=4), EmulatedCardReader(address=5)])

