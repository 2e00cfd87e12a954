"""Diagnosis 06 70 as PA00P015 §2.17 describes it, end to end over a pty and a socket.

    ECR 06 70 [06 TLV 1B]         PT 80 00 00
    PT  04 FF (please wait)        ECR 80 00 00   (only when intermediate status was asked for)
    PT  04 01 AA<date> 0C<time>    ECR 80 00 00   (the host's date and time, on success)
    PT  06 D1 / 06 D3 receipt      ECR 80 00 00   (when the ECR prints)
    PT  06 0F 00                   ECR 80 00 00   — or 06 1E 01 <result code> on failure
"""

from datetime import datetime, timedelta

import pytest

from posdiag.drivers.zvt.apdu import Apdu
from posdiag.emulator.faults import parse_faults
from posdiag.emulator.terminal import EmulatedTerminal
from posdiag.terminals import open_terminal


@pytest.mark.parametrize("transport", ["serial", "tcp", "tls"])
def test_a_diagnosis_reports_the_host_time_and_prints(transport):
    emulator = EmulatedTerminal()
    with open_terminal(f"sim:transport={transport}", emulator=emulator) as terminal:
        before = datetime.now().replace(microsecond=0)
        result = terminal.diagnosis(0x01)
    assert result.ok and result.result_code == 0x00 and result.diagnosis_type == 0x01
    host_time = datetime.fromisoformat(result.host_time)
    assert before - timedelta(seconds=2) <= host_time <= datetime.now() + timedelta(seconds=2)
    assert result.receipts and "DIAGNOSIS" in result.receipts[0].text
    assert result.to_dict()["host_time"] == result.host_time


def test_the_completion_of_a_diagnosis_carries_no_data():
    emulator = EmulatedTerminal()
    seen: list[Apdu] = []
    with open_terminal("sim", emulator=emulator) as terminal:
        terminal.ensure_registered()
        from posdiag.drivers.zvt import messages_ecr as cmd

        outcome = terminal.run(cmd.Diagnosis.create(), responder=lambda m: seen.append(m))
    assert outcome.final == Apdu(0x06, 0x0F)  # 06 0F 00 (§2.17.6)
    assert [m.command for m in seen if m.command == (0x04, 0x01)] == [(0x04, 0x01)]


@pytest.mark.parametrize("transport", ["serial", "tcp", "tls"])
def test_a_terminal_that_cannot_reach_its_host_is_a_result_not_an_error(transport):
    emulator = EmulatedTerminal(faults=parse_faults("host-offline"))
    with open_terminal(f"sim:transport={transport}", emulator=emulator) as terminal:
        result = terminal.diagnosis()
        assert terminal.status()[0] == 0x00  # and the terminal is ready for the next command
    assert not result.ok and result.result_code == 0xA3
    assert result.result_text == "no connection" and result.host_time is None


def test_a_diagnosis_sets_the_terminal_clock_to_the_host_time():
    emulator = EmulatedTerminal()
    with open_terminal("sim", emulator=emulator) as terminal:
        terminal.set_date_time(datetime(2020, 1, 2, 3, 4, 5))
        assert emulator.clock_offset < -3600
        terminal.diagnosis()
    assert abs(emulator.clock_offset) < 1.0
