"""`posdiag simulate control SOCKET …`: the person at an emulated terminal, from a shell.

The terminal runs in its own process (`posdiag simulate --tcp … --operator manual --control
SOCKET`), posdiag pays on it over TCP as on any terminal, and the card and the PIN come from
`posdiag simulate control` commands run as a technician types them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from emulator_process import emulator_process

from posdiag.terminals import open_terminal


def posdiag(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "posdiag", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "LC_ALL": "C.UTF-8"})


def test_a_swipe_and_a_pin_typed_in_a_shell_pay_on_the_emulated_terminal(tmp_path):
    with emulator_process(tmp_path) as emulator:
        swiped = posdiag("simulate", "control", emulator.control, "swipe", "visa")
        assert swiped.returncode == 0, swiped.stderr
        assert swiped.stderr.strip() == "Done: swipe visa."
        typed = posdiag("simulate", "control", emulator.control, "pin", "1234")
        assert typed.returncode == 0, typed.stderr
        assert typed.stderr.strip() == "Done: pin ****."
        assert "1234" not in typed.stdout + typed.stderr
        with open_terminal(emulator.port) as terminal:
            paid = terminal.pay(1500)
        assert paid.approved and paid.amount == 1500
        assert paid.masked_pan and paid.masked_pan.startswith("4")  # the Visa TEST card
        state = json.loads(posdiag("simulate", "control", emulator.control, "status").stdout)
        assert state["queued"] == 0  # the card and the PIN were taken by the payment


def test_paper_out_and_status_from_a_shell(tmp_path):
    with emulator_process(tmp_path) as emulator:
        assert posdiag("simulate", "control", emulator.control, "paper", "out").returncode == 0
        status = posdiag("simulate", "control", emulator.control, "status")
        assert status.returncode == 0, status.stderr
        state = json.loads(status.stdout)
        assert state["operator"] == "manual" and state["printer"]["paper_out"] is True


def test_a_refused_command_is_a_usage_error_and_hides_the_pin(tmp_path):
    with emulator_process(tmp_path) as emulator:
        refused = posdiag("simulate", "control", emulator.control, "dance")
        assert refused.returncode == 2
        assert "unknown control command 'dance'" in refused.stderr
        assert "Traceback" not in refused.stderr
        bad_pin = posdiag("simulate", "control", emulator.control, "pin", "12", "34")
        assert bad_pin.returncode == 2 and "12" not in bad_pin.stderr


def test_nobody_on_the_socket_is_a_link_error(tmp_path):
    done = posdiag("simulate", "control", tmp_path / "none.sock", "status")
    assert done.returncode == 3
    assert done.stderr.strip().startswith("posdiag: no emulator listens on")


def test_start_up_says_who_the_person_is_and_how_to_be_them(tmp_path):
    socket = tmp_path / "pt.sock"
    process = subprocess.Popen(
        [sys.executable, "-m", "posdiag", "simulate", "--tcp", "127.0.0.1:0", "--operator",
         "manual", "--control", str(socket)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"})
    try:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().startswith("tcp://127.0.0.1:")
        said = []
        deadline = time.monotonic() + 30
        while not any("Ctrl-C" in line for line in said):
            assert time.monotonic() < deadline, said
            said.append(process.stderr.readline())
        text = "".join(said)
        assert "The person at the terminal is manual" in text
        assert f"posdiag simulate control {socket} swipe visa" in text
    finally:
        process.terminate()
        process.wait(10)


def test_automatic_operator_is_announced_too(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "posdiag", "simulate", "--tcp", "127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"})
    try:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.readline()
        line = process.stderr.readline()
        assert "automatic" in line and "TEST card visa" in line
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.parametrize("operator_options", [("--operator", "manual")])
def test_a_manual_operator_without_a_socket_is_refused(operator_options):
    done = posdiag("simulate", "--tcp", "127.0.0.1:0", *operator_options, timeout=30)
    assert done.returncode == 2 and "--control SOCKET" in done.stderr
