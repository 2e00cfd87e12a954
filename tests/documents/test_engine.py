"""The document engine: one Document drawn as HTML (escaped, self-contained) and as PDF (A4,
CJK font embedded, QR stamp that scans back), verification of a PDF against its source, and the
clear errors for a missing font."""

from __future__ import annotations

import hashlib
import re

import pytest
from document_checks import pdf_fonts, pdf_pages, pdf_qr_codes, pdf_text

from posdiag.cards import assert_no_pans
from posdiag.documents.fonts import FONT_ENV, find_fonts
from posdiag.documents.html import render_html
from posdiag.documents.model import (
    Appendix,
    Badge,
    Document,
    Facts,
    Heading,
    Image,
    Paragraph,
    Section,
    Signatures,
    Stamp,
    Table,
)
from posdiag.documents.pdf import render_pdf
from posdiag.documents.qr import qr_png
from posdiag.documents.stamp import parse_payload, payload, read_pdf_stamp, verify_pdf
from posdiag.errors import DocumentSetupError, VerificationError
from posdiag.i18n import use_language

# TEST MATERIAL: the public Visa test number, never a real card.
TEST_PAN = "4111111111111111"
SOURCE = "case revision 3 — 商户 测试".encode()


def sample(source: bytes = SOURCE, title: str = "换机申请表 <script>alert(1)</script>") -> Document:
    stamp = Stamp("replacement-request", "CASE-2026-0001", hashlib.sha256(source).hexdigest(),
                  "zh_CN", "2026-01-01T12:00:00Z", "0.1.0", "Asia/Shanghai")
    return Document(
        title=title, stamp=stamp,
        header=(("商户号", "100200300"), ("日期", "2026年1月1日")),
        sections=(
            Section("商户", (
                Facts((("商户名称", "张记小吃 & Co <b>"), ("终端号", "52500001"),
                       ("结果", Badge("PASS", "通过")))),
                Paragraph(f"卡号 {TEST_PAN} 已刷卡", "ok", boxed=True),
                Heading("步骤", 3),
                Table(("#", "步骤", "结果"), (("1", "刷卡", Badge("FAIL", "失败")),),
                      widths=(1, 5, 2), numeric=(0,)),
                Image(qr_png("receipt"), "小票", 30),
                Signatures(("技术员", "商户"), "签名", "日期"),
            ), badge=Badge("PASS", "通过")),
            Section("第二页", (Paragraph("经过测试，POS机运行正常"),), new_page=True),
        ),
        appendix=Appendix("原始字段", "for engineers", (("record", (("a.b", "c"),)),)),
        footer="posdiag 0.1.0", qr_caption="扫码核对")


@pytest.fixture(scope="module")
def pdf_file(tmp_path_factory):
    with use_language("zh-CN"):
        data = render_pdf(sample())
    path = tmp_path_factory.mktemp("pdf") / "request.pdf"
    path.write_bytes(data)
    return path


# --- the model -------------------------------------------------------------------------------


def test_card_numbers_are_masked_whatever_block_they_are_in():
    document = sample(title=f"card {TEST_PAN}")
    texts = "\n".join(document.texts())
    assert_no_pans(texts)
    assert "411111******1111" in texts


def test_the_stamp_payload_round_trips_and_rejects_foreign_text():
    stamp = sample().stamp
    text = payload(stamp)
    assert text.startswith("posdiag:doc?v=1&kind=replacement-request&ref=CASE-2026-0001&sha256=")
    assert text.isascii() and parse_payload(text) == stamp
    for bad in ("https://example.org", "posdiag:doc?v=9", text.replace("sha256=", "sha=")):
        with pytest.raises(VerificationError):
            parse_payload(bad)


# --- HTML ------------------------------------------------------------------------------------


