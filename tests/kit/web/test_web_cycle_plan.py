"""The kit runs its acceptance plan with the phone's page while a page is served, and with
the emulated person (or nobody) otherwise."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from posdiag.kit.cycle import run_plan
from posdiag.kit.web.channel import server_presence, web_dir
from posdiag.kit.web.prompts import answer_prompt, current_prompt

PLAN = """
[plan]
name = "kit-phone"
format = 1

[[step]]
kind = "receipt-print"
device = "terminal"
timeout = 60
"""


def _record(records: Path) -> dict:
    [path] = records.glob("posdiag-test-*.json")
    return json.loads(path.read_text(encoding="utf-8"))


def test_with_the_page_served_the_plan_asks_the_phone(tmp_path, monkeypatch):
    monkeypatch.setenv("POSDIAG_CONFIG_DIR", str(tmp_path / "state"))
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN)
    folder = web_dir(tmp_path / "state")
    answered: list[str] = []

    def phone() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            prompt = current_prompt(folder)
            if prompt is not None:
                answered.append(answer_prompt(folder, prompt["nonce"], "yes"))
                return
            time.sleep(0.05)

    with server_presence(folder):  # what `posdiag kit serve` holds while it runs
        thread = threading.Thread(target=phone)
        thread.start()
        outcome = run_plan(plan, "sim", tmp_path / "records", state_dir=tmp_path / "state")
        thread.join()
    assert outcome.passed, outcome.message
    assert answered == ["answered"]
    record = _record(tmp_path / "records")
    [prompt] = [p for s in record["steps"] for a in s["attempts"] for p in a["prompts"]
                if p["kind"] == "confirm"]
    assert record["operator"] == "kit-page" and prompt["by"] == "kit-page"


def test_without_a_page_the_emulated_person_answers_as_before(tmp_path, monkeypatch):
    monkeypatch.setenv("POSDIAG_CONFIG_DIR", str(tmp_path / "state"))
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN)
    outcome = run_plan(plan, "sim", tmp_path / "records", state_dir=tmp_path / "state")
    assert outcome.passed, outcome.message
    assert _record(tmp_path / "records")["operator"] == "emulator"


SLIP_PLAN = """
[plan]
name = "kit-phone-slip"
format = 1

[[step]]
kind = "card-swipe"
card = "visa"
timeout = 30

[[step]]
kind = "pin-entry"
card = "visa"
timeout = 30
"""


def test_a_slip_at_the_terminal_offers_retry_skip_abort_on_the_phone(tmp_path, monkeypatch):
    """The kit has no console: after a wrong PIN the phone's page is where the technician
    chooses to try again, skip or abort (issue 16.3), and the record says what was chosen."""
    from emulator_process import emulator_process

    monkeypatch.setenv("POSDIAG_CONFIG_DIR", str(tmp_path / "state"))
    plan = tmp_path / "plan.toml"
    plan.write_text(SLIP_PLAN)
    folder = web_dir(tmp_path / "state")
    offered: list[dict] = []

    with emulator_process(tmp_path) as terminal, server_presence(folder):
        def person_and_phone() -> None:
            terminal.act("swipe visa")
            terminal.act("pin 9999")  # the person slips: not the TEST card's PIN
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                prompt = current_prompt(folder)
                if prompt is not None and prompt["kind"] == "choose":
                    offered.append(prompt)
                    assert answer_prompt(folder, prompt["nonce"], "dance") == "invalid"
                    assert answer_prompt(folder, prompt["nonce"], "skip") == "answered"
                    return
                time.sleep(0.05)

        thread = threading.Thread(target=person_and_phone)
        thread.start()
        outcome = run_plan(plan, terminal.port, tmp_path / "records",
                           state_dir=tmp_path / "state")
        thread.join()
    [prompt] = offered
    assert prompt["choices"] == ["retry", "skip", "abort"]
    assert "not the PIN of test card 'visa'" in prompt["text"]
    assert not outcome.passed
    record = _record(tmp_path / "records")
    [pin_step] = [s for s in record["steps"] if s["name"] == "pin-entry"]
    assert [(a["slip"], a["then"]) for a in pin_step["attempts"]] == [("wrong-pin", "skip")]
    assert pin_step["outcome"] == "SKIPPED"
    assert "9999" not in json.dumps(record)
