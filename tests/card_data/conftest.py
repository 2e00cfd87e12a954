"""Fixtures shared by the card-data tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def office(tmp_path: Path) -> tuple[Path, str]:
    """An office age identity file (TEST MATERIAL, owner-only) and its recipient."""
    from posdiag.crypto.age import generate_identity

    secret, recipient = generate_identity()
    key = tmp_path / "office.key"
    key.write_text(f"# test identity (test material)\n{secret}\n")
    key.chmod(0o600)
    return key, recipient
