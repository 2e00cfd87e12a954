"""The emulated terminal behaves as PA00P015/PA00P016 describe, over a real pty or socket:
Repeat Receipt reprints the last receipts (§2.20), the clock set by 06 91 is the one it reports
and prints (§2.25), and its TCP port serves one ECR at a time, letting an idle one go (§5.2.5)."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest

from posdiag.emulator.config import TerminalConfig
from posdiag.emulator.terminal import EmulatedTerminal
from posdiag.errors import LinkError, TerminalRefused
from posdiag.link.ports import PortSpec
from posdiag.terminals import open_terminal

TRANSPORTS = ["serial", "tcp", "tls"]
DUPLICATE = "*** DUPLICATE ***"


# --- Repeat Receipt 06 20 ---------------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_repeat_receipt_reprints_the_last_payment_receipts(transport):
    emulator = EmulatedTerminal()
    with open_terminal(f"sim:transport={transport}", emulator=emulator) as terminal:
        paid = terminal.pay(1234)
        before = len(terminal.receipts)
        status = terminal.repeat_receipt(resend_status=True)
        copies = terminal.receipts[before:]
    assert status is not None and status.receipt_number == paid.receipt_number
    assert len(paid.receipts) == 2 and len(copies) == 2
    for original, copy in zip(paid.receipts, copies, strict=True):
        assert copy.lines[0].strip() == DUPLICATE
        assert copy.lines[1:] == original.lines
    assert any("12.34" in line for line in copies[0].lines)


def test_repeat_receipt_after_end_of_day_reprints_its_receipt():
    emulator = EmulatedTerminal(journal=3)
    with open_terminal("sim", emulator=emulator) as terminal:
        terminal.end_of_day(confirm=True)
        settled = [r for r in terminal.receipts if "END OF DAY" in r.text]
        before = len(terminal.receipts)
        terminal.repeat_receipt()
        copy = terminal.receipts[before:]
    assert len(copy) == 1 and copy[0].lines[1:] == settled[-1].lines


def test_nothing_to_repeat_is_refused_and_no_receipt_leaves_out_the_print():
    emulator = EmulatedTerminal()
    with open_terminal("sim", emulator=emulator) as terminal:
        with pytest.raises(TerminalRefused):
            terminal.repeat_receipt()
        terminal.pay(500)
        before = len(terminal.receipts)
        from posdiag.drivers.zvt import messages_ecr as cmd

        terminal.run(cmd.RepeatReceipt.with_service(terminal.password, 0x03))  # status, no print
        assert terminal.receipts[before:] == []


# --- the clock: Set Date/Time 06 91 ---------------------------------------------------------


def terminal_clock(terminal) -> datetime:
    status = terminal.status_enquiry()
    date_node, time_node = status.tlv_find(0x1F0E), status.tlv_find(0x1F0F)
    return datetime.strptime(date_node.value.hex() + time_node.value.hex(), "%Y%m%d%H%M%S")


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_clock_set_is_the_clock_reported_and_printed(transport):
    emulator = EmulatedTerminal()
    set_to = datetime(2021, 2, 3, 4, 5, 6)
    with open_terminal(f"sim:transport={transport}", emulator=emulator) as terminal:
        terminal.set_date_time(set_to)
        reported = terminal_clock(terminal)
        config_receipt = terminal.print_system_configuration()[0]
        paid = terminal.pay(700)
        journal = b"".join(block.data for block in terminal.read_file(1))
    assert set_to <= reported <= set_to + timedelta(seconds=5)
    assert "03.02.2021" in config_receipt.text
    assert paid.date == "0203"  # BMP 0D, MMDD of the terminal's clock
    assert any("03.02.2021" in r.text for r in paid.receipts)
    from posdiag.journal import iter_records

    last = list(iter_records([journal]))[-1].record
    assert last.receipt == paid.receipt_number and last.time.startswith("2021-02-03T04:0")


# --- one ECR at a time on TCP -------------------------------------------------------------------


def tcp_emulator(tls: bool = False, **config) -> tuple[EmulatedTerminal, PortSpec]:
    emulator = EmulatedTerminal(TerminalConfig(**config))
    if tls:
        (host, port), material = emulator.serve_tls("127.0.0.1", 0)
        return emulator, PortSpec("tls", host=host, port=port,
                                  options={"ca": str(material.ca_cert)})
    host, port = emulator.serve_tcp("127.0.0.1", 0)
    return emulator, PortSpec("tcp", host=host, port=port)


@pytest.mark.parametrize("tls", [False, True])
def test_an_idle_ecr_makes_way_for_a_waiting_one(tls):
    emulator, spec = tcp_emulator(tls, t3=1.0)
    try:
        with open_terminal(spec) as first:
            first.identify()  # then it idles, holding its connection
            start = time.monotonic()
            with open_terminal(spec) as second:
                assert second.identify().terminal_id == "52500001"
            waited = time.monotonic() - start
            assert waited < 5.0  # served once the first had idled for T3, not never
            with pytest.raises(LinkError):
                first.status()  # the terminal closed the idle connection
    finally:
        emulator.stop()


def test_a_busy_ecr_is_not_interrupted_by_a_waiting_one():
    emulator, spec = tcp_emulator(t3=0.5)
    emulator.ledger.generate(400, 1)
    results: dict[str, object] = {}
    try:
        with open_terminal(spec) as first:
            def second_ecr() -> None:
                time.sleep(0.1)
                with open_terminal(spec) as second:
                    results["second"] = second.identify().terminal_id

            thread = threading.Thread(target=second_ecr)
            thread.start()
            data = b"".join(block.data for block in first.read_file(1))
            thread.join(30)
        assert data == emulator.ledger.read(1, 0, emulator.ledger.file_size(1))
        assert results["second"] == "52500001"
    finally:
        emulator.stop()


def test_a_connection_silent_for_t4_is_closed():
    emulator, spec = tcp_emulator(t4=1.0)
    try:
        with open_terminal(spec) as terminal:
            terminal.identify()
            time.sleep(1.8)
            with pytest.raises(LinkError):
                terminal.status()
    finally:
        emulator.stop()
