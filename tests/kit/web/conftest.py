"""Fixtures for the kit page: a secret, a channel folder, a running `posdiag kit serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/kit: kit_fakes

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    from posdiag.kit.web.auth import new_secret, write_secret

    path = tmp_path / "etc" / "kit-web.secret"
    write_secret(path, new_secret())
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningServer:
    base: str  # http://127.0.0.1:PORT
    secret: str
    state_dir: Path
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def folder(self) -> Path:
        return self.state_dir / "web"

    @property
    def sign_in_url(self) -> str:
        return f"{self.base}/?k={self.secret}"


@pytest.fixture
def kit_server(tmp_path: Path, secret_file: Path) -> Iterator[RunningServer]:
    """`posdiag kit serve` in its own process, on 127.0.0.1, as the kit runs it."""
    state_dir = tmp_path / "state"
    port = free_port()
    log = tmp_path / "kit-serve.log"
    env = dict(os.environ, POSDIAG_CONFIG_DIR=str(state_dir))
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "posdiag", "kit", "serve", "--listen", "127.0.0.1",
             "--web-port", str(port), "--state-dir", str(state_dir), "--secret-file",
             str(secret_file), "--config", str(tmp_path / "etc" / "kit.toml")],
            stdout=out, stderr=subprocess.STDOUT, env=env)
    server = RunningServer(f"http://127.0.0.1:{port}", secret_file.read_text().strip(),
                           state_dir, process, log)
    deadline = time.monotonic() + 30
    while b"listening on" not in log.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"kit serve did not start: {log.read_text(errors='replace')}")
        time.sleep(0.1)
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
