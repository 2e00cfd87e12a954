"""Driver discovery through the ``posdiag.drivers`` entry-point group.

A third-party package adds a driver without forking posdiag by declaring, in its
own pyproject.toml::

    [project.entry-points."posdiag.drivers"]
    mydriver = "mypackage.terminal:MyTerminal"

Drivers are imported only when asked for, so listing them stays cheap.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from posdiag.errors import UsageError
from posdiag.i18n import _

GROUP = "posdiag.drivers"


def driver_names() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=GROUP))


def load_driver(name: str) -> Any:
    """The class registered under name; UsageError if there is none."""
    for ep in entry_points(group=GROUP):
        if ep.name == name:
            return ep.load()
    known = ", ".join(driver_names()) or "none"
    raise UsageError(_("no driver named {name!r} is installed (installed: {known}).").format(
                         name=name, known=known))
