"""The report read as a person reads it: real signed records from the emulator, rendered in
Chinese and English, the PDF's text extracted with pdftotext, the HTML opened in headless
Chromium at A4 width (screenshot, no table wider than the page, print to PDF works), and the
PDF checked against the records it was made from."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from document_checks import check_page, chromium, pdf_qr_codes, pdf_text

from posdiag.backup.kitkey import load_or_create_kit_key
from posdiag.cards import assert_no_pans
from posdiag.documents.stamp import parse_payload
from posdiag.errors import VerificationError
from posdiag.plan.service import run_test
from posdiag.report.service import build_report, verify_report_pdf
from posdiag.testplans import shipped_path

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    """A passing acceptance run (payment and reversal included) and a failing quick run."""
    from posdiag.plan.demo import run_demo

    base = tmp_path_factory.mktemp("records")
    demo = run_demo(base, journal=10)  # the repair story: backup, then the acceptance run
    records = demo.test.record.parent  # the case's records/
    run_test("sim:fault=card-misread", shipped_path("quick.toml"),
             kit_key=load_or_create_kit_key(demo.run_dir / "kit"), record_dir=records)
    return records


@pytest.fixture(scope="module")
def chinese_pdf(records, tmp_path_factory):
    out = tmp_path_factory.mktemp("zh") / "报告.pdf"
    build_report([records], out, language="zh_CN")
    return out


def test_the_chinese_pdf_has_chinese_labels_and_the_runs_data(chinese_pdf):
    text = pdf_text(chinese_pdf)
    for words in ("测试报告", "概要", "商户号", "终端号", "序列号", "刷卡", "输入密码",
                  "打印小票", "测试消费", "通过", "失败", "7000000001", "52500001",
                  "100200300", "476173******0010", "€1.00 的消费已批准", "第 1 页"):
        assert words in text, words
    assert_no_pans(text)


def test_the_english_pdf_and_its_qr_code(records, tmp_path):
    out = tmp_path / "report.pdf"
    result = build_report([records], out, language="en")
    text = pdf_text(out)
    for words in ("Test report", "Summary", "Merchant number", "Card swipe",
                  "Payment of €1.00 approved.", "Page 1 of"):
        assert words in text, words
    assert_no_pans(text)
    [scanned] = [c for c in pdf_qr_codes(out) if c.startswith("posdiag:doc")]
    assert parse_payload(scanned) == result.stamp


def test_a_report_pdf_checks_against_its_records(records, chinese_pdf, tmp_path):
    stamp = verify_report_pdf(chinese_pdf.read_bytes(), [records])
    assert stamp.language == "zh_CN" and stamp.kind == "test-report"
    other = tmp_path / "other"
    shutil.copytree(records, other)
    next(other.glob("posdiag-test-*.json")).unlink()
    with pytest.raises(VerificationError, match="other data"):
        verify_report_pdf(chinese_pdf.read_bytes(), [other])


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_html_page_in_chromium_fits_a4_and_prints(records, tmp_path, language):
    page = tmp_path / "report.html"
    build_report([records], page, language=language)
    with chromium() as browser:
        checked = check_page(browser, page, tmp_path / "report.png")
    assert checked.overflowing == []
    assert checked.screenshot.stat().st_size > 10_000
    assert checked.pdf.startswith(b"%PDF")
    printed = pdf_text(checked.pdf)
    assert ("测试报告" if language == "zh_CN" else "Test report") in printed
    assert_no_pans(checked.text)
    if language == "zh_CN" and not (DOCS / "report-zh-CN.png").exists():
        shutil.copy(checked.screenshot, DOCS / "report-zh-CN.png")  # the picture in docs/


def test_no_local_path_reaches_the_report(records, chinese_pdf, tmp_path):
    """The PIN prompt says where the test card's PIN is written: as testplans/cards.toml,
    never the technician's folders — in the record, and on the page even for a record
    written before (its prompt held the whole path)."""
    import json

    [accepted] = [p for p in records.glob("*.json") if "acceptance" in p.read_text()]
    text = accepted.read_text(encoding="utf-8")
    assert "testplans/cards.toml" in text and str(shipped_path("cards.toml")) not in text
    page = pdf_text(chinese_pdf)
    assert "testplans/cards.toml" in page and "/tmp" not in page
    assert str(records.parent.parent) not in page
    # An old record: the whole local path in the prompt (and in a step's message).
    doc = json.loads(text)
    local = "/tmp/pytest-of-li/run7/posdiag/testplans/cards.toml"
    for step in doc["steps"]:
        for attempt in step["attempts"]:
            for prompt in attempt["prompts"]:
                prompt["text"] = prompt["text"].replace("testplans/cards.toml", local)
    doc["steps"][0]["message"] = "plan file C:\\Users\\li\\plans\\mine.toml read"
    old = tmp_path / "old" / accepted.name
    old.parent.mkdir()
    old.write_text(json.dumps(doc), encoding="utf-8")
    for language in ("zh_CN", "en"):
        out = tmp_path / f"old-{language}.pdf"
        build_report([old], out, language=language)
        page = pdf_text(out)
        assert "/tmp/" not in page and "C:\\Users" not in page and "pytest-of-li" not in page
        assert "testplans/cards.toml" in page and "mine.toml" in page


def test_the_chinese_report_asks_the_shipped_questions_in_chinese(records, chinese_pdf):
    """The run was recorded in English; the arrival inspection's questions are the shipped
    ones, named by id in the record, and the Chinese page asks them in Chinese."""
    text = pdf_text(chinese_pdf)
    assert "Are the seals on the terminal's casing intact?" in "".join(
        p.read_text(encoding="utf-8") for p in records.glob("*.json"))
    page = text[:text.index("原始记录字段（供工程师查看）")]  # the appendix keeps the raw record
    assert "终端外壳上的封条是否完好？" in page
    assert "Are the seals on the terminal" not in page
