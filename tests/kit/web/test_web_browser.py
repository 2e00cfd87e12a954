"""The kit's page as the technician sees it: a real headless Chromium at phone size against
a real `posdiag kit serve` process, while a kit cycle or an acceptance plan runs in another
process (or thread) against the built-in emulator and talks to the page only through the
kit's state folder.

POSDIAG_DOCS_SCREENSHOTS=1 also writes the Chinese screenshots into docs/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from document_checks import (
    as_phone,
    chromium,
    overflowing,
    phone_screenshot,
    wait_until,
)
from kit_fakes import fake_usb_stick_sysfs

from posdiag.kit.eject import eject
from posdiag.kit.web.prompts import PromptExchange

DOCS = Path(__file__).resolve().parents[3] / "docs"
ZH = "zh-CN,zh;q=0.9"


def keep_screenshot(shot: Path, name: str) -> None:
    if os.environ.get("POSDIAG_DOCS_SCREENSHOTS"):
        shutil.copyfile(shot, DOCS / name)


def state_shown(driver) -> str:
    return str(driver.execute_script(
        "var s = document.querySelector('#now section.state');"
        "return s ? s.getAttribute('data-state') : '';"))


def test_a_kit_cycle_is_watched_live_until_the_stick_may_be_pulled(kit_server, write_config,
                                                                    stick, tmp_path):
    from posdiag.kit.config import load_kit_config
    from posdiag.kit.cycle import run_cycle

    device = fake_usb_stick_sysfs(tmp_path / "sys")
    mounts = f"/dev/mmcblk0p2 / ext4 rw 0 0\n{device} {stick} vfat rw 0 0\n"
    udisksctl: list[list[str]] = []

    def ejector(root: Path):
        # The real eject, on a fake sysfs and a udisksctl that succeeds: the stick hardware
        # is the only thing not real here.
        def run(argv, **_kw):
            udisksctl.append(argv)
            return subprocess.CompletedProcess(argv, 0, "", "")

        return eject(root, mounts_text=mounts, sys_root=tmp_path / "sys", run=run,
                     which=lambda name: f"/usr/bin/{name}", sync=lambda: None)

    # kit serve reads media too; [case] makes the cycle file its backup under a repair case.
    config = load_kit_config(write_config(f'media = "{stick}"', "[case]", "open = true"))
    with chromium() as driver:
        as_phone(driver, ZH)
        driver.get(kit_server.sign_in_url)
        assert driver.current_url == kit_server.base + "/"  # the secret left the address
        wait_until(driver, "document.querySelector('#now')")
        states: list[str] = []
        errors: list[BaseException] = []

        def cycle() -> None:
            try:
                time.sleep(1.0)  # the page is up and subscribed before the first state
                run_cycle(config, "sim:journal=4000,seed=3", stick,
                          state_dir=kit_server.state_dir, segment_bytes=16 << 10,
                          ejector=ejector)
            except BaseException as err:  # reported by the test below
                errors.append(err)

        worker = threading.Thread(target=cycle)
        worker.start()
        progress_seen = False
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            shown = state_shown(driver)
            if not states or states[-1] != shown:
                states.append(shown)
            if shown == "backing-up" and driver.execute_script(
                    "return document.querySelector('#now progress') !== null"):
                progress_seen = True
                phone_screenshot(driver, tmp_path / "now-backing-up.png")
            if shown == "safe-to-remove" or errors:
                break
            time.sleep(0.05)
        worker.join(timeout=60)
        assert not errors, errors
        assert states[-1] == "safe-to-remove", states
        text = driver.execute_script("return document.body.innerText")
        assert "可以拔出U盘" in text and "备份已验证，U盘已断电" in text
        assert overflowing(driver) == []
        shot = phone_screenshot(driver, tmp_path / "now-safe.png")
        keep_screenshot(shot, "kit-page-now-zh-CN.png")
        # The Kit page after the cycle: the key it signed with, the stick's free space.
        driver.get(kit_server.base + "/kit")
        kit_text = driver.execute_script("return document.body.innerText")
        assert "工具箱密钥指纹" in kit_text and "U盘剩余空间" in kit_text
        assert str(stick) in kit_text and overflowing(driver) == []
        keep_screenshot(phone_screenshot(driver, tmp_path / "kit.png"), "kit-page-kit-zh-CN.png")
        driver.get(kit_server.base + "/cases")
        cases_text = driver.execute_script("return document.body.innerText")
        [case_folder] = [p for p in (stick / "posdiag-cases").iterdir() if p.is_dir()]
        assert "已备份" in cases_text and case_folder.name in cases_text, cases_text
        keep_screenshot(phone_screenshot(driver, tmp_path / "cases.png"),
                        "kit-page-cases-zh-CN.png")
    assert [argv[1] for argv in udisksctl] == ["unmount", "power-off"]
    # Seen live, without a reload: the states the kit went through, in order.
    assert "backing-up" in states and "verifying" in states, states
    assert states.index("backing-up") < states.index("verifying") < len(states) - 1
    assert progress_seen
    if (tmp_path / "now-backing-up.png").exists():
        keep_screenshot(tmp_path / "now-backing-up.png", "kit-page-backup-zh-CN.png")


def _plan(tmp_path: Path) -> Path:
    plan = tmp_path / "phone.toml"
    plan.write_text("""
