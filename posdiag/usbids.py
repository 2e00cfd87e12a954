"""USB vendor/product ids of devices found at payment counters, with where each id comes from.

``KNOWN_DEVICES`` is read by ``posdiag devices`` (to name what is plugged in) and
by the udev-rules generator (to grant access). Sources, abbreviated in the
``source`` field:

    usb.ids       usbids/usbids:usb.ids @5e867ca (line of the vendor entry)
    cdc-acm       Linux drivers/usb/class/cdc-acm.c, acm_ids[]   (-> /dev/ttyACM*)
    cp210x        Linux drivers/usb/serial/cp210x.c, id_table    (-> /dev/ttyUSB*)
    ftdi_sio      Linux drivers/usb/serial/ftdi_sio_ids.h
    pl2303        Linux drivers/usb/serial/pl2303.h
    ch341         Linux drivers/usb/serial/ch341.c, id_table
    ccid          LudovicRousseau/CCID:readers/supported_readers.txt
    magtek-pyusb  MicahCarrick/magtek-pyusb:magtek-pyusb.py
    odoo          odoo/odoo:addons/hw_escpos/escpos/supported_devices.py
    sintrb        sintrb/USB-Printer-Descriptors:README.md
    python-escpos python-escpos/python-escpos:doc/user/usage.rst, examples/
"""

from __future__ import annotations

from dataclasses import dataclass

TERMINAL = "terminal"
PINPAD = "pinpad"
PRINTER = "printer"
CARD_READER = "card-reader"
SMARTCARD_READER = "smartcard-reader"
USB_SERIAL = "usb-serial"
KINDS = (TERMINAL, PINPAD, PRINTER, CARD_READER, SMARTCARD_READER, USB_SERIAL)


@dataclass(frozen=True, slots=True)
class KnownDevice:
    vid: int
    pid: int
    kind: str
    name: str
    source: str


def _d(vid: int, pid: int, kind: str, name: str, source: str) -> KnownDevice:
    return KnownDevice(vid, pid, kind, name, source)


