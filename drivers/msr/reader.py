"""A USB HID magnetic-stripe reader through pyusb (MagTek-style reports or keyboard wedge).

The reader's HID interface is taken from usbhid (detached while we read, given
back on close), so swipes do not also type into the console.
"""

from __future__ import annotations

import time
from typing import Any

from posdiag.devices import Swipe
from posdiag.drivers.msr.hidkeys import REPORT_SIZE as KEY_REPORT
from posdiag.drivers.msr.hidkeys import decode_keyboard_reports
from posdiag.drivers.msr.magtek import REPORT_SIZE as MAGTEK_REPORT
from posdiag.drivers.msr.swipe import swipe_from_report, swipe_from_wedge
from posdiag.errors import LinkClosed, LinkTimeout
from posdiag.i18n import _
from posdiag.link.usb import CLASS_HID, UsbPipe

MAGTEK_VID, MAGTEK_HID_PID = 0x0801, 0x0002
KEY_IDLE = 0.5  # seconds of silence that end a wedge swipe without Enter


class UsbCardReader:
    """CardReader over USB HID. mode "magtek-hid" or "keyboard"; None = from the descriptors
    (a boot-keyboard interface means keyboard emulation)."""

    def __init__(self, *, vid: int | None = MAGTEK_VID, pid: int | None = MAGTEK_HID_PID,
                 bus: int | None = None, address: int | None = None, backend: Any = None,
                 mode: str | None = None) -> None:
        """backend: the pyusb backend, chosen by the caller (posdiag.link.usb.resolve_backend
        when None)."""
        if bus is not None:
            vid = pid = None
        self._where = {"vid": vid, "pid": pid, "bus": bus, "address": address}
        self._backend = backend
        self.mode = mode
        self._pipe: UsbPipe | None = None

    def open(self) -> None:
        self._pipe = UsbPipe.open(interface_class=CLASS_HID, transfer="interrupt",
                                  backend=self._backend, **self._where)
        if self.mode is None:
            setting = self._pipe.setting
            boot_keyboard = setting.bInterfaceSubClass == 1 and setting.bInterfaceProtocol == 1
            self.mode = "keyboard" if boot_keyboard else "magtek-hid"

    def close(self) -> None:
        if self._pipe is not None:
            self._pipe.close()
            self._pipe = None

    def __enter__(self) -> UsbCardReader:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read_swipe(self, timeout: float = 30.0) -> Swipe:
        """Wait up to timeout seconds for one swipe."""
        if self._pipe is None:
            raise LinkClosed(_("the card reader is not open; open it before reading."))
        if self.mode == "keyboard":
            return self._read_keyboard(self._pipe, timeout)
        return self._read_report(self._pipe, timeout)

    def _read_report(self, pipe: UsbPipe, timeout: float) -> Swipe:
        deadline = time.monotonic() + timeout
        report = bytearray()
        while len(report) < MAGTEK_REPORT:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _no_swipe(timeout, partial=bool(report))
            report += pipe.read(MAGTEK_REPORT - len(report), left)
        return swipe_from_report(bytes(report))

    def _read_keyboard(self, pipe: UsbPipe, timeout: float) -> Swipe:
        deadline = time.monotonic() + timeout
        reports: list[bytes] = []
        while True:
            wait = deadline - time.monotonic() if not reports else KEY_IDLE
            if wait <= 0:
                raise _no_swipe(timeout, partial=False)
            chunk = pipe.read(KEY_REPORT, wait)
            if not chunk:
                if reports:
                    break  # the reader went quiet: the swipe is over
                continue
            reports.extend(chunk[i:i + KEY_REPORT] for i in range(0, len(chunk), KEY_REPORT))
            text, _ = decode_keyboard_reports(reports)
            if text.endswith("\n"):
                break
        text, _ = decode_keyboard_reports(reports)
        return swipe_from_wedge(text)


def _no_swipe(timeout: float, *, partial: bool) -> LinkTimeout:
    if partial:
        return LinkTimeout(_("the card reader sent an incomplete report; swipe the card again."))
    return LinkTimeout(_("no card was swiped within {timeout:g} s; swipe the card "
                         "and retry.").format(timeout=timeout))
