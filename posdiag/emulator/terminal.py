"""An emulated ZVT payment terminal: state, command handlers, and its lines.

One ``EmulatedTerminal`` owns its state (no globals), so one process can serve
many at once, each on its own pty or TCP port, each in its own threads.
"""

from __future__ import annotations

import contextlib
import logging
import random
import socket
import threading
from dataclasses import dataclass, field, replace
from typing import Any

from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.transport import SerialTransport, TcpTransport
from posdiag.emulator.config import TerminalConfig
from posdiag.emulator.faults import Faults
from posdiag.emulator.ledger import Ledger
from posdiag.emulator.lines import Disconnect, FaultyLink, PtyLine
from posdiag.emulator.operator import Casing
from posdiag.emulator.receipts import Printer
from posdiag.emulator.session import Handler, PtSession
from posdiag.errors import LinkClosed, LinkError
from posdiag.link.tcp import TcpLink

log = logging.getLogger(__name__)


@dataclass
class Registration:
    """What the ECR asked for in Registration 06 00 (reset by Log-Off)."""

    config_byte: int = 0x86  # the value Log-Off restores (PA00P015 §2.2)
    currency: int | None = None
    tlv_enabled: bool = False
    permitted: frozenset[tuple[int, int]] = frozenset()
    max_apdu: int | None = None  # TLV 1A: the largest APDU the ECR accepts

    @property
    def wants_intermediate_status(self) -> bool:
        return bool(self.config_byte & 0x08)

    @property
    def ecr_prints(self) -> bool:
        """Receipts travel to the ECR as 06 D1/06 D3 (config bits 02/04 and 80)."""
        return bool(self.config_byte & 0x80) and bool(self.config_byte & 0x06)

    @property
    def text_blocks(self) -> bool:
        return (0x06, 0xD3) in self.permitted


@dataclass
class TerminalStatus:
    status: int = 0x00  # §11 terminal status: 00 ready
    registered: Registration = field(default_factory=Registration)
    commands_seen: list[tuple[int, int]] = field(default_factory=list)
    display: tuple[str, ...] = ()  # lines of the last Display Text 06 E0


class EmulatedTerminal:
    def __init__(
        self,
        config: TerminalConfig | None = None,
        *,
        faults: Faults | None = None,
        seed: int = 0,
        journal: int = 0,
        operator: str = "auto",
        handlers: dict[tuple[int, int], Handler] | None = None,
    ) -> None:
        self.config = config or TerminalConfig()
        self.faults = faults or Faults()
        self.seed = seed
        self.rng = random.Random(seed)
        self.state = TerminalStatus()
        self.lock = threading.RLock()  # one dialog at a time, like a real PT
        self.stopping = False
        self._threads: list[threading.Thread] = []
        self._closers: list[Any] = []
        if handlers is None:
            from posdiag.emulator.handlers import default_handlers

            handlers = default_handlers()
        self.handlers = handlers
        self.frames_received = 0
        self.operator_mode = operator
        self.clock_offset = 0.0  # seconds the terminal's clock is ahead (Set Date/Time 06 91)
        self.ledger = Ledger(self.config.terminal_id, self.config.currency)
        if journal:
            self.ledger.generate(journal, seed)
        self.printer = Printer(paper_out=self.faults.paper_out, cover_open=self.faults.cover_open)
        from posdiag.emulator.handlers_payment import PaymentDevices

        self.payment = PaymentDevices.create(self, operator)  # card reader, PIN pad, host, person
        self.payment.operator.casing = self.casing()

    def casing(self) -> Casing:
        """The outside of this terminal, as the person in front of it sees it."""
        config = self.config
        signs = ("an extra wire at the card slot",) if self.faults.tampered else ()
        return Casing(config.label_serial or config.serial_number, config.device_name,
                      seals_intact=not self.faults.tampered, tamper_signs=signs)

    # --- bookkeeping used by handlers -----------------------------------------------------

    def log_command(self, command: Apdu) -> None:
        self.state.commands_seen.append(command.command)

    def _receive_policy(self) -> str:
        """Serial frame faults: NAK every Nth frame, or lose the ACK of every Nth."""
        self.frames_received += 1
        n = self.frames_received
        if self.faults.nak_every and n % self.faults.nak_every == 0:
            return "nak"
        if self.faults.drop_ack_every and n % self.faults.drop_ack_every == 0:
            return "lost-ack"
        return "ack"

    # --- serving --------------------------------------------------------------------------

    def serve_serial(self, baud: int | None = None) -> PtyLine:
        """Start serving on a new pty; returns the line (its .path is what the ECR opens).

        baud paces the output like a real line; None sends as fast as the pty allows.
        """
        line = PtyLine(baud)
        self._closers.append(line)
        self._spawn(self._serial_loop, line, name=f"zvt-pty-{line.path}")
        return line

    def _serial_loop(self, line: PtyLine) -> None:
        while not self.stopping:
            link = FaultyLink(line, self.faults, self.rng) if self.faults.any_link_fault else line
            transport = SerialTransport(link, t2=self.config.t2,
                                        receive_policy=self._receive_policy)
            try:
                self._serve_transport(transport)
            except Disconnect:
                log.info("emulator: injected cable pull on %s", line.path)
                line.reopen()
                self.faults = _without_disconnect(self.faults)
            except (LinkClosed, LinkError):
                if self.stopping:
                    return
                line.reopen()

    def serve_tcp(self, host: str = "127.0.0.1", port: int | None = None) -> tuple[str, int]:
        """Listen for ECR connections; port 0 picks a free one. Returns the bound address."""
        server = socket.create_server((host, self.config.tcp_port if port is None else port))
        server.settimeout(0.5)
        self._closers.append(server)
        address = server.getsockname()[:2]
        self._spawn(self._accept_loop, server, name=f"zvt-tcp-{address[1]}")
        return address[0], address[1]

    def _accept_loop(self, server: socket.socket) -> None:
        while not self.stopping:
            try:
                conn, peer = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._spawn(self._tcp_connection, conn, peer, name=f"zvt-tcp-conn-{peer}")

    def _tcp_connection(self, conn: socket.socket, peer: Any) -> None:
        tcp = TcpLink(conn, f"ECR {peer}")
        # TCP checks its own bytes: line noise is a serial fault, the rest apply.
        faults = replace(self.faults, noise=0.0)
        link = FaultyLink(tcp, faults, self.rng) if faults.any_link_fault else tcp
        try:
            self._serve_transport(TcpTransport(link))
        except Disconnect:
            log.info("emulator: injected disconnect of %s", peer)
            self.faults = _without_disconnect(self.faults)
        except (LinkClosed, LinkError):
            pass
        finally:
            tcp.close()

    def _serve_transport(self, transport: SerialTransport | TcpTransport) -> None:
        if self.faults.silent:
            while not self.stopping:  # hears everything, says nothing
                transport.link.read(4096, 0.5)
            return
        session = PtSession(self, transport)
        with self.lock:
            session.serve()

    def _spawn(self, target: Any, *args: Any, name: str) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def stop(self) -> None:
        self.stopping = True
        for closer in self._closers:
            with contextlib.suppress(OSError):
                closer.close()
        for thread in self._threads:
            thread.join(timeout=2)
        self.ledger.close()


def _without_disconnect(faults: Faults) -> Faults:
    return replace(faults, disconnect_after=None)  # "drops once": a new connection works
