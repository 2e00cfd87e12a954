"""The ECR dialog engine against the emulated terminal, over a real pty and loopback TCP."""

import pytest

from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.dialog import End, run_dialog
from posdiag.drivers.zvt.transport import SerialTransport, TcpTransport
from posdiag.emulator.faults import parse_faults
from posdiag.emulator.terminal import EmulatedTerminal
from posdiag.errors import LinkTimeout, TerminalRefused, TransmissionError
from posdiag.link.serialport import open_serial
from posdiag.link.tcp import open_tcp

REGISTER = Apdu(0x06, 0x00, bytes.fromhex("123456 BE 0978 0301 0606 26 04 0A 02 06 D3"))


@pytest.fixture
def emulator():
    terminal = EmulatedTerminal()
    yield terminal
    terminal.stop()


def serial_to(terminal, **kw):
    line = terminal.serve_serial()
    return SerialTransport(open_serial(line.path), **kw)


def test_registration_over_pty(emulator):
    transport = serial_to(emulator)
    result = run_dialog(transport, REGISTER)
    assert result.answer == Apdu(0x80, 0x00)
    assert result.final.command == (0x06, 0x0F)
    # 19 status, 29 TID 52500001, 49 currency 0978, then the TLV echo of 26.
    assert result.final.data.startswith(bytes.fromhex("19 00 29 52 50 00 01 49 09 78 06"))
    transport.close()


def test_registration_over_tcp(emulator):
    host, port = emulator.serve_tcp("127.0.0.1", 0)
    transport = TcpTransport(open_tcp(host, port))
    result = run_dialog(transport, REGISTER)
    assert result.final.command == (0x06, 0x0F)
    transport.close()


def test_unknown_command_is_refused_with_84_83(emulator):
    transport = serial_to(emulator)
    with pytest.raises(TerminalRefused) as info:
        run_dialog(transport, Apdu(0x06, 0x77, b""))
    assert info.value.result_code == 0x83
    transport.close()


def test_log_off_ends_with_the_acknowledgement(emulator):
    transport = serial_to(emulator)
    result = run_dialog(transport, Apdu(0x06, 0x02), end=End.ACK)
    assert result.final is None and result.answer == Apdu(0x80, 0x00)
    transport.close()


def test_lost_ack_before_an_answer_counts_as_delivered():
    # The terminal's answer proves the command arrived, so the ECR does not resend it.
    terminal = EmulatedTerminal(faults=parse_faults("drop-ack=1"))
    try:
        transport = serial_to(terminal, t2=0.3)
        result = run_dialog(transport, Apdu(0x06, 0x02), end=End.ACK)
        assert result.answer == Apdu(0x80, 0x00)
        assert terminal.state.commands_seen.count((0x06, 0x02)) == 1
        transport.close()
    finally:
        terminal.stop()


def test_lost_ack_of_the_last_frame_is_repeated_and_not_processed_twice():
    # Frame 2 the terminal receives is the ECR's 80 00 00 to the completion: its ACK is lost,
    # the ECR repeats after T2, and the terminal drops the repeat.
    terminal = EmulatedTerminal(faults=parse_faults("drop-ack=2"))
    try:
        transport = serial_to(terminal, t2=0.3)
        result = run_dialog(transport, REGISTER)
        assert result.final.command == (0x06, 0x0F)
        assert transport.stats["repeats"] == 1
        assert terminal.state.commands_seen.count((0x06, 0x00)) == 1
        transport.close()
    finally:
        terminal.stop()


def test_nak_makes_the_ecr_resend():
    terminal = EmulatedTerminal(faults=parse_faults("nak=2"))
    try:
        transport = serial_to(terminal)
        result = run_dialog(transport, REGISTER)
        assert result.final.command == (0x06, 0x0F)
        assert transport.stats["naks_received"] >= 1
        transport.close()
    finally:
        terminal.stop()


def test_silent_terminal_gives_a_transmission_error():
    terminal = EmulatedTerminal(faults=parse_faults("silent"))
    try:
        transport = serial_to(terminal, t2=0.2)
        with pytest.raises(TransmissionError, match="did not acknowledge"):
            run_dialog(transport, REGISTER)
        transport.close()
    finally:
        terminal.stop()


def test_silent_terminal_over_tcp_times_out_on_t3():
    terminal = EmulatedTerminal(faults=parse_faults("silent"))
    try:
        host, port = terminal.serve_tcp("127.0.0.1", 0)
        transport = TcpTransport(open_tcp(host, port))
        with pytest.raises(LinkTimeout, match="T3"):
            run_dialog(transport, REGISTER, t3=0.3)
        transport.close()
    finally:
        terminal.stop()


def test_registration_without_currency_gets_no_currency_back(emulator):
    transport = serial_to(emulator)
    result = run_dialog(transport, Apdu(0x06, 0x00, bytes.fromhex("123456 BA")))
    assert result.final.data == bytes.fromhex("19 00 29 52 50 00 01")  # no BMP 49 (§2.1)
    transport.close()
