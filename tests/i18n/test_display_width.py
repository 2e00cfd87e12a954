"""Tables aligned by display width: CJK characters take two terminal cells."""

from hypothesis import given
from hypothesis import strategies as st

from posdiag.i18n_width import clip, display_width, pad, text_table


def test_known_widths():
    assert display_width("card-swipe") == 10
    assert display_width("刷卡") == 4
    assert display_width("刷卡 ok") == 7
    assert display_width("ＡＢ") == 4  # fullwidth Latin
    assert display_width("e\u0301") == 1  # e + combining acute
    assert display_width("a\u200bb") == 2  # zero-width space
    assert display_width("…") == 1  # ambiguous: one cell, as UTF-8 terminals draw it
    assert display_width("\x1b") == 0


def test_pad_and_clip_count_cells():
    assert pad("刷卡", 6) == "刷卡  "
    assert pad("刷卡", 6, "right") == "  刷卡"
    assert pad("刷卡测试", 3) == "刷卡测试"  # never cut
    assert clip("输入密码测试", 7) == "输入密…"  # 3 wide chars = 6 cells + the ellipsis
    assert clip("输入密码测试", 6) == "输入…"  # a wide character is never split
    assert clip("short", 10) == "short"


def test_a_table_with_chinese_step_names_stays_aligned():
    lines = text_table([("步骤", "结果", "详情"), ("刷卡", "通过", "卡号 476173******0010"),
                        ("identify", "PASS", "ok"), ("输入密码", "失败", "")])
    starts = {line.index("通过") if "通过" in line else None for line in lines}
    # Column 2 starts in the same terminal cell on every line.
    cells = [display_width(line[: line.index(word)]) for line, word in
             zip(lines, ("结果", "通过", "PASS", "失败"), strict=True)]
    assert len(set(cells)) == 1, (cells, lines, starts)


def test_the_last_column_is_clipped_to_the_width():
    lines = text_table([("a", "很长的细节" * 20)], width=30)
    assert display_width(lines[0]) <= 30 and lines[0].endswith("…")


words = st.text(st.sampled_from("ab刷卡密码ＡЖ…e\u0301 "), max_size=12)


@given(st.lists(st.tuples(words, words, words), min_size=1, max_size=6))
def test_every_column_starts_in_the_same_cell(rows):
    lines = text_table(rows, gap=1)
    widths = [max(display_width(r[i]) for r in rows) for i in range(3)]
    for row, line in zip(rows, lines, strict=True):
        assert line == (pad(row[0], widths[0]) + " " + pad(row[1], widths[1]) + " "
                        + row[2]).rstrip()
