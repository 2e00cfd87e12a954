"""Byte pipes to a receipt printer: pyserial URLs (serial, raw TCP 9100) and USB bulk (pyusb).

URL grammar (``open_transport``):

    /dev/ttyUSB0, COM3        serial port, 8N1 at --baud (default 9600)
    tcp://HOST[:PORT]         raw TCP, port 9100 by default (alias of socket://)
    socket://HOST:PORT        raw TCP through pyserial
    rfc2217://HOST:PORT       network serial server
    usb://VID:PID             USB by vendor/product id, hex (usb://0416:5011)
    usb://BUS/ADDRESS         USB by position, decimal as lsusb shows it (usb://1/5)
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from posdiag.errors import BadInput

RAW_PORT = 9100
_USB_IDS = re.compile(r"^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$")
_USB_BUS = re.compile(r"^(\d{1,3})/(\d{1,3})$")


class Transport(Protocol):
    """What the printer driver needs from a pipe."""

    description: str

    def write(self, data: bytes) -> None: ...

    def read(self, size: int, timeout: float) -> bytes:
        """Up to size bytes; b"" when nothing came within timeout seconds."""
        ...

    def close(self) -> None: ...


def open_transport(url: str, *, baud: int = 9600, backend: Any = None) -> Transport:
    """Open the printer pipe named by url (grammar in the module docstring)."""
    if url.startswith("usb://"):
        from posdiag.drivers.escpos.usb import CLASS_PRINTER, UsbPipe

        return UsbPipe.open(interface_class=CLASS_PRINTER, backend=backend, **parse_usb_url(url))
    from posdiag.link.serialport import open_serial

    # Device paths, socket:// (raw TCP 9100) and rfc2217:// alike; printers run 8N1.
    return open_serial(serial_url(url), baud, stop_bits=1)


def parse_usb_url(url: str) -> dict[str, int]:
    rest = url.removeprefix("usb://")
    if m := _USB_IDS.match(rest):
        return {"vid": int(m[1], 16), "pid": int(m[2], 16)}
    if m := _USB_BUS.match(rest):
        return {"bus": int(m[1]), "address": int(m[2])}
    raise BadInput(f"USB printer address {url!r} not understood; write usb://VID:PID "
                   "(hex, e.g. usb://0416:5011) or usb://BUS/ADDRESS (e.g. usb://1/5).")


def serial_url(url: str) -> str:
    """tcp://host[:port] -> socket://host:port (pyserial's name for a raw TCP pipe)."""
    if url.startswith("tcp://"):
        host, _, port = url.removeprefix("tcp://").partition(":")
        return f"socket://{host}:{port or RAW_PORT}"
    return url
