"""The emulated printer on raw TCP and on a pty, driven by our driver and by a plain socket."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from posdiag.drivers.escpos import EscposPrinter, EscposWriter, check_test_receipt
from posdiag.emulator.printer import (
    EmulatedPrinter,
    PtyPrinterServer,
    ReceiptWriter,
    TcpPrinterServer,
)
from posdiag.errors import PortNotFound


def test_tcp_printer_writes_each_receipt_with_chinese_text(tmp_path: Path) -> None:
    writer = ReceiptWriter(tmp_path, png=False)
    device = EmulatedPrinter(on_receipt=writer)
    with TcpPrinterServer(device, "127.0.0.1", 0) as server:
        host, port = server.address
        with EscposPrinter(f"tcp://{host}:{port}") as printer:
            assert printer.status().words == ("online",)
            printer.print_test_receipt()
            printer.print_bytes(EscposWriter().init().line("第二张 receipt two").cut().getvalue())
            assert printer.status().words == ("online",)  # a round trip: both jobs are in
    assert sorted(p.name for p in tmp_path.iterdir()) == ["receipt-0001.txt", "receipt-0002.txt"]
    assert "中文打印测试：合计 ￥12.50" in (tmp_path / "receipt-0001.txt").read_text("utf-8")
    assert "第二张 receipt two" in (tmp_path / "receipt-0002.txt").read_text("utf-8")
    assert check_test_receipt(device.receipts[0]) == []


def test_any_client_on_a_plain_socket_gets_status_replies() -> None:
    device = EmulatedPrinter()
    device.set_fault("cover_open")
    with TcpPrinterServer(device, "127.0.0.1", 0) as server, \
            socket.create_connection(server.address, timeout=5) as sock:
        sock.sendall(b"\x10\x04")  # a DLE EOT split across two segments
        sock.sendall(b"\x02")
        assert sock.recv(1) == bytes([0x12 | 0x04])  # DLE EOT 2 bit 2: cover open


def test_serial_printer_on_a_pty(tmp_path: Path) -> None:
    device = EmulatedPrinter()
    with PtyPrinterServer(device) as server, EscposPrinter(server.slave_path) as printer:
        assert printer.status().words == ("online",)
        sent = printer.print_test_receipt()
        assert printer.status().ready  # answered after the whole job went through
    assert sent in bytes(device.received)
    assert check_test_receipt(device.receipts[0]) == []


def test_nobody_listening_is_port_not_found() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(PortNotFound) as err:
        EscposPrinter(f"tcp://127.0.0.1:{port}").open()
    assert err.value.exit_code == 3
