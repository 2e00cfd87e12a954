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

import contextlib
import errno
import re
from typing import Any, Protocol

from posdiag.errors import (
    BadInput,
    DeviceError,
    LinkClosed,
    LinkError,
    PermissionDenied,
    PortBusy,
    PortNotFound,
)

RAW_PORT = 9100
UDEV_HINT = "add a udev rule: `posdiag kit install` or see udev/"
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
    return StreamTransport.open(url, baud=baud)


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


class StreamTransport:
    """A pyserial port: device paths, socket:// (raw TCP) and rfc2217:// alike."""

    def __init__(self, port: Any, description: str) -> None:
        self._port = port
        self.description = description

    @classmethod
    def open(cls, url: str, *, baud: int = 9600) -> StreamTransport:
        import serial

        target = serial_url(url)
        try:
            port = serial.serial_for_url(target, baudrate=baud, timeout=0, write_timeout=10)
        except serial.SerialException as err:
            raise _open_error(url, err) from err
        except ValueError as err:
            raise BadInput(f"cannot open {url}: {err}; check the port string.") from err
        return cls(port, url)

    def write(self, data: bytes) -> None:
        try:
            self._port.write(data)
            self._port.flush()
        except Exception as err:  # pyserial raises SerialException, OSError or socket errors
            raise LinkClosed(f"the printer at {self.description} stopped accepting data "
                             f"({err}); check cable and power, then print again.") from err

    def read(self, size: int, timeout: float) -> bytes:
        try:
            self._port.timeout = timeout
            first = self._port.read(1)
            if not first or size == 1:
                return bytes(first)
            self._port.timeout = 0
            return bytes(first) + bytes(self._port.read(size - 1))
        except Exception as err:
            raise LinkClosed(f"the link to the printer at {self.description} was lost ({err}); "
                             "reconnect and retry.") from err

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._port.close()


def _open_error(url: str, err: Exception) -> DeviceError:
    code = getattr(err, "errno", None)
    text = str(err)
    if code == errno.EACCES or "Permission denied" in text:
        return PermissionDenied(f"no permission to open {url}; join the dialout group or "
                                f"{UDEV_HINT}.")
    if code == errno.EBUSY or "busy" in text.lower() or "lock" in text:
        return PortBusy(f"{url} is busy; close the program holding it and retry.")
    if code == errno.ENOENT or "No such file" in text:
        return PortNotFound(f"{url} does not exist; run `posdiag devices` to list ports.")
    if "refused" in text.lower() or "timed out" in text.lower():
        return PortNotFound(f"no printer answers at {url}; check address, port and power.")
    return LinkError(f"cannot open {url} ({text}); check the port string and the cable.")
