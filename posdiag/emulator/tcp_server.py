"""The terminal's TCP port: one ECR connection at a time, as a real PT serves them.

Connections are accepted as they come and queued; one is served at a time. The one being
served ends when the ECR closes it, when it has been silent for T4, or — while another ECR
waits — once it has been silent for T3 (PA00P016 §5.2.5, §5.2.6), so an ECR that connects
and then idles never locks the others out. ``wrap`` turns an accepted socket into a TLS
one (handshake done before the connection is served; a failed handshake just drops it).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import socket
import ssl
import threading
from collections.abc import Callable
from typing import Any

from posdiag.link.base import ByteLink
from posdiag.link.tcp import TcpLink

log = logging.getLogger(__name__)

ServerSocket = socket.socket
# serve(socket, link, make_way): serve one connection; make_way() is True while another waits.
Serve = Callable[[ServerSocket, ByteLink, Callable[[], bool]], None]
Wrap = Callable[[socket.socket], socket.socket]


class TcpServer:
    def __init__(self, host: str, port: int, serve: Serve, *, wrap: Wrap | None = None,
                 handshake_timeout: float = 5.0) -> None:
        self._listener = socket.create_server((host, port))
        self._listener.settimeout(0.5)
        host_bound, port_bound = self._listener.getsockname()[:2]
        self.address: tuple[str, int] = (host_bound, port_bound)
        self._serve = serve
        self._wrap = wrap
        self._handshake_timeout = handshake_timeout
        self._waiting: queue.Queue[tuple[socket.socket, Any]] = queue.Queue()
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._accept_loop, name=f"zvt-tcp-accept-{port_bound}",
                             daemon=True),
            threading.Thread(target=self._serve_loop, name=f"zvt-tcp-serve-{port_bound}",
                             daemon=True),
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, peer = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._waiting.put((conn, peer))

    def _serve_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, peer = self._waiting.get(timeout=0.5)
            except queue.Empty:
                continue
            try:
                self._serve_one(conn, peer)
            finally:
                with contextlib.suppress(OSError):
                    conn.close()

    def _serve_one(self, conn: socket.socket, peer: Any) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._wrap is not None:
            conn.settimeout(self._handshake_timeout)
            try:
                conn = self._wrap(conn)
            except (ssl.SSLError, OSError) as err:
                log.info("emulator: TLS handshake with %s failed: %s", peer, err)
                return
        link = TcpLink(conn, f"ECR {peer[0]}:{peer[1]}")
        self._serve(conn, link, lambda: not self._waiting.empty())

    def close(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        while True:
            try:
                conn, _ = self._waiting.get_nowait()
            except queue.Empty:
                break
            with contextlib.suppress(OSError):
                conn.close()
