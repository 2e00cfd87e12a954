"""An emulated ZVT payment terminal and the lines it is reached on.

One ``EmulatedTerminal`` owns its state (core.py; no globals), so one process can serve
many at once, each on its own pty or TCP port, each in its own threads. Like a real PT it
serves one dialog at a time, and on TCP one ECR connection at a time: another ECR's
connection waits until the current one closes, or idles for T3 while the other waits, or
idles for T4 (tcp_server.py).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posdiag.emulator.config import TerminalConfig
from posdiag.emulator.core import Handler, TerminalCore
from posdiag.emulator.faults import Faults
from posdiag.emulator.lines import Disconnect, FaultyLink, PtyLine, Restart
from posdiag.emulator.session import PtSession
from posdiag.emulator.tcp_server import ServerSocket, TcpServer
from posdiag.emulator.transport import PtSerialTransport, PtTcpTransport, PtTransport
from posdiag.errors import LinkError
from posdiag.link.base import ByteLink

if TYPE_CHECKING:
    from posdiag.emulator.tls_material import TlsMaterial

log = logging.getLogger(__name__)


class EmulatedTerminal(TerminalCore):
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
        if handlers is None:
            from posdiag.emulator.handlers import default_handlers

            handlers = default_handlers()
        super().__init__(config, faults=faults, seed=seed, journal=journal, operator=operator,
                         handlers=handlers)
        self._threads: list[threading.Thread] = []
        self._closers: list[Any] = []

    # --- serial ---------------------------------------------------------------------------

    def serve_serial(self, baud: int | None = None) -> PtyLine:
        """Start serving on a new pty; returns the line (its .path is what the ECR opens).

        baud paces the line like a real one at the terminal's rate; None sends as fast as
        the pty allows (the rate is then the configured one, for rate changes only)."""
        line = PtyLine(baud, rate=self.config.baud)
        self._closers.append(line)
        self._spawn(self._serial_loop, line, name=f"zvt-pty-{line.path}")
        return line

    def _serial_loop(self, line: PtyLine) -> None:
        while not self.stopping:
            link = FaultyLink(line, self.faults, self.rng) if self.faults.any_link_fault else line
            transport = PtSerialTransport(link, t2=self.config.t2, verdict=self.frame_verdict)
            try:
                self._serve(transport, line=line)
            except Disconnect:
                log.info("emulator: injected cable pull on %s", line.path)
                line.reopen()
                self.faults = replace(self.faults, disconnect_after=None)  # "drops once"
            except Restart:
                log.info("emulator: injected restart of the terminal on %s", line.path)
                self.faults = replace(self.faults, restart_after=None)
                self._reboot(line)
            except LinkError:
                if self.stopping:
                    return
                line.reopen()

    def _reboot(self, line: PtyLine) -> None:
        """Silent while it boots, then ready at its configured rate with no registration."""
        self.restart()
        line.restart()
        end = time.monotonic() + self.config.boot_seconds
        while not self.stopping and (left := end - time.monotonic()) > 0:
            line.read(4096, min(left, 0.1))  # whatever arrives while booting is lost

    # --- TCP ------------------------------------------------------------------------------

    def serve_tcp(self, host: str = "127.0.0.1", port: int | None = None) -> tuple[str, int]:
        """Listen for ECR connections; port 0 picks a free one. Returns the bound address."""
        return self._listen(host, self.config.tcp_port if port is None else port, None)

    def serve_tls(self, host: str = "127.0.0.1", port: int | None = None, *,
                  material: TlsMaterial | None = None,
                  require_client_cert: bool = False) -> tuple[tuple[str, int], TlsMaterial]:
        """Listen for ECR connections over TLS (port 0: any free one; default 22001) with
        the server certificate of material — freshly made TEST MATERIAL when None, kept in a
        temporary folder until stop(). With require_client_cert the ECR must show a
        certificate of material's CA. Returns the bound address and the material."""
        import ssl

        from posdiag.emulator.tls_material import generate

        if material is None:
            folder = tempfile.TemporaryDirectory(prefix="posdiag-test-tls-")
            self._closers.append(folder)
            material = generate(Path(folder.name))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(material.server_cert, material.server_key)
        if require_client_cert:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(material.ca_cert)

        def wrap(sock: socket.socket) -> socket.socket:
            return context.wrap_socket(sock, server_side=True)

        address = self._listen(host, self.config.tls_port if port is None else port, wrap)
        return address, material

    def _listen(self, host: str, port: int, wrap: Any) -> tuple[str, int]:
        server = TcpServer(host, port, self._serve_connection, wrap=wrap,
                           handshake_timeout=self.config.t3)
        self._closers.append(server)
        server.start()
        return server.address

    def _serve_connection(self, sock: ServerSocket, link: ByteLink,
                          make_way: Any) -> None:
        faults = replace(self.faults, noise=0.0)  # TCP checks its own bytes: noise is serial
        faulty = FaultyLink(link, faults, self.rng) if faults.any_link_fault else link
        try:
            self._serve(PtTcpTransport(faulty, t3=self.config.t3), make_way=make_way)
        except Disconnect:
            log.info("emulator: injected disconnect of %s", link.description)
            self.faults = replace(self.faults, disconnect_after=None)
        except Restart:
            log.info("emulator: injected restart of the terminal")
            self.faults = replace(self.faults, restart_after=None)
            self.restart()
        except LinkError:
            pass

    # --- both -----------------------------------------------------------------------------

    def _serve(self, transport: PtTransport, *, line: PtyLine | None = None,
               make_way: Any = None) -> None:
        if self.faults.silent:
            while not self.stopping:  # hears everything, says nothing
                transport.link.read(4096, 0.5)
            return
        session = PtSession(self, transport, line)
        idle = None if line is not None else self.config.t4  # a cable stays; a socket may go
        session.serve(idle_timeout=idle, make_way=make_way)

    def _spawn(self, target: Any, *args: Any, name: str) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def stop(self) -> None:
        self.stopping = True
        for closer in self._closers:
            with contextlib.suppress(OSError):
                if isinstance(closer, tempfile.TemporaryDirectory):
                    closer.cleanup()
                else:
                    closer.close()
        for thread in self._threads:
            thread.join(timeout=2)
        self.ledger.close()
