"""USB byte pipes through pyusb: find, detach the kernel driver, claim, and move bytes.

A ``UsbPipe`` is a ``ByteLink`` like a serial port or a socket: the printer driver writes
to its bulk OUT endpoint and reads DLE EOT replies from bulk IN, the card reader reads
interrupt IN reports. Endpoints are read from the interface descriptors, never assumed:
clones put the printer's bulk OUT on 0x01, 0x02 or 0x03 (docs/escpos.md).

Which pyusb backend is used is the caller's choice: ``backend=`` (any
``usb.backend.IBackend``), else the one named by ``POSDIAG_USB`` in the backend registry
(entry-point group ``posdiag.usb_backends``; posdiag registers ``emulated``), else libusb.
Nothing here knows what a registered backend is.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any, TypedDict

from posdiag.errors import (
    UDEV_HINT,
    BadInput,
    DeviceError,
    DeviceNotFound,
    LinkClosed,
    LinkError,
    LinkTimeout,
    PermissionDenied,
    PortBusy,
)
from posdiag.i18n import _

CLASS_PRINTER = 7
CLASS_HID = 3
_TRANSFER_TYPES = {"bulk": 2, "interrupt": 3}
BACKEND_GROUP = "posdiag.usb_backends"
BACKEND_ENV = "POSDIAG_USB"
LIBUSB = "libusb"  # pyusb's own choice: no registered backend


def resolve_backend(backend: Any = None, environ: Mapping[str, str] | None = None) -> Any:
    """The pyusb backend to use: the one given, else the registered one POSDIAG_USB names,
    else None (pyusb picks libusb)."""
    if backend is not None:
        return backend
    name = (os.environ if environ is None else environ).get(BACKEND_ENV, "").strip().lower()
    if not name or name == LIBUSB:
        return None
    return registered_backend(name)


@functools.cache
def registered_backend(name: str) -> Any:
    """The backend registered under name, made once per process: every driver opened in
    one process must see the same devices, as they would see the same physical bus."""
    found = {ep.name: ep for ep in entry_points(group=BACKEND_GROUP)}
    if name not in found:
        known = ", ".join(sorted([LIBUSB, *found]))
        raise BadInput(_("{variable}={name} names no USB backend; use one of {known}.").format(
            variable=BACKEND_ENV, name=name, known=known))
    return found[name].load()()


def usb_error(err: Exception, what: str) -> DeviceError:
    """One typed error, one sentence, for a pyusb failure on `what`."""
    code = getattr(err, "errno", None)
    if code == errno.EACCES:
        return PermissionDenied(_("no permission to use {what}; {udev_hint}.").format(
                                    what=what, udev_hint=_(UDEV_HINT)))
    if code == errno.EBUSY:
        return PortBusy(_("{what} is busy: another driver or program (usblp, CUPS, "
                          "usbhid) holds it; stop that program and retry.").format(what=what))
    if code in (errno.ENODEV, errno.ENOENT, errno.EPIPE):
        return LinkClosed(_("{what} was unplugged or went away; reconnect it and "
                            "retry.").format(what=what))
    if code == errno.ETIMEDOUT:
        return LinkTimeout(_("{what} did not answer in time; check that it is "
                             "powered and ready.").format(what=what))
    return LinkError(_("USB error on {what} ({err}); reconnect it and retry.").format(
                         what=what, err=err))


def find_device(*, vid: int | None = None, pid: int | None = None, bus: int | None = None,
                address: int | None = None, backend: Any = None) -> Any:
    """The pyusb Device matching the ids or the bus position; DeviceNotFound if none."""
    import usb.core

    match: dict[str, int] = {}
    for key, value in (("idVendor", vid), ("idProduct", pid), ("bus", bus),
                       ("address", address)):
        if value is not None:
            match[key] = value
    where = describe(vid=vid, pid=pid, bus=bus, address=address)
    try:
        device = usb.core.find(backend=resolve_backend(backend), **match)
    except usb.core.NoBackendError as err:
        raise DeviceError(_("pyusb found no USB library; install libusb (`apt "
                            "install libusb-1.0-0`) or set POSDIAG_USB=emulated for "
                            "the emulator.")) from err
    except usb.core.USBError as err:
        raise usb_error(err, where) from err
    if device is None:
        raise DeviceNotFound(_("no USB device {where} is attached; run `posdiag "
                               "devices` to list them.").format(where=where))
    return device


def describe(*, vid: int | None = None, pid: int | None = None, bus: int | None = None,
             address: int | None = None) -> str:
    if vid is not None:
        return f"{vid:04x}:{pid or 0:04x}"
    return f"at bus {bus} address {address}"


class UsbPipe:
    """A claimed interface of a USB device with one OUT and/or one IN endpoint."""

    def __init__(self, device: Any, setting: Any, ep_out: Any, ep_in: Any, what: str,
                 detached: bool) -> None:
        self.device, self.setting = device, setting  # setting: the pyusb Interface claimed
        self.interface: int = setting.bInterfaceNumber
        self.ep_out, self.ep_in = ep_out, ep_in
        self.description = what
        self._detached = detached
        self._closed = False

    @classmethod
    def open(cls, *, interface_class: int | None = None, transfer: str = "bulk",
             backend: Any = None, **where: int | None) -> UsbPipe:
        """Find the device, pick the first interface with endpoints of the transfer type
        (preferring interface_class), detach its kernel driver, claim it."""
        import usb.core
        import usb.util

        device = find_device(backend=backend, **where)
        what = f"USB device {describe(**where)}"
        try:
            try:
                config = device.get_active_configuration()
            except usb.core.USBError:
                device.set_configuration()
                config = device.get_active_configuration()
            intf = _pick_interface(config, interface_class, _TRANSFER_TYPES[transfer])
            if intf is None:
                raise DeviceError(_("{what} has no {transfer} endpoints; it is not a "
                                    "device of the expected kind.").format(
                                      what=what, transfer=transfer))
            number = intf.bInterfaceNumber
            detached = False
            with contextlib.suppress(NotImplementedError):
                if device.is_kernel_driver_active(number):
                    device.detach_kernel_driver(number)
                    detached = True
            usb.util.claim_interface(device, number)
        except usb.core.USBError as err:
            raise usb_error(err, what) from err
        ep_out = _endpoint(intf, usb.util.ENDPOINT_OUT)
        ep_in = _endpoint(intf, usb.util.ENDPOINT_IN)
        return cls(device, intf, ep_out, ep_in, what, detached)

    def write(self, data: bytes, timeout: float = 10.0) -> None:
        import usb.core

        self._check_open()
        if self.ep_out is None:
            raise DeviceError(_("{description} has no OUT endpoint; it cannot take "
                                "data.").format(description=self.description))
        try:
            self.ep_out.write(data, int(timeout * 1000))
        except usb.core.USBError as err:
            raise usb_error(err, self.description) from err

    def read(self, size: int, timeout: float) -> bytes:
        """Up to size bytes (at least one packet's worth is asked for); b"" on timeout."""
        import usb.core

        self._check_open()
        if self.ep_in is None:
            return b""
        try:
            return bytes(self.ep_in.read(max(size, self.ep_in.wMaxPacketSize),
                                         max(1, int(timeout * 1000))))
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError as err:
            if getattr(err, "errno", None) == errno.ETIMEDOUT:
                return b""
            raise usb_error(err, self.description) from err

    def close(self) -> None:
        import usb.util

        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):  # a device unplugged mid-print cannot be released
            usb.util.release_interface(self.device, self.interface)
            if self._detached:
                self.device.attach_kernel_driver(self.interface)
        with contextlib.suppress(Exception):
            usb.util.dispose_resources(self.device)

    def _check_open(self) -> None:
        if self._closed:
            raise LinkClosed(_("{description} was already closed; open it again.").format(
                                 description=self.description))


class UsbLocation(TypedDict, total=False):
    """Where a device is: by ids or by bus position (find_device's keywords)."""

    vid: int
    pid: int
    bus: int
    address: int


def usb_location(options: Mapping[str, str]) -> UsbLocation:
    """find_device keywords from the options of a usb:// PortSpec (link.ports)."""
    if "vid" in options:
        return {"vid": int(options["vid"], 16), "pid": int(options["pid"], 16)}
    return {"bus": int(options["bus"]), "address": int(options["address"])}


def _pick_interface(config: Any, wanted_class: int | None, transfer_type: int) -> Any:
    candidates = [i for i in config
                  if any(e.bmAttributes & 3 == transfer_type for e in i)]
    preferred = [i for i in candidates if i.bInterfaceClass == wanted_class]
    return (preferred or candidates or [None])[0]


def _endpoint(intf: Any, direction: int) -> Any:
    import usb.util

    return usb.util.find_descriptor(
        intf, custom_match=lambda e: usb.util.endpoint_direction(e.bEndpointAddress) == direction)
