"""The documents of a repair case read as a person reads them: the replacement request and the
acceptance certificate rendered from the emulator's repair story, in Chinese and English; the
PDF's text extracted with pdftotext, its QR code scanned with zbar, the HTML page opened in
headless Chromium at A4 width; and a PDF checked against its case, as an office would."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from document_checks import (
    check_page,
    check_signature_layout,
    chromium,
    pdf_fonts,
    pdf_pages,
    pdf_qr_codes,
    pdf_text,
    require,
)

from posdiag.cards import assert_no_pans
from posdiag.case.documents.service import render_case_document, verify_case_document
from posdiag.case.documents.words import CERTIFICATE_KIND, REQUEST_KIND
from posdiag.case.store import load_case, sha256_file
from posdiag.documents.stamp import parse_payload, read_pdf_stamp
from posdiag.errors import UsageError, VerificationError

DOCS = Path(__file__).resolve().parents[2] / "docs"
OLD = "sim:journal=10,seed=1"
DEAD = "sim:fault=silent,t2=0.2"


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """The emulator's repair story (posdiag demo): case opened from the emulated terminal,
    backed up, requested, a second emulated terminal accepted, case closed."""
    from posdiag.plan.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("story"), journal=10)


@pytest.fixture
def case_dir(story, tmp_path):
    """A fresh copy of the story's case (writing a document records it in the case)."""
    copy = tmp_path / "cases" / story.case_dir.name
    shutil.copytree(story.case_dir, copy)
    return copy


def has(text, words):
    """Whether the words are in the text, wherever pdftotext broke its lines."""
    return re.sub(r"\s+", "", words) in re.sub(r"\s+", "", text)


def last_action(case_dir):
    return load_case(case_dir).case.actions[-1]


def only_case(root):
    [folder] = [p for p in root.iterdir() if p.is_dir()]
    return folder


# --- the replacement request ------------------------------------------------------------------


def test_the_chinese_request_pdf_reads_as_a_form(cli, case_dir, tmp_path):
    out = tmp_path / "换机申请表.pdf"
    before = load_case(case_dir)
    code, stdout, err = cli("--lang", "zh-CN", "case", "request", case_dir, "--pdf", "-o", out)
    assert code == 0, err
    assert f"已写入 {out}" in stdout and "已记入工单" in stdout
    text = pdf_text(out)
    case = before.case
    backup = case.request.backup
    for words in ("换机申请表", "工单", case.case_id, "申请日期", "收件方", "厂家",
                  "EMU Terminals (the emulator's maker)", "rma@emu.example",
                  "在保修期内", "无需维修费。", "商户", "POSDIAG 演示商店 DEMO SHOP", "商户号",
                  "100200300", "1 Demo Street, Berlin", "Ms Demo", "故障终端", "型号",
                  "posdiag EMU-700 (emulated)", "序列号", case.old_terminal.serial_number, "终端号",
                  "52500001",
                  "软件版本", "EMU-ZVT 1.0.0", "从终端读取", "打印机故障", "prints blank receipts",
                  "一直", "诊断结果", "终端就绪", "host connection OK", "自上次日结以来",
                  "终端数据备份", backup.set_id, backup.manifest_sha256, "已备份流水记录",
                  "流水记录与终端自上次日结以来的汇总一致", "附件", "签字", "技术员", "第 1 页"):
        assert has(text, words), words
    assert_no_pans(text)
    assert all(font["emb"] == "yes" for font in pdf_fonts(out))
    assert all("A4" in page["size"] for page in pdf_pages(out))
    # The case still says what it said (closed), plus the document written, by its hash.
    after = load_case(case_dir)
    assert after.ok and after.case.state == "closed"
    action = after.case.actions[-1]
    assert action.kind == "document" and not action.state_after
    assert action.details["document"] == REQUEST_KIND and action.details["form"] == "pdf"
    assert action.details["sha256"] == sha256_file(out)
    assert action.details["revision"] == before.head.number
    assert action.details["revision_sha256"] == before.head.sha256


