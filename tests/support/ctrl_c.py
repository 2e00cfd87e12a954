"""Ctrl-C for a child process, whatever the suite was started from.

A shell starting a command in the background without job control (`make test &` in a
script, nohup) sets SIGINT to ignored, and every child inherits that; Python then never
turns SIGINT into KeyboardInterrupt. A test that sends a child SIGINT to stand for a
person pressing Ctrl-C at a terminal gives it the terminal's default first.
"""

from __future__ import annotations

import signal


def as_at_a_terminal() -> None:
    """``preexec_fn`` for subprocess.Popen: SIGINT as a terminal session has it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
