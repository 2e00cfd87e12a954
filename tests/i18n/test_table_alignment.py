"""Console tables line up in Chinese: columns start at the same display column on every row
(CJK characters count two cells), in `info`, the `inspect` table and `case show`."""

from __future__ import annotations

import contextvars
import io
import re

from click.testing import CliRunner

from posdiag.cli import cli
from posdiag.i18n import use_language
from posdiag.i18n_width import display_width
from posdiag.journal import JournalRecord

CJK = re.compile(r"[\u4e00-\u9fff]")


def value_column(line: str, value: str) -> int:
    return display_width(line[:line.index(value)])


def test_info_values_start_in_one_column_in_chinese() -> None:
    result = contextvars.copy_context().run(
        CliRunner().invoke, cli, ["--lang", "zh-CN", "info", "--port", "sim"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert CJK.search(lines[0]) and "商户号" in result.output
    label_widths = [display_width(line.split("  ")[0]) for line in lines]
    values = [line[len(line.split("  ")[0]):].lstrip() for line in lines]
    columns = {value_column(line, value) for line, value in zip(lines, values, strict=True)}
    assert len(columns) == 1, result.output
    assert columns.pop() == max(label_widths) + 2
    # Counted in characters, the same output would not line up (the point of the test).
    assert len({line.index(value) for line, value in zip(lines, values, strict=True)}) > 1


def _record(seq: int, brand: str) -> JournalRecord:
    return JournalRecord(seq=seq, receipt=seq, trace=seq, type="payment", result=0,
                         amount=1234 * seq, currency=156, time="2026-11-30T10:00:00",
                         tid="52500001", brand=brand, pan="621700******1234")


def test_inspect_table_columns_line_up_with_chinese_headers_and_brands() -> None:
    from posdiag.cli.backup import _write_records

    out = io.StringIO()
    with use_language("zh-CN"):
        count = _write_records(out, "table", iter([_record(1, "银联"), _record(2, "VISA"),
                                                    _record(3, "银联云闪付卡品牌名很长")]))
    lines = out.getvalue().splitlines()
    assert count == 3 and "序号" in lines[0] and "卡品牌" in lines[0]
    ends = {display_width(line) for line in lines}
    assert len(ends) == 1, lines  # the last column is right-aligned: every row ends together
    pan_columns = {value_column(line, "621700") for line in lines[1:]}
    assert len(pan_columns) == 1 and pan_columns == {value_column(lines[0], "卡号")}
    amount_ends = {value_column(line, f"{12.34 * n:.2f}") + len(f"{12.34 * n:.2f}")
                   for n, line in enumerate(lines[1:], start=1)}
    assert len(amount_ends) == 1, lines


def test_case_labels_align_by_display_width() -> None:
    from posdiag.case.show import _labelled

    with use_language("zh-CN"):
        lines = _labelled([("商户号", "100200300"), ("地址", "上海市"), ("phone", "123")])
    columns = {value_column(line, value) for line, value in
               zip(lines, ("100200300", "上海市", "123"), strict=True)}
    assert len(columns) == 1, lines
