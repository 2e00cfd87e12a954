"""An emulated terminal in its own process, reached over TCP as a real one is.

``posdiag simulate --tcp 127.0.0.1:0 --operator manual --control SOCKET``: the terminal waits
for a person, and the test acts as that person through the control socket (``act("swipe
visa")``, ``act("pin 1234")``), while posdiag under test talks to it like to any terminal —
so the console operator, not the emulator's, answers the prompts.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class EmulatorProcess:
    port: str  # tcp://127.0.0.1:N
    control: Path
    process: subprocess.Popen[str]

    def act(self, command: str) -> list[str]:
        """One control command; its data lines (AssertionError on "error ...")."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(str(self.control))
            sock.sendall(command.encode() + b"\n")
            data = b""
            while not data.endswith(b"ok\n") and b"error" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        lines = data.decode().splitlines()
        assert lines and lines[-1] == "ok", f"{command!r}: {lines}"
        return lines[:-1]


@contextmanager
def emulator_process(folder: Path, *options: str) -> Iterator[EmulatorProcess]:
    control = folder / "control.sock"
    process = subprocess.Popen(
        [sys.executable, "-m", "posdiag", "simulate", "--tcp", "127.0.0.1:0", "--operator",
         "manual", "--control", str(control), *options],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True, env={**os.environ, "POSDIAG_CONFIG_DIR": str(folder / "sim-config")})
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        assert port.startswith("tcp://"), port
        deadline = time.monotonic() + 30
        while not control.exists():
            assert time.monotonic() < deadline, "the control socket did not appear"
            time.sleep(0.05)
        yield EmulatorProcess(port, control, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
