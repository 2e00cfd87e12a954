"""How the ECR ends a dialog when asked to stop, against a scripted terminal (virtual time).

    PT streams (04 0F …)     -> the ECR refuses the next message with 84 6C; PT ends with 06 1E
    PT quiet (person, host)  -> the ECR sends Abort 06 B0; PT answers 80 00, ends with 06 1E
    06 E7 waits for a person -> 06 B0 at once, before the PT's answer
    a leftover 06 1E / 04 0F where the first answer belongs -> answered and passed over
"""

import contextlib

import pytest

from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.dialog import Dialog, End, settle
from posdiag.errors import Interrupted, LinkTimeout

ACK = Apdu(0x80, 0x00)
ABORT_CMD = Apdu(0x06, 0xB0)
REFUSED = Apdu(0x84, 0x6C)
BLOCK = Apdu(0x04, 0x0F, b"\x06\x00")
ABORTED = Apdu(0x06, 0x1E, b"\x6c")


class Stop:
    def __init__(self) -> None:
        self.requested = False

    @contextlib.contextmanager
    def shield(self):
        yield


class ScriptedTerminal:
    """Plays a script of (seconds it takes, APDU); a callback may react to what the ECR sent."""

    description = "script"

    def __init__(self, script, on_send=None):
        self.script = list(script)
        self.sent = []
        self.on_send = on_send

    def send(self, apdu):
        self.sent.append(apdu)
        if self.on_send:
            self.on_send(apdu, self)

    def receive(self, timeout):
        if not self.script:
            raise LinkTimeout("quiet")
        delay, apdu = self.script[0]
        if delay > timeout:
            self.script[0] = (delay - timeout, apdu)
            raise LinkTimeout("late")
        self.script.pop(0)
        return apdu


def test_a_stop_during_a_stream_refuses_the_next_block():
    stop = Stop()
    terminal = ScriptedTerminal([(0, ACK), (0, BLOCK), (0, BLOCK), (0, ABORTED)])
    dialog = Dialog(terminal, Apdu(0x08, 0x11), stop=stop)
    messages = iter(dialog)
    assert next(messages) == BLOCK
    stop.requested = True
    with pytest.raises(Interrupted, match="told to stop and ended"):
        next(messages)
    assert terminal.sent == [Apdu(0x08, 0x11), ACK, REFUSED, ACK]  # 84 6C, then ACK of 06 1E
    assert dialog.final == ABORTED


def test_a_stop_while_the_terminal_is_quiet_sends_abort():
    stop = Stop()

    def terminal_reacts(apdu, terminal):
        if apdu == ABORT_CMD:
            terminal.script[:] = [(0, ACK), (0, ABORTED)]

    terminal = ScriptedTerminal([(0, ACK), (100.0, ABORTED)], terminal_reacts)
    dialog = Dialog(terminal, Apdu(0x06, 0xC0), end=End.STATUS, stop=stop)
    stop.requested = True
    with pytest.raises(Interrupted, match="told to stop"):
        list(dialog)
    assert terminal.sent == [Apdu(0x06, 0xC0), ABORT_CMD, ACK]


def test_a_terminal_that_finishes_anyway_is_reported_as_finished():
    stop = Stop()
    terminal = ScriptedTerminal([(0, ACK), (0, Apdu(0x06, 0x0F))])
    dialog = Dialog(terminal, Apdu(0x06, 0x10), stop=stop)
    stop.requested = True
    with pytest.raises(Interrupted, match="had finished"):
        list(dialog)
    assert terminal.sent[-1] == ACK


def test_a_terminal_that_never_ends_the_command_is_named():
    stop = Stop()
    terminal = ScriptedTerminal([(0, ACK)])  # then silence, even after 06 B0
    dialog = Dialog(terminal, Apdu(0x06, 0x01), stop=stop, stop_limit=1.0)
    stop.requested = True
    with pytest.raises(Interrupted, match="did not confirm"):
        list(dialog)
    assert ABORT_CMD in terminal.sent


def test_a_stop_before_the_command_sends_nothing():
    stop = Stop()
    stop.requested = True
    terminal = ScriptedTerminal([])
    with pytest.raises(Interrupted, match="not disturbed"):
        Dialog(terminal, Apdu(0x06, 0x00), stop=stop)
    assert terminal.sent == []


def test_pin_entry_is_aborted_before_its_answer():
    stop = Stop()

    def terminal_reacts(apdu, terminal):
        if apdu.command == (0x06, 0xE7):
            stop.requested = True  # nobody types; the technician presses Ctrl-C
        if apdu == ABORT_CMD:
            terminal.script[:] = [(0, ACK), (0, Apdu(0x80, 0x00, b"\x1b"))]

    terminal = ScriptedTerminal([(30.0, Apdu(0x80, 0x00, b"\x00"))], terminal_reacts)
    with pytest.raises(Interrupted, match="Abort 06 B0"):
        Dialog(terminal, Apdu(0x06, 0xE7), end=End.ACK, t3=35.0, stop=stop, abortable=True)
    assert terminal.sent == [Apdu(0x06, 0xE7), ABORT_CMD]


def test_a_leftover_message_is_not_taken_for_the_answer():
    terminal = ScriptedTerminal([(0, BLOCK), (0, ABORTED), (0, ACK), (0, Apdu(0x06, 0x0F))])
    dialog = Dialog(terminal, Apdu(0x06, 0x00))
    assert dialog.answer == ACK
    assert list(dialog) == [Apdu(0x06, 0x0F)]
    assert terminal.sent[:3] == [Apdu(0x06, 0x00), REFUSED, ACK]


def test_settle_ends_what_an_earlier_ecr_left_running():
    terminal = ScriptedTerminal([(0, BLOCK), (0, ACK), (0, ABORTED)])
    settle(terminal)
    assert terminal.sent == [ABORT_CMD, REFUSED, ACK]


def test_settle_on_an_idle_terminal_is_one_exchange():
    terminal = ScriptedTerminal([(0, ACK)])
    settle(terminal)
    assert terminal.sent == [ABORT_CMD]


def test_settle_names_t3_when_nothing_answers():
    with pytest.raises(LinkTimeout, match="T3"):
        settle(ScriptedTerminal([]), t3=0.5)
