"""Where the kit's page listens: the ``[web]`` table of kit.toml.

    [web]
    interface = "wlan0"          # the access point's interface (default): all its addresses
    listen = ["10.42.0.1"]       # or exactly these addresses (then interface is not used)
    port = 8080                  # a port above 1023: the server runs without privileges

The table is checked with the rest of kit.toml (a mistake is a config error of the kit);
`posdiag kit serve` reads only this table, so the page still comes up, and says what is
wrong, while the rest of the file is being fixed.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posdiag.errors import PlanError
from posdiag.i18n import _

DEFAULT_INTERFACE = "wlan0"
DEFAULT_PORT = 8080
_INTERFACE = re.compile(r"[A-Za-z0-9_.:-]{1,15}")


@dataclass(frozen=True, slots=True)
class WebConfig:
    interface: str = DEFAULT_INTERFACE
    listen: tuple[str, ...] = ()  # addresses; empty: those of ``interface``
    port: int = DEFAULT_PORT


def parse_web(value: Any, path: Path) -> WebConfig:
    """The [web] table, checked; PlanError naming the file and the fix."""
    if value is None:
        return WebConfig()
    if not isinstance(value, dict) or set(value) - {"interface", "listen", "port"}:
        raise PlanError(_("The kit config {path}: [web] takes interface, listen and port.")
                        .format(path=path))
    interface = value.get("interface", DEFAULT_INTERFACE)
    if not isinstance(interface, str) or not _INTERFACE.fullmatch(interface):
        raise PlanError(_("The kit config {path}: [web] interface must be a network interface "
                          "name such as \"wlan0\".").format(path=path))
    listen = value.get("listen", [])
    if isinstance(listen, str):
        listen = [listen]
    if not isinstance(listen, list) or not all(isinstance(a, str) for a in listen):
        raise PlanError(_("The kit config {path}: [web] listen must be a list of IP "
                          "addresses.").format(path=path))
    for address in listen:
        try:
            ipaddress.ip_address(address.split("%")[0])
        except ValueError:
            raise PlanError(_("The kit config {path}: [web] listen has {address!r}, which is "
                              "not an IP address.").format(path=path, address=address)) from None
    port = value.get("port", DEFAULT_PORT)
    if isinstance(port, bool) or not isinstance(port, int) or not 1024 <= port <= 65535:
        raise PlanError(_("The kit config {path}: [web] port must be a number from 1024 to "
                          "65535 (the server has no privileges for lower ports).")
                        .format(path=path))
    return WebConfig(interface, tuple(listen), port)


def load_web_config(path: Path) -> WebConfig:
    """The [web] table of kit.toml; defaults when the file is missing. A file that is not
    TOML at all gives the defaults too (the kit service reports that problem)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return WebConfig()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return WebConfig()
    return parse_web(data.get("web"), path)