def test_the_english_request_and_its_qr_code(cli, case_dir, tmp_path):
    out = tmp_path / "request.pdf"
    code, _out, err = cli("--lang", "en", "case", "request", case_dir, "-o", out)
    assert code == 0, err
    text = pdf_text(out)
    for words in ("Replacement request", "Merchant number", "Terminal ID", "Serial number",
                  "Printer fault", "No repair fee.", "Journal records backed up",
                  "The journal's records add up to the terminal's totals since the last end of "
                  "day", "booked transactions since the last end of day (net of reversals; "
                  "declined attempts are not booked)", "Page 1 of"):
        assert has(text, words), words
    assert_no_pans(text)
    [scanned] = [c for c in pdf_qr_codes(out) if c.startswith("posdiag:doc")]
    stamp = parse_payload(scanned)
    assert stamp == read_pdf_stamp(out.read_bytes())
    made_from = last_action(case_dir).details
    assert (stamp.kind, stamp.reference, stamp.language) == (
        REQUEST_KIND, case_dir.name, "en")
    assert stamp.source_sha256 == made_from["revision_sha256"]
    revision_file = case_dir / f"case-{made_from['revision']:04d}.json"
    assert sha256_file(revision_file) == stamp.source_sha256


def test_the_request_of_a_dead_terminal_says_what_was_tried(cli, shop, tmp_path):
    code, _out, err = cli("case", "open", "--no-terminal", "--port", DEAD, "--model", "EMU-700",
                          "--manufacturer", "posdiag", "--serial", "EMU0000001", "--tid",
                          "52500001", "--merchant", shop("2020-01-01"), "--fault", "no-power",
                          "--describe", "dead after a thunderstorm", "--root", tmp_path / "cases")
    assert code == 0, err
    case_dir = only_case(tmp_path / "cases")
    out = tmp_path / "申请.pdf"
    code, _out, err = cli("--lang", "zh-CN", "case", "request", case_dir, "-o", out)
    assert code == 0, err
    text = pdf_text(out)
    for words in ("无法开机", "dead after a thunderstorm", "按标签手工录入", "无响应",
                  "身份和状态", "无法备份", "第三方服务商", "Shanghai POS Service Co.",
                  "已过保修期", "需支付维修费。", "张记小吃店", "上海市徐汇区"):
        assert has(text, words), words
    assert load_case(case_dir).case.state == "requested"


def test_a_request_once_made_stands_and_its_form_can_be_written_again(cli, kit_key, case_dir,
                                                                     tmp_path):
    code, _out, err = cli("case", "request", case_dir)
    assert code == 2 and "already made" in err and "-o FILE" in err
    assert len(err.strip().splitlines()) == 1
    code, _out, err = cli("case", "request", case_dir, "--note", "urgent", "-o",
                          tmp_path / "r.html")
    assert code == 2 and "stands as made" in err
    assert not (tmp_path / "r.html").exists()
    made = load_case(case_dir).case.request
    code, out, err = cli("case", "request", case_dir, "-o", tmp_path / "again.html")
    assert code == 0, err
    assert "Request of case" not in out  # not made again: only its form written
    case = load_case(case_dir).case
    assert case.request == made
    assert [a.kind for a in case.actions].count("requested") == 1
    html = (tmp_path / "again.html").read_text(encoding="utf-8")
    assert "<h1>Replacement request</h1>" in html and "posdiag:doc?" in html


# --- the acceptance certificate ----------------------------------------------------------------


def test_the_chinese_certificate_shows_both_terminals_the_tests_and_the_receipts(
        cli, case_dir, tmp_path):
    out = tmp_path / "验收单.pdf"
    code, _out, err = cli("--lang", "zh-CN", "case", "certificate", case_dir, "--pdf", "-o", out)
    assert code == 0, err
    text = pdf_text(out)
    replacement = load_case(case_dir).case.replacement
    old_serial = load_case(case_dir).case.old_terminal.serial_number
    for words in ("验收单", "新旧终端对照", "故障终端（原机）", "新机", old_serial, "EMU0000002",
                  "52500001", "100200300", "相同", "新机绑定同一商户", "到货检查",
                  "终端外壳上的封条是否完好？", "按标签输入：EMU0000002", "合格", "测试步骤",
                  "识别终端", "刷卡", "输入密码", "打印小票", "测试消费", "冲正", "终端显示",
                  "耗时", "限值", "€1.00", "已批准", "凭证号", "授权码", "476173******0010",
                  "小票", "商户存根", "持卡人存根", "测试小票", "记录与签名验证", "已验证",
                  replacement.record.sha256, "经过测试，POS机运行正常", "结论", "技术员",
                  "第 1 页"):
        assert has(text, words), words
    assert_no_pans(text)
    # The receipts are pictures at the printer's 203 dpi: 5 of them beside the QR code.
    listing = subprocess.run([require("pdfimages", "poppler-utils"), "-list", str(out)],
                             capture_output=True, text=True, check=True).stdout
    receipts = [line.split() for line in listing.splitlines()[2:] if " 203 " in line]
    assert len(receipts) == 5
    assert {int(r[3]) for r in receipts} <= {384, 576}
    assert last_action(case_dir).details["document"] == CERTIFICATE_KIND


