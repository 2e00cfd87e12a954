import os
import subprocess
import sys
import time

import pytest


@pytest.fixture
def simulate_process():
    """Start `posdiag simulate` in a separate process; yield (process, first stdout line)."""
    procs = []

    def start(*args):
        proc = subprocess.Popen(
            [sys.executable, "-m", "posdiag", "simulate", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        procs.append(proc)
        line = proc.stdout.readline().strip()
        assert line, proc.stderr.read()
        return proc, line

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def posdiag_cli():
    """Run `python -m posdiag ARGS…` in a subprocess; returns CompletedProcess."""
    return run_posdiag


def run_posdiag(*args, timeout=60, env=None):
    return subprocess.run(
        [sys.executable, "-m", "posdiag", *args],
        capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})},
    )


def wait_for(predicate, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False
