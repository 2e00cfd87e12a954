"""The parts of the kit page that need no server: language, secret and tokens, failed-attempt
limits, the status board, the prompt exchange, the [web] table."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posdiag.errors import PlanError, UsageError
from posdiag.kit.web.auth import (
    FailedAttempts,
    Keys,
    kit_url,
    new_secret,
    read_secret,
    write_secret,
)
from posdiag.kit.web.channel import create_json, read_json, write_json
from posdiag.kit.web.config import WebConfig, load_web_config, parse_web
from posdiag.kit.web.language import negotiate
from posdiag.kit.web.prompts import (
    ALREADY,
    ANSWERED,
    GONE,
    INVALID,
    PromptExchange,
    answer_prompt,
    clean_text,
    current_prompt,
)
from posdiag.kit.web.status import KEEP_ERRORS, StatusBoard, read_status

# --- Accept-Language (RFC 9110 §12.5.4) -------------------------------------------------------


@pytest.mark.parametrize(("header", "language"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
    ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
    ("zh", "zh_CN"),
    ("zh-Hans-CN", "zh_CN"),
    ("zh-TW,en;q=0.5", "en"),  # traditional script: English rather than the wrong script
    ("fr-FR,fr;q=0.9", "en"),
    ("fr;q=1, zh-CN;q=0.2", "zh_CN"),
    ("en;q=0.1, zh-CN;q=0.7", "zh_CN"),
    ("zh-CN;q=0", "en"),  # q=0: not acceptable
    ("*", "en"),
    ("", "en"),
    (None, "en"),
    ("zh-CN;q=abc, en", "en"),  # a broken weight counts as absent
])
def test_accept_language_picks_the_best_weighted_language_posdiag_speaks(header, language):
    assert negotiate(header) == language


@given(st.text(max_size=300))
def test_accept_language_never_raises(header):
    assert negotiate(header) in ("en", "zh_CN")


# --- the secret and the tokens -------------------------------------------------------------------


def test_secret_is_192_bits_in_url_safe_characters_and_created_only_once(tmp_path):
    secret = new_secret()
    assert len(secret) == 32 and all(c.isalnum() or c in "-_" for c in secret)
    path = tmp_path / "kit-web.secret"
    write_secret(path, secret)
    assert read_secret(path) == secret
    assert path.stat().st_mode & 0o077 == 0
    with pytest.raises(FileExistsError):
        write_secret(path, new_secret())  # a reinstall keeps the label on the case valid


def test_a_missing_or_foreign_secret_file_is_one_sentence(tmp_path):
    with pytest.raises(UsageError, match="kit install"):
        read_secret(tmp_path / "none")
    (tmp_path / "short").write_text("abc\n")
    with pytest.raises(UsageError, match="not one"):
        read_secret(tmp_path / "short")


def test_tokens_are_derived_from_the_secret_and_compared_exactly():
    keys, other = Keys(new_secret()), Keys(new_secret())
    assert keys.session != other.session and keys.csrf != other.csrf
    assert keys.session != keys.csrf and keys.secret not in (keys.session, keys.csrf)
    assert keys.session_ok(keys.session) and not keys.session_ok(other.session)
    assert keys.csrf_ok(keys.csrf) and not keys.csrf_ok(keys.csrf[:-1])
    assert keys.secret_ok(keys.secret) and not keys.secret_ok(keys.secret + "x")
    assert not keys.csrf_ok("") and not keys.session_ok("")


def test_the_label_url_carries_the_secret():
    assert kit_url("10.42.0.1", 8080, "S3cr3t") == "http://10.42.0.1:8080/?k=S3cr3t"
    assert kit_url("fd00::1", 80, "S") == "http://[fd00::1]/?k=S"


def test_failed_attempts_block_one_client_then_everyone_and_expire(caplog):
    now = [1000.0]
    attempts = FailedAttempts(per_client=3, overall=5, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert attempts.blocked_for("10.42.0.9") == 0
        attempts.failed("10.42.0.9", "a wrong key")
    assert attempts.blocked_for("10.42.0.9") == pytest.approx(60)
    assert attempts.blocked_for("10.42.0.10") == 0  # another phone is not blocked by one
    attempts.failed("10.42.0.10", "a wrong key")
    attempts.failed("10.42.0.11", "a wrong key")
    assert attempts.blocked_for("10.42.0.12") > 0  # five in all: everyone waits
    assert "refusing" in caplog.text and "10.42.0.9" in caplog.text
    now[0] += 61
    assert attempts.blocked_for("10.42.0.9") == 0 and attempts.recent == 0


def test_failed_attempts_remember_a_bounded_number_of_clients():
    attempts = FailedAttempts(max_clients=8)
    for n in range(100):
        attempts.failed(f"10.0.0.{n}", "a wrong key")
    assert len(attempts._clients) == 8


# --- the status board ---------------------------------------------------------------------------


def test_status_board_publishes_state_progress_rate_and_eta(tmp_path):
    now = [100.0]
    board = StatusBoard(tmp_path / "web", clock=lambda: now[0], min_interval=0.5)
    board.state("backing-up", "starting the backup of terminal 29001234")
    board.progress(0, 1_000_000, 0)
    now[0] += 2.0
    board.progress(200_000, 1_000_000, 150)
    status = read_status(tmp_path / "web")
    assert status["state"] == "backing-up" and status["since"] == 100.0
    assert status["progress"] == {"done": 200_000, "total": 1_000_000, "records": 150,
                                  "rate": 100_000.0, "eta": 8.0}
    now[0] += 0.1
    board.progress(210_000, 1_000_000, 160)  # throttled: not written yet
    assert read_status(tmp_path / "web")["progress"]["done"] == 200_000
    board.progress(1_000_000, 1_000_000, 800)  # the end is always written
    assert read_status(tmp_path / "web")["progress"]["done"] == 1_000_000
    board.state("verifying", "checking")
    assert read_status(tmp_path / "web")["progress"] is None


def test_status_board_keeps_the_last_errors_across_processes(tmp_path):
    board = StatusBoard(tmp_path)
    for n in range(KEEP_ERRORS + 3):
        board.state("failed", f"error {n}")
    board.note(kit_key="RWQ…", media="/media/posdiag/STICK")
    again = StatusBoard(tmp_path)  # the next `kit once`, another process
    again.state("waiting", "plug in a stick")
    status = read_status(tmp_path)
    assert [e["message"] for e in status["errors"]] == [f"error {n}" for n in
                                                         range(3, KEEP_ERRORS + 3)]
    assert status["facts"]["kit_key"] == "RWQ…" and status["seq"] > KEEP_ERRORS
    with pytest.raises(ValueError):
        board.note(private_key="x")


def test_status_board_never_stops_a_backup_when_it_cannot_write(tmp_path, caplog):
    blocker = tmp_path / "web"
    blocker.write_text("a file where the folder should be")
    board = StatusBoard(blocker)
    board.state("backing-up", "x")
    board.state("verifying", "y")
    assert caplog.text.count("cannot be written") == 1


def test_the_kit_signal_masks_card_numbers_before_the_page_sees_them(tmp_path):
    from posdiag.kit.signals import StateSignal

    signal = StateSignal(board=StatusBoard(tmp_path))
    signal("failed", "the terminal sent 4111111111111111 in a status text")
    status = read_status(tmp_path)
    assert "4111111111111111" not in str(status) and "411111******1111" in status["message"]


def test_damaged_or_hostile_channel_files_read_as_absent(tmp_path):
    (tmp_path / "a.json").write_bytes(b"\xff\xfe not json")
    (tmp_path / "b.json").write_text("[1, 2]")
    (tmp_path / "c.json").write_text('{"x": "' + "y" * 70_000 + '"}')
    (tmp_path / "d.json").symlink_to("/etc/passwd")
    for name in ("a", "b", "c", "d", "missing"):
        assert read_json(tmp_path / f"{name}.json") is None
    write_json(tmp_path / "e.json", {"ok": True})
    assert read_json(tmp_path / "e.json") == {"ok": True}
    assert create_json(tmp_path / "f.json", {"n": 1}) is True
    assert create_json(tmp_path / "f.json", {"n": 2}) is False
    assert read_json(tmp_path / "f.json") == {"n": 1}
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# --- prompts ----------------------------------------------------------------------------------


def _answer_when_asked(folder: Path, **answer) -> threading.Thread:
    def run() -> None:
        for _ in range(200):
            prompt = current_prompt(folder)
            if prompt is not None:
                answer_prompt(folder, prompt["nonce"], **answer)
                return
            time.sleep(0.01)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_prompt_is_answered_through_the_folder(tmp_path):
    exchange = PromptExchange(tmp_path, poll=0.01)
    thread = _answer_when_asked(tmp_path, answer="no", reason="paper\x1b[2J jammed")
    got = exchange.ask("receipt-print.confirm", "confirm", "Is the receipt legible?", 5)
    thread.join()
    assert got is not None and (got.answer, got.reason) == ("no", "paper[2J jammed")
    assert current_prompt(tmp_path) is None and not list(tmp_path.glob("answer-*"))


def test_a_typed_answer_is_cleaned_and_bounded(tmp_path):
    exchange = PromptExchange(tmp_path, poll=0.01)
    thread = _answer_when_asked(tmp_path, answer="entered", text="  emu 0000002\n" + "x" * 99)
    got = exchange.ask("arrival-inspection.serial-label", "enter", "Type the serial", 5)
    thread.join()
    assert got is not None and got.answer == "entered"
    assert got.text.startswith("emu 0000002 x") and len(got.text) == 64


def test_the_first_answer_wins_and_wrong_answers_are_refused(tmp_path):
    PromptExchange(tmp_path)
    from posdiag.kit.web.prompts import PROMPT_FILE

    nonce = "ab" * 16
    write_json(tmp_path / PROMPT_FILE, {
        "format": "posdiag-kit-prompt", "nonce": nonce, "id": "s.confirm", "kind": "confirm",
        "text": "Legible?", "timeout": 60, "asked": time.time(),
        "deadline": time.time() + 60})
    assert answer_prompt(tmp_path, "cd" * 16, "yes") == GONE  # another prompt's nonce
    assert answer_prompt(tmp_path, nonce, "maybe") == INVALID
    assert answer_prompt(tmp_path, nonce, "entered", text="x") == INVALID
    assert answer_prompt(tmp_path, nonce, "yes") == ANSWERED
    assert answer_prompt(tmp_path, nonce, "no") == ALREADY
    assert answer_prompt(tmp_path, "../../etc", "yes") == GONE


def test_an_unanswered_prompt_expires_and_is_withdrawn(tmp_path):
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    exchange = PromptExchange(tmp_path, clock=lambda: now[0], sleep=sleep, poll=1.0)
    assert exchange.ask("s.confirm", "confirm", "Legible?", 3) is None
    assert current_prompt(tmp_path) is None and not (tmp_path / "prompt.json").exists()


def test_prompt_text_and_answers_never_carry_a_card_number(tmp_path):
    exchange = PromptExchange(tmp_path, poll=0.01)
    thread = _answer_when_asked(tmp_path, answer="no", reason="card 4111111111111111 shown")
    got = exchange.ask("s.confirm", "confirm", "Shows 4111111111111111?", 5)
    thread.join()
    assert got is not None and "4111111111111111" not in got.reason
    assert "411111******1111" in clean_text("typed 4111111111111111", 64)


# --- [web] ---------------------------------------------------------------------------------------


def test_web_table_defaults_and_checks(tmp_path):
    path = tmp_path / "kit.toml"
    assert load_web_config(path) == WebConfig("wlan0", (), 8080)
    path.write_text('[web]\ninterface = "uap0"\nlisten = ["10.42.0.1", "fe80::1%uap0"]\n'
                    "port = 8443\n")
    assert load_web_config(path) == WebConfig("uap0", ("10.42.0.1", "fe80::1%uap0"), 8443)
    for bad in ({"port": 80}, {"listen": ["kit.local"]}, {"interface": "wlan0; rm"},
                {"colour": "red"}, "wlan0"):
        with pytest.raises(PlanError, match="web"):
            parse_web(bad, path)


def test_the_kit_config_checks_its_web_table(write_config):
    from posdiag.kit.config import load_kit_config

    assert load_kit_config(write_config("[web]", "port = 8080")).recipients
    with pytest.raises(PlanError, match="port"):
        load_kit_config(write_config("[web]", "port = 22"))


# --- the kit-page operator -------------------------------------------------------------------


def test_kit_page_operator_answers_come_from_the_page_and_say_so(tmp_path):
    from posdiag.kit.web.operator import KitPageOperator
    from posdiag.plan.operator import Prompt

    acted = []

    class Actor:
        name = "emulator"

        def instruct(self, prompt):
            acted.append(prompt.action)
            from posdiag.plan.operator import Answer

            return Answer("done", self.name)

    operator = KitPageOperator(PromptExchange(tmp_path, poll=0.01), actor=Actor())
    done = operator.instruct(Prompt("card-swipe.swipe", "instruct", "Swipe the VISA test card",
                                    30, action="swipe", card="visa"))
    assert acted == ["swipe"] and done.by == "emulator"  # the emulated person swiped
    notice = read_json(tmp_path / "notice.json")
    assert notice["instruction"] == "Swipe the VISA test card"
    assert notice["instruction_deadline"] > time.time() + 25
    operator.show_status("PLEASE WAIT")
    assert read_json(tmp_path / "notice.json")["display"] == "PLEASE WAIT"
    thread = _answer_when_asked(tmp_path, answer="no")
    answer = operator.confirm(Prompt("display.confirm", "confirm", "Shown?", 5))
    thread.join()
    assert (answer.answer, answer.by, answer.reason) == ("no", "kit-page",
                                                        "operator answered no")
    operator.close()
    assert not (tmp_path / "notice.json").exists()


def test_kit_page_operator_fails_the_step_when_nobody_answers(tmp_path):
    from posdiag.kit.web.operator import KitPageOperator
    from posdiag.plan.operator import Prompt, PromptUnanswered

    now = [0.0]
    exchange = PromptExchange(tmp_path, clock=lambda: now[0],
                              sleep=lambda s: now.__setitem__(0, now[0] + s), poll=1.0)
    with pytest.raises(PromptUnanswered, match="kit's page within 2 s"):
        KitPageOperator(exchange).confirm(Prompt("display.confirm", "confirm", "Shown?", 2))