def test_the_english_certificate_says_the_terminal_works(cli, case_dir, tmp_path):
    out = tmp_path / "certificate.pdf"
    code, _out, err = cli("--lang", "en", "case", "certificate", case_dir, "-o", out)
    assert code == 0, err
    text = pdf_text(out)
    for words in ("Acceptance certificate", "Faulty terminal (old)", "Replacement (new)",
                  "Arrival inspection", "Are the seals on the terminal's casing intact?",
                  "Card swipe", "PIN entry", "Receipt printing", "Test payment", "Reversal",
                  "Payment of €1.00 approved.", "merchant copy", "Record signature",
                  "Tested: the terminal works normally.", "Technician", "Merchant"):
        assert has(text, words), words
    assert_no_pans(text)


def test_a_certificate_needs_an_acceptance_run(cli, kit_key, shop, tmp_path):
    code, _out, err = cli("case", "open", "--no-terminal", "--model", "EMU-700", "--serial",
                          "EMU0000001", "--tid", "52500001", "--merchant", shop(),
                          "--fault", "no-power", "--describe", "dead", "--root",
                          tmp_path / "cases")
    assert code == 0, err
    case_dir = only_case(tmp_path / "cases")
    code, _out, err = cli("case", "certificate", case_dir, "-o", tmp_path / "c.pdf")
    assert code == 2
    assert "has no acceptance run" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "c.pdf").exists()
    with pytest.raises(UsageError, match="no replacement request"):
        render_case_document(case_dir, REQUEST_KIND)


def test_a_rejected_replacement_is_certified_with_its_failures_not_as_working(
        cli, shop, identity_file, tmp_path):
    code, _out, err = cli("case", "open", "--port", OLD, "--merchant", shop("2026-03-01"),
                          "--fault", "card-reader", "--describe", "chip read errors",
                          "--root", tmp_path / "cases")
    assert code == 0, err
    case_dir = only_case(tmp_path / "cases")
    assert cli("case", "request", case_dir, "--force", "--reason", "journal empty")[0] == 0
    other = identity_file(serial_number="EMU0000003", merchant_id="999888777")
    code, _out, _err = cli("test", "--case", case_dir, "--port",
                           f"sim:seed=3,identity={other}", "--plan", "acceptance")
    assert code == 1
    for language, absent in (("zh-CN", "POS机运行正常"), ("en", "works normally")):
        out = tmp_path / f"certificate-{language}.pdf"
        code, _out, err = cli("--lang", language, "case", "certificate", case_dir, "-o", out)
        assert code == 0, err
        text = pdf_text(out)
        assert absent not in text
        assert "999888777" in text
        if language == "en":
            assert "The replacement did NOT pass the acceptance test." in text
            assert "DIFFERENT" in text and "not accepted" in text
        else:
            assert "新机未通过验收测试。" in text and "验收未通过" in text
    # The case moves on after a document: verify-document says so.
    pdf = tmp_path / "certificate-en.pdf"
    assert cli("case", "edit", case_dir, "--note", "unit sent back")[0] == 0
    code, out, err = cli("case", "verify-document", pdf, case_dir)
    assert code == 0, err
    assert "verified" in out and "moved on since" in out and "note: unit sent back" in out


# --- verifying a document against its case ----------------------------------------------------


def test_a_pdf_verifies_against_its_case_and_the_case_is_found_by_its_id(
        cli, case_dir, config, tmp_path):
    out = tmp_path / "request.pdf"
    assert cli("--lang", "zh-CN", "case", "request", case_dir, "-o", out)[0] == 0
    code, stdout, err = cli("case", "verify-document", out, case_dir)
    assert code == 0, err
    assert "verified" in stdout and "has not changed since" in stdout
    assert "The case recorded writing it" in stdout and "(request.pdf)" in stdout
    assert cli("case", "certificate", case_dir, "-o", tmp_path / "c.html")[0] == 0
    code, stdout, err = cli("case", "verify-document", out, "--root", case_dir.parent, "--json")
    assert code == 0, err
    checked = json.loads(stdout)
    assert checked["case_dir"] == str(case_dir) and checked["verified"] is True
    assert checked["later_actions"] == ["document"] and not checked["moved_on"]
    assert checked["written"]["file"] == "request.pdf"
    # Without a folder or a root: the kit's case folder (the configuration's cases/).
    shutil.copytree(case_dir, config / "cases" / case_dir.name)
    code, stdout, err = cli("case", "verify-document", out, "--json")
    assert code == 0, err
    assert json.loads(stdout)["case_dir"] == str(config / "cases" / case_dir.name)
    code, _out, err = cli("case", "verify-document", out, "--root", tmp_path / "nowhere")
    assert code == 2 and "is not in" in err


