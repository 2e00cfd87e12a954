"""Emulated USB devices behind a pyusb backend, so the real pyusb code path runs without hardware.

Tests build their own ``EmulatedBackend`` and pass it to the drivers. The CLI and
the demo select one with ``POSDIAG_USB=emulated``: ``shared_backend()`` then gives
the process one backend with an emulated receipt printer (0416:5011) and an
emulated MagTek-style reader (0801:0002) plugged in.
"""

from __future__ import annotations

import functools

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
    "shared_backend",
]


def demo_backend() -> EmulatedBackend:
    """A fresh backend with one emulated printer and one emulated card reader."""
    return EmulatedBackend([EmulatedUsbPrinter(address=4), EmulatedCardReader(address=5)])


@functools.cache
def shared_backend() -> EmulatedBackend:
    """The process-wide emulated bus used when POSDIAG_USB=emulated.

    Cached on purpose: every driver opened in one process must see the same
    emulated devices, as it would see the same physical bus.
    """
    return demo_backend()
