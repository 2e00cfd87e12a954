"""Diagnostics gathered while the broken terminal still answers.

In this order, each on its own so one refusal does not lose the rest: identity and status
(Registration 06 00 + Status Enquiry 05 01), the terminal's own line diagnosis (06 70), its
totals (06 10), and the last lines of its application log (Read File 08 11, file 02). The
printer's state follows from the status byte (CC: printer not ready) and from a diagnosis
refused for that reason (a printout the ECR prints says nothing about the terminal's paper).
Nothing here changes the terminal's data: no end-of-day, no payment, no extended diagnosis.
All text is masked before it is kept.

A terminal that does not answer at all is a result too: ``silent_diagnostics`` records the
port and every attempt with the error it ended in.
"""

from __future__ import annotations

import dataclasses
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from posdiag.case.carddata import scrub, scrub_text
from posdiag.case.model import Diagnostics, Probe, TerminalInfo, TotalsReading
from posdiag.case.store import utc_now
from posdiag.devices import FILE_APPLICATION_LOG, PrintedReceipt, TerminalIdentity
from posdiag.errors import DeviceError, LinkError, PosdiagError, TerminalRefused

LOG_TAIL_LINES = 20
PRINTER_NOT_READY = 0xCC  # ZVT terminal status / result code: printer not ready
# PA00P015 TLV 1B: 01 line diagnosis (the connection to the host). Not 02, the extended
# diagnosis and the default: it may load configuration, and before the backup nothing on the
# terminal is to change.
LINE_DIAGNOSIS = 0x01


def terminal_info(identity: TerminalIdentity, port: str, *, read_at: str,
                  manufacturer: str = "", model: str = "", acquirer: str = "") -> TerminalInfo:
    """A read identity as the case keeps it (the profile may add what ZVT does not carry)."""
    return TerminalInfo(
        source="read", manufacturer=manufacturer, model=model,
        device_name=identity.device_name or "", serial_number=identity.serial_number or "",
        terminal_id=identity.terminal_id or "", merchant_id=identity.merchant_id or "",
        software_version=identity.software_version or "", currency=identity.currency,
        acquirer=acquirer or identity.extra.get("acquirer", ""), read_at=read_at,
        port=scrub_text(port))


class _Prober:
    def __init__(self) -> None:
        self.probes: list[Probe] = []

    def run(self, name: str, command: str, call: Callable[[], Any]) -> tuple[bool, Any, str]:
        """(ok, value, error): one probe, timed; device refusals are results, not failures."""
        start = time.monotonic()
        try:
            value = call()
        except (TerminalRefused, DeviceError, PosdiagError) as err:
            error = scrub_text(str(err))
            self.probes.append(Probe(name, command, False, _seconds(start), error))
            return False, err, error
        self.probes.append(Probe(name, command, True, _seconds(start)))
        return True, value, ""


def _seconds(start: float) -> float:
    return round(time.monotonic() - start, 3)


def gather(terminal: Any, port: str, identity: TerminalIdentity | None = None,
           *, log_lines: int = LOG_TAIL_LINES) -> tuple[TerminalIdentity, Diagnostics]:
    """Identity and diagnostics of an opened terminal. A terminal that fails the identity
    raises (the caller decides whether that is a dead terminal); later probes only record."""
    prober = _Prober()
    at = utc_now()
    if identity is None:
        start = time.monotonic()
        identity = terminal.identify()
        prober.probes.append(Probe("identify", "06 00 + 05 01", True, _seconds(start)))
    status_code = identity.status
    status_text = identity.status_text or ""
    diagnosis_lines: tuple[str, ...] = ()
    diagnosis_result: dict[str, Any] = {}
    printer_ready: bool | None = None if status_code is None else status_code != PRINTER_NOT_READY
    printer_text = "printer not ready" if printer_ready is False else ""
    run_diagnosis = getattr(terminal, "diagnosis", None)
    if run_diagnosis is not None:
        ok, value, _error = prober.run("diagnosis", "06 70 (line diagnosis)",
                                       lambda: run_diagnosis(LINE_DIAGNOSIS))
        if ok:
            diagnosis_lines, diagnosis_result = _diagnosis(value)
        elif getattr(value, "result_code", None) == PRINTER_NOT_READY:
            printer_ready, printer_text = False, "printer not ready (diagnosis printout refused)"
    totals = None
    ok, value, _error = prober.run("totals", "06 10", terminal.totals)
    if ok:
        totals = TotalsReading(
            amount=value.amount, count=value.count, currency=value.currency,
            brands=tuple({"brand": b.brand, "count": b.count, "amount": b.amount}
                         for b in value.brands))
    ok, value, _error = prober.run("log", "08 11 file 02",
                                   lambda: _log_tail(terminal, log_lines))
    log_tail = tuple(value) if ok else ()
    return identity, Diagnostics(
        gathered_at=at, port=scrub_text(port), answered=True, probes=tuple(prober.probes),
        status_code=status_code, status_text=status_text, diagnosis_lines=diagnosis_lines,
        diagnosis_result=diagnosis_result, printer_ready=printer_ready,
        printer_text=printer_text, totals=totals, log_tail=log_tail)


