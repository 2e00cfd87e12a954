"""Ctrl-C and SIGTERM in the middle of a dialog, with `posdiag` in its own process and the
emulated terminal in this one, on a real pty or socket.

The interrupted process must tell the terminal to stop (a refused block, or Abort 06 B0 when
the terminal waits for a person), hear it end the command, and exit 130 with one sentence —
so that the terminal is idle the moment the process has gone, and the next run just works.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from posdiag.emulator.config import TerminalConfig
from posdiag.emulator.terminal import EmulatedTerminal
from posdiag.terminals import open_terminal


def serve(emulator: EmulatedTerminal, transport: str, baud: int | None = None) -> str:
    if transport == "tcp":
        host, port = emulator.serve_tcp("127.0.0.1", 0)
        return f"tcp://{host}:{port}"
    if transport == "tls":
        (host, port), material = emulator.serve_tls("127.0.0.1", 0)
        return f"tls://{host}:{port}?ca={material.ca_cert}"
    return emulator.serve_serial(baud).path


def start(*args: str, tmp_path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "POSDIAG_CONFIG_DIR": str(tmp_path / "config")}
    return subprocess.Popen([sys.executable, "-m", "posdiag", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=env)


def wait_for(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def terminal_is_idle(emulator: EmulatedTerminal) -> bool:
    """No handler is running: the terminal ended the command and waits for the next one."""
    if emulator.lock.acquire(timeout=0.2):
        emulator.lock.release()
        return True
    return False


@pytest.mark.parametrize("transport", ["serial", "tcp", "tls"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_backup_stops_the_file_transfer(tmp_path, transport, signum):
    from posdiag.crypto.age import generate_identity

    # Paced at 1 Mbaud (serial) or slowed per frame (TCP) so the dump is still running.
    config = TerminalConfig(baud=1000000) if transport == "serial" else TerminalConfig()
    emulator = EmulatedTerminal(config, journal=4000, seed=3)
    if transport != "serial":
        from posdiag.emulator.faults import parse_faults

        emulator.faults = parse_faults("delay=5")
    port = serve(emulator, transport, baud=1000000 if transport == "serial" else None)
    try:
        port_arg = [port, "--baud", "1000000"] if transport == "serial" else [port]
        process = start("backup", "--port", *port_arg, "--to", str(tmp_path / "set"), "-r",
                        generate_identity()[1], tmp_path=tmp_path)
        assert wait_for(lambda: emulator.state.commands_seen.count((0x08, 0x11)) >= 1, 30)
        time.sleep(0.5)  # blocks are flowing
        process.send_signal(signum)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 130, err
        last = err.strip().splitlines()[-1]  # one sentence: what was kept, and --resume
        assert last.startswith("posdiag: ") and "interrupted" in last and "--resume" in last
        assert "Traceback" not in err
        assert terminal_is_idle(emulator)  # at once: the process ended the command itself
        baud = {"baud": 1000000} if transport == "serial" else {}
        with open_terminal(port, **baud) as terminal:  # and the next run finds it ready
            assert terminal.status()[1] == "PT ready"
    finally:
        emulator.stop()


PLAN = """[plan]
name = "swipe"

[[step]]
kind = "card-swipe"
card = "visa"
timeout = 60
"""


@pytest.mark.parametrize("transport", ["serial", "tcp", "tls"])
def test_an_interrupted_card_wait_sends_abort_and_exits_130(tmp_path, transport):
    emulator = EmulatedTerminal(operator="manual")  # nobody presents a card
    port = serve(emulator, transport)
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN, encoding="utf-8")
    try:
        process = start("test", "--port", port, "--plan", str(plan), "--record",
                        str(tmp_path / "records"), tmp_path=tmp_path)
        assert wait_for(lambda: (0x06, 0xC0) in emulator.state.commands_seen, 30)
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 130, err
        assert "interrupted" in err.lower() and "Traceback" not in err
        seen = emulator.state.commands_seen
        assert (0x06, 0xB0) in seen[seen.index((0x06, 0xC0)):]  # Abort after the Read Card
        assert terminal_is_idle(emulator)
    finally:
        emulator.stop()


def test_a_terminal_left_inside_a_command_is_settled_by_the_next_run(tmp_path):
    """The old process is killed outright (SIGKILL: no chance to stop the dialog); the next
    run drains the line and ends the command before its own first one."""
    emulator = EmulatedTerminal(operator="manual")
    port = serve(emulator, "serial")
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN, encoding="utf-8")
    try:
        process = start("test", "--port", port, "--plan", str(plan), "--record",
                        str(tmp_path / "records"), tmp_path=tmp_path)
        assert wait_for(lambda: (0x06, 0xC0) in emulator.state.commands_seen, 30)
        process.kill()
        process.communicate(timeout=30)
        assert not terminal_is_idle(emulator)  # still waiting for a card
        started = time.monotonic()
        with open_terminal(port) as terminal:
            identity = terminal.identify()
        assert identity.status_text == "PT ready"
        assert time.monotonic() - started < 10
    finally:
        emulator.stop()
