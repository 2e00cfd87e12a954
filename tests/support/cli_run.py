"""Commands run in this process as a technician runs them: argv in, exit code, stdout and
stderr out (the same entry point as the shell's ``posdiag``)."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


Posdiag = Callable[..., Ran]


def run_in_process(*args: object) -> Ran:
    """One posdiag command in this process (fast; the same entry point as the shell's)."""
    from posdiag.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err), pytest.raises(SystemExit) as done:
        main([str(a) for a in args])
    return Ran(int(done.value.code or 0), out.getvalue(), err.getvalue())