[plan]
name = "phone"
description = "Questions answered on the kit's page"
format = 1

[[step]]
kind = "identify"

[[step]]
kind = "checklist"
name = "arrival-inspection"
items = ["serial-label"]
timeout = 90

[[step]]
kind = "receipt-print"
device = "terminal"
timeout = 90

[[step]]
kind = "display"
text = ["POSDIAG", "PHONE TEST"]
duration = 1
timeout = 90
continue-on-fail = true
""", encoding="utf-8")
    return plan


def test_an_acceptance_plan_is_answered_on_the_phone_and_recorded_so(kit_server, tmp_path):
    records = tmp_path / "records"
    # What the label of the emulated terminal says: the serial number it reports.
    serial_number = json.loads(subprocess.run(
        [sys.executable, "-m", "posdiag", "info", "--port", "sim", "--json"],
        capture_output=True, check=True).stdout)["serial_number"]
    typed = f" {serial_number[:4]}-{serial_number[4:].lower()} "  # as people copy it
    # The plan speaks the kit's language (LANG of the kit service): Chinese here.
    env = dict(os.environ, POSDIAG_CONFIG_DIR=str(kit_server.state_dir), LANG="zh_CN.UTF-8",
               LC_ALL="", LC_MESSAGES="")
    with chromium() as driver:
        as_phone(driver, ZH)
        driver.get(kit_server.sign_in_url)
        driver.get(kit_server.base + "/prompts")
        wait_until(driver, "document.querySelector('#prompt')")
        run = subprocess.Popen(
            [sys.executable, "-m", "posdiag", "test", "--port", "sim", "--plan",
             str(_plan(tmp_path)), "--record", str(records), "--kit-page",
             str(kit_server.folder), "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        try:
            # The arrival inspection: type the serial number printed on the label.
            wait_until(driver, "document.querySelector('#typed')", timeout=90)
            assert "序列号" in driver.execute_script(
                "return document.querySelector('.question').innerText")
            keep_screenshot(phone_screenshot(driver, tmp_path / "serial.png"),
                            "kit-page-serial-zh-CN.png")
            driver.find_element("id", "typed").send_keys(typed)
            driver.find_element("id", "answer-send").click()
            # The receipt question arrives by itself (Server-Sent Events): answer yes.
            wait_until(driver, "document.querySelector('#answer-yes')", timeout=90)
            # (the receipt step's question is not yet through gettext: English for now)
            assert "receipt" in driver.execute_script(
                "return document.querySelector('.question').innerText")
            countdown = driver.execute_script(
                "return document.querySelector('#prompt .countdown').innerText")
            assert "还剩" in countdown and "秒" in countdown
            shot = phone_screenshot(driver, tmp_path / "prompts.png")
            keep_screenshot(shot, "kit-page-prompts-zh-CN.png")
            first = driver.execute_script(
                "return document.querySelector('#prompt').getAttribute('data-key')")
            driver.find_element("id", "answer-yes").click()
            # The display question: no, with what is wrong.
            wait_until(driver, "document.querySelector('#answer-no') && document.querySelector"
                               f"('#prompt').getAttribute('data-key') !== '{first}'",
                       timeout=90)
            driver.find_element("id", "reason").send_keys("第二行缺字")
            driver.find_element("id", "answer-no").click()
            wait_until(driver, "location.search.indexOf('sent=answered') >= 0")
            out, _err = run.communicate(timeout=120)
        finally:
            if run.poll() is None:
                run.kill()
    summary = json.loads(out)
    record = json.loads(Path(summary["record"]).read_text(encoding="utf-8"))
    assert record["operator"] == "kit-page"
    prompts = {p["id"]: p for step in record["steps"] for attempt in step["attempts"]
               for p in attempt["prompts"]}
    serial = prompts["arrival-inspection.serial-label"]
    assert (serial["answer"], serial["by"]) == (typed.strip(), "kit-page")
    receipt = prompts["receipt-print.confirm"]
    display = prompts["display.confirm"]
    assert (receipt["answer"], receipt["by"]) == ("yes", "kit-page")
    assert (display["answer"], display["by"], display["reason"]) == ("no", "kit-page",
                                                                     "第二行缺字")
    steps = {s["name"]: s["outcome"] for s in record["steps"]}
    assert steps["arrival-inspection"] == "PASS"  # typed as people copy it: same serial
    assert steps["receipt-print"] == "PASS" and steps["display"] == "FAIL"
    assert not (kit_server.folder / "prompt.json").exists()  # the run cleaned up


def test_without_the_secret_the_phone_gets_401_and_nothing_else(kit_server):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(kit_server.base + "/kit", timeout=10)
    assert refused.value.code == 401
    with chromium() as driver:
        as_phone(driver, ZH)
        driver.get(kit_server.base + "/")
        text = driver.execute_script("return document.body.innerText")
        assert "访问工具箱网页需要密钥" in text and "工具箱密钥指纹" not in text
        driver.get(kit_server.base + "/?k=not-the-secret")
        assert "访问工具箱网页需要密钥" in driver.execute_script(
            "return document.body.innerText")
    assert b"a wrong key in the address" in kit_server.log.read_bytes()


def test_a_forged_post_without_the_csrf_token_is_refused(kit_server, tmp_path):
    exchange = PromptExchange(kit_server.folder, poll=0.05)
    answers: list[object] = []
    asking = threading.Thread(target=lambda: answers.append(
        exchange.ask("receipt-print.confirm", "confirm", "Is the receipt legible?", 20)))
    asking.start()
    try:
        with chromium() as driver:
            as_phone(driver, "en")
            driver.get(kit_server.sign_in_url)
            driver.get(kit_server.base + "/prompts")
            wait_until(driver, "document.querySelector('#answer-yes')")
            nonce = driver.execute_script(
                "return document.querySelector('input[name=nonce]').value")
            # What a page of another site could send with the phone's cookie: the same form,
            # without the token it cannot read.
            driver.execute_script("""
                var form = document.createElement('form');
                form.method = 'post'; form.action = '/prompts/answer';
                [['nonce', arguments[0]], ['answer', 'yes']].forEach(function (pair) {
                    var input = document.createElement('input');
                    input.type = 'hidden'; input.name = pair[0]; input.value = pair[1];
                    form.appendChild(input);
                });
                document.body.appendChild(form); form.submit();""", nonce)
            wait_until(driver, "document.title === 'Refused'")
            assert not list(kit_server.folder.glob("answer-*"))
            driver.get(kit_server.base + "/prompts")
            wait_until(driver, "document.querySelector('#answer-yes')")
            driver.find_element("id", "answer-yes").click()  # the real form still works
            wait_until(driver, "location.search.indexOf('sent=answered') >= 0")
    finally:
        asking.join(timeout=30)
    assert answers and getattr(answers[0], "answer", None) == "yes"
    assert b"CSRF" in kit_server.log.read_bytes()


def test_a_serial_number_is_typed_on_the_phone(kit_server):
    """The arrival inspection's typed answer (operator.enter), through the real page."""
    from posdiag.kit.web.operator import KitPageOperator
    from posdiag.plan.operator import Prompt

    operator = KitPageOperator(PromptExchange(kit_server.folder, poll=0.05))
    answers: list[object] = []
    prompt = Prompt("arrival-inspection.serial-label", "enter",
                    "Type the serial number printed on the terminal's label:", 60)
    asking = threading.Thread(target=lambda: answers.append(operator.enter(prompt)))
    asking.start()
    try:
        with chromium() as driver:
            as_phone(driver, ZH)
            driver.get(kit_server.sign_in_url)
            driver.get(kit_server.base + "/prompts")
            wait_until(driver, "document.querySelector('#typed')")
            driver.find_element("id", "typed").send_keys("EMU0000002")
            driver.find_element("id", "answer-send").click()
            wait_until(driver, "location.search.indexOf('sent=answered') >= 0")
    finally:
        asking.join(timeout=30)
    [answer] = answers
    assert (answer.answer, answer.by, answer.text) == ("entered", "kit-page", "EMU0000002")
