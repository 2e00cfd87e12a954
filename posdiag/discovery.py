"""What is plugged in: serial ports (pyserial) and USB devices (pyusb), named from posdiag.usbids.

Listing never fails because one device is unreadable: a device the OS will not
let us open is listed with access "denied" and the udev hint.
"""

from __future__ import annotations

import errno
import os
from dataclasses import asdict, dataclass
from typing import Any

from posdiag import usbids
from posdiag.errors import UDEV_HINT
from posdiag.i18n import N_

# What each kind is good for; marked for the catalog, translated where shown.
CAPABILITIES = {
    usbids.TERMINAL: N_("ZVT terminal: info, backup, test (--port PATH)"),
    usbids.PINPAD: N_("PIN pad: PIN entry tests through the terminal"),
    usbids.PRINTER: N_("ESC/POS printer: status and test receipt (usb://VID:PID)"),
    usbids.CARD_READER: N_("card reader: swipe tests"),
    usbids.USB_SERIAL: N_("serial bridge: reach the terminal or printer behind it (--port PATH)"),
    usbids.SMARTCARD_READER: N_("smart-card reader: not used by posdiag (use pcscd)"),
    "serial": N_("serial port: try `posdiag info --port PATH`"),
    "usb": N_("nothing posdiag knows"),
}
# Shown translated (posdiag devices); JSON keeps the English text.
DIALOUT_HINT = N_("join the dialout group or add a udev rule: `posdiag kit install` or see udev/")
_HUB_CLASS = 9


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """One device as listed: a description only; drivers open it from ``url``."""

    kind: str  # a usbids kind, or "serial" / "usb" when the id is not in the table
    name: str
    vid: int | None = None
    pid: int | None = None
    path: str | None = None  # serial ports
    bus: int | None = None  # USB devices
    address: int | None = None
    serial_number: str | None = None
    location: str | None = None
    url: str | None = None  # what to pass to --port / a printer URL
    access: str = "ok"  # "ok", "denied" or "unknown"
    hint: str | None = None
    can: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["vid"] = None if self.vid is None else f"{self.vid:04x}"
        data["pid"] = None if self.pid is None else f"{self.pid:04x}"
        return {k: v for k, v in data.items() if v is not None}

    @property
    def ids(self) -> str:
        return "" if self.vid is None else f"{self.vid:04x}:{self.pid or 0:04x}"


def _named(vid: int | None, pid: int | None, fallback_kind: str,
           fallback_name: str) -> tuple[str, str]:
    known = usbids.lookup(vid, pid)
    if known is not None:
        return known.kind, known.name
    return fallback_kind, fallback_name


def list_serial_ports() -> list[DeviceInfo]:
    """Serial ports from pyserial's list_ports, with access checked."""
    from serial.tools import list_ports

    found = []
    for port in sorted(list_ports.comports(), key=lambda p: p.device):
        described = port.description if port.description not in (None, "", "n/a") else None
        kind, name = _named(port.vid, port.pid, "serial", described or "serial port")
        allowed = os.access(port.device, os.R_OK | os.W_OK)
        found.append(DeviceInfo(
            kind=kind, name=name, vid=port.vid, pid=port.pid, path=port.device,
            serial_number=port.serial_number, location=port.location, url=port.device,
            access="ok" if allowed else "denied",
            hint=None if allowed else DIALOUT_HINT,
            can=CAPABILITIES[kind]))
    return found


def list_usb_devices(backend: Any = None) -> list[DeviceInfo]:
    """USB devices (hubs left out) through pyusb; [] when no USB library is installed."""
    import usb.core

    from posdiag.link.usb import resolve_backend

    try:
        devices = list(usb.core.find(find_all=True, backend=resolve_backend(backend)))
    except usb.core.NoBackendError:
        return []
    found = []
    for dev in devices:
        if dev.bDeviceClass == _HUB_CLASS:
            continue
        serial_number, access = _read_serial(dev)
        kind, name = _named(dev.idVendor, dev.idProduct, "usb", _product(dev) or "USB device")
        url = f"usb://{dev.idVendor:04x}:{dev.idProduct:04x}" if kind == usbids.PRINTER else None
        found.append(DeviceInfo(
            kind=kind, name=name, vid=dev.idVendor, pid=dev.idProduct, bus=dev.bus,
            address=dev.address, serial_number=serial_number, url=url, access=access,
            location=_location(dev),
            hint=UDEV_HINT if access == "denied" else None, can=CAPABILITIES[kind]))
    return found


def list_devices(backend: Any = None) -> list[DeviceInfo]:
    return list_serial_ports() + list_usb_devices(backend)


def _read_serial(dev: Any) -> tuple[str | None, str]:
    """The serial-number string and whether we may open the device at all."""
    import usb.core
    import usb.util

    try:
        usb.util.get_langids(dev)  # opens the device: this is where the OS says no
        return (dev.serial_number if dev.iSerialNumber else None), "ok"
    except usb.core.USBError as err:
        if getattr(err, "errno", None) == errno.EACCES:
            return None, "denied"
        return None, "unknown"
    except (ValueError, NotImplementedError):
        return None, "unknown"  # no string descriptors, or a backend without them
    finally:
        usb.util.dispose_resources(dev)


def _product(dev: Any) -> str | None:
    try:
        return dev.product if dev.iProduct else None
    except Exception:  # any failure just means "no name": listing must go on
        return None


def _location(dev: Any) -> str | None:
    ports = getattr(dev, "port_numbers", None)
    if not ports:
        return None
    return f"{dev.bus}-{'.'.join(str(p) for p in ports)}"
