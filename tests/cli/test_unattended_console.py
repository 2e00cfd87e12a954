"""`posdiag test` with nobody at the console: a closed input is noticed at once, an open but
silent one ends each question at its timeout, and the way on is given once, the right way."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

CLOSED = "no answer: standard input is closed; use --answers FILE for unattended runs"


@pytest.fixture
def look(tmp_path):
    """Two casing checklists with 30 s questions: the console asks them (no device)."""
    plan = tmp_path / "look.toml"
    plan.write_text(textwrap.dedent("""
        [plan]
        name = "look"

        [[step]]
        kind = "checklist"
        name = "seals"
        items = ["seals"]
        timeout = 30

        [[step]]
        kind = "checklist"
        name = "casing"
        items = ["no-tampering"]
        timeout = 30
        """), encoding="utf-8")
    return plan


@pytest.mark.parametrize("stdin", ["devnull", "closed"])
def test_a_closed_input_ends_the_run_at_once_as_unanswered(posdiag_process, look, tmp_path,
                                                           stdin):
    started = time.monotonic()
    if stdin == "devnull":
        done = posdiag_process("test", "--plan", look, "--record", tmp_path / "records")
    else:  # the shell closed it: `posdiag test … <&-`
        done = subprocess.run(
            ["bash", "-c", f'{sys.executable} -m posdiag test --plan {look} --record '
             f'{tmp_path / "records"} <&-'], capture_output=True, text=True, timeout=120,
            cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8",
                               "POSDIAG_CONFIG_DIR": str(tmp_path / "config")})
    assert time.monotonic() - started < 25, "it waited for a question nobody can answer"
    assert done.returncode == 1, done.stderr
    assert CLOSED in done.stderr
    assert "internal error" not in done.stderr + done.stdout
    # One way on, the right one: the run stopped at the first step, so --from it.
    assert "To go on with this series:" in done.stdout and "--from seals" in done.stdout
    assert "--only" not in done.stdout + done.stderr


def test_piped_answers_are_read_and_an_open_silent_pipe_ends_at_the_timeout(posdiag_process,
                                                                           tmp_path):
    plan = tmp_path / "one.toml"
    plan.write_text('[plan]\nname = "one"\n\n[[step]]\nkind = "checklist"\nitems = '
                    '["seals", "no-tampering"]\ntimeout = 3\n', encoding="utf-8")
    answered = subprocess.run(
        [sys.executable, "-m", "posdiag", "test", "--plan", plan, "--record", tmp_path / "a"],
        input="y\ny\n", capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8",
             "POSDIAG_CONFIG_DIR": str(tmp_path / "config")})
    assert answered.returncode == 0, answered.stderr
    err_file = tmp_path / "stderr.txt"
    with err_file.open("w") as err_out, subprocess.Popen(
            [sys.executable, "-m", "posdiag", "test", "--plan", plan, "--record", tmp_path / "b"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err_out, text=True,
            cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8",
                               "POSDIAG_CONFIG_DIR": str(tmp_path / "config")}) as silent:
        try:
            silent.wait(timeout=60)  # the pipe stays open, and nothing comes through it
        except subprocess.TimeoutExpired:
            silent.kill()
            raise AssertionError("a question on an open, silent pipe never timed out") from None
        finally:
            assert silent.stdin is not None
            silent.stdin.close()
    err = err_file.read_text()
    assert silent.returncode == 1, err
    assert "nobody answered \"Are the seals on the terminal's casing intact?\" within 3 s" in err


def test_a_slip_with_a_closed_input_is_not_tried_again(posdiag_process, tmp_path):
    """The card wait is the terminal's (someone may act there without a keyboard), but after
    the slip nobody can choose retry/skip/abort: the step ends at once, not after its retries."""
    from emulator_process import emulator_process

    plan = tmp_path / "card.toml"
    plan.write_text('[plan]\nname = "card"\n\n[[step]]\nkind = "card-swipe"\ncard = "visa"\n'
                    'timeout = 3\nretries = 3\n', encoding="utf-8")
    with emulator_process(tmp_path) as terminal:
        started = time.monotonic()
        done = posdiag_process("test", "--port", terminal.port, "--plan", plan, "--record",
                               tmp_path / "records")
        took = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    assert CLOSED in done.stderr  # said where the question would have been asked
    assert "no card was presented within 3 s" in done.stderr
    assert "trying again" not in done.stderr
    assert took < 3 * 4, f"{took:.0f} s: the step was tried again"
