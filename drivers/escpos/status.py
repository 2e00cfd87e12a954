"""DLE EOT real-time status bytes -> PrinterStatus. Pure.

Every reply has bit 0 = 0, bit 1 = 1, bit 4 = 1 and bit 7 = 0 (0x12 is a healthy
printer). Bits per request, from the Epson TM-U220, Bixolon SRP-350 and Citizen
CBM1000 manuals (docs/escpos.md):

    n=1 printer      bit3 offline
    n=2 offline      bit2 cover open, bit5 stopped by paper end, bit6 error
    n=3 error        bit3 autocutter error, bit5 unrecoverable, bit6 auto-recoverable
    n=4 roll paper   bits 2+3 near end, bits 5+6 paper end
"""

from __future__ import annotations

from collections.abc import Mapping

from posdiag.devices import PrinterStatus
from posdiag.errors import ProtocolError
from posdiag.i18n import _

HEALTHY = 0x12
STATUS_REQUESTS = (1, 2, 3, 4)


def is_status_byte(byte: int) -> bool:
    """True when the byte has the fixed bits every DLE EOT reply carries."""
    return byte & 0x93 == 0x12


def decode_status(replies: Mapping[int, int | None]) -> PrinterStatus:
    """Combine the replies to DLE EOT 1..4 (None or missing = no reply) into one status."""
    got = {n: b for n, b in replies.items() if b is not None}
    for n, byte in got.items():
        if n not in STATUS_REQUESTS:
            raise ProtocolError(_("DLE EOT {n} is not a status request; use 1..4.").format(n=n))
        if not is_status_byte(byte):
            raise ProtocolError(_("printer answered DLE EOT {n} with {byte:#04x}, "
                                  "which is not a status byte; check that the device "
                                  "is an ESC/POS printer.").format(n=n, byte=byte))
    if not got:
        return PrinterStatus(responding=False)

    def bit(n: int, mask: int) -> bool | None:
        return None if n not in got else got[n] & mask == mask

    return PrinterStatus(
        responding=True,
        online=None if 1 not in got else not got[1] & 0x08,
        cover_open=bit(2, 0x04),
        paper_near_end=bit(4, 0x0C),
        paper_end=_either(bit(4, 0x60), bit(2, 0x20)),
        cutter_error=bit(3, 0x08),
        unrecoverable_error=bit(3, 0x20),
        recoverable_error=bit(3, 0x40),
        raw=tuple(sorted(got.items())),
    )


def _either(a: bool | None, b: bool | None) -> bool | None:
    if a is None and b is None:
        return None
    return bool(a) or bool(b)


def encode_status(*, offline: bool = False, cover_open: bool = False, paper_near_end: bool = False,
                  paper_end: bool = False, cutter_error: bool = False,
                  unrecoverable_error: bool = False, recoverable_error: bool = False
                  ) -> dict[int, int]:
    """The reply bytes a printer in this state sends to DLE EOT 1..4 (used by the emulator)."""
    error = cutter_error or unrecoverable_error or recoverable_error
    offline = offline or cover_open or paper_end or error
    return {
        1: HEALTHY | (0x08 if offline else 0),
        2: HEALTHY | (0x04 if cover_open else 0) | (0x20 if paper_end else 0)
        | (0x40 if error else 0),
        3: HEALTHY | (0x08 if cutter_error else 0) | (0x20 if unrecoverable_error else 0)
        | (0x40 if recoverable_error else 0),
        4: HEALTHY | (0x0C if paper_near_end else 0) | (0x60 if paper_end else 0),
    }