def test_an_edited_pdf_fails(cli, case_dir, tmp_path):
    out = tmp_path / "request.pdf"
    assert cli("case", "request", case_dir, "--pdf", "-o", out)[0] == 0
    data = bytearray(out.read_bytes())
    where = data.rindex(b"stream\n") + 40  # inside the last content stream
    data[where] ^= 0x01
    edited = tmp_path / "edited.pdf"
    edited.write_bytes(bytes(data))
    code, _out, err = cli("case", "verify-document", edited, case_dir)
    assert code == 1 and "changed after posdiag made them" in err


def test_a_document_the_case_recorded_verifies_after_an_update_changed_the_layout(
        cli, case_dir, tmp_path, monkeypatch):
    """Months later, on a newer posdiag that lays the page out differently: the certificate the
    case recorded writing (its SHA-256 in a signed revision) still verifies; one it did not
    record must still render to exactly its bytes."""
    import posdiag.case.documents.service as service
    from posdiag.case.documents.service import render_case_document

    out = tmp_path / "certificate.pdf"
    assert cli("case", "certificate", case_dir, "-o", out)[0] == 0
    unrecorded = render_case_document(case_dir, CERTIFICATE_KIND, form="pdf").data
    assert verify_case_document(unrecorded, case_dir).written is None  # today: renders alike
    newer = service.render_revision

    def newer_layout(*args, **kwargs):
        return newer(*args, **kwargs) + b"% laid out by a newer posdiag\n"

    monkeypatch.setattr(service, "render_revision", newer_layout)
    monkeypatch.setattr(service, "__version__", "99.0")
    code, stdout, err = cli("case", "verify-document", out, case_dir)
    assert code == 0, err
    assert "verified" in stdout and "(certificate.pdf)" in stdout
    with pytest.raises(VerificationError, match=r"made by posdiag .* \(this is 99\.0\)"):
        verify_case_document(unrecorded, case_dir)
    edited = bytearray(out.read_bytes())
    edited[edited.rindex(b"stream\n") + 40] ^= 0x01
    with pytest.raises(VerificationError, match="made by posdiag"):
        verify_case_document(bytes(edited), case_dir)


def test_a_document_of_an_altered_case_fails(cli, case_dir, tmp_path):
    out = tmp_path / "request.pdf"
    assert cli("case", "request", case_dir, "-o", out)[0] == 0
    made_from = case_dir / f"case-{last_action(case_dir).details['revision']:04d}.json"
    revision = made_from.read_text(encoding="utf-8")
    made_from.write_text(revision.replace("Ms Demo", "Mr Fake"), encoding="utf-8")
    code, _out, err = cli("case", "verify-document", out, case_dir)
    assert code == 1 and "altered" in err
    with pytest.raises(VerificationError):
        verify_case_document(out.read_bytes(), case_dir)
    # Nor is a document made from it any more.
    code, _out, err = cli("case", "request", case_dir, "-o", tmp_path / "again.pdf")
    assert code == 1 and "does not verify" in err
    code, _out, err = cli("case", "certificate", case_dir, "-o", tmp_path / "c.pdf")
    assert code == 1 and "does not verify" in err
    assert not (tmp_path / "again.pdf").exists() and not (tmp_path / "c.pdf").exists()


def test_a_certificate_that_cannot_be_written_is_a_media_error_and_not_recorded(
        cli, kit_key, case_dir, tmp_path):
    revisions = load_case(case_dir).head.number
    code, _out, err = cli("case", "certificate", case_dir, "-o", tmp_path / "no" / "c.pdf")
    assert code == 4 and "Cannot write" in err and len(err.strip().splitlines()) == 1
    assert load_case(case_dir).head.number == revisions


def test_a_pdf_of_another_kind_is_not_a_case_document(cli, story, tmp_path):
    from posdiag.report.service import build_report

    report = tmp_path / "report.pdf"
    build_report([story.case_dir / "records"], report, pdf=True)
    code, _out, err = cli("case", "verify-document", report, story.case_dir)
    assert code == 1 and "test-report" in err


# --- the service the kit's web page uses --------------------------------------------------------


