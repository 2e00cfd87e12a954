"""TCP links (ZVT over TCP carries raw APDUs; ECR opens and closes the connection)."""

from __future__ import annotations

import contextlib
import socket

from posdiag.errors import LinkClosed, LinkError, LinkTimeout, PortNotFound
from posdiag.i18n import _

ZVT_TCP_PORT = 20007  # PA00P016 §2.2 default


def open_tcp(host: str, port: int, connect_timeout: float = 5.0) -> TcpLink:
    try:
        sock = socket.create_connection((host, port), timeout=connect_timeout)
    except ConnectionRefusedError as err:
        raise PortNotFound(
            _("nothing listens on {host}:{port} (connection refused); check the "
              "terminal's IP address and ECR port.").format(host=host, port=port)
        ) from err
    except TimeoutError as err:
        raise LinkTimeout(_("{host}:{port} did not answer within {connect_timeout:g} "
                            "s; check the network and the terminal's IP address.").format(
                              host=host, port=port, connect_timeout=connect_timeout)) from err
    except OSError as err:
        raise LinkError(_("cannot connect to {host}:{port}: {value}.").format(
                            host=host, port=port, value=err.strerror or err)) from err
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return TcpLink(sock, f"tcp://{host}:{port}")


class TcpLink:
    """A ByteLink over a connected socket."""

    def __init__(self, sock: socket.socket, description: str) -> None:
        self._sock = sock
        self.description = description

    def read(self, size: int, timeout: float) -> bytes:
        try:
            self._sock.settimeout(timeout if timeout > 0 else 0.0001)
            data = self._sock.recv(size)
        except TimeoutError:
            return b""
        except BlockingIOError:
            return b""
        except OSError as err:
            raise self._lost(err) from err
        if not data:
            raise LinkClosed(_("{description} closed the connection; reconnect and "
                               "retry.").format(description=self.description))
        return data

    def write(self, data: bytes) -> None:
        try:
            self._sock.settimeout(10.0)
            self._sock.sendall(data)
        except OSError as err:
            raise self._lost(err) from err

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()

    def _lost(self, err: OSError) -> LinkError:
        return LinkClosed(_("the connection to {description} was lost ({value}); "
                            "reconnect and retry.").format(
                              description=self.description, value=err.strerror or err))
