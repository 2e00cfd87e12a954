"""Every step kind end to end against the emulated terminal: passing, and failing for the right
reason (paper-out, card-misread, pin-timeout, wrong PIN, TID mismatch, link drop)."""

import json
import xml.etree.ElementTree as ET

import pytest

from posdiag.cards import assert_no_pans
from posdiag.emulator.config import TerminalConfig
from posdiag.emulator.terminal import EmulatedTerminal
from posdiag.plan.context import Bench
from posdiag.plan.operator import EmulatorOperator
from posdiag.testplans import shipped_path

EVERY_KIND = """
[plan]
name = "every-kind"

[expect]
terminal_id = "52500001"
merchant_id = "100200300"
currency = 978

[[step]]
kind = "identify"

[[step]]
kind = "identity-match"
source = "expect"

[[step]]
kind = "card-swipe"
card = "mastercard"
how = "insert"

[[step]]
kind = "pin-entry"
card = "visa"
engine = "aes"

[[step]]
kind = "receipt-print"

[[step]]
kind = "payment"
card = "visa"
amount = 250

[[step]]
kind = "reversal"

[[step]]
kind = "display"
text = ["HELLO", "WORLD"]

[[step]]
kind = "end-of-day"
confirm = true
"""

QUICK = """
[plan]
name = "q"

[[step]]
kind = "identify"

[[step]]
kind = "card-swipe"
card = "visa"
retries = {retries}

[[step]]
kind = "pin-entry"
card = "{pin_card}"
continue-on-fail = true

[[step]]
kind = "receipt-print"
"""


def outcomes(run):
    return {s.spec.name: s.outcome for s in run.result.steps}


def test_every_step_kind_passes_and_the_record_tells_it(run, write_plan):
    test = run("sim:seed=3", write_plan(EVERY_KIND))
    assert set(outcomes(test).values()) == {"PASS"}, test.result.message
    assert test.exit_code == 0
    doc = json.loads(test.record.read_text())
    assert (doc["state"], doc["outcome"], doc["terminal"]["terminal_id"]) == (
        "finished", "PASS", "52500001")
    payment = next(s for s in doc["steps"] if s["kind"] == "payment")
    assert payment["attempts"][0]["data"]["payment"]["masked_pan"] == "476173******0010"
    assert payment["attempts"][0]["measurements"][0]["units"] == "s"
    prompts = [p["id"] for s in doc["steps"] for a in s["attempts"] for p in a["prompts"]]
    assert "display.confirm" in prompts and "pin-entry.pin" in prompts


def test_the_shipped_printer_plan_passes_on_the_emulated_printer(run):
    test = run("sim", shipped_path("printer.toml"))
    assert outcomes(test) == {"printer-test-receipt": "PASS"}


def test_paper_out_fails_receipt_print_on_terminal_and_printer(run, write_plan):
    test = run("sim:fault=paper-out", write_plan(QUICK.format(retries=0, pin_card="visa")))
    step = test.result.steps[-1]
    assert (step.outcome, step.error_class) == ("FAIL", None)
    assert "printer not ready" in step.message and "CC" in step.message
    assert test.exit_code == 1
    printer = run("sim:fault=paper-out", shipped_path("printer.toml"))
    assert printer.result.steps[0].outcome == "FAIL"
    assert "paper end" in printer.result.steps[0].message


def test_card_misread_fails_every_attempt_and_keeps_them_apart(run, write_plan):
    test = run("sim:fault=card-misread", write_plan(QUICK.format(retries=1, pin_card="visa")))
    swipe = test.result.steps[1]
    assert swipe.outcome == "FAIL" and "not readable" in swipe.message.lower()
    assert [a.number for a in swipe.attempts] == [1, 2]
    assert [s.outcome for s in test.result.steps[2:]] == ["SKIPPED", "SKIPPED"]
    suite = ET.parse(test.junit).getroot()
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "1", "2")
    assert "attempt 2: FAIL" in suite.find("testcase[@name='card-swipe']/system-out").text


def test_a_pin_nobody_types_is_the_persons_slip_and_continue_on_fail_goes_on(run, write_plan):
    test = run("sim:fault=pin-timeout", write_plan(QUICK.format(retries=0, pin_card="visa")))
    assert outcomes(test) == {"identify": "PASS", "card-swipe": "PASS", "pin-entry": "ERROR",
                              "receipt-print": "PASS"}
    pin = test.result.steps[2]
    assert pin.error_class == "operator" and pin.attempts[0].slip == "no-pin"
    assert "no PIN was typed within 30 s" in pin.message  # in words, not "(6C)"
    assert (test.result.outcome, test.result.error_class) == ("ERROR", "operator")
    assert test.exit_code == 1  # not a pass: the PIN pad was not judged


class WrongPinOperator(EmulatorOperator):
    def pin_for(self, card):
        return "0000"


def test_a_wrong_pin_is_the_persons_slip_not_a_terminal_failure(run, write_plan):
    test = run("sim", write_plan(QUICK.format(retries=0, pin_card="visa")),
               operator=lambda bench: WrongPinOperator(bench.emulator))
    step = test.result.steps[2]
    assert (step.outcome, step.error_class) == ("ERROR", "operator")
    assert step.attempts[0].slip == "wrong-pin"
    assert "the PIN typed (4 digits) is not the PIN of test card 'visa'" in step.message


def test_the_other_pin_profile_typed_right_passes(run, write_plan):
    test = run("sim", write_plan(QUICK.format(retries=0, pin_card="mastercard_other_pin")))
    assert test.result.steps[2].outcome == "PASS"


def test_tid_mismatch_fails_identity_match(run, write_plan):
    plan = write_plan(EVERY_KIND.split("[[step]]\nkind = \"card-swipe\"")[0])
    emulator = EmulatedTerminal(TerminalConfig(terminal_id="52500099"), seed=4)
    test = run("sim", plan, bench=Bench("sim", emulator=emulator))
    step = test.result.steps[1]
    assert step.outcome == "FAIL"
    assert "terminal_id is 52500099, the plan's [expect] has 52500001" in step.message
    assert "not bound to the same merchant" in step.message


@pytest.mark.parametrize("port", ["sim:fault=disconnect@300", "/dev/posdiag-no-such-port"])
def test_a_lost_link_or_missing_device_is_an_infrastructure_error(run, write_plan, port):
    test = run(port, write_plan(QUICK.format(retries=2, pin_card="visa")))
    broken = next(s for s in test.result.steps if s.outcome != "PASS")
    assert (broken.outcome, broken.error_class) == ("ERROR", "infrastructure")
    assert len(broken.attempts) == 1  # no retries on a dead link
    assert test.result.error_class == "infrastructure" and test.exit_code == 3
    assert "FAIL" not in outcomes(test).values()  # never reported as a failed terminal
    suite = ET.parse(test.junit).getroot()
    assert suite.find(f"testcase[@name='{broken.spec.name}']/error").get("type") == \
        "infrastructure"


def test_no_pan_or_pin_in_record_or_junit(run, write_plan):
    test = run("sim", write_plan(EVERY_KIND))
    for text in (test.record.read_text(), test.junit.read_text()):
        assert_no_pans(text)
        assert '"1234"' not in text and ">1234<" not in text