KNOWN_DEVICES: list[KnownDevice] = [
    # Payment terminals and PIN pads
    _d(0x0CA6, 0xA050, TERMINAL, "Castles VEGA3000", "cdc-acm"),
    _d(0x11CA, 0x0201, TERMINAL, "VeriFone MX870/MX880", "cdc-acm; usb.ids L16895"),
    _d(0x11CA, 0x0207, PINPAD, "VeriFone VX 810 PIN pad", "usb.ids L16895"),
    _d(0x11CA, 0x0220, PINPAD, "VeriFone VX 805 PIN pad", "usb.ids L16895"),
    _d(0x11CA, 0x0212, USB_SERIAL, "VeriFone USB to printer (CP2102)", "cp210x"),
    _d(0x0B00, 0x3070, TERMINAL, "Ingenico 3070 (CP210x serial)", "cp210x"),
    _d(0x0780, 0x1202, TERMINAL, "Sagem Monetel ORGA 900 virtual COM port", "usb.ids L10753"),
    _d(0x0780, 0x1302, TERMINAL, "Sagem Monetel ORGA 6000 virtual COM port", "usb.ids L10753"),
    _d(0x1753, 0xC901, PINPAD, "Gertec PPC900 PIN pad", "usb.ids L19283"),
    _d(0x0ACD, 0x0810, PINPAD, "ID TECH SecurePIN PIN pad", "usb.ids L13316"),
    _d(0x0404, 0x034C, USB_SERIAL, "NCR Retail IO Box (CP210x)", "cp210x"),
    # Magnetic-stripe card readers
    _d(0x0801, 0x0001, CARD_READER, "MagTek Mini Swipe (keyboard emulation)",
       "usb.ids L11446"),
    _d(0x0801, 0x0002, CARD_READER, "MagTek Mini Swipe (HID)", "usb.ids L11446; magtek-pyusb"),
    _d(0x0801, 0x0003, CARD_READER, "MagTek insert reader (HID)", "usb.ids L11446"),
    _d(0x0801, 0x0011, CARD_READER, "MagTek reader", "usb.ids L11446"),
    _d(0x0ACD, 0x2030, CARD_READER, "ID TECH ValueMag MSR", "usb.ids L13316"),
    _d(0x0ACD, 0x0630, CARD_READER, "ID TECH Spectrum III insert reader (CDC)", "usb.ids L13316"),
    _d(0x0D3A, 0x0500, CARD_READER, "Posiflex MSR", "usb.ids L14866"),
    # Smart-card (CCID) readers: reachable through pcscd, not through posdiag
    _d(0x0F14, 0x003B, SMARTCARD_READER, "Ingenico (Xiring) Leo", "ccid L79; usb.ids L15701"),
    _d(0x0F14, 0x003D, SMARTCARD_READER, "Ingenico (Xiring) WITEO", "ccid L82"),
    _d(0x0F14, 0x0038, SMARTCARD_READER, "Xiring Leo v2", "ccid L121"),
    _d(0x0925, 0x900A, SMARTCARD_READER, "LANDI LDU", "ccid L701"),
    _d(0x0CA6, 0x00A0, SMARTCARD_READER, "Castles EZCCID", "usb.ids L14610; ccid L311"),
    # Receipt printers
    _d(0x04B8, 0x0202, PRINTER, "Epson TM series (UB-U05 interface)",
       "usb.ids L4761; odoo; python-escpos"),
    _d(0x04B8, 0x0E03, PRINTER, "Epson TM-T20", "odoo; usb.ids"),
    _d(0x04B8, 0x0E15, PRINTER, "Epson TM-T20II", "odoo; usb.ids"),
    _d(0x04B8, 0x0E28, PRINTER, "Epson TM-T20III", "odoo; usb.ids"),
    _d(0x04B8, 0x0E31, PRINTER, "Epson TM-L100", "odoo; usb.ids"),
    _d(0x0519, 0x0003, PRINTER, "Star Micronics TSP100", "usb.ids L6711"),
    _d(0x0519, 0x0001, PRINTER, "Star Micronics TSP650II", "python-escpos issue #434"),
    _d(0x1504, 0x001F, PRINTER, "Bixolon SRP-350II", "usb.ids L18249"),
    _d(0x0483, 0x5743, PRINTER, "Xprinter XP-T58H", "sintrb"),
    _d(0x6868, 0x0500, PRINTER, "Gprinter receipt printer", "sintrb"),
    _d(0x6868, 0x0200, PRINTER, "Gprinter GP-58", "sintrb"),
    _d(0x0416, 0x5011, PRINTER, "POS-58/5890 receipt printer (Winbond)",
       "usb.ids L1350; python-escpos examples"),
    _d(0x1D90, 0x20F0, PRINTER, "Citizen CT-E351", "usb.ids L20970"),
    _d(0x2730, 0x0FFF, PRINTER, "Citizen CT-S2000", "python-escpos"),
    _d(0x0DD4, 0x0237, PRINTER, "Custom K80", "usb.ids L15221"),
    _d(0x20D1, 0x7007, PRINTER, "HPRT HM-A300S", "sintrb"),
    # USB-serial bridges (a terminal or printer may sit behind one)
    _d(0x0403, 0x6001, USB_SERIAL, "FTDI FT232", "ftdi_sio; usb.ids L818"),
    _d(0x0403, 0x6010, USB_SERIAL, "FTDI FT2232", "ftdi_sio"),
    _d(0x0403, 0x6011, USB_SERIAL, "FTDI FT4232H", "ftdi_sio"),
    _d(0x0403, 0x6014, USB_SERIAL, "FTDI FT232H", "ftdi_sio; usb.ids L818"),
    _d(0x0403, 0x6015, USB_SERIAL, "FTDI FT-X", "ftdi_sio; usb.ids L818"),
    _d(0x067B, 0x2303, USB_SERIAL, "Prolific PL2303", "pl2303; usb.ids L9606"),
    _d(0x1A86, 0x7523, USB_SERIAL, "WCH CH340", "ch341"),
    _d(0x1A86, 0x7522, USB_SERIAL, "WCH CH340", "ch341"),
    _d(0x1A86, 0x5523, USB_SERIAL, "WCH CH341", "ch341"),
    _d(0x10C4, 0xEA60, USB_SERIAL, "Silicon Labs CP210x", "cp210x; usb.ids L16533"),
    _d(0x10C4, 0xEA70, USB_SERIAL, "Silicon Labs CP2105", "cp210x"),
    _d(0x10C4, 0xEA71, USB_SERIAL, "Silicon Labs CP2108", "cp210x"),
]

_BY_ID = {(d.vid, d.pid): d for d in KNOWN_DEVICES}


def lookup(vid: int | None, pid: int | None) -> KnownDevice | None:
    """The table entry for a vendor/product id pair, or None."""
    if vid is None or pid is None:
        return None
    return _BY_ID.get((vid, pid))
