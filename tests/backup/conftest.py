from __future__ import annotations

from pathlib import Path

import pytest

from posdiag.backup.kitkey import KitKey, load_or_create_kit_key


@pytest.fixture(scope="session")
def office_key() -> tuple[str, str]:
    """A fresh age identity (test material): (secret AGE-SECRET-KEY-1…, recipient age1…)."""
    from posdiag.crypto.age import generate_identity

    return generate_identity()


@pytest.fixture
def recipients(office_key: tuple[str, str]) -> list:
    from posdiag.crypto.age import parse_recipient

    return [parse_recipient(office_key[1])]


@pytest.fixture
def identities(office_key: tuple[str, str]) -> list:
    from posdiag.crypto.age import parse_identity

    return [parse_identity(office_key[0])]


@pytest.fixture
def identity_file(tmp_path: Path, office_key: tuple[str, str]) -> Path:
    path = tmp_path / "office.key"
    path.write_text(f"# test identity\n{office_key[0]}\n")
    path.chmod(0o600)
    return path


@pytest.fixture
def kit_key(tmp_path: Path) -> KitKey:
    return load_or_create_kit_key(tmp_path / "config")
