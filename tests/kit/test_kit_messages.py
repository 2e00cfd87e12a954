"""What the kit says about a plan it ran and a stick it ejected, in the language of whoever
reads it: the plan's outcome is kept as a message template and its values (the phone page
puts it into the page's words), the stick's as a sentence of the kit's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from posdiag.i18n import current_language, set_language
from posdiag.kit import signals
from posdiag.kit.cycle import run_plan
from posdiag.kit.eject import eject


@pytest.fixture
def chinese():
    before = current_language()
    set_language("zh-CN")
    yield
    set_language(before)


def test_a_failed_plan_is_said_in_the_readers_language(tmp_path: Path, chinese) -> None:
    outcome = run_plan(tmp_path / "no-such-plan.toml", "sim", tmp_path / "records")
    assert not outcome.passed
    assert isinstance(outcome.message, signals.Said)
    assert outcome.message.template == signals.PLAN_FAILED
    assert outcome.message.values["plan"] == "no-such-plan.toml"
    assert outcome.message.values["code"] == "2"
    assert outcome.text().startswith("测试计划 no-such-plan.toml 未通过（退出码 2）：")
    set_language("en")
    assert outcome.text().startswith("the plan no-such-plan.toml failed (exit 2): ")
    status = {"said": outcome.message.as_json()}
    set_language("zh-CN")
    assert signals.said_in_current_language(status) == outcome.text()


def test_a_folder_on_no_stick_is_said_in_the_kits_language(tmp_path: Path, chinese) -> None:
    outcome = eject(tmp_path, mounts_text="/dev/mmcblk0p2 / ext4 rw 0 0\n",
                    sys_root=tmp_path / "sys", sync=lambda: None)
    assert not outcome.safe
    assert outcome.message == f"{tmp_path} 不在已挂载的 U 盘上；数据已同步，没有设备被断电。"
