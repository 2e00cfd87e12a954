"""Change Baudrate 08 40 (PA00P015 §2.57) end to end over a real pty whose two ends each have
a rate: bytes sent at one rate and read at another arrive as a UART would make of them.

A journal is read at the fastest rate the terminal takes; a refusal leaves the line as it was;
a terminal that restarts mid-way (and so is back at its configured rate, SMART-ZVT 3.2.51) is
found at the old rate and switched up again; closing leaves the terminal at the rate it had.
"""

from __future__ import annotations

import time

import pytest

from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.dialog import End
from posdiag.emulator.config import TerminalConfig
from posdiag.emulator.faults import parse_faults
from posdiag.emulator.terminal import EmulatedTerminal
from posdiag.errors import TransmissionError
from posdiag.terminals import open_terminal

FAST_TIMERS = {"t2": 0.3, "t3": 0.6}  # both ends: recoveries take seconds, not minutes


def journal(emulator: EmulatedTerminal) -> bytes:
    return emulator.ledger.read(1, 0, emulator.ledger.file_size(1))


def start(journal_records: int = 40, *, faults: str | None = None, **config) -> tuple:
    emulator = EmulatedTerminal(TerminalConfig(**{**FAST_TIMERS, **config}),
                                journal=journal_records, seed=5,
                                faults=parse_faults(faults) if faults else None)
    line = emulator.serve_serial(config.get("baud", 9600))  # paced at the terminal's rate
    return emulator, line


def settles_at(line, rate: int) -> bool:
    """The terminal switches after it had our ACK; give its thread a moment."""
    end = time.monotonic() + 3.0
    while line.rate != rate and time.monotonic() < end:
        time.sleep(0.01)
    return line.rate == rate


def rate_changes(emulator: EmulatedTerminal) -> int:
    return emulator.state.commands_seen.count((0x08, 0x40))


def test_a_journal_is_read_at_115200_and_the_terminal_left_at_9600():
    emulator, line = start()
    try:
        with open_terminal(line.path, baud=9600, **FAST_TIMERS) as terminal:
            data = b"".join(b.data for b in terminal.read_file(1))
            assert line.rate == 115200 and terminal.line_rate == 115200
        assert data == journal(emulator)
        assert settles_at(line, 9600)  # switched back on close
        assert rate_changes(emulator) == 2
        time.sleep(2.0)  # it listens at the old rate again 2 s after its answer (§2.57.2)
        with open_terminal(line.path, baud=9600, **FAST_TIMERS) as terminal:  # the shop's till
            assert terminal.status()[1] == "PT ready"
    finally:
        emulator.stop()


def test_a_terminal_that_cannot_change_its_rate_is_read_at_its_own():
    emulator, line = start(8, baud_fixed=True)
    try:
        with open_terminal(line.path, baud=9600, **FAST_TIMERS) as terminal:
            data = b"".join(b.data for b in terminal.read_file(1))
            assert terminal.line_rate == 9600
        assert data == journal(emulator) and rate_changes(emulator) == 1  # one 84 7D
    finally:
        emulator.stop()


def test_a_refused_rate_is_followed_by_the_next_slower_one():
    emulator, line = start(8, max_baud=19200)
    try:
        with open_terminal(line.path, baud=9600, **FAST_TIMERS) as terminal:
            data = b"".join(b.data for b in terminal.read_file(1))
            assert terminal.line_rate == line.rate == 19200
        assert data == journal(emulator)
        assert rate_changes(emulator) == 4  # 84 FD for 115200 and 57600, 19200, back to 9600
    finally:
        emulator.stop()


def test_a_terminal_that_restarts_mid_transfer_is_found_at_its_old_rate():
    emulator, line = start(200, faults="restart@20000", boot_seconds=0.5)
    try:
        with open_terminal(line.path, baud=9600, **FAST_TIMERS) as terminal:
            data = b"".join(b.data for b in terminal.read_file(1))
            assert terminal.line_rate == 115200  # switched up again after finding it
        assert data == journal(emulator)
        assert emulator.faults.restart_after is None  # the restart did happen
        assert rate_changes(emulator) >= 3 and settles_at(line, 9600)
    finally:
        emulator.stop()


@pytest.mark.parametrize("found_at", [19200, 115200])
def test_a_terminal_at_another_rate_is_found_and_left_at_it(found_at):
    emulator, line = start()
    try:
        line.change_rate(found_at, 0.0)  # configured so, or left so by a killed run
        with open_terminal(line.path, baud=9600, **FAST_TIMERS) as terminal:
            assert terminal.identify().terminal_id == "52500001"  # found at its first command
            assert terminal.home_rate == terminal.line_rate == found_at
        assert line.rate == found_at and rate_changes(emulator) == 0
    finally:
        emulator.stop()


def test_a_terminal_at_no_zvt_rate_is_not_found():
    emulator = EmulatedTerminal(TerminalConfig(**FAST_TIMERS))
    line = emulator.serve_serial(38400)
    try:
        with pytest.raises(TransmissionError, match="baud rate"), \
                open_terminal(line.path, baud=9600, **FAST_TIMERS) as terminal:
            terminal.status()
    finally:
        emulator.stop()


@pytest.mark.parametrize("transport", ["tcp", "tls"])
def test_over_tcp_the_terminal_answers_08_40_and_changes_nothing(transport):
    emulator = EmulatedTerminal(journal=5)
    try:
        with open_terminal(f"sim:transport={transport}", emulator=emulator) as terminal:
            result = terminal.run(Apdu(0x08, 0x40, b"\x07"), end=End.ACK)
            assert result.answer == Apdu(0x80, 0x00)
            assert terminal.use_fastest_rate() is None  # the driver does not ask on TCP
            before = emulator.state.commands_seen.count((0x08, 0x40))
            assert len(b"".join(b.data for b in terminal.read_file(1))) > 0
            assert emulator.state.commands_seen.count((0x08, 0x40)) == before
    finally:
        emulator.stop()


@pytest.mark.parametrize(("data", "code"), [(b"\x02", 0xFD), (b"", 0xFD)])
def test_an_rfu_or_missing_rate_code_is_refused_with_84_fd(data, code):
    emulator, line = start()
    try:
        with open_terminal(line.path, baud=9600, max_baud=9600, **FAST_TIMERS) as terminal:
            from posdiag.errors import TerminalRefused

            with pytest.raises(TerminalRefused) as info:
                terminal.run(Apdu(0x08, 0x40, data), end=End.ACK)
            assert info.value.result_code == code
            assert line.rate == 9600
    finally:
        emulator.stop()


def test_posdiag_backup_switches_before_it_identifies_the_terminal(tmp_path, monkeypatch,
                                                                   capsys):
    from posdiag.cli import main
    from posdiag.crypto.age import generate_identity

    monkeypatch.setenv("POSDIAG_CONFIG_DIR", str(tmp_path / "config"))
    emulator, line = start(20)
    try:
        with pytest.raises(SystemExit) as exited:
            main(["backup", "--port", line.path, "--to", str(tmp_path / "set"), "-r",
                  generate_identity()[1]])
        assert exited.value.code in (0, None), capsys.readouterr().err
        seen = emulator.state.commands_seen
        assert seen.index((0x08, 0x40)) < seen.index((0x06, 0x00))  # before Registration
        assert settles_at(line, 9600)
    finally:
        emulator.stop()
