"""The acceptance test at a real console (tmux), against a terminal that waits for a person.

The terminal is the emulator in its own process over TCP, in manual mode: it waits for the
card and the PIN like a real one, and the test acts as the person at it through the control
socket. posdiag under test sees only a TCP terminal, so the console operator prompts — as
for a technician. Issue 16.3 (a person's slip is not a terminal failure: retry / skip / abort,
--only / --from into the same series) and 16.4 (live countdowns, prompts in the terminal's
words, time-outs in words, no prompt that the outcome contradicts).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
import textwrap
import time
from pathlib import Path

import pytest
from emulator_process import EmulatorProcess, emulator_process
from tmux_pane import Pane, tmux_pane

PLAN = """
[plan]
name = "slips"

[[step]]
kind = "card-swipe"
card = "visa"
timeout = {card_timeout}

[[step]]
kind = "pin-entry"
card = "visa"
timeout = 30

[[step]]
kind = "display"
text = ["HELLO"]
timeout = {display_timeout}
"""


@pytest.fixture
def terminal(tmp_path) -> EmulatorProcess:
    with emulator_process(tmp_path) as process:
        yield process


@pytest.fixture
def plan(tmp_path):
    def write(card_timeout=30, display_timeout=30):
        path = tmp_path / "slips.toml"
        path.write_text(textwrap.dedent(PLAN.format(card_timeout=card_timeout,
                                                    display_timeout=display_timeout)))
        return path

    return write


@pytest.fixture
def pane(tmp_path) -> Pane:
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]])
    env = {"POSDIAG_CONFIG_DIR": str(tmp_path / "config"), "PATH": path,
           "LANG": "C.UTF-8", "TERM": "xterm"}
    with tmux_pane(str(tmp_path), env) as opened:
        yield opened


def posdiag_test(terminal: EmulatorProcess, plan: Path, records: Path, *extra: str) -> str:
    words = [sys.executable, "-m", "posdiag", "test", "--port", terminal.port, "--plan",
             str(plan), "--record", str(records), *extra]
    return " ".join(shlex.quote(w) for w in words)


def newest_record(records: Path) -> dict:
    [*_, newest] = sorted(records.glob("*.json"), key=lambda p: p.stat().st_mtime)
    return json.loads(newest.read_text())


def seconds_left(pane: Pane) -> int:
    return int(pane.wait_for(r"waiting, +(\d+) s left\s*$").group(1))


def test_a_wrong_card_offers_retry_and_the_retry_is_a_separate_attempt(terminal, plan, pane,
                                                                       tmp_path):
    records = tmp_path / "records"
    pane.run(posdiag_test(terminal, plan(), records))
    # The prompt says what the terminal shows, and counts down while it waits.
    pane.wait_for(r"^>>> Insert or swipe the test card 'visa' \(476173\*{6}0010\)")
    pane.wait_for(r'the terminal shows "insert card": insert or swipe the test card now')
    first = seconds_left(pane)
    time.sleep(2.5)
    assert seconds_left(pane) < first, "the countdown did not move"
    terminal.act("swipe mastercard")
    pane.wait_for(r"card-swipe: the card presented is 541333\*{6}1155, not the test card "
                  r"'visa' \(476173\*{6}0010\)\. Try again, skip this step, or abort the run\?")
    pane.wait_for(r"\[r\]etry / \[s\]kip / \[a\]bort \( *\d+ s\)")
    pane.type("r")
    pane.wait_for(r"attempt 1: ERROR - the card presented is .*; trying again")
    pane.wait_for(r'(?s)trying again.*the terminal shows "insert card"')
    terminal.act("swipe visa")
    pane.wait_for(r"(?s)\[2\] pin-entry \.\.\..*^>>> Type the PIN of test card 'visa' on the "
                  r"PIN pad and press OK \(its PIN is in .*cards\.toml, \[cards\.visa\] pin\)")
    terminal.act("pin 1234")
    pane.wait_for(r"\?\?\? Does the terminal display \"HELLO\"\?")
    pane.type("y")
    assert pane.exit_code() == 0
    record = newest_record(records)
    attempts = record["steps"][0]["attempts"]
    assert [(a["outcome"], a["error_class"], a["slip"], a["then"]) for a in attempts] == [
        ("ERROR", "operator", "wrong-card", "retry"), ("PASS", None, None, None)]
    assert "541333******1155" in attempts[0]["message"]
    assert record["outcome"] == "PASS"
    assert "1234" not in json.dumps(record)  # the PIN is said where to find, never shown


def test_a_wrong_pin_skipped_goes_on_and_only_that_step_is_run_again(terminal, plan, pane,
                                                                     tmp_path):
    records = tmp_path / "records"
    pane.run(posdiag_test(terminal, plan(), records))
    pane.wait_for(r'the terminal shows "insert card"')
    terminal.act("swipe visa")
    pane.wait_for(r"^>>> Type the PIN of test card 'visa'")
    terminal.act("pin 9999")
    pane.wait_for(r"pin-entry: the PIN typed \(4 digits\) is not the PIN of test card 'visa'\. "
                  r"Try again")
    pane.type("s")
    pane.wait_for(r"\?\?\? Does the terminal display")  # the run goes on after a skip
    pane.type("y")
    assert pane.exit_code() == 1
    screen = pane.screen()
    assert re.search(r"pin-entry +pin-entry +SKIPPED \(person at the terminal\)", screen)
    assert "the terminal was not judged on pin-entry: the person at it slipped or skipped" \
        in screen
    hint = re.search(r"To go on with this series: (.*--only pin-entry)\s*$", screen, re.M)
    assert hint, screen
    first = newest_record(records)
    assert first["outcome"] == "ERROR" and first["error_class"] == "operator"
    assert first["steps"][1]["attempts"][0]["then"] == "skip"

    pane.run(hint.group(1))  # exactly what posdiag said to type
    pane.wait_for(r"(?s)EXIT=1.*\[2\] pin-entry \.\.\.")
    pane.wait_for(r"^>>> Type the PIN of test card 'visa'")
    terminal.act("pin 1234")
    assert pane.exit_code(run=1) == 0
    pane.wait_for(r"Series [0-9a-f]{8}: all 3 steps passed in 2 runs\.")
    second = newest_record(records)
    assert second["selected"] == ["pin-entry"]
    assert second["series"] == {"id": first["series"]["id"], "continues": Path(
        sorted(records.glob("*.json"))[0]).name}
    assert [s["outcome"] for s in second["steps"]] == ["SKIPPED", "PASS", "SKIPPED"]
    assert second["outcome"] == "PASS"


def test_no_card_in_time_is_said_in_words_and_abort_ends_the_run(terminal, plan, pane,
                                                                 tmp_path):
    records = tmp_path / "records"
    pane.run(posdiag_test(terminal, plan(card_timeout=3), records))
    pane.wait_for(r"card-swipe: no card was presented within 3 s\. Try again")
    screen = pane.screen()
    assert "(6C)" not in screen and "6C" not in screen.split("no card was presented")[-1]
    pane.type("a")
    assert pane.exit_code() == 130
    screen = pane.screen()
    assert "trying again" not in screen  # nothing promised that did not happen
    record = newest_record(records)
    assert record["outcome"] == "ABORTED"
    assert [s["outcome"] for s in record["steps"]] == ["ABORTED", "SKIPPED", "SKIPPED"]
    assert record["steps"][0]["attempts"][0]["slip"] == "no-card"


def test_an_unanswered_question_says_how_to_go_on(terminal, plan, pane, tmp_path):
    records = tmp_path / "records"
    pane.run(posdiag_test(terminal, plan(display_timeout=6), records))
    pane.wait_for(r'the terminal shows "insert card"')
    terminal.act("swipe visa")
    pane.wait_for(r"^>>> Type the PIN of test card 'visa'")
    terminal.act("pin 1234")
    pane.wait_for(r"\?\?\? Does the terminal display \"HELLO\"\?")
    first = int(pane.wait_for(r"\[y/n\] \( *(\d) s\)").group(1))
    time.sleep(2.2)
    later = int(pane.wait_for(r"\[y/n\] \( *(\d) s\)").group(1))
    assert later < first, "the y/n countdown did not move"
    assert pane.exit_code() == 1
    screen = pane.screen()
    assert re.search(r"nobody answered 'Does the terminal display \"HELLO\"\?' within 6 s",
                     screen)
    assert re.search(r"To go on with this series: .*--from display\s*$", screen, re.M)
    assert "--only" not in screen  # one hint, not two that differ