@pytest.mark.parametrize("kind", [REQUEST_KIND, CERTIFICATE_KIND])
def test_render_case_document_gives_bytes_and_records_nothing(story, kind):
    revisions = load_case(story.case_dir).head.number
    pdf = render_case_document(story.case_dir, kind, form="pdf", language="zh_CN")
    html = render_case_document(story.case_dir, kind, form="html", language="en")
    assert pdf.data.startswith(b"%PDF") and pdf.media_type == "application/pdf"
    assert pdf.file_name.endswith("-zh_CN.pdf") and story.case_dir.name in pdf.file_name
    assert html.media_type.startswith("text/html") and b"<!DOCTYPE html>" in html.data
    assert read_pdf_stamp(pdf.data).source_sha256 == pdf.revision_sha256
    assert load_case(story.case_dir).head.number == revisions
    checked = verify_case_document(pdf.data, story.case_dir)
    assert checked.revision == revisions and checked.later == ()


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_document_keeps_its_signatures_and_reference_on_one_page(story, tmp_path,
                                                                       language):
    """Turned page by page: the signature block (both parties' names, signature and date
    lines) and the reference line share a page; no page holds only a date or a reference."""
    from posdiag.i18n import _, use_language
    from posdiag.report.service import build_report

    with use_language(language):
        roles = (_("Technician: {name}").format(name=""), _("Merchant: {name}").format(name=""))
    for kind in (REQUEST_KIND, CERTIFICATE_KIND):
        rendered = render_case_document(story.case_dir, kind, form="pdf", language=language)
        check_signature_layout(rendered.data, language, roles)
    report = tmp_path / "report.pdf"
    with use_language(language):
        build_report([story.case_dir / "records"], report, pdf=True)
    check_signature_layout(report.read_bytes(), language, ())


# --- the HTML page in a browser ----------------------------------------------------------------


@pytest.mark.parametrize("kind,language", [(REQUEST_KIND, "zh_CN"), (CERTIFICATE_KIND, "zh_CN"),
                                           (REQUEST_KIND, "en"), (CERTIFICATE_KIND, "en")])
def test_the_html_page_fits_a4_in_chromium_and_prints(story, tmp_path, kind, language):
    rendered = render_case_document(story.case_dir, kind, form="html", language=language)
    page = tmp_path / rendered.file_name
    page.write_bytes(rendered.data)
    with chromium() as browser:
        checked = check_page(browser, page, tmp_path / "page.png")
    assert checked.overflowing == []
    assert checked.screenshot.stat().st_size > 10_000
    assert checked.pdf.startswith(b"%PDF")
    titles = {(REQUEST_KIND, "zh_CN"): "换机申请表", (CERTIFICATE_KIND, "zh_CN"): "验收单",
              (REQUEST_KIND, "en"): "Replacement request",
              (CERTIFICATE_KIND, "en"): "Acceptance certificate"}
    assert checked.title == titles[(kind, language)]
    printed = pdf_text(checked.pdf)
    assert titles[(kind, language)] in printed and story.case_dir.name in printed
    assert_no_pans(checked.text)
    if kind == CERTIFICATE_KIND:
        assert len(re.findall(r'<img src="data:image/png;base64,', rendered.data.decode())) == 5
    short = "request" if kind == REQUEST_KIND else "certificate"
    picture = DOCS / f"{short}-zh-CN.png"
    if language == "zh_CN" and not picture.exists():
        shutil.copy(checked.screenshot, picture)  # the picture in docs/documents.md


# --- the rules behind the pages (pure builders) -------------------------------------------------

# TEST MATERIAL: the public Visa test number, never a real card.
TEST_PAN = "4111111111111111"


def certificate_of(case, evidence, language="en"):
    from datetime import UTC

    from posdiag.case.documents.certificate import certificate_document
    from posdiag.documents.model import Stamp
    from posdiag.i18n import use_language

    stamp = Stamp(CERTIFICATE_KIND, case.case_id, "0" * 64, language, "2026-11-30T12:00:00Z",
                  "test", "UTC")
    with use_language(language):
        return certificate_document(case, stamp, UTC, 7, evidence)


