"""`posdiag kit serve`: the kit's page on the addresses of its access point, through uvicorn.

By default the server listens on every address of the access-point interface (``wlan0``:
10.42.0.1 when NetworkManager shares it as a hotspot), so the page is reachable from the
kit's own Wi-Fi and from nowhere else; [web] listen names addresses instead. If the
interface has no address yet (the hotspot comes up after the service), the server waits
for one. uvicorn speaks HTTP/1.1 with h11 (pure Python), on sockets made here; it trusts no
proxy headers, sends no server header, and bounds connections, headers and keep-alive so a
busy or hostile phone cannot take the Pi's memory.
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import logging
import socket
import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from posdiag.errors import UsageError
from posdiag.i18n import _
from posdiag.kit.web.app import KitSite, create_app
from posdiag.kit.web.channel import server_presence

log = logging.getLogger("posdiag.kit.web")

SIOCGIFADDR = 0x8915  # <linux/sockios.h>: an interface's (primary) IPv4 address
IF_INET6 = Path("/proc/self/net/if_inet6")
WAIT_SECONDS = 5.0


def interface_addresses(interface: str, if_inet6: Path = IF_INET6) -> list[str]:
    """The IPv4 address and the IPv6 addresses of ``interface`` (link-local ones with their
    ``%interface`` zone); empty when it has none or does not exist."""
    found: list[str] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        request = struct.pack("256s", interface.encode()[:15])
        with contextlib.suppress(OSError):
            answer = fcntl.ioctl(probe.fileno(), SIOCGIFADDR, request)
            found.append(socket.inet_ntoa(answer[20:24]))
    with contextlib.suppress(OSError):
        for line in if_inet6.read_text(encoding="ascii").splitlines():
            fields = line.split()
            if len(fields) != 6 or fields[5] != interface:
                continue
            address = ipaddress.IPv6Address(bytes.fromhex(fields[0]))
            found.append(f"{address}%{interface}" if address.is_link_local else str(address))
    return found


def open_socket(address: str, port: int) -> socket.socket:
    """A listening TCP socket on ``address`` (``fe80::1%wlan0`` carries its zone)."""
    host, _sep, zone = address.partition("%")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind((host, port, 0, socket.if_nametoindex(zone) if zone else 0))
        else:
            sock.bind((host, port))
        sock.listen(16)
        sock.set_inheritable(True)
    except OSError as err:
        sock.close()
        raise UsageError(_("Cannot listen on {address} port {port} ({error}); is another "
                           "server there, or the address not this kit's?").format(
                               address=address, port=port, error=err.strerror or err)) from err
    return sock


def wait_for_addresses(interface: str, stop: Callable[[], bool],
                       find: Callable[[str], list[str]] = interface_addresses,
                       wait: float = WAIT_SECONDS) -> list[str]:
    """The interface's addresses, once it has any (logged once while waiting); [] if stopped."""
    told = False
    while not stop():
        addresses = find(interface)
        if addresses:
            return addresses
        if not told:
            log.warning(_("kit page: the interface {interface} has no address yet; "
                          "waiting for the access point (docs/field-kit.md §Phone).").format(
                            interface=interface))
            told = True
        time.sleep(wait)
    return []


@contextlib.contextmanager
def listening(addresses: list[str], port: int) -> Iterator[list[socket.socket]]:
    sockets: list[socket.socket] = []
    try:
        for address in addresses:
            sockets.append(open_socket(address, port))
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def serve(site: KitSite, addresses: list[str], port: int) -> None:
    """Serve until SIGTERM or SIGINT (uvicorn handles both and finishes what is in flight)."""
    import uvicorn

    config = uvicorn.Config(
        create_app(site), http="h11", loop="asyncio", ws="none", lifespan="off",
        interface="asgi3", proxy_headers=False, server_header=False, access_log=False,
        log_config=None, limit_concurrency=32, timeout_keep_alive=5,
        timeout_graceful_shutdown=2, h11_max_incomplete_event_size=16 * 1024)
    server = uvicorn.Server(config)
    with server_presence(site.folder), listening(addresses, port) as sockets:
        for address in addresses:
            shown = f"[{address}]" if ":" in address else address
            log.info("%s", _("kit page: listening on http://{address}:{port}/").format(
                address=shown, port=port))
        server.run(sockets=sockets)
