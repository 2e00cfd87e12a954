"""ECR dialog timers against a scripted terminal: T4 restarts and the T4 an 04 FF sets."""

import pytest

from posdiag.drivers.zvt.apdu import Apdu
from posdiag.drivers.zvt.dialog import Dialog, _t4_minutes
from posdiag.errors import LinkTimeout


class ScriptedTransport:
    """Answers with scripted APDUs; each entry is (seconds the terminal takes, APDU)."""

    description = "script"

    def __init__(self, script):
        self.script = list(script)
        self.sent = []
        self.waits = []

    def send(self, apdu):
        self.sent.append(apdu)

    def receive(self, timeout):
        self.waits.append(timeout)
        if not self.script:
            raise LinkTimeout("nothing more")
        delay, apdu = self.script[0]
        if delay > timeout:
            self.script[0] = (delay - timeout, apdu)
            raise LinkTimeout("late")
        self.script.pop(0)
        return apdu


def test_intermediate_status_with_a_timeout_byte_sets_t4_in_minutes():
    assert _t4_minutes(Apdu(0x04, 0xFF, bytes.fromhex("0A 02"))) == 2
    assert _t4_minutes(Apdu(0x04, 0xFF, bytes.fromhex("0A"))) is None
    assert _t4_minutes(Apdu(0x04, 0xFF, bytes.fromhex("0A FA"))) is None  # not BCD


def test_a_terminal_that_announces_a_longer_t4_is_waited_for():
    script = [(0, Apdu(0x80, 0x00)), (0, Apdu(0x04, 0xFF, bytes.fromhex("0A 05"))),
              (250.0, Apdu(0x06, 0x0F))]  # beyond the default 180 s, within 5 minutes
    dialog = Dialog(ScriptedTransport(script), Apdu(0x06, 0x01), t4=180.0)
    assert [m.command for m in dialog] == [(0x04, 0xFF), (0x06, 0x0F)]


def test_without_the_timeout_byte_t4_stays():
    script = [(0, Apdu(0x80, 0x00)), (0, Apdu(0x04, 0xFF, bytes.fromhex("0A"))),
              (250.0, Apdu(0x06, 0x0F))]
    with pytest.raises(LinkTimeout, match="T4"):
        list(Dialog(ScriptedTransport(script), Apdu(0x06, 0x01), t4=180.0))


def test_the_ecr_sends_abort_when_its_own_limit_passes():
    script = [(0, Apdu(0x80, 0x00)), (10.0, Apdu(0x80, 0x00)), (0, Apdu(0x06, 0x1E, b"\x6c"))]
    transport = ScriptedTransport(script)
    dialog = Dialog(transport, Apdu(0x06, 0xC0), abort_after=0.0)  # the limit has passed
    assert [m.command for m in dialog] == [(0x06, 0x1E)]
    assert Apdu(0x06, 0xB0) in transport.sent and dialog.ecr_aborted
