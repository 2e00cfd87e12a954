"""The PORT strings of the command line.

    /dev/ttyACM0, /dev/ttyUSB0, COM3    a serial device (ZVT serial framing)
    rfc2217://HOST:PORT                  serial framing through a network serial server
    socket://HOST:PORT                   serial framing over a raw TCP socket
    tcp://HOST[:PORT]                    ZVT over TCP: raw APDUs, default port 20007
    tls://HOST[:PORT][?ca=…&fingerprint=…&cert=…&key=…&servername=…]
                                         ZVT over TLS, default port 22001 (link/tls.py)
    sim[:key=value,...]                  a built-in emulated terminal for this command;
                                         keys: journal, seed, baud, fault (A+B), operator,
                                         transport (serial|tcp|tls), identity (TOML), t2, t3

Printers use the same grammar with ``parse_port(text, default_tcp_port=9100, usb=True)``:
tcp:// is then raw TCP port 9100, and two more forms are accepted:

    usb://VID:PID                        a USB device by id, hex (usb://0416:5011)
    usb://BUS/ADDRESS                    a USB device by position, decimal as lsusb shows it
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from posdiag.errors import BadInput
from posdiag.i18n import _
from posdiag.link.tcp import ZVT_TCP_PORT
from posdiag.link.tls import ZVT_TLS_PORT, TlsOptions

SIM_KEYS = {"journal", "seed", "baud", "fault", "operator", "transport", "identity", "serial",
            "t2", "t3"}


@dataclass(frozen=True, slots=True)
class PortSpec:
    kind: str  # "serial" | "tcp" | "tls" | "sim" | "usb" (printers and card readers)
    url: str = ""
    host: str = ""
    port: int = 0
    options: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        if self.kind in ("tcp", "tls"):
            query = "&".join(f"{k}={v}" for k, v in self.options.items())
            return f"{self.kind}://{self.host}:{self.port}" + (f"?{query}" if query else "")
        if self.kind == "sim":
            return "sim" + (":" + ",".join(f"{k}={v}" for k, v in self.options.items())
                            if self.options else "")
        return self.url


def parse_port(text: str, *, default_tcp_port: int = ZVT_TCP_PORT,
               usb: bool = False) -> PortSpec:
    """Parse a PORT string; BadInput (exit 2) says what is wrong. usb=True also accepts the
    usb:// forms (printers, card readers)."""
    text = text.strip()
    if not text:
        raise BadInput(_("the port is empty; give a device path, tcp://HOST:PORT or sim."))
    if text == "sim" or text.startswith("sim:"):
        return PortSpec("sim", options=_sim_options(text[4:]))
    if usb and text.startswith("usb://"):
        return PortSpec("usb", url=text, options=_usb_options(text))
    if text.startswith(("tcp://", "tls://")):
        return _network_port(text, default_tcp_port)
    if "://" in text:
        scheme = text.split("://", 1)[0]
        if scheme not in ("rfc2217", "socket", "loop", "spy", "alt", "hwgrep"):
            raise BadInput(_("unknown port scheme {scheme!r}; use a device path, "
                             "tcp://, tls://, rfc2217://, socket:// or sim.").format(scheme=scheme))
        return PortSpec("serial", url=text)
    if text.startswith("/") or text.upper().startswith("COM"):
        return PortSpec("serial", url=text)
    raise BadInput(_("{text!r} is not a port; use a device path such as "
                     "/dev/ttyACM0, tcp://HOST:PORT, rfc2217://HOST:PORT or sim.").format(
                       text=text))


def _network_port(text: str, default_tcp_port: int) -> PortSpec:
    """tcp://HOST[:PORT] or tls://HOST[:PORT][?options]."""
    kind = text[:3]
    try:
        parts = urlsplit(text)
        port = parts.port or (default_tcp_port if kind == "tcp" else ZVT_TLS_PORT)
    except ValueError as err:
        raise BadInput(_("bad port number in {port!r}; use {kind}://HOST:PORT.").format(
            port=text, kind=kind)) from err
    if not parts.hostname:
        raise BadInput(_("no host in {port!r}; use {kind}://HOST:PORT.").format(port=text,
                                                                             kind=kind))
    if parts.path not in ("", "/") or parts.fragment:
        raise BadInput(_("{port!r} has a path; use {kind}://HOST:PORT.").format(port=text,
                                                                             kind=kind))
    options: dict[str, str] = {}
    if parts.query:
        if kind == "tcp":
            raise BadInput(_("tcp:// takes no options; for certificates use tls://."))
        try:
            pairs = parse_qsl(parts.query, keep_blank_values=False, strict_parsing=True)
        except ValueError as err:
            raise BadInput(_("the options of {port!r} are not key=value pairs joined by &.")
                           .format(port=text)) from err
        options = dict(pairs)
        TlsOptions.parse(options)  # reject unknown or malformed options now
    return PortSpec(kind, host=parts.hostname, port=port, options=options)


def _sim_options(text: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for item in filter(None, text.split(",")):
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep:
            raise BadInput(_("sim option {item!r} needs a value, e.g. "
                             "sim:journal=100.").format(item=item))
        if key not in SIM_KEYS:
            raise BadInput(_("unknown sim option {key!r}; known: {sim_keys}.").format(
                               key=key, sim_keys=', '.join(sorted(SIM_KEYS))))
        if key == "fault" and key in options:
            options[key] += "+" + value.strip()
        else:
            options[key] = value.strip()
    return options


_USB_IDS = re.compile(r"^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$")
_USB_POSITION = re.compile(r"^(\d{1,3})/(\d{1,3})$")


def _usb_options(text: str) -> dict[str, str]:
    rest = text.removeprefix("usb://")
    if m := _USB_IDS.match(rest):
        return {"vid": m[1].lower(), "pid": m[2].lower()}
    if m := _USB_POSITION.match(rest):
        return {"bus": m[1], "address": m[2]}
    raise BadInput(_("USB address {address!r} not understood; write usb://VID:PID (hex, e.g. "
                     "usb://0416:5011) or usb://BUS/ADDRESS (e.g. usb://1/5).").format(
                         address=text))
