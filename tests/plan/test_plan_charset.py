"""Text the terminal shows or prints must fit its character set: a plan error with file:line at
load time (Chinese in CP437), not a codec error in the middle of a run; a terminal that
announced UTF-8 or GB18030 shows it."""

import pytest

from posdiag.errors import PlanError, UsageError
from posdiag.plan.loader import check_terminal_text, load_plan, unencodable

CHINESE_DISPLAY = """
[plan]
name = "中文验收"
{charset}

[[step]]
kind = "identify"
name = "识别终端"

[[step]]
kind = "display"
name = "显示测试"
text = ["POSDIAG",
        "验收测试"]
"""

CHINESE_RECEIPT = """
[plan]
name = "t"

[[step]]
kind = "receipt-print"
device = "{device}"
lines = ["TEST", "打印小票测试"]
"""


def test_chinese_display_text_in_cp437_is_a_plan_error_at_its_line(write_plan):
    path = write_plan(CHINESE_DISPLAY.format(charset=""))
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:12: text line '验收测试'")
    assert "cp437 cannot show (验收测试)" in message and "charset" in message


def test_the_plan_may_declare_the_terminals_charset(write_plan):
    for charset, codec in (("utf-8", "utf-8"), ("GB18030", "gb18030")):
        plan = load_plan(write_plan(CHINESE_DISPLAY.format(charset=f'charset = "{charset}"')))
        assert plan.charset == codec and plan.steps[1].options["text"][1] == "验收测试"


def test_a_charset_the_terminal_announced_overrides_the_plans(write_plan):
    path = write_plan(CHINESE_DISPLAY.format(charset='charset = "utf-8"'))
    with pytest.raises(PlanError, match=r":12: .*iso8859-1"):
        load_plan(path, charset="latin-1")
    assert load_plan(write_plan(CHINESE_DISPLAY.format(charset="")),
                     charset="gb18030").charset == "gb18030"


def test_step_names_are_console_text_and_need_no_terminal_charset(write_plan):
    plan = load_plan(write_plan(CHINESE_DISPLAY.format(charset="").replace("验收测试", "TEST")))
    assert [s.name for s in plan.steps] == ["识别终端", "显示测试"] and plan.charset == "cp437"


def test_receipt_lines_count_only_when_the_terminal_prints_them(write_plan):
    with pytest.raises(PlanError, match=r"plan.toml:7: lines line '打印小票测试'"):
        load_plan(write_plan(CHINESE_RECEIPT.format(device="terminal")))
    # An ESC/POS printer has its own code pages; the terminal's charset does not apply.
    load_plan(write_plan(CHINESE_RECEIPT.format(device="printer")))


def test_an_unknown_charset_in_the_plan_is_a_plan_error_and_given_one_a_usage_error(write_plan):
    with pytest.raises(PlanError, match=r"plan.toml:3: 'klingon' is not a character set"):
        load_plan(write_plan(CHINESE_DISPLAY.format(charset='charset = "klingon"')))
    with pytest.raises(UsageError, match="not a character set"):
        load_plan(write_plan(CHINESE_DISPLAY.format(charset="")), charset="klingon")


def test_a_loaded_plan_can_be_checked_again_against_an_announced_charset(write_plan):
    plan = load_plan(write_plan(CHINESE_DISPLAY.format(charset='charset = "utf-8"')))
    check_terminal_text(plan, "gb18030")
    with pytest.raises(PlanError, match=r"plan.toml:9: text line '验收测试'.*cp437"):
        check_terminal_text(plan, "cp437")


def test_cp437_keeps_its_own_letters():
    # CP437 has ä, é, £, box drawing; only what it lacks is named.
    assert unencodable("Zahlung ä é £ ╔", "cp437") == ""
    assert unencodable("刷卡 ok 刷", "cp437") == "刷卡"