def test_only_a_certificate_where_everything_passed_says_the_terminal_works(story):
    from dataclasses import replace

    from posdiag.case.documents.evidence import gather_evidence

    case = load_case(story.case_dir).case
    evidence = gather_evidence(story.case_dir, case)
    works = "Tested: the terminal works normally."

    def says_it_works(case, evidence):
        return any(works in text for text in certificate_of(case, evidence).texts())

    assert says_it_works(case, evidence)
    replacement = case.replacement
    seals, *others = replacement.inspection
    broken_seal = replace(seals, ok=False, answer="no", reason="a seal is broken")
    other_merchant = replace(replacement.binding, ok=False, message="merchant_id is 999")
    failing_step = dict(evidence.record.record)
    failing_step["steps"] = [dict(s) for s in failing_step["steps"]]
    failing_step["steps"][3]["outcome"] = "FAIL"
    failing_step["steps"][3]["message"] = "the card could not be read"
    variants = {
        "inspection": (replace(case, replacements=(replace(
            replacement, inspection=(broken_seal, *others)),)), evidence),
        "binding": (replace(case, replacements=(replace(replacement, binding=other_merchant),)),
                    evidence),
        "step": (case, replace(evidence, record=replace(evidence.record, record=failing_step))),
        "signature": (case, replace(evidence, record=replace(
            evidence.record, signature_ok=False, detail="the signature does not match"))),
        "record": (case, replace(evidence, record=None)),
        # A case recorded before the same-unit check: accepted, yet the old serial number.
        "same unit": (replace(case, replacements=(replace(replacement, terminal=replace(
            replacement.terminal, serial_number=case.old_terminal.serial_number)),)),
            evidence),
    }
    for name, (changed_case, changed_evidence) in variants.items():
        document = certificate_of(changed_case, changed_evidence)
        texts = "\n".join(document.texts())
        assert works not in texts, name
        assert "The replacement did NOT pass the acceptance test." in texts, name
    texts = "\n".join(certificate_of(*variants["step"]).texts())
    assert "Card swipe: FAIL — the card could not be read" in texts
    texts = "\n".join(certificate_of(*variants["inspection"]).texts())
    assert "a seal is broken" in texts
    same = certificate_of(*variants["same unit"])
    texts = "\n".join(same.texts())
    assert "SAME UNIT" in texts and "the same unit?" not in texts
    assert dict(same.header)["Result"] == "replacement not accepted (see the conclusion)"


def test_no_card_number_reaches_a_certificate_whatever_the_record_holds(story):
    from dataclasses import replace

    from posdiag.case.documents.evidence import gather_evidence, receipt_png, receipts_of

    case = load_case(story.case_dir).case
    evidence = gather_evidence(story.case_dir, case)
    record = json.loads(json.dumps(evidence.record.record))
    payment = next(s for s in record["steps"] if s["kind"] == "payment")
    data = payment["attempts"][-1]["data"]
    data["printed_receipts"][0]["lines"].append(f"Card {TEST_PAN}")
    data["payment"]["masked_pan"] = TEST_PAN
    payment["message"] = f"paid with {TEST_PAN}"
    hostile = replace(evidence, record=replace(evidence.record, record=record),
                      receipts=tuple(receipts_of(record)))
    for language in ("en", "zh_CN"):
        document = certificate_of(case, hostile, language)
        assert_no_pans("\n".join(document.texts()))
    # The picture is drawn from the masked line: the same pixels as the masked text gives.
    assert receipt_png([f"Card {TEST_PAN}"]) == receipt_png(["Card 411111******1111"])


def test_measurements_in_words():
    from posdiag.case.documents.certificate import measurement_words
    from posdiag.i18n import use_language

    with use_language("en"):
        assert measurement_words({"name": "seconds", "value": 0.016, "units": "s", "max": 30,
                                  "outcome": "PASS"}) == "Took 16 ms (limit ≤ 30.0 s)."
        assert measurement_words({"name": "seconds", "value": 42.5, "units": "s", "max": 30,
                                  "outcome": "FAIL"}) == \
            "Took 42.5 s: outside the limit ≤ 30.0 s."
        assert measurement_words({"name": "paper", "value": 3, "units": "%", "min": 10,
                                  "outcome": "FAIL"}) == \
            "paper: 3.00 %: outside the limit ≥ 10.00 %."
        assert measurement_words({"name": "seconds", "value": None}) == ""
    with use_language("zh_CN"):
        assert measurement_words({"name": "seconds", "value": 0.016, "units": "s", "max": 30,
                                  "outcome": "PASS"}) == "耗时 16 毫秒（限值 ≤ 30.0 秒）。"


def test_a_request_whose_form_cannot_be_written_is_not_marked_made(cli, kit_key, shop,
                                                                   tmp_path):
    code, _out, err = cli("case", "open", "--no-terminal", "--model", "EMU-700", "--serial",
                          "EMU0000001", "--tid", "52500001", "--merchant", shop(),
                          "--fault", "no-power", "--describe", "dead", "--root",
                          tmp_path / "cases")
    assert code == 0, err
    case_dir = only_case(tmp_path / "cases")
    code, _out, err = cli("case", "request", case_dir, "-o", tmp_path / "missing" / "r.pdf")
    assert code == 4 and "no such folder" in err
    assert load_case(case_dir).case.request is None


