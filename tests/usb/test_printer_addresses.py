"""Printer addresses go through the link layer's one PORT parser (posdiag.link.ports)."""

from __future__ import annotations

import pytest

from posdiag.drivers.escpos import EscposPrinter
from posdiag.errors import BadInput
from posdiag.link.ports import PortSpec, parse_port
from posdiag.link.usb import usb_location

PRINTER = {"default_tcp_port": 9100, "usb": True}


@pytest.mark.parametrize(("text", "spec"), [
    ("tcp://192.0.2.7", PortSpec("tcp", host="192.0.2.7", port=9100)),
    ("tcp://printer.local:9101", PortSpec("tcp", host="printer.local", port=9101)),
    ("socket://192.0.2.7:9100", PortSpec("serial", url="socket://192.0.2.7:9100")),
    ("/dev/ttyUSB0", PortSpec("serial", url="/dev/ttyUSB0")),
    ("usb://0416:5011", PortSpec("usb", url="usb://0416:5011",
                                 options={"vid": "0416", "pid": "5011"})),
    ("usb://04B8:0E15", PortSpec("usb", url="usb://04B8:0E15",
                                 options={"vid": "04b8", "pid": "0e15"})),
    ("usb://1/5", PortSpec("usb", url="usb://1/5", options={"bus": "1", "address": "5"})),
])
def test_printer_addresses(text: str, spec: PortSpec) -> None:
    assert parse_port(text, **PRINTER) == spec  # type: ignore[arg-type]


def test_usb_location_is_what_find_device_takes() -> None:
    assert usb_location({"vid": "0416", "pid": "5011"}) == {"vid": 0x0416, "pid": 0x5011}
    assert usb_location({"bus": "1", "address": "5"}) == {"bus": 1, "address": 5}


def test_terminal_ports_are_unchanged_by_the_printer_forms() -> None:
    assert parse_port("tcp://192.0.2.7") == PortSpec("tcp", host="192.0.2.7", port=20007)
    with pytest.raises(BadInput, match="unknown port scheme 'usb'"):
        parse_port("usb://0416:5011")


@pytest.mark.parametrize("text", ["usb://0416", "usb://0416:50111", "usb://1:5", "usb://a/b"])
def test_bad_usb_addresses_say_how_to_write_them(text: str) -> None:
    with pytest.raises(BadInput, match=r"usb://VID:PID") as err:
        EscposPrinter(text).open()
    assert err.value.exit_code == 2


def test_sim_is_not_a_printer_address_for_the_driver() -> None:
    with pytest.raises(BadInput, match="cannot be sim"):
        EscposPrinter("sim").open()
