"""The control socket: the person at the terminal, driven from another process or thread."""

import json
import os
import subprocess
import sys
import time

import pytest

from posdiag.cards import find_pans
from posdiag.emulator.control import control, serve_control
from posdiag.errors import BadInput, LinkError, PaymentDeclined, TerminalRefused

PT_PRINTS = 0x08  # config byte: receipts on the terminal's own printer


@pytest.fixture
def socket_path(tmp_path):
    return tmp_path / "pt.sock"


@pytest.fixture
def controlled(pt, socket_path):
    """A manual-operator terminal with its control socket; yields (emulator, terminal)."""
    closers = []

    def start(**options):
        emulator, terminal = pt(operator="manual", **options)
        closers.append(serve_control(emulator, socket_path))
        return emulator, terminal

    yield start
    for close in closers:
        close()


def test_swipe_and_pin_through_the_socket_pay(controlled, socket_path):
    _, terminal = controlled()
    assert control(socket_path, "swipe visa") == []
    assert control(socket_path, "pin 1234") == []
    assert terminal.pay(1500).approved


def test_wrong_pin_through_the_socket_is_declined(controlled, socket_path):
    _, terminal = controlled()
    control(socket_path, "insert mastercard")
    control(socket_path, "pin 0000")
    with pytest.raises(PaymentDeclined) as info:
        terminal.pay(1500)
    assert info.value.result_code == 0x37


def test_cancel_through_the_socket_aborts_the_payment(controlled, socket_path):
    _, terminal = controlled()
    control(socket_path, "swipe visa")
    control(socket_path, "cancel")
    with pytest.raises(PaymentDeclined) as info:
        terminal.pay(1500)
    assert info.value.result_code == 0x6C


def test_receipts_come_back_as_json_lines_with_masked_pans(controlled, socket_path):
    _, terminal = controlled(config_byte=PT_PRINTS)
    control(socket_path, "swipe visa")
    control(socket_path, "pin 1234")
    terminal.pay(2500)
    lines = control(socket_path, "receipts")
    receipts = [json.loads(line) for line in lines]
    assert [r["kind"] for r in receipts] == ["merchant", "customer"]
    texts = [line["text"] for line in receipts[0]["lines"]]
    assert "Card     476173******0010" in texts
    assert all(isinstance(line["attribute"], int) for line in receipts[0]["lines"])
    assert find_pans("\n".join(lines)) == []


def test_paper_and_cover_change_the_printer(controlled, socket_path):
    emulator, terminal = controlled()
    control(socket_path, "paper out")
    assert json.loads(control(socket_path, "status")[0])["printer"]["paper_out"] is True
    with pytest.raises(TerminalRefused) as info:
        terminal.print_text(["NO PAPER"])
    assert info.value.result_code == 0xCC
    control(socket_path, "paper in")
    control(socket_path, "cover open")
    assert not emulator.printer.ready
    control(socket_path, "cover close")
    terminal.print_text(["PRINTED"])
    status = json.loads(control(socket_path, "status")[0])
    assert status["printer"] == {"ready": True, "paper_out": False, "cover_open": False,
                                 "printed": 1}
    assert status["operator"] == "manual" and status["pinpad"]["tdes_counter"] == 1


def test_bad_commands_are_refused_without_echoing_digits(controlled, socket_path):
    controlled()
    with pytest.raises(BadInput, match="no test card"):
        control(socket_path, "swipe nosuchcard")
    with pytest.raises(BadInput) as info:
        control(socket_path, "pin 12 34")
    assert "12" not in str(info.value)
    with pytest.raises(BadInput):
        control(socket_path, "dance")


def test_nobody_listening_is_a_link_error(tmp_path):
    with pytest.raises(LinkError):
        control(tmp_path / "nothing.sock", "status")


def test_simulate_cli_serves_the_control_socket(socket_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "posdiag", "simulate", "--serial", "--operator", "manual",
         "--control", str(socket_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout.readline().startswith("/dev/")
        for _ in range(200):  # the socket appears right after the pty path is printed
            if socket_path.exists():
                break
            time.sleep(0.05)
        status = json.loads(control(socket_path, "status")[0])
        assert status["operator"] == "manual"
        assert oct(os.stat(socket_path).st_mode & 0o777) == "0o600"
    finally:
        proc.terminate()
        proc.wait(10)
