"""The checklist step (arrival inspection) against the emulated terminal, with each operator
backend: the emulator's person looks at the casing and reads the label; an answers file and a
person at the console type and answer; a "no" fails the step with the reason."""

import io

import pytest

from posdiag.plan.loader import load_plan, resolve_plan
from posdiag.plan.model import ReplacedTerminal
from posdiag.plan.operator import AnswersFileOperator, ConsoleOperator, Prompt
from posdiag.testplans import shipped_path

INSPECTION = """
[plan]
name = "arrival"

[expect]
device_name = "posdiag EMU-700 (emulated)"

[[step]]
kind = "checklist"
name = "arrival-inspection"
questions = ["Is the power supply in the box?"]
"""


def inspection(test):
    [step] = test.result.steps
    return step, {a["item"]: a for a in step.attempts[-1].data["inspection"]}


def test_a_sound_replacement_passes_every_question(run, write_plan):
    test = run("sim", write_plan(INSPECTION))
    step, answers = inspection(test)
    assert step.outcome == "PASS"
    assert list(answers) == ["seals", "no-tampering", "serial-label", "model", "question-1"]
    assert answers["serial-label"]["answer"] == "7000000001"  # typed off the label
    assert answers["serial-label"]["expected"] == "7000000001"  # reported by the terminal
    assert answers["model"]["expected"] == "posdiag EMU-700 (emulated)"  # from [expect]
    prompts = step.attempts[-1].prompts
    assert [p.kind for p in prompts] == ["confirm", "confirm", "enter", "confirm", "confirm"]
    assert prompts[2].answer == "7000000001"


def test_a_tampered_terminal_fails_with_the_operators_reasons(run, write_plan):
    test = run("sim:fault=tampered", write_plan(INSPECTION))
    step, answers = inspection(test)
    assert step.outcome == "FAIL"
    assert step.message == ("arrival inspection: seals: a seal is broken; no-tampering: an "
                            "extra wire at the card slot; do not accept this terminal.")
    assert answers["serial-label"]["ok"] and answers["model"]["ok"]


def test_a_label_that_differs_from_what_the_terminal_reports_fails(run, write_plan, tmp_path):
    identity = tmp_path / "relabelled.toml"
    identity.write_text('[terminal]\nlabel_serial = "EMU0000099"\n', encoding="utf-8")
    test = run(f"sim:identity={identity}", write_plan(INSPECTION))
    step, answers = inspection(test)
    assert step.outcome == "FAIL"
    assert answers["serial-label"]["reason"] == ("the label says EMU0000099, the terminal "
                                                 "reports 7000000001")


def test_another_model_than_requested_fails(run, write_plan):
    plan = write_plan(INSPECTION.replace('device_name = "posdiag EMU-700 (emulated)"',
                                         'device_name = "PAX A920"'))
    step, answers = inspection(run("sim", plan))
    assert step.outcome == "FAIL" and not answers["model"]["ok"]
    assert answers["model"]["reason"] == "the label says posdiag EMU-700 (emulated)"


def test_an_answers_file_types_the_serial_and_answers_no_with_a_reason(run, write_plan,
                                                                      tmp_path):
    answers = tmp_path / "answers.toml"
    answers.write_text('default = "yes"\n[answers]\n'
                       '"arrival-inspection.serial-label" = { text = "7000-000-001" }\n'
                       '"arrival-inspection.seals" = { answer = "no", reason = "torn sticker" }\n',
                       encoding="utf-8")
    test = run("sim", write_plan(INSPECTION), answers=answers)
    step, found = inspection(test)
    assert step.outcome == "FAIL" and step.message.startswith("arrival inspection: seals: "
                                                              "torn sticker;")
    assert found["serial-label"]["ok"]  # separators and case do not count


def test_an_answers_file_without_the_typed_serial_is_a_test_error(run, write_plan, tmp_path):
    answers = tmp_path / "answers.toml"
    answers.write_text('default = "yes"\n', encoding="utf-8")
    test = run("sim", write_plan(INSPECTION),
               operator=lambda bench: AnswersFileOperator.load(answers))
    [step] = test.result.steps
    assert (step.outcome, step.error_class) == ("ERROR", "test")
    assert "no typed answer for 'arrival-inspection.serial-label'" in step.message


def test_the_console_operator_reads_a_typed_line():
    out = io.StringIO()
    prompt = Prompt("s.serial-label", "enter", "Type the serial number:", 5)
    answer = ConsoleOperator(out, io.StringIO("\n  EMU0000001 \n")).enter(prompt)
    assert (answer.answer, answer.text) == ("entered", "EMU0000001")
    assert "please type it" in out.getvalue()


def test_the_shipped_acceptance_plan_inspects_and_compares_with_the_replaced_terminal():
    replaced = ReplacedTerminal("case X", {"terminal_id": "52500001"}, model="EMU-700")
    plan = load_plan(resolve_plan("acceptance"), replaced=replaced)
    kinds = [s.kind for s in plan.steps]
    assert kinds[:3] == ["identify", "checklist", "identity-match"]
    assert plan.steps[1].options["model"] == "EMU-700"
    assert plan.steps[2].options["expected"] == {"terminal_id": "52500001"}
    assert plan.steps[2].options["against"] == "case X"


def test_plans_are_found_by_shipped_name_or_path(tmp_path):
    assert resolve_plan("quick") == shipped_path("quick.toml")
    assert resolve_plan("acceptance.toml") == shipped_path("acceptance.toml")
    own = tmp_path / "quick"
    own.write_text("[plan]\nname = 'mine'\n", encoding="utf-8")
    assert resolve_plan(own) == own  # a file that exists wins over a shipped name
    from posdiag.errors import UsageError

    with pytest.raises(UsageError, match=r"shipped plan \(acceptance, printer, quick\)"):
        resolve_plan("acceptnace")
