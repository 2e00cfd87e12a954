"""Abort 06 B0 from the ECR while the terminal waits for the person (PA00P015 §2.23)."""

import pytest

from posdiag.emulator.terminal import EmulatedTerminal
from posdiag.errors import TerminalRefused
from posdiag.terminals import open_terminal


@pytest.mark.parametrize("transport", ["serial", "tcp"])
def test_ecr_gives_up_waiting_for_a_card_and_the_terminal_stays_usable(transport):
    emulator = EmulatedTerminal(operator="manual")  # nobody will present a card
    with open_terminal(f"sim:transport={transport}", emulator=emulator) as terminal:
        with pytest.raises(TerminalRefused) as info:
            terminal.read_card(timeout=0, abort_after=0.3)  # 0: the terminal would wait forever
        assert info.value.result_code == 0x6C  # abort via timeout or abort key
        assert (0x06, 0xB0) in emulator.state.commands_seen
        assert terminal.identify().status_text == "PT ready"


def test_a_card_presented_in_time_is_read_despite_the_abort_limit():
    emulator = EmulatedTerminal(operator="manual")
    emulator.payment.operator.swipe("visa")
    with open_terminal("sim", emulator=emulator) as terminal:
        card = terminal.read_card(timeout=5, abort_after=3.0)
    assert card.masked_pan == "476173******0010"
    seen = emulator.state.commands_seen  # (a 06 B0 before the first command settles the line)
    assert (0x06, 0xB0) not in seen[seen.index((0x06, 0xC0)):]
