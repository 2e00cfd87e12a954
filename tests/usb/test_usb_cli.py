"""`posdiag devices` and `posdiag simulate printer` from the command line."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from ctrl_c import as_at_a_terminal

from posdiag.cli import cli, main
from posdiag.drivers.escpos import EscposWriter
from posdiag.usbids import KINDS, KNOWN_DEVICES


def test_devices_json_lists_the_emulated_usb_devices() -> None:
    result = CliRunner().invoke(cli, ["devices", "--json"], env={"POSDIAG_USB": "emulated"})
    assert result.exit_code == 0, result.output
    usb_devices = [d for d in json.loads(result.output) if "bus" in d]
    assert [(d["kind"], d["vid"], d["pid"]) for d in usb_devices] == [
        ("printer", "0416", "5011"), ("card-reader", "0801", "0002")]
    for d in usb_devices:
        assert {"kind", "vid", "pid", "bus", "address", "name"} <= d.keys()


def test_devices_table_says_what_posdiag_can_do() -> None:
    result = CliRunner().invoke(cli, ["devices"], env={"POSDIAG_USB": "emulated"})
    assert "0416:5011" in result.output and "test receipt" in result.output


def test_denied_device_is_listed_with_the_udev_hint() -> None:
    from posdiag.discovery import list_usb_devices
    from posdiag.emulator.usb import EmulatedBackend, EmulatedUsbPrinter

    locked = EmulatedUsbPrinter()
    locked.deny_access = True
    (info,) = list_usb_devices(EmulatedBackend([locked]))
    assert info.access == "denied" and "posdiag kit install" in (info.hint or "")


def test_known_id_table_is_well_formed() -> None:
    ids = [(d.vid, d.pid) for d in KNOWN_DEVICES]
    assert len(ids) == len(set(ids))
    assert all(d.kind in KINDS and d.source and 0 <= d.vid <= 0xFFFF for d in KNOWN_DEVICES)


def test_simulate_printer_needs_exactly_one_transport(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["simulate", "printer", "--out", "/tmp/unused"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.startswith("posdiag: give exactly one of")


def test_port_in_use_is_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as exit_:
            main(["simulate", "printer", "--tcp", f"127.0.0.1:{port}", "--out", str(tmp_path)])
    assert exit_.value.code == 3
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_simulate_printer_over_tcp_writes_receipts(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "posdiag", "simulate", "printer", "--tcp", "127.0.0.1:0",
         "--out", str(tmp_path)], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, preexec_fn=as_at_a_terminal)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        port = int(re.search(r":(\d+) \(raw TCP\)", first)[1])  # type: ignore[index]
        job = EscposWriter().init().align("center").line("合计 ￥12.50").line("Total").cut()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(job.getvalue() + b"\x10\x04\x01")
            assert sock.recv(1) == b"\x12"  # the job is in before the status reply
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)  # a hang, not a slow machine, fails it
    assert "receipt 1: receipt-0001.txt" in out
    lines = (tmp_path / "receipt-0001.txt").read_text("utf-8").splitlines()
    assert [line.strip() for line in lines[:2]] == ["合计 ￥12.50", "Total"]
