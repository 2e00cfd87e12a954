"""The emulated ESC/POS receipt printer, and the raw TCP / pty servers that expose it.

``EmulatedPrinter.receive(data)`` is the device: it answers DLE EOT wherever the
sequence appears in the stream (real printers do, even inside image data), holds
print data while paper is out or the cover is open (as a real printer keeps its
receive buffer), and decodes the rest into receipts. The USB emulation
(posdiag.emulator.usb) and the servers below only move bytes to and from it.

Any job, however hostile, leaves the printer and its server running: decoding is linear
and bounded (drivers/escpos/decoder.py), a receipt that cannot be written is reported and
skipped, and a server reports whatever else goes wrong with a job and serves the next one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import threading
import tty
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from posdiag.drivers.escpos.decoder import Decoder
from posdiag.drivers.escpos.model import Receipt
from posdiag.drivers.escpos.render_png import png_available, render_png
from posdiag.drivers.escpos.render_text import render_text
from posdiag.drivers.escpos.status import encode_status
from posdiag.errors import BadInput, LinkError, PosdiagError
from posdiag.i18n import _

DLE_EOT = b"\x10\x04"
FAULTS = ("paper_out", "paper_near_end", "cover_open", "cutter_error")
RECEIVED_KEPT = 1 << 20  # bytes of `received` kept for assertions: the last MiB
HOLD_LIMIT = 1 << 20  # receive buffer while paper is out; data beyond it is lost, and counted
_log = logging.getLogger(__name__)


@dataclass
class PrinterFaults:
    """Conditions the emulated printer is in; change them at any time."""

    paper_out: bool = False
    paper_near_end: bool = False
    cover_open: bool = False
    cutter_error: bool = False

    @property
    def blocked(self) -> bool:
        return self.paper_out or self.cover_open or self.cutter_error


class EmulatedPrinter:
    """An Epson-compatible receipt printer: status replies, faults, and decoded receipts."""

    def __init__(self, *, chinese_encoding: str = "gb18030", chinese_mode: bool = False,
                 on_receipt: Callable[[Receipt], None] | None = None,
                 report: Callable[[str], None] | None = None) -> None:
        self.faults = PrinterFaults()
        self.receipts: list[Receipt] = []
        self.received = bytearray()  # the last RECEIVED_KEPT bytes, for byte-level assertions
        self.lost = 0  # bytes dropped because the receive buffer was full (paper out)
        self._decoder = Decoder(chinese_encoding=chinese_encoding, chinese_mode=chinese_mode)
        self._on_receipt = on_receipt
        self._report = report or _log.error
        self.failures = 0  # receipts whose on_receipt callback raised
        self._held = bytearray()  # print data waiting for paper / a closed cover
        self._tail = b""  # last bytes of the previous chunk, for a DLE EOT split in two
        self._lock = threading.Lock()

    def set_fault(self, name: str, on: bool = True) -> None:
        if name not in FAULTS:
            raise BadInput(_("printer fault {name!r} not known; use one of {faults}.").format(
                               name=name, faults=', '.join(FAULTS)))
        with self._lock:
            setattr(self.faults, name, on)
            if not self.faults.blocked and self._held:
                held, self._held = bytes(self._held), bytearray()
                self._print(held)

    def status_bytes(self) -> dict[int, int]:
        f = self.faults
        return encode_status(cover_open=f.cover_open, paper_end=f.paper_out,
                             paper_near_end=f.paper_near_end or f.paper_out,
                             cutter_error=f.cutter_error)

    def receive(self, data: bytes) -> bytes:
        """Take bytes from the host; return the bytes the printer sends back."""
        with self._lock:
            self.received += data
            if len(self.received) > 2 * RECEIVED_KEPT:  # trimmed now and then: linear overall
                del self.received[:-RECEIVED_KEPT]
            reply = self._status_replies(data)
            if self.faults.blocked:
                room = max(0, HOLD_LIMIT - len(self._held))
                self._held += data[:room]
                self.lost += max(0, len(data) - room)
            else:
                self._print(data)
            return reply

    def finish(self) -> Receipt | None:
        """End of session: the uncut remainder, if anything was printed after the last cut."""
        with self._lock:
            rest = self._decoder.finish()
            if rest is not None:
                self._deliver(rest)
            return rest

    def _status_replies(self, data: bytes) -> bytes:
        window = self._tail + data
        status = self.status_bytes()
        replies = bytearray()
        start = window.find(DLE_EOT)
        while start >= 0:
            end = start + 3
            if end <= len(window) and end > len(self._tail) and window[start + 2] in status:
                replies.append(status[window[start + 2]])
            start = window.find(DLE_EOT, start + 1)
        self._tail = window[-2:]
        return bytes(replies)

    def _print(self, data: bytes) -> None:
        for receipt in self._decoder.feed(data):
            self._deliver(receipt)

    def _deliver(self, receipt: Receipt) -> None:
        self.receipts.append(receipt)
        if self._on_receipt is None:
            return
        try:
            self._on_receipt(receipt)
        except Exception as err:  # the caller's callback: its failure is not the printer's
            self.failures += 1
            self._report(_("printer emulator: receipt {number} was printed but not delivered "
                           "({error}).").format(number=len(self.receipts),
                                               error=f"{type(err).__name__}: {err}"))


class ReceiptWriter:
    """Writes each receipt to DIR as NNNN.txt (and NNNN.png with the png extra installed)."""

    def __init__(self, out_dir: str | Path, *, width: int = 48, png: bool | None = None,
                 report: Callable[[str], None] | None = None) -> None:
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.width = width
        self.png = png_available() if png is None else png
        self.count = 0
        self._report = report or (lambda line: None)

    def __call__(self, receipt: Receipt) -> None:
        self.count += 1
        stem = self.out_dir / f"receipt-{self.count:04d}"
        written = []
        try:
            stem.with_suffix(".txt").write_text(render_text(receipt, width=self.width),
                                                encoding="utf-8")
            written.append(stem.with_suffix(".txt").name)
            if self.png:
                render_png(receipt, stem.with_suffix(".png"))
                written.append(stem.with_suffix(".png").name)
        except (OSError, PosdiagError) as err:  # a full disk must not stop the printer
            self._report(_("receipt {number}: not written ({error}).").format(
                number=self.count, error=err))
            return
        note = f"; {len(receipt.unknown)} command(s) not rendered" if receipt.unknown else ""
        self._report(f"receipt {self.count}: {', '.join(written)}{note}")
        for unknown in receipt.unknown:
            self._report(f"  not rendered {unknown}")


class _Server:
    """A thread that pumps bytes between a peer and an EmulatedPrinter until stopped.

    A job that makes the printer (or a receipt callback) fail is reported through
    ``report`` and dropped; the server goes on serving, as a printer survives a bad job.
    """

    def __init__(self, printer: EmulatedPrinter,
                 report: Callable[[str], None] | None = None) -> None:
        self.printer = printer
        self.failures = 0
        self._report = report or _log.error
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _receive(self, data: bytes) -> bytes:
        try:
            return self.printer.receive(data)
        except Exception as err:  # the last line of defence: report it, keep serving
            self.failures += 1
            self._report(_("printer emulator: a job failed and was dropped ({error}); still "
                           "serving.").format(error=f"{type(err).__name__}: {err}"))
            return b""

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=type(self).__name__, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._close()

    def __enter__(self) -> _Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        pass


class TcpPrinterServer(_Server):
    """Raw TCP (port 9100 style): one client at a time, like a real network printer."""

    def __init__(self, printer: EmulatedPrinter, host: str = "127.0.0.1", port: int = 9100,
                 report: Callable[[str], None] | None = None) -> None:
        super().__init__(printer, report)
        try:
            self._sock = socket.create_server((host, port), reuse_port=False)
        except OSError as err:
            raise LinkError(_("cannot listen on {host}:{port} ({strerror}); pick "
                              "another port or stop the program using it.").format(
                                host=host, port=port, strerror=err.strerror)) from err
        self._sock.settimeout(0.1)
        self.address: tuple[str, int] = self._sock.getsockname()[:2]

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(0.1)
                self._serve(conn)

    def _serve(self, conn: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                data = conn.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            reply = self._receive(data)
            if reply:
                with contextlib.suppress(OSError):
                    conn.sendall(reply)

    def _close(self) -> None:
        self._sock.close()


class PtyPrinterServer(_Server):
    """A serial printer on a pseudo-terminal; clients open ``slave_path`` like /dev/ttyUSB0."""

    def __init__(self, printer: EmulatedPrinter,
                 report: Callable[[str], None] | None = None) -> None:
        super().__init__(printer, report)
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # bytes must pass unchanged (no CR/LF translation)
        self.slave_path = os.ttyname(self._slave)

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(self._master, 4096)
            except OSError:
                continue  # EIO while no client has the slave open
            reply = self._receive(data)
            if reply:
                with contextlib.suppress(OSError):
                    os.write(self._master, reply)

    def _close(self) -> None:
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
