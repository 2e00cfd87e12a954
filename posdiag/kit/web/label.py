"""The kit page's address for the label on the kit's case: URL, terminal QR code and PNG.

The address is ``http://<access-point address>:<port>/?k=<secret>``. At install time the
access point may not be up yet; then the address NetworkManager gives its hotspots
(10.42.0.1, the first of its shared range) is used, and the output says so.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import segno

from posdiag.kit.web.auth import kit_url
from posdiag.kit.web.config import WebConfig

NM_HOTSPOT_ADDRESS = "10.42.0.1"  # NetworkManager's ipv4.method=shared default


def label_host(web: WebConfig) -> tuple[str, bool]:
    """(address for the label, True if it was seen on the kit rather than assumed)."""
    if web.listen:
        return web.listen[0].split("%")[0], True
    from posdiag.kit.web.server import interface_addresses

    found = [a for a in interface_addresses(web.interface) if "%" not in a]
    return (found[0], True) if found else (NM_HOTSPOT_ADDRESS, False)


def label_url(web: WebConfig, secret: str) -> tuple[str, bool]:
    host, seen = label_host(web)
    return kit_url(host, web.port, secret), seen


def terminal_qr(url: str) -> str:
    """The QR code drawn with block characters, for a terminal a phone can scan from."""
    out = io.StringIO()
    segno.make_qr(url, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()


def write_label_png(url: str, path: Path, group_id: int | None = None) -> None:
    """The QR code as a PNG to print (it carries the secret: 0600, or 0640 to the group)."""
    data = io.BytesIO()
    segno.make_qr(url, error="m").save(data, kind="png", scale=10, border=4)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        if group_id is not None:
            os.fchown(fd, 0, group_id)
        os.write(fd, data.getvalue())
    finally:
        os.close(fd)
    os.replace(temp, path)
