"""End to end: traffic with the emulated terminal over a real TCP socket, captured byte for
byte, then decoded by `posdiag zvt decode --file` in a separate process.

What this proves: the analyser decodes completely what a spec-faithful terminal sends
(Registration, Status Enquiry with its TLV, Read File blocks, a payment with receipts);
the emulator sends TLV 1F42 (serial number) as BCD (PA00P015 §9.4.12).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from posdiag.drivers.zvt import bcd
from posdiag.drivers.zvt.apdu import decode_apdu, total_size
from posdiag.drivers.zvt.messages import decode_message
from posdiag.drivers.zvt.tlv import find

PASSWORD = "12 34 56"


@pytest.fixture
def emulator() -> Iterator[tuple[str, int]]:
    proc = subprocess.Popen([sys.executable, "-m", "posdiag", "simulate", "--tcp", "127.0.0.1:0",
                             "--journal", "3"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        assert line.startswith("tcp://"), proc.stderr.read() if proc.stderr else line
        host, port = line.removeprefix("tcp://").rsplit(":", 1)
        yield host, int(port)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


class Ecr:
    """A minimal ECR on a raw socket that records every APDU with its direction."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address, timeout=15)
        self.buffer = bytearray()
        self.lines: list[str] = []

    def send(self, hex_apdu: str) -> None:
        raw = bytes.fromhex(hex_apdu)
        self.sock.sendall(raw)
        self.lines.append("> " + raw.hex(" "))

    def receive(self) -> bytes:
        while True:
            size = total_size(self.buffer)
            if size is not None and len(self.buffer) >= size:
                raw = bytes(self.buffer[:size])
                del self.buffer[:size]
                self.lines.append("< " + raw.hex(" "))
                return raw
            chunk = self.sock.recv(65536)
            assert chunk, "the emulator closed the connection"
            self.buffer += chunk

    def dialog(self, command: str) -> list[bytes]:
        """Send a command; acknowledge every PT message until Completion or Abort."""
        self.send(command)
        received = []
        while True:
            raw = self.receive()
            received.append(raw)
            if len(received) == 1:  # the PT's answer to the command itself
                assert raw[:2] == b"\x80\x00", f"refused: {raw.hex(' ')}"
                continue
            self.send("80 00 00")
            if raw[:2] in (b"\x06\x0f", b"\x06\x1e"):
                return received


def test_a_session_with_the_emulator_decodes_completely(emulator, tmp_path: Path):
    ecr = Ecr(emulator)
    ecr.dialog(f"06 00 0E {PASSWORD} BE 09 78 06 06 26 04 0A 02 06 D3")
    status = ecr.dialog(f"05 01 05 {PASSWORD} 03 04")
    ecr.dialog("08 11 0A 06 08 2D 06 1D 01 01 1E 01 00")
    ecr.dialog("06 01 07 04 00 00 00 00 12 34")
    ecr.sock.close()

    # 1F42 on the wire is packed BCD.
    completion = decode_message(decode_apdu(status[-1]), (0x05, 0x01))
    device = find(completion.tlv, 0xE4)
    assert device is not None
    serial = find(device.value, 0x1F42)
    assert serial is not None and bcd.unpack_bcd(serial.value).isdigit()

    capture = tmp_path / "capture.txt"
    capture.write_text("\n".join(ecr.lines) + "\n")
    result = subprocess.run([sys.executable, "-m", "posdiag", "zvt", "decode", "--file",
                             str(capture), "--json"], capture_output=True, text=True,
                            timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(reports) == len(ecr.lines)
    incomplete = [(r["line"], r["name"], r.get("error")) for r in reports if not r["complete"]]
    assert not incomplete
    names = {r["name"] for r in reports}
    assert {"Completion (Status Enquiry)", "Status Information", "Print Text-Block",
            "Read File", "Authorisation", "Intermediate Status"} <= names  # fmt: skip
    enquiry = next(r for r in reports if r["name"] == "Completion (Status Enquiry)")
    device_items = next(t for t in enquiry["tlv"] if t["tag"] == "E4")["children"]
    serial_item = next(t for t in device_items if t["tag"] == "1F42")
    assert serial_item["value"] == "7000000001"
    assert f"{len(reports)} messages: {len(reports)} decoded completely" in result.stderr
