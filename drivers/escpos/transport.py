"""Byte pipes to a receipt printer: serial ports, raw TCP 9100 and USB bulk, all from the link
layer. Addresses follow the link layer's PORT grammar (``posdiag.link.ports.parse_port``)
with ``default_tcp_port=9100`` and ``usb=True``:

    /dev/ttyUSB0, COM3        serial port, 8N1 at --baud (default 9600)
    tcp://HOST[:PORT]         raw TCP, port 9100 by default (through pyserial's socket://)
    socket://HOST:PORT        raw TCP through pyserial
    rfc2217://HOST:PORT       network serial server
    usb://VID:PID             USB by vendor/product id, hex (usb://0416:5011)
    usb://BUS/ADDRESS         USB by position, decimal as lsusb shows it (usb://1/5)
"""

from __future__ import annotations

from typing import Any, Protocol

from posdiag.errors import BadInput
from posdiag.i18n import _

RAW_PORT = 9100


class Transport(Protocol):
    """What the printer driver needs from a pipe (a posdiag.link ByteLink)."""

    description: str

    def write(self, data: bytes) -> None: ...

    def read(self, size: int, timeout: float) -> bytes:
        """Up to size bytes; b"" when nothing came within timeout seconds."""
        ...

    def close(self) -> None: ...


def open_transport(url: str, *, baud: int = 9600, backend: Any = None) -> Transport:
    """Open the printer pipe named by url (grammar in the module docstring). backend: the
    pyusb backend for usb:// addresses, chosen by the caller (posdiag.link.usb)."""
    from posdiag.link.ports import parse_port

    spec = parse_port(url, default_tcp_port=RAW_PORT, usb=True)
    if spec.kind == "usb":
        from posdiag.link.usb import CLASS_PRINTER, UsbPipe, usb_location

        return UsbPipe.open(interface_class=CLASS_PRINTER, backend=backend,
                            **usb_location(spec.options))
    if spec.kind == "sim":
        raise BadInput(_("a printer address cannot be sim here; give usb://VID:PID, "
                         "tcp://HOST[:PORT] or a serial device."))
    from posdiag.link.serialport import open_serial

    # Device paths, socket:// (raw TCP 9100) and rfc2217:// alike; printers run 8N1.
    url = f"socket://{spec.host}:{spec.port}" if spec.kind == "tcp" else spec.url
    return open_serial(url, baud, stop_bits=1)
