"""Line faults and pacing of the emulated terminal: their effect on a real ECR dialog."""

import pytest

from posdiag.emulator import lines
from posdiag.emulator.faults import Faults, parse_faults
from posdiag.errors import BadInput, LinkTimeout
from posdiag.terminals import build_emulator, open_terminal


def test_fault_spellings_parse_and_combine():
    faults = parse_faults(["disconnect@100+noise=0.01", "nak=3", "delay=20", "silent",
                           "paper-out+cover-open+card-misread+pin-timeout", "drop-ack=4"])
    assert faults == Faults(disconnect_after=100, noise=0.01, nak_every=3, drop_ack_every=4,
                            delay_ms=20, silent=True, paper_out=True, cover_open=True,
                            card_misread=True, pin_timeout=True)


@pytest.mark.parametrize("bad", ["noise=2", "nak=0", "disconnect@x", "explode", "delay=-1"])
def test_bad_fault_spellings_are_usage_errors(bad):
    with pytest.raises(BadInput):
        parse_faults(bad)


def test_a_frame_delay_is_latency_within_t3_and_a_timeout_beyond_it():
    # Each frame of the terminal leaves 300 ms late (its ACK bytes do not).
    emulator = build_emulator({"fault": "delay=300"})
    with open_terminal("sim", emulator=emulator) as terminal:
        assert terminal.identify().terminal_id == "52500001"
        seen = list(emulator.state.commands_seen)
        assert seen.count((0x06, 0x00)) == 1 and seen.count((0x05, 0x01)) == 1
    emulator = build_emulator({"fault": "delay=300"})
    with pytest.raises(LinkTimeout, match="T3"), \
            open_terminal("sim:t3=0.1", emulator=emulator) as terminal:
        terminal.identify()  # its first exchange (06 B0, settling the line) times out


def test_noise_alone_still_gives_identical_bytes():
    def run():
        emulator = build_emulator({"journal": "4", "seed": "9", "fault": "noise=0.01",
                                   "t2": "0.1", "t3": "0.2"})
        with open_terminal("sim:t2=0.1,t3=0.2", emulator=emulator) as terminal:
            data = b"".join(b.data for b in terminal.read_file(1))
            return data, emulator.ledger.read(1, 0, emulator.ledger.file_size(1))

    first, expected = run()
    assert first == expected


def test_baud_pacing_holds_the_line_for_ten_bits_a_byte(monkeypatch):
    slept = []
    clock = [1000.0]
    monkeypatch.setattr(lines.time, "monotonic", lambda: clock[0])

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(lines.time, "sleep", sleep)
    line = lines.PtyLine(baud=9600)
    try:
        line.write(bytes(960))  # 9600 bits: one second of line time at 9600 baud
    finally:
        line.close()
    assert sum(slept) == pytest.approx(960 * 10 / 9600)