def test_a_digest_is_printed_as_it_is_even_with_a_luhn_valid_run_inside(story):
    """One SHA-256 in a few hundred holds 13 decimal digits that pass the Luhn check; the
    document must print the reference as it is, and still mask a card number elsewhere."""
    from dataclasses import replace
    from datetime import UTC

    from posdiag.case.documents.request import request_document
    from posdiag.documents.model import Stamp
    from posdiag.i18n import use_language

    case = load_case(story.case_dir).case
    lucky = "9d56a7a0254a76e05f5ae73695c88d78b2d24c53f" + TEST_PAN + "ce1fafe"
    assert len(lucky) == 64
    backup = replace(case.request.backup, manifest_sha256=lucky,
                     set_id=f"{TEST_PAN}x" + "0" * 15)  # not a digest: masked
    request = replace(case.request, backup=backup)
    stamp = Stamp(REQUEST_KIND, case.case_id, "0" * 64, "en", "2026-11-30T12:00:00Z", "test",
                  "UTC")
    with use_language("en"):
        texts = list(request_document(replace(case, request=request), stamp, UTC, 7).texts())
    assert lucky in texts
    assert not any(TEST_PAN in text for text in texts if text != lucky)


# --- who signs ----------------------------------------------------------------------------------


def test_a_document_names_a_person_never_the_login(cli, story, shop, tmp_path, config):
    """Nobody named (no --technician, no kit profile): the forms leave a line to write the name
    on, and the login name ("root") is not printed as the technician; the history keeps it as
    a login. Named — on the command line or in the kit profile — the person is printed."""
    import getpass

    login = getpass.getuser()
    case = load_case(story.case_dir).case
    assert case.technician.name == ""
    for kind in (REQUEST_KIND, CERTIFICATE_KIND):
        text = pdf_text(render_case_document(story.case_dir, kind, language="en").data)
        assert has(text, "Technician: ________"), kind
        assert not has(text, f"Technician: {login}"), kind
    assert case.actions[0].technician == f"login:{login}"
    code, out, _err = cli("case", "show", story.case_dir)
    assert code in (0, 1) and f"login {login}:" in out

    # Named on the command line: the request names them.
    code, _out, err = cli("case", "open", "--port", OLD, "--merchant", shop(), "--fault",
                          "printer", "--describe", "blank receipts", "--technician", "Li Wei",
                          "--technician-id", "T-42", "--root", tmp_path / "named")
    assert code == 0, err
    named = only_case(tmp_path / "named")
    assert cli("case", "request", named, "--force", "--reason", "no backup needed")[0] == 0
    text = pdf_text(render_case_document(named, REQUEST_KIND, language="zh_CN").data)
    assert has(text, "技术员：Li Wei (T-42)")
    # In the kit profile: the person for every command run with it.
    config.mkdir(exist_ok=True)
    (config / "profile.toml").write_text('[technician]\nname = "王芳"\nid = "T-7"\n',
                                         encoding="utf-8")
    code, _out, err = cli("case", "open", "--port", OLD, "--merchant", shop(), "--fault",
                          "printer", "--describe", "blank receipts", "--root",
                          tmp_path / "profiled")
    assert code == 0, err
    profiled = only_case(tmp_path / "profiled")
    assert load_case(profiled).case.technician.name == "王芳"
    assert load_case(profiled).case.actions[0].technician == "王芳 (T-7)"


def test_the_certificate_says_who_answered_as_the_record_says(story):
    """The story's questions were answered by the emulator's person: the certificate says
    so, and never that the technician confirmed."""
    record = json.loads(next((story.case_dir / "records").glob("*.json")).read_text())
    by = {p["by"] for s in record["steps"] for a in s["attempts"] for p in a["prompts"]}
    assert by == {"emulator"}
    text = pdf_text(render_case_document(story.case_dir, CERTIFICATE_KIND, language="en").data)
    assert not has(text, "Confirmed by the technician")
    assert has(text, "Asked to confirm: yes, answered by the emulated person (a test run, no "
                     "one answered).")
    assert has(text, "Answered by the emulated person (a test run, no one answered).")
    text = pdf_text(render_case_document(story.case_dir, CERTIFICATE_KIND,
                                         language="zh_CN").data)
    assert has(text, "模拟") and not has(text, "技术员已确认")


def test_the_totals_and_the_journal_count_say_what_they_count(cli, story):
    """The terminal's totals count booked transactions since its last end of day (net of
    reversals, declines not booked); the backup counts every journal record: two numbers a
    merchant can tell apart, in `case show` and on the request."""
    case = load_case(story.case_dir).case
    booked, records = case.diagnostics.totals.count, case.backups[0].records
    code, out, _err = cli("case", "show", story.case_dir)
    assert code in (0, 1)
    assert (f"totals since the last end of day: {booked} booked transactions (net of "
            "reversals; declined attempts are not booked)") in out
    assert f"{records} journal records (every payment, reversal, refund and declined " \
           "attempt)" in out and "its records add up to the terminal's totals" in out
    text = pdf_text(render_case_document(story.case_dir, REQUEST_KIND, language="en").data)
    assert has(text, f"{booked} booked transactions since the last end of day")
    assert has(text, f"Journal records backed up {records} (every payment, reversal, refund "
                     "and declined attempt)")


