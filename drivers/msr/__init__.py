"""Magnetic-stripe card readers over USB HID: keyboard-wedge and MagTek-style vendor reports.

Codecs (hidkeys, magtek, swipe) are pure; reader.py does the pyusb I/O. Track
parsing (sentinels, separators, parity, LRC) is posdiag.tracks (ISO/IEC 7813).
"""

from posdiag.drivers.msr.reader import UsbCardReader
from posdiag.drivers.msr.swipe import swipe_from_report, swipe_from_wedge

__all__ = ["UsbCardReader", "swipe_from_report", "swipe_from_wedge"]
