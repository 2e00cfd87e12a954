"""Who may answer a question (issue 16.2): the emulated person only for emulated devices.

With ``--port sim`` and a real receipt printer (``printer = "tcp://…"``) nobody emulated can
see that printer's paper: its question goes to a person (console or answers file), and the
record says, for each answer, which backend gave it. A plan that never talks to the terminal
needs no ``--port``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from posdiag.emulator.printer import EmulatedPrinter, TcpPrinterServer
from posdiag.errors import UsageError
from posdiag.plan.operator import (
    AnswersFileOperator,
    ConsoleOperator,
    DeviceRouter,
    EmulatorOperator,
    Prompt,
    PromptUnanswered,
)
from posdiag.plan.record import load_record

TERMINAL_AND_PRINTER = """
[plan]
name = "mixed"
printer = "{printer}"

[[step]]
kind = "display"
text = ["HELLO"]

[[step]]
kind = "receipt-print"
name = "paper"
device = "printer"
continue-on-fail = true

[[step]]
kind = "card-swipe"
card = "visa"
"""

PRINTER_ONLY = """
[plan]
name = "printer-only"
printer = "{printer}"

[[step]]
kind = "receipt-print"
name = "paper"
device = "printer"
"""


@pytest.fixture
def real_printer():
    """A network printer the bench did not start: to posdiag, a real one at tcp://…."""
    printer = EmulatedPrinter()
    server = TcpPrinterServer(printer, port=0)
    server.start()
    host, port = server.address
    yield f"tcp://{host}:{port}", printer
    server.stop()


def answers_by(record_path, step):
    doc = load_record(record_path)
    [entry] = [s for s in doc["steps"] if s["name"] == step]
    return [(p["id"], p["by"], p["answer"]) for a in entry["attempts"] for p in a["prompts"]]


def test_the_emulated_operator_never_answers_for_a_real_printer(run, write_plan, real_printer,
                                                                tmp_path):
    """The walkthrough's case: sim terminal, real printer, no person: never a PASS."""
    address, printer = real_printer
    answers = tmp_path / "answers.toml"
    answers.write_text('[answers]\n"display.confirm" = "yes"\n')  # nothing about the paper
    test = run("sim", write_plan(TERMINAL_AND_PRINTER.format(printer=address)), answers=answers)
    paper = test.result.steps[1]
    assert printer.receipts, "the real printer printed"
    assert paper.outcome == "ERROR" and paper.error_class == "test"
    assert "no answer for 'paper.confirm'" in paper.message
    assert answers_by(test.record, "paper") == [("paper.confirm", "answers", None)]
    assert test.result.outcome != "PASS" and test.exit_code == 1
    assert load_record(test.record)["operator"] == "emulator+answers"


def test_a_person_answers_the_real_printer_and_the_emulator_the_rest(run, write_plan,
                                                                     real_printer, tmp_path):
    address, _printer = real_printer
    answers = tmp_path / "answers.toml"
    answers.write_text('[answers]\n"paper.confirm" = { answer = "yes" }\n')
    test = run("sim", write_plan(TERMINAL_AND_PRINTER.format(printer=address)), answers=answers)
    assert test.result.outcome == "PASS", test.result.message
    assert answers_by(test.record, "paper") == [("paper.confirm", "answers", "yes")]
    assert answers_by(test.record, "display") == [("display.confirm", "emulator", "yes")]
    assert {by for _id, by, _a in answers_by(test.record, "card-swipe")} == {"emulator"}


def test_on_the_console_the_person_is_asked_about_the_real_printer_only(tmp_path,
                                                                        real_printer):
    """End to end: `posdiag test --port sim` with a real printer asks you, on the console."""
    address, _printer = real_printer
    plan = tmp_path / "plan.toml"
    plan.write_text(TERMINAL_AND_PRINTER.format(printer=address))
    done = subprocess.run(
        [sys.executable, "-m", "posdiag", "test", "--port", "sim", "--plan", str(plan),
         "--record", str(tmp_path / "records"), "--json"],
        input="y\n", capture_output=True, text=True, timeout=120,
        env={**os.environ, "POSDIAG_CONFIG_DIR": str(tmp_path / "config")})
    assert done.returncode == 0, done.stderr
    assert "receipt printer legible" in done.stderr  # the one question put to the person
    assert "display" not in done.stderr.split("???")[-1]
    record = json.loads(done.stdout)["record"]
    assert answers_by(record, "paper") == [("paper.confirm", "console", "yes")]
    assert answers_by(record, "display") == [("display.confirm", "emulator", "yes")]


def test_a_printer_plan_needs_no_port_and_an_emulated_printer_no_person(run, write_plan):
    test = run(None, write_plan(PRINTER_ONLY.format(printer="sim")))
    assert test.result.outcome == "PASS"
    assert answers_by(test.record, "paper") == [("paper.confirm", "emulator", "yes")]
    assert load_record(test.record)["port"] is None


def test_a_plan_that_talks_to_the_terminal_needs_a_port(run, write_plan):
    with pytest.raises(UsageError, match=r"talks to the terminal \(step display, line \d+\)"):
        run(None, write_plan(TERMINAL_AND_PRINTER.format(printer="sim")))


def test_posdiag_test_without_port_runs_the_shipped_printer_plan(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "posdiag", "test", "--plan", "printer", "--record",
         str(tmp_path / "records")], capture_output=True, text=True, timeout=120,
        env={**os.environ, "POSDIAG_CONFIG_DIR": str(tmp_path / "config")})
    assert done.returncode == 0, done.stderr
    assert "no terminal" in done.stderr


def test_the_emulated_operator_refuses_a_question_about_a_real_device():
    robot = EmulatorOperator(None, devices=frozenset({"terminal"}))
    prompt = Prompt("paper.confirm", "confirm", "Legible?", device="printer")
    with pytest.raises(PromptUnanswered, match="is a real one"):
        robot.confirm(prompt)


def test_the_router_sends_each_prompt_by_its_device(tmp_path):
    import io

    answers_file = tmp_path / "a.toml"
    answers_file.write_text('default = "no"\n')
    robot = EmulatorOperator(None, devices=frozenset({"printer"}))
    person = AnswersFileOperator.load(answers_file)
    router = DeviceRouter(robot, person, frozenset({"printer"}))
    assert router.confirm(Prompt("p.confirm", "confirm", "?", device="printer")).by == "emulator"
    assert router.confirm(Prompt("d.confirm", "confirm", "?", device="terminal")).by == "answers"
    console = ConsoleOperator(io.StringIO(), io.StringIO("y\n"))
    router = DeviceRouter(robot, console, frozenset({"printer"}))
    assert router.name == "emulator+console"
    assert router.confirm(Prompt("d.confirm", "confirm", "?", device="terminal")).by == "console"
