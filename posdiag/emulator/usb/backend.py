"""A pyusb backend (``usb.backend.IBackend``) whose devices live in this process.

``usb.core.find(backend=EmulatedBackend([...]))`` enumerates the emulated devices,
and every later pyusb call (set_configuration, claim, kernel-driver detach, bulk
and interrupt transfers, string descriptors) lands here, so drivers run their
real pyusb code path without libusb or hardware. Failures are the errno values
libusb reports: 13 access denied, 16 busy, 19 no device, 110 timeout.
"""

from __future__ import annotations

import errno
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import usb.backend
import usb.core

from posdiag.emulator.usb.device import EmulatedUsbDevice
from posdiag.i18n import _

GET_DESCRIPTOR = 6
DESC_STRING = 3
LANG_EN_US = 0x0409


@dataclass
class _Descriptor:
    """A bag of descriptor fields, as pyusb reads them with getattr."""

    fields: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.fields[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class _Handle:
    device: EmulatedUsbDevice
    claimed: set[int] = field(default_factory=set)


def _usb_error(message: str, code: int) -> usb.core.USBError:
    return usb.core.USBError(message, None, code)


class EmulatedBackend(usb.backend.IBackend):  # type: ignore[misc]
    """Holds emulated devices; plug and unplug them at any time."""

    def __init__(self, devices: Iterable[EmulatedUsbDevice] = ()) -> None:
        self._devices: list[EmulatedUsbDevice] = []
        self._lock = threading.Lock()
        for device in devices:
            self.plug(device)

    # --- the emulated bus ---------------------------------------------------------------

    def plug(self, device: EmulatedUsbDevice) -> EmulatedUsbDevice:
        with self._lock:
            if device.address is None:
                device.address = 1 + max((d.address or 1 for d in self._devices), default=1)
            device.plugged = True
            self._devices.append(device)
        return device

    def unplug(self, device: EmulatedUsbDevice) -> None:
        with self._lock:
            device.unplug()
            if device in self._devices:
                self._devices.remove(device)

    @property
    def devices(self) -> tuple[EmulatedUsbDevice, ...]:
        return tuple(self._devices)

    # --- enumeration and descriptors ----------------------------------------------------

    def enumerate_devices(self) -> Iterator[EmulatedUsbDevice]:
        return iter(list(self._devices))

    def get_device_descriptor(self, dev: EmulatedUsbDevice) -> _Descriptor:
        return _Descriptor({
            "bLength": 18, "bDescriptorType": 1, "bcdUSB": 0x0200, "bDeviceClass": 0,
            "bDeviceSubClass": 0, "bDeviceProtocol": 0, "bMaxPacketSize0": 64,
            "idVendor": dev.vid, "idProduct": dev.pid, "bcdDevice": 0x0100,
            "iManufacturer": 1, "iProduct": 2, "iSerialNumber": 3 if dev.serial else 0,
            "bNumConfigurations": 1, "address": dev.address, "bus": dev.bus,
            "port_number": dev.port, "port_numbers": (dev.port,), "speed": 2,
        })

    def get_configuration_descriptor(self, dev: EmulatedUsbDevice, config: int) -> _Descriptor:
        if config != 0:
            raise IndexError(config)
        return _Descriptor({
            "bLength": 9, "bDescriptorType": 2,
            "wTotalLength": 9 + sum(9 + 7 * len(i.endpoints) for i in dev.interfaces),
            "bNumInterfaces": len(dev.interfaces), "bConfigurationValue": 1,
            "iConfiguration": 0, "bmAttributes": 0x80, "bMaxPower": 50,
            "extra_descriptors": [],
        })

    def get_interface_descriptor(self, dev: EmulatedUsbDevice, intf: int, alt: int,
                                 config: int) -> _Descriptor:
        if config != 0 or alt != 0 or not 0 <= intf < len(dev.interfaces):
            raise IndexError(intf)
        spec = dev.interfaces[intf]
        return _Descriptor({
            "bLength": 9, "bDescriptorType": 4, "bInterfaceNumber": spec.number,
            "bAlternateSetting": 0, "bNumEndpoints": len(spec.endpoints),
            "bInterfaceClass": spec.cls, "bInterfaceSubClass": spec.subclass,
            "bInterfaceProtocol": spec.protocol, "iInterface": 0, "extra_descriptors": [],
        })

    def get_endpoint_descriptor(self, dev: EmulatedUsbDevice, ep: int, intf: int, alt: int,
                                config: int) -> _Descriptor:
        endpoint = dev.interfaces[intf].endpoints[ep]
        return _Descriptor({
            "bLength": 7, "bDescriptorType": 5, "bEndpointAddress": endpoint.address,
            "bmAttributes": endpoint.transfer, "wMaxPacketSize": endpoint.max_packet,
            "bInterval": endpoint.interval, "bRefresh": 0, "bSynchAddress": 0,
            "extra_descriptors": [],
        })

    # --- handles, configuration, interfaces ---------------------------------------------

    def open_device(self, dev: EmulatedUsbDevice) -> _Handle:
        self._check_present(dev)
        if dev.deny_access:
            raise _usb_error(_("Access denied (insufficient permissions)"), errno.EACCES)
        return _Handle(dev)

    def close_device(self, dev_handle: _Handle) -> None:
        for number in list(dev_handle.claimed):
            dev_handle.device.claimed_by.pop(number, None)
        dev_handle.claimed.clear()

    def set_configuration(self, dev_handle: _Handle, config_value: int) -> None:
        self._check_present(dev_handle.device)
        dev_handle.device.configuration = config_value

    def get_configuration(self, dev_handle: _Handle) -> int:
        self._check_present(dev_handle.device)
        return dev_handle.device.configuration

    def set_interface_altsetting(self, dev_handle: _Handle, intf: int, altsetting: int) -> None:
        self._check_present(dev_handle.device)

    def claim_interface(self, dev_handle: _Handle, intf: int) -> None:
        dev = dev_handle.device
        self._check_present(dev)
        holder = dev.claimed_by.get(intf)
        if dev.busy or intf in dev.kernel_driver or (holder is not None and holder is not
                                                     dev_handle):
            raise _usb_error(_("Resource busy"), errno.EBUSY)
        dev.claimed_by[intf] = dev_handle
        dev_handle.claimed.add(intf)

    def release_interface(self, dev_handle: _Handle, intf: int) -> None:
        if dev_handle.device.claimed_by.get(intf) is dev_handle:
            del dev_handle.device.claimed_by[intf]
        dev_handle.claimed.discard(intf)

    def is_kernel_driver_active(self, dev_handle: _Handle, intf: int) -> bool:
        self._check_present(dev_handle.device)
        return intf in dev_handle.device.kernel_driver

    def detach_kernel_driver(self, dev_handle: _Handle, intf: int) -> None:
        self._check_present(dev_handle.device)
        dev_handle.device.kernel_driver.discard(intf)

    def attach_kernel_driver(self, dev_handle: _Handle, intf: int) -> None:
        self._check_present(dev_handle.device)
        dev_handle.device.kernel_driver.add(intf)

    def reset_device(self, dev_handle: _Handle) -> None:
        self._check_present(dev_handle.device)

    def clear_halt(self, dev_handle: _Handle, ep: int) -> None:
        self._check_present(dev_handle.device)

    # --- transfers ----------------------------------------------------------------------

    def bulk_write(self, dev_handle: _Handle, ep: int, intf: int, data: Any,
                   timeout: int) -> int:
        self._check_claimed(dev_handle, intf)
        accepted = dev_handle.device.host_to_device(ep, bytes(data))
        if accepted < len(data):  # the cable was pulled during this transfer
            raise _usb_error(_("No such device (it may have been disconnected)"), errno.ENODEV)
        return accepted

    intr_write = bulk_write

    def bulk_read(self, dev_handle: _Handle, ep: int, intf: int, buff: Any,
                  timeout: int) -> int:
        self._check_claimed(dev_handle, intf)
        size = len(buff) * buff.itemsize
        data = dev_handle.device.device_to_host(ep, size, timeout / 1000 if timeout else None)
        if data is None:
            self._check_present(dev_handle.device)
            raise usb.core.USBTimeoutError(_("Operation timed out"), None, errno.ETIMEDOUT)
        for i, byte in enumerate(data):
            buff[i] = byte
        return len(data)

    intr_read = bulk_read

    def ctrl_transfer(self, dev_handle: _Handle, bmRequestType: int, bRequest: int,
                      wValue: int, wIndex: int, data: Any, timeout: int) -> int:
        self._check_present(dev_handle.device)
        if bmRequestType & 0x80 and bRequest == GET_DESCRIPTOR and wValue >> 8 == DESC_STRING:
            reply = self._string_descriptor(dev_handle.device, wValue & 0xFF)
            n = min(len(reply), len(data))
            for i in range(n):
                data[i] = reply[i]
            return n
        return 0 if bmRequestType & 0x80 else len(data)

    # --- helpers ------------------------------------------------------------------------

    @staticmethod
    def _string_descriptor(dev: EmulatedUsbDevice, index: int) -> bytes:
        if index == 0:
            body = LANG_EN_US.to_bytes(2, "little")
        else:
            text = {1: dev.manufacturer, 2: dev.product, 3: dev.serial}.get(index) or ""
            body = text.encode("utf-16-le")
        return bytes((2 + len(body), DESC_STRING)) + body

    @staticmethod
    def _check_present(dev: EmulatedUsbDevice) -> None:
        if not dev.plugged:
            raise _usb_error(_("No such device (it may have been disconnected)"), errno.ENODEV)

    def _check_claimed(self, dev_handle: _Handle, intf: int) -> None:
        self._check_present(dev_handle.device)
        if intf not in dev_handle.claimed:
            self.claim_interface(dev_handle, intf)  # libusb claims implicitly too
