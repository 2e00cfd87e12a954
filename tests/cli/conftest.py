"""Commands run as a technician runs them: argv in, exit code, stdout and stderr out."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_run import Posdiag, run_in_process


@pytest.fixture
def posdiag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Posdiag:
    """posdiag(*args) -> Ran, in tmp_path with its own config folder (kit key, cases)."""
    monkeypatch.setenv("POSDIAG_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    return run_in_process


@pytest.fixture
def posdiag_process(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """posdiag_process(*args, stdin=…, timeout=…): a real process, for stdin and signals."""

    def run(*args: object, stdin: int | None = subprocess.DEVNULL,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "posdiag", *map(str, args)],
                              stdin=stdin, capture_output=True, text=True, timeout=timeout,
                              cwd=tmp_path, env={**os.environ, "LC_ALL": "C.UTF-8",
                                                 "POSDIAG_CONFIG_DIR": str(tmp_path / "config")})

    return run