def _diagnosis(value: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The 06 70 answer as lines and, when the driver gives a typed result, its fields."""
    lines: list[str] = []
    result: dict[str, Any] = {}
    receipts: Iterable[Any] = ()
    if isinstance(value, list | tuple):
        receipts = value
    elif value is not None:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            result = {k: v for k, v in dataclasses.asdict(value).items() if k != "receipts"}
        elif hasattr(value, "to_dict"):
            result = dict(value.to_dict())
        receipts = getattr(value, "receipts", ()) or ()
    for receipt in receipts:
        if isinstance(receipt, PrintedReceipt):
            lines.extend(receipt.lines)
        elif isinstance(receipt, str):
            lines.append(receipt)
    return tuple(scrub_text(line) for line in lines), scrub(_plain(result))


def _plain(value: Any) -> Any:
    """Only JSON values survive (bytes as hex): a typed result may hold anything."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _log_tail(terminal: Any, lines: int) -> list[str]:
    """The last lines of the application log, read through once (memory: ``lines`` lines)."""
    tail: deque[str] = deque(maxlen=lines)
    pending = b""
    try:
        for block in terminal.read_file(FILE_APPLICATION_LOG, 0):
            pending += block.data
            *complete, pending = pending.split(b"\n")
            tail.extend(scrub_text(c.decode("latin-1").rstrip("\r")) for c in complete)
    except TerminalRefused:
        return []  # a terminal without an application log refuses the read: an empty log
    if pending.strip():
        tail.append(scrub_text(pending.decode("latin-1").rstrip("\r")))
    return [line for line in tail if line.strip()]


def silent_diagnostics(port: str, attempts: Iterable[tuple[str, str, float, str]]) -> Diagnostics:
    """The result for a terminal that did not answer: (name, command, seconds, error) tried."""
    probes = tuple(Probe(name, command, False, round(seconds, 3), scrub_text(error))
                   for name, command, seconds, error in attempts)
    return Diagnostics(gathered_at=utc_now(), port=scrub_text(port), answered=False,
                       probes=probes)


def probe_terminal(port: str, *, opener: Callable[[str], Any] | None = None,
                   options: dict[str, Any] | None = None
                   ) -> tuple[TerminalIdentity | None, Diagnostics]:
    """Open PORT and gather; (None, silent diagnostics) when the terminal does not answer."""
    from posdiag.terminals import open_terminal

    start = time.monotonic()
    try:
        with (opener(port) if opener else open_terminal(port, **(options or {}))) as terminal:
            try:
                identity = terminal.identify()
            except (LinkError, DeviceError) as err:
                return None, silent_diagnostics(port, [(
                    "identify", "06 00 + 05 01", time.monotonic() - start, str(err))])
            identity, diagnostics = gather(terminal, port, identity)
            first = Probe("identify", "06 00 + 05 01", True, _seconds(start))
            return identity, dataclasses.replace(diagnostics,
                                                 probes=(first, *diagnostics.probes))
    except LinkError as err:  # the port itself: missing, busy, refused
        return None, silent_diagnostics(port, [("open", "open port", time.monotonic() - start,
                                                str(err))])
