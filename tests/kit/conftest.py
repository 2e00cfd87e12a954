"""Fixtures for the field-kit tests: an office key (test material) and a kit config on disk."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def office_key() -> tuple[str, str]:
    """A fresh age identity (TEST MATERIAL, kept outside the kit): (AGE-SECRET-KEY-1…, age1…)."""
    from posdiag.crypto.age import generate_identity

    return generate_identity()


@pytest.fixture
def write_config(tmp_path: Path, office_key: tuple[str, str]) -> Callable[..., Path]:
    """Write a kit.toml with the office recipient plus any extra TOML lines; return its path."""

    def write(*extra: str, recipients: str | None = None, name: str = "kit.toml") -> Path:
        path = tmp_path / "etc" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [recipients if recipients is not None
                 else f'recipients = ["{office_key[1]}"]', *extra]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    """A temporary folder standing in for the mounted USB stick."""
    path = tmp_path / "stick"
    path.mkdir()
    return path


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture(autouse=True)
def kit_log_lines(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """The kit's journal lines (INFO and up) are part of what these tests check."""
    import logging

    caplog.set_level(logging.INFO, logger="posdiag.kit")
    return caplog
