"""A command in a real terminal: a detached tmux pane, driven with send-keys, read with
capture-pane — what a technician sees, countdowns and all.

The pane runs a shell; ``run(command)`` types the command followed by ``; echo EXIT=$?`` so the
exit code shows on the screen. Without tmux the tests skip (locally) or fail (under CI, whose
.ci/run installs it).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import pytest

EXIT = re.compile(r"^EXIT=(\d+)\s*$", re.M)


def require_tmux() -> str:
    path = shutil.which("tmux")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is not installed (.ci/run installs it)")
        pytest.skip("tmux is not installed")
    return path


class Pane:
    def __init__(self, session: str, socket: str) -> None:
        self.session, self.socket = session, socket

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                              text=True, timeout=30, check=True)
        return done.stdout

    def run(self, command: str) -> None:
        self._tmux("send-keys", "-t", self.session, "-l", f"{command}; echo EXIT=$?")
        self._tmux("send-keys", "-t", self.session, "Enter")

    def type(self, text: str) -> None:
        """Type a line as the person would, then Enter."""
        self._tmux("send-keys", "-t", self.session, "-l", text)
        self._tmux("send-keys", "-t", self.session, "Enter")

    def screen(self) -> str:
        """The whole scrollback and screen, lines joined where tmux wrapped them."""
        return self._tmux("capture-pane", "-p", "-J", "-S", "-2000", "-t", self.session)

    def wait_for(self, pattern: str, seconds: float = 60.0) -> re.Match[str]:
        deadline = time.monotonic() + seconds
        while True:
            found = re.search(pattern, self.screen(), re.M)
            if found:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} did not appear; the screen:\n{self.screen()}")
            time.sleep(0.2)

    def exit_code(self, run: int = 0, seconds: float = 120.0) -> int:
        """The exit code of the ``run``-th command run in the pane (0 = the first)."""
        deadline = time.monotonic() + seconds
        while True:
            codes = EXIT.findall(self.screen())
            if len(codes) > run:
                return int(codes[run])
            if time.monotonic() > deadline:
                raise AssertionError(f"command {run} did not end; the screen:\n{self.screen()}")
            time.sleep(0.2)


@contextmanager
def tmux_pane(cwd: str, env: Mapping[str, str], width: int = 100,
              height: int = 50) -> Iterator[Pane]:
    require_tmux()
    socket, session = f"posdiag-test-{uuid.uuid4().hex[:8]}", "posdiag"
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    shell = f"cd {shlex.quote(cwd)} && env {exports} PS1='$ ' bash --norc --noprofile"
    subprocess.run(["tmux", "-L", socket, "new-session", "-d", "-s", session, "-x", str(width),
                    "-y", str(height), shell], check=True, timeout=30)
    try:
        yield Pane(session, socket)
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], timeout=30, check=False)
