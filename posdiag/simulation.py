"""Run emulated terminals for other programs (or another posdiag) until told to stop.

The service behind `posdiag simulate`: it builds the terminals, puts each on its own pty,
TCP port or TLS port, tells the caller the PORT to use for each, serves the control socket
if asked, and waits for SIGINT or SIGTERM. It prints nothing itself.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from posdiag.errors import BadInput, LinkError
from posdiag.i18n import _

if TYPE_CHECKING:
    from posdiag.emulator.terminal import EmulatedTerminal

TRANSPORTS = ("serial", "tcp", "tls")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True, slots=True)
class SimulationRequest:
    transport: str = "serial"  # serial | tcp | tls
    listen: str | None = None  # HOST:PORT for tcp and tls (port 0: any free one)
    count: int = 1
    journal: int = 0
    seed: int = 0
    baud: int | None = None  # serial: the terminal's rate, paced; None: unpaced
    faults: tuple[str, ...] = ()
    identity: str | None = None  # TOML file with a [terminal] table
    operator: str = "auto"
    control_path: str | None = None  # Unix socket acting as the person at the first terminal
    tls_dir: Path | None = None  # where the TLS TEST MATERIAL goes; None: a temporary folder
    require_client_cert: bool = False


@dataclass
class Simulation:
    """Running terminals and what the caller should announce (one PORT each)."""

    terminals: list[EmulatedTerminal] = field(default_factory=list)
    ports: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # for a human: test material, fingerprints
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in reversed(self._closers):
            close()
        for terminal in self.terminals:
            terminal.stop()


def listen_addresses(text: str, count: int) -> list[tuple[str, int]]:
    """HOST:PORT for count terminals: PORT, PORT+1, …; port 0 gives each any free port."""
    host, _sep, port_text = text.rpartition(":")
    try:
        port = int(port_text)
    except ValueError as err:
        raise BadInput(_("give HOST:PORT to listen on, not {text!r}.").format(text=text)) \
            from err
    last = port + count - 1 if port else 0
    if not 0 <= port <= 65535 or last > 65535:
        raise BadInput(_("port {port} (for {count} terminal(s)) is outside 0..65535.").format(
            port=port, count=count))
    return [(host or "127.0.0.1", port + i if port else 0) for i in range(count)]


@contextlib.contextmanager
def running(request: SimulationRequest) -> Iterator[Simulation]:
    """Start the terminals of request; stop them (and the control socket) on exit."""
    from posdiag.emulator.config import load_config
    from posdiag.emulator.faults import parse_faults
    from posdiag.emulator.terminal import EmulatedTerminal

    if request.transport not in TRANSPORTS:
        raise BadInput(_("choose one of --serial, --tcp HOST:PORT or --tls HOST:PORT."))
    if request.transport != "serial" and not request.listen:
        raise BadInput(_("--{transport} needs HOST:PORT to listen on.").format(
            transport=request.transport))
    if request.operator == "manual" and not request.control_path:
        raise BadInput(_("with --operator manual the terminal waits for a person, and only "
                         "the control socket can act as one: add --control SOCKET."))
    config = load_config(request.identity)
    faults = parse_faults(list(request.faults))
    addresses = (listen_addresses(request.listen, request.count) if request.listen
                 else [("", 0)] * request.count)
    simulation = Simulation()
    try:
        for index, address in enumerate(addresses):
            terminal = EmulatedTerminal(config, faults=faults, seed=request.seed + index,
                                        journal=request.journal, operator=request.operator)
            simulation.terminals.append(terminal)
            simulation.ports.append(_serve(terminal, request, address, simulation))
        if request.control_path:
            from posdiag.emulator.control import serve_control

            simulation._closers.append(serve_control(simulation.terminals[0],
                                                     request.control_path))
        simulation.notes.extend(operator_notes(request))
        yield simulation
    finally:
        simulation.close()


def operator_notes(request: SimulationRequest) -> list[str]:
    """What start-up says about the person at the terminal: who it is, and how to be it."""
    from posdiag.emulator.operator import DEFAULT_CARD

    if request.operator == "auto":
        notes = [_("The person at the terminal is automatic: every card prompt is answered "
                   "with the TEST card {card} and its PIN.").format(card=DEFAULT_CARD)]
    else:
        notes = [_("The person at the terminal is manual: the terminal waits until you act.")]
    if request.control_path:
        notes.append(_("Act as that person (the first terminal): posdiag simulate control "
                       "{socket} swipe visa | insert visa | pin 1234 | ok | cancel | paper out "
                       "| paper in | receipts | status").format(socket=request.control_path))
    return notes


def _serve(terminal: EmulatedTerminal, request: SimulationRequest, address: tuple[str, int],
           simulation: Simulation) -> str:
    if request.transport == "serial":
        return terminal.serve_serial(request.baud).path
    try:
        if request.transport == "tcp":
            host, port = terminal.serve_tcp(*address)
            return f"tcp://{host}:{port}"
        material = None
        if request.tls_dir is not None:
            from posdiag.emulator.tls_material import generate

            material = generate(request.tls_dir / f"terminal-{len(simulation.ports) + 1}")
        (host, port), material = terminal.serve_tls(
            *address, material=material, require_client_cert=request.require_client_cert)
    except OSError as err:
        raise LinkError(_("cannot listen on {host}:{port} ({error}); pick another address or "
                          "port, or port 0 for any free one.").format(
                              host=address[0], port=address[1],
                              error=err.strerror or err)) from err
    query = f"ca={material.ca_cert}"
    if request.require_client_cert:
        query += f"&cert={material.client_cert}&key={material.client_key}"
    simulation.notes.append(_("TLS TEST MATERIAL in {folder}; the terminal's certificate has "
                              "SHA-256 {fingerprint}.").format(
                                  folder=material.directory,
                                  fingerprint=material.server_fingerprint))
    return f"tls://{host}:{port}?{query}"


@contextlib.contextmanager
def stop_signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back from every thread started inside (they inherit the
    mask), so that wait_for_stop() in this thread is the one to take them."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def wait_for_stop() -> int:
    """Block until SIGINT or SIGTERM arrives (inside stop_signals_held); its number."""
    return signal.sigwait(STOP_SIGNALS)


def run_simulation(request: SimulationRequest, announce: Callable[[str], None],
                   notice: Callable[[str], None]) -> None:
    """Start, announce each PORT (announce) and notes (notice), serve until a stop signal."""
    with stop_signals_held(), running(request) as simulation:
        for port in simulation.ports:
            announce(port)
        for note in simulation.notes:
            notice(note)
        notice(_("emulated terminal running; press Ctrl-C to stop."))
        wait_for_stop()