def test_the_history_counts_in_revisions_as_the_case_file_does(cli, case_dir, tmp_path):
    """One numbering: `case show` says how many revisions the case file has, each history
    entry shows the revision it was written in, and "made from revision N" is that N."""
    out_pdf = tmp_path / "request.pdf"
    assert cli("case", "request", case_dir, "-o", out_pdf)[0] == 0
    case_file = load_case(case_dir)
    head = case_file.head.number
    code, out, err = cli("case", "show", case_dir)
    assert code == 0, err
    assert f"Case file verified: {head} revision(s)" in out
    history = out[out.index("History (by revision of the case file):"):].splitlines()[1:]
    numbers = [int(re.match(r"\s*r(\d+)\s", line).group(1)) for line in history if line.strip()]
    assert len(numbers) == len(case_file.case.actions) > head  # some revisions hold two
    assert numbers == sorted(numbers) and numbers[0] == 1 and numbers[-1] == head
    made_from = case_file.case.actions[-1].details["revision"]
    # the story writes its own request and certificate first: the last entry is this one
    written = [line for line in history if "replacement request written" in line][-1]
    assert f"from revision {made_from}" in written and written.strip().startswith(f"r{head}")
    # Every revision in the history is a file of the case, holding that action first.
    for action, revision in zip(case_file.case.actions, case_file.action_revisions(),
                                strict=True):
        content = json.loads((case_dir / f"case-{revision:04d}.json").read_text())
        assert len(content["case"]["actions"]) >= action.number
        if revision > 1:
            before = json.loads((case_dir / f"case-{revision - 1:04d}.json").read_text())
            assert len(before["case"]["actions"]) < action.number
    code, out, _err = cli("case", "show", case_dir, "--json")
    assert json.loads(out)["action_revisions"] == numbers


def test_texts_are_shown_in_the_language_of_the_page_not_of_the_run(cli, shop, tmp_path):
    """A run recorded in Chinese, read in English (and the other way round): the shipped
    questions, what the binding was compared with and the terminal's status are stored as
    codes and said in the page's language."""
    code, _out, err = cli("case", "open", "--port", OLD, "--merchant", shop(), "--fault",
                          "printer", "--describe", "blank receipts", "--root",
                          tmp_path / "cases")
    assert code == 0, err
    case_dir = only_case(tmp_path / "cases")
    assert cli("case", "request", case_dir, "--force", "--reason", "no backup needed")[0] == 0
    code, _out, err = cli("--lang", "zh-CN", "test", "--case", case_dir, "--port",
                          "sim:serial=7000000002", "--plan", "acceptance")
    assert code == 0, err
    code, out, err = cli("--lang", "en", "case", "show", case_dir)
    assert code == 0, err
    replacement = out[out.index("Replacement 1:"):out.index("History")]
    assert "[ok] Are the seals on the terminal's casing intact? yes" in replacement
    assert f"merchant binding against case {case_dir.name}: same" in replacement
    assert not re.search(r"[\u4e00-\u9fff]", replacement), replacement
    text = pdf_text(render_case_document(case_dir, CERTIFICATE_KIND, language="en").data)
    assert has(text, "Status: PT ready.") and has(text, f"Same as case {case_dir.name}")
    assert "终端就绪" not in text and "工单" not in text
    code, out, err = cli("--lang", "zh-CN", "case", "show", case_dir)
    assert "终端外壳上的封条是否完好？" in out and f"工单 {case_dir.name}" in out


def test_records_written_before_keep_their_meaning():
    """Origins recorded as sentences (before they were codes) are said in the page's
    language too."""
    from posdiag.i18n import use_language
    from posdiag.i18n_terms import origin_words

    with use_language("zh_CN"):
        assert origin_words("the backup set set1") == "备份集 set1"
        assert origin_words("case 2026-1130-52500001-01") == "工单 2026-1130-52500001-01"
        assert origin_words("backup:set1") == "备份集 set1"
    with use_language("en"):
        assert origin_words("工单 2026-1130-52500001-01") == "case 2026-1130-52500001-01"
        assert origin_words("测试计划的 [expect]") == "the plan's [expect]"
        assert origin_words("something else") == "something else"
