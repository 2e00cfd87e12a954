"""Shipped acceptance plans and test-card profiles, installed as ``posdiag.testplans``.

The folder sits at the top of the source tree (product card) and is mapped into
the package on install, so the files are found with and without a checkout.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped_path(name: str) -> Path:
    """Path of a shipped file, e.g. ``shipped_path("acceptance.toml")``."""
    return Path(str(files(__name__).joinpath(name)))
