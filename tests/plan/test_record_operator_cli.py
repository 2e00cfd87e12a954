"""Records (incremental, signed), operator backends, and the `posdiag test` / `demo` commands."""

import io
import json
import os
import subprocess
import sys

import pytest

from posdiag.cards import assert_no_pans
from posdiag.errors import PlanError, VerificationError
from posdiag.plan.operator import AnswersFileOperator, ConsoleOperator, Prompt, PromptUnanswered
from posdiag.plan.record import load_record, verify_record
from posdiag.testplans import shipped_path

PLAN = """
[plan]
name = "r"

[[step]]
kind = "identify"

[[step]]
kind = "display"
text = ["CHECK ME"]

[[step]]
kind = "receipt-print"
"""


def test_the_finished_record_is_signed_and_tampering_shows(run, write_plan, kit_key):
    test = run("sim", write_plan(PLAN))
    assert "outcome PASS" in verify_record(test.record, kit_key.public_key)
    test.record.write_text(test.record.read_text().replace('"PASS"', '"FAIL"', 1))
    with pytest.raises(VerificationError):
        verify_record(test.record, kit_key.public_key)


class Crash(Exception):
    pass


def test_a_crash_mid_run_leaves_a_readable_record(run, write_plan, tmp_path):
    from posdiag.plan.runner import StepStarted

    def crash_on_display(event):
        if isinstance(event, StepStarted) and event.spec.kind == "display":
            raise Crash

    with pytest.raises(Crash):
        run("sim", write_plan(PLAN), listeners=[crash_on_display])
    [path] = (tmp_path / "records").glob("*.json")
    doc = load_record(path)
    assert doc["state"] == "running" and doc["outcome"] is None
    assert doc["steps"][0]["outcome"] == "PASS" and doc["terminal"]["terminal_id"]
    with pytest.raises(VerificationError, match="did not finish"):
        verify_record(path)


def test_answers_file_answers_confirms_over_the_emulator(run, write_plan, tmp_path):
    answers = tmp_path / "answers.toml"
    answers.write_text('[answers]\n"display" = { answer = "no", reason = "garbled" }\n')
    test = run("sim", write_plan(PLAN), answers=answers)
    display = test.result.steps[1]
    assert display.outcome == "FAIL" and "garbled" in display.message
    assert display.attempts[0].prompts[0].by == "answers"


def test_answers_file_without_an_answer_is_a_test_error(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text('[answers]\n"x.confirm" = "yes"\n')
    operator = AnswersFileOperator.load(path)
    assert operator.confirm(Prompt("x.confirm", "confirm", "ok?")).yes
    with pytest.raises(PromptUnanswered, match=r"no answer for 'y\.confirm'"):
        operator.confirm(Prompt("y.confirm", "confirm", "ok?"))
    path.write_text('[answers]\n"x" = "maybe"\n')
    with pytest.raises(PlanError):
        AnswersFileOperator.load(path)


def test_console_operator_reads_y_n_and_a_reason():
    out = io.StringIO()
    console = ConsoleOperator(out, io.StringIO("maybe\nn\npaper jam\n"))
    answer = console.confirm(Prompt("s.confirm", "confirm", "Receipt legible?"))
    assert (answer.answer, answer.reason) == ("no", "paper jam")
    assert "please answer y or n" in out.getvalue()
    with pytest.raises(PromptUnanswered):
        ConsoleOperator(out, io.StringIO("")).confirm(Prompt("s", "confirm", "?"))


class CtrlC:
    name = "console"

    def instruct(self, prompt):
        raise KeyboardInterrupt

    def confirm(self, prompt):
        raise KeyboardInterrupt

    def show_status(self, text):
        pass


def test_ctrl_c_is_recorded_as_aborted(run, write_plan):
    test = run("sim", write_plan(PLAN), operator=lambda bench: CtrlC())
    assert [s.outcome for s in test.result.steps] == ["PASS", "ABORTED", "SKIPPED"]
    assert test.result.outcome == "ABORTED" and test.exit_code == 130
    assert load_record(test.record)["outcome"] == "ABORTED"


# --- the commands, in a subprocess (exit codes and stderr as a user sees them) ---------------


def posdiag(tmp_path, *args):
    env = {**os.environ, "POSDIAG_CONFIG_DIR": str(tmp_path / "config")}
    return subprocess.run([sys.executable, "-m", "posdiag", *args], capture_output=True,
                          text=True, timeout=60, env=env, cwd=tmp_path)


def test_cli_plan_error_exits_2_before_touching_the_port(tmp_path, write_plan):
    plan = write_plan('[plan]\nname = "x"\n[[step]]\nkind = "swipe"\n')
    done = posdiag(tmp_path, "test", "--port", "/dev/posdiag-no-such-port", "--plan", str(plan))
    assert done.returncode == 2
    assert f"{plan}:4: unknown step kind 'swipe'" in done.stderr


def test_cli_exit_codes_and_no_card_data_on_the_console(tmp_path):
    quick = str(shipped_path("quick.toml"))
    ok = posdiag(tmp_path, "test", "--port", "sim", "--plan", quick, "--junit", "j.xml")
    assert ok.returncode == 0, ok.stderr
    assert "Result: PASS" in ok.stdout and "Record:" in ok.stdout
    failed = posdiag(tmp_path, "test", "--port", "sim:fault=card-misread", "--plan", quick,
                     "--json")
    assert failed.returncode == 1
    summary = json.loads(failed.stdout)
    assert summary["outcome"] == "FAIL" and summary["exit_code"] == 1
    gone = posdiag(tmp_path, "test", "--port", "/dev/posdiag-no-such-port", "--plan", quick)
    assert gone.returncode == 3 and "not judged" in gone.stderr
    for done in (ok, failed, gone):
        assert_no_pans(done.stdout + done.stderr)


def test_demo_backs_up_verifies_tests_and_says_where(tmp_path):
    done = posdiag(tmp_path, "demo", "--dir", "demo", "--journal", "50")
    assert done.returncode == 0, done.stderr
    for label in ("Case:", "Backup set:", "Test record:", "JUnit:"):
        assert label in done.stdout
    assert "Result: PASS" in done.stdout
    assert "(closed; replacement accepted)" in done.stdout
    for step in ("1. Opening a case", "2. Backing up", "CAUTION: Do not unplug",
                 "3. Filing the replacement request", "CAUTION: Keep the backup safe",
                 "4. The replacement arrived", "5. Writing the acceptance certificate"):
        assert step in done.stderr
    # The verdict after the results table that proves it (issue 16.10).
    assert done.stdout.index("Result: PASS") < done.stdout.index("Replacement accepted")
    [record] = (tmp_path / "demo").glob("*/cases/*/records/*.json")
    assert load_record(record)["outcome"] == "PASS"
    verify_record(record)
    assert_no_pans(done.stdout + done.stderr + record.read_text())
