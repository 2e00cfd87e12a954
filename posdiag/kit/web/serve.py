"""What `posdiag kit serve` does, apart from parsing its options: read the secret and the
[web] table, find where the stick is, wait for the access point, serve."""

from __future__ import annotations

import importlib.util
import tomllib
from collections.abc import Sequence
from pathlib import Path

from posdiag.backup.kitkey import config_dir
from posdiag.errors import UsageError
from posdiag.i18n import _
from posdiag.kit.web.auth import SECRET_PATH, Keys, read_secret
from posdiag.kit.web.channel import web_dir


def stick_finder(config_path: Path) -> Path | None:
    """The stick's folder now: the config's ``media`` if it names one, else the one stick."""
    try:
        media = tomllib.loads(config_path.read_text(encoding="utf-8")).get("media")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        media = None
    if isinstance(media, str) and media.strip() not in ("", "auto"):
        folder = Path(media.strip())
        return folder if folder.is_absolute() and folder.is_dir() else None
    from posdiag.kit.detect import find_stick

    stick = find_stick()
    return stick.mount_point if stick else None


def run_server(config_path: Path, state_dir: Path | None, *, listen: Sequence[str] = (),
               interface: str | None = None, port: int | None = None,
               secret_file: Path | None = None, debug: bool = False) -> None:
    if importlib.util.find_spec("starlette") is None or \
            importlib.util.find_spec("uvicorn") is None:
        raise UsageError(_("The kit page needs the kit-web extra: pip install "
                           "'posdiag[kit-web]'."))
    from posdiag.kit.logs import kit_logging
    from posdiag.kit.service import SignalStop
    from posdiag.kit.web.app import KitSite
    from posdiag.kit.web.cases import case_finder
    from posdiag.kit.web.config import load_web_config
    from posdiag.kit.web.server import serve, wait_for_addresses

    keys = Keys(read_secret(secret_file or SECRET_PATH))
    web = load_web_config(config_path)
    site = KitSite(folder=web_dir(config_dir(state_dir)), keys=keys,
                   media=lambda: stick_finder(config_path), cases=case_finder)
    with kit_logging(debug=debug):
        addresses = list(listen or web.listen)
        if not addresses:
            with SignalStop() as stop:
                addresses = wait_for_addresses(interface or web.interface, stop.is_set)
            if not addresses:
                return  # stopped while waiting for the access point
        serve(site, addresses, port or web.port)
