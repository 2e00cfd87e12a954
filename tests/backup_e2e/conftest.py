"""Fixtures of the end-to-end backup tests: an office key (test material), the kit's config
directory in a temp folder, and a way to run the CLI in-process and capture everything."""

from __future__ import annotations

from pathlib import Path

import pytest

from posdiag.cli import main


@pytest.fixture(scope="session")
def office_key() -> tuple[str, str]:
    """A fresh age identity, test material only: (AGE-SECRET-KEY-1…, age1…)."""
    from posdiag.crypto.age import generate_identity

    return generate_identity()


@pytest.fixture
def identity_file(tmp_path: Path, office_key: tuple[str, str]) -> Path:
    path = tmp_path / "office.key"
    path.write_text(f"# test identity (test material)\n{office_key[0]}\n")
    path.chmod(0o600)
    return path


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The kit signing key goes to a temp dir, never the user's ~/.config."""
    monkeypatch.setenv("POSDIAG_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config"


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """run(*args) -> (exit code, stdout, stderr) of one in-process `posdiag` command."""

    def run(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        out, err = capsys.readouterr()
        return int(exited.value.code or 0), out, err

    return run
