"""Emulated USB devices: a receipt printer and a magnetic-stripe reader (MagTek-style).

A device is its descriptors plus two byte hooks: ``host_to_device`` for OUT
transfers and ``device_to_host`` for IN transfers. The backend (backend.py)
turns pyusb calls into these hooks.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass

from posdiag.drivers.msr.hidkeys import encode_keyboard_reports
from posdiag.drivers.msr.magtek import build_report
from posdiag.emulator.printer import EmulatedPrinter

BULK, INTERRUPT = 2, 3


@dataclass(frozen=True)
class EndpointSpec:
    address: int  # bit 7 set = IN
    transfer: int = BULK
    max_packet: int = 64
    interval: int = 0


@dataclass(frozen=True)
class InterfaceSpec:
    number: int
    cls: int
    subclass: int
    protocol: int
    endpoints: tuple[EndpointSpec, ...]


class EmulatedUsbDevice:
    """Descriptors, plug state and IN queues. Subclasses define what OUT data does."""

    def __init__(self, *, vid: int, pid: int, interfaces: tuple[InterfaceSpec, ...],
                 manufacturer: str, product: str, serial: str | None = None, bus: int = 1,
                 address: int | None = None, port: int = 1, kernel_driver: bool = True) -> None:
        self.vid, self.pid, self.interfaces = vid, pid, interfaces
        self.manufacturer, self.product, self.serial = manufacturer, product, serial
        self.bus, self.address, self.port = bus, address, port
        self.plugged = False
        self.configuration = 0  # unconfigured until the host sets one
        # Interfaces a kernel driver (usblp, usbhid) holds until the host detaches it.
        self.kernel_driver: set[int] = {i.number for i in interfaces} if kernel_driver else set()
        self.claimed_by: dict[int, object] = {}
        self.deny_access = False  # fault: the OS refuses to open the device (errno 13)
        self.busy = False  # fault: another program holds the interface (errno 16)
        self._in: defaultdict[int, bytearray] = defaultdict(bytearray)
        self._cond = threading.Condition()

    def unplug(self) -> None:
        with self._cond:
            self.plugged = False
            self._cond.notify_all()

    def queue_in(self, ep: int, data: bytes) -> None:
        """Make data available on IN endpoint ep (the device has something to say)."""
        with self._cond:
            self._in[ep] += data
            self._cond.notify_all()

    def device_to_host(self, ep: int, size: int, timeout: float | None) -> bytes | None:
        """Up to size queued bytes for IN endpoint ep; None if none came within timeout."""
        with self._cond:
            self._cond.wait_for(lambda: self._in[ep] or not self.plugged, timeout)
            if not self._in[ep]:
                return None
            data = bytes(self._in[ep][:size])
            del self._in[ep][:size]
            return data

    def host_to_device(self, ep: int, data: bytes) -> int:
        """Take an OUT transfer; return how many bytes were accepted."""
        return len(data)


class EmulatedUsbPrinter(EmulatedUsbDevice):
    """A USB receipt printer (printer class 7/1/2) in front of an EmulatedPrinter.

    Its endpoints (OUT 0x02, IN 0x81, as on an Xprinter XP-T58H) differ from the
    common 0x01/0x82 on purpose: drivers must read them from the descriptors.
    ``unplug_after`` bytes pulls the cable in the middle of a print job.
    """

    def __init__(self, printer: EmulatedPrinter | None = None, *, vid: int = 0x0416,
                 pid: int = 0x5011, serial: str | None = "EMU-PRN-0001",
                 unplug_after: int | None = None, **kwargs: object) -> None:
        interface = InterfaceSpec(0, 7, 1, 2, (EndpointSpec(0x02), EndpointSpec(0x81)))
        super().__init__(vid=vid, pid=pid, interfaces=(interface,), manufacturer="posdiag",
                         product="Emulated ESC/POS printer", serial=serial,
                         **kwargs)  # type: ignore[arg-type]
        self.printer = printer or EmulatedPrinter()
        self.unplug_after = unplug_after
        self.bytes_received = 0

    def host_to_device(self, ep: int, data: bytes) -> int:
        if self.unplug_after is not None and self.bytes_received + len(data) > self.unplug_after:
            data = data[:max(0, self.unplug_after - self.bytes_received)]
            self._take(data)
            self.unplug()
            return len(data)
        self._take(data)
        return len(data)

    def _take(self, data: bytes) -> None:
        self.bytes_received += len(data)
        reply = self.printer.receive(data)
        if reply:
            self.queue_in(0x81, reply)


class EmulatedCardReader(EmulatedUsbDevice):
    """A USB magnetic-stripe reader: MagTek vendor HID reports (0801:0002, 337-byte input
    report) or keyboard emulation (0801:0001, boot-keyboard reports)."""

    def __init__(self, *, mode: str = "hid", serial: str | None = "EMU-MSR-0001",
                 **kwargs: object) -> None:
        keyboard = mode == "keyboard"
        interface = InterfaceSpec(0, 3, 1 if keyboard else 0, 1 if keyboard else 0,
                                  (EndpointSpec(0x81, INTERRUPT, 8, 1),))
        super().__init__(vid=0x0801, pid=0x0001 if keyboard else 0x0002,
                         interfaces=(interface,), manufacturer="posdiag",
                         product="Emulated card reader (test cards only)", serial=serial,
                         **kwargs)  # type: ignore[arg-type]
        self.mode = mode

    def swipe(self, track1: str | None = None, track2: str | None = None,
              track3: str | None = None, *, bad_tracks: tuple[int, ...] = ()) -> None:
        """Swipe a (test) card: tracks as text from start to end sentinel."""
        tracks = {1: track1, 2: track2, 3: track3}
        if self.mode == "keyboard":
            starts = {1: "%", 2: ";", 3: ";"}
            text = "".join(f"{starts[n]}E?" if n in bad_tracks else (t or "")
                           for n, t in tracks.items())
            for report in encode_keyboard_reports(text + "\n"):
                self.queue_in(0x81, report)
        else:
            self.queue_in(0x81, build_report(tracks, bad_tracks=bad_tracks))