def test_html_escapes_every_value_and_is_self_contained():
    with use_language("zh-CN"):
        page = render_html(sample())
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "张记小吃 &amp; Co &lt;b&gt;" in page
    assert_no_pans(page)
    assert '<html lang="zh-CN">' in page and "<svg" in page  # the QR code, inline
    assert "<details" in page and "原始字段" in page
    for external in ("<script", "<link", "http://", "https://", "@import"):
        assert external not in page
    assert all(src.startswith("data:image/png;base64,") for src in re.findall(r'src="([^"]*)"',
                                                                              page))


def test_the_templates_own_words_follow_the_language():
    with use_language("zh-CN"):
        chinese = render_html(sample())
    with use_language("en"):
        english = render_html(sample())
    assert "编号 CASE-2026-0001" in chinese and "Reference CASE-2026-0001" in english


# --- PDF -------------------------------------------------------------------------------------


def test_the_pdf_is_a4_with_the_chinese_font_embedded(pdf_file):
    pages = pdf_pages(pdf_file)
    assert len(pages) == 3 and all("(A4)" in p["size"] for p in pages)
    fonts = pdf_fonts(pdf_file)
    assert fonts and all(f["emb"] == "yes" and f["uni"] == "yes" for f in fonts)
    assert any("CJK" in f["name"] or "Hei" in f["name"] for f in fonts)


def test_the_pdf_text_reads_as_written_and_has_no_card_number(pdf_file):
    text = pdf_text(pdf_file)
    for words in ("换机申请表", "商户号", "100200300", "张记小吃", "经过测试，POS机运行正常",
                  "技术员", "第 1 页，共 3 页", "411111******1111"):
        assert words in text, words
    assert TEST_PAN not in text.replace(" ", "")


def test_the_qr_code_on_the_page_scans_to_the_stamp(pdf_file):
    codes = pdf_qr_codes(pdf_file)
    assert "receipt" in codes  # the picture's own code scans too: the page is sharp enough
    [scanned] = [code for code in codes if code.startswith("posdiag:doc")]
    assert parse_payload(scanned) == sample().stamp == read_pdf_stamp(pdf_file.read_bytes())


def test_rendering_is_deterministic_so_a_pdf_can_be_checked_against_its_source(pdf_file):
    genuine = pdf_file.read_bytes()

    def render(stamp):
        with use_language(stamp.language):
            return render_pdf(sample())

    assert verify_pdf(genuine, SOURCE, render) == sample().stamp
    with pytest.raises(VerificationError, match="other data"):
        verify_pdf(genuine, SOURCE + b"!", render)
    # An edit of the page (here: the merchant number in the page's own bytes) is found.
    edited = genuine.replace(b"/Title", b"/Title ", 1)
    with pytest.raises(VerificationError, match="changed after posdiag made them"):
        verify_pdf(edited, SOURCE, render)
    with pytest.raises(VerificationError, match="no posdiag document stamp"):
        verify_pdf(b"%PDF-1.4 nothing", SOURCE)


def test_a_missing_cjk_font_is_a_clear_error_never_empty_boxes(monkeypatch, tmp_path):
    monkeypatch.setattr("posdiag.documents.fonts.KNOWN_FONTS", ())
    monkeypatch.setattr("posdiag.documents.fonts._fc_match", lambda: None)
    with pytest.raises(DocumentSetupError, match="apt install fonts-noto-cjk"):
        find_fonts()
    with pytest.raises(DocumentSetupError, match=r"中文字体.*fonts-noto-cjk"), \
            use_language("zh-CN"):
        render_pdf(sample())
    monkeypatch.setenv(FONT_ENV, str(tmp_path / "gone.ttf"))
    with pytest.raises(DocumentSetupError, match="does not exist"):
        find_fonts()


def test_a_latin_only_font_named_by_the_environment_is_refused(monkeypatch):
    latin = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    import os

    if not os.path.exists(latin):
        pytest.skip("DejaVu Sans is not installed")
    monkeypatch.setenv(FONT_ENV, latin)
    with pytest.raises(DocumentSetupError, match="has no Chinese characters"):
        find_fonts()
