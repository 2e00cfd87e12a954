"""The ESC/POS receipt printer driver (posdiag.devices.Printer) over any Transport."""

from __future__ import annotations

from typing import Any

from posdiag.devices import PrinterStatus
from posdiag.drivers.escpos.encoder import status_request
from posdiag.drivers.escpos.status import STATUS_REQUESTS, decode_status, is_status_byte
from posdiag.drivers.escpos.testreceipt import build_test_receipt
from posdiag.drivers.escpos.transport import Transport, open_transport
from posdiag.errors import LinkClosed
from posdiag.i18n import _

STATUS_TIMEOUT = 1.0  # seconds per DLE EOT; real printers answer within milliseconds


class EscposPrinter:
    """A receipt printer: open -> status/print -> close. Built from a URL or a Transport."""

    def __init__(self, url: str | None = None, *, transport: Transport | None = None,
                 baud: int = 9600, backend: Any = None) -> None:
        self.url = url
        self._baud, self._backend = baud, backend
        self._transport = transport

    @property
    def description(self) -> str:
        return self._transport.description if self._transport else (self.url or "printer")

    def open(self) -> None:
        if self._transport is None:
            if self.url is None:
                raise LinkClosed(_("no printer address was given; pass a URL or a transport."))
            self._transport = open_transport(self.url, baud=self._baud, backend=self._backend)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def __enter__(self) -> EscposPrinter:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def print_bytes(self, data: bytes) -> None:
        self._require().write(data)

    def print_test_receipt(self, **options: str) -> bytes:
        """Print the acceptance test receipt; return the bytes sent (to compare with)."""
        data = build_test_receipt(**options)
        self.print_bytes(data)
        return data

    def status(self, timeout: float = STATUS_TIMEOUT) -> PrinterStatus:
        """Ask DLE EOT 1..4 one at a time; a printer that stays silent is "no answer"."""
        transport = self._require()
        replies: dict[int, int | None] = {}
        for n in STATUS_REQUESTS:
            transport.write(status_request(n))
            replies[n] = self._reply(transport, timeout)
            if replies[n] is None:
                break  # silent once, silent always: do not wait four times
        return decode_status(replies)

    @staticmethod
    def _reply(transport: Transport, timeout: float) -> int | None:
        data = transport.read(1, timeout)
        while data and not is_status_byte(data[-1]):  # skip stray bytes (e.g. ASB)
            data = transport.read(1, timeout)
        return data[-1] if data else None

    def _require(self) -> Transport:
        if self._transport is None:
            raise LinkClosed(_("the printer {description} is not open; open it first.").format(
                                 description=self.description))
        return self._transport
