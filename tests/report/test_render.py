"""The HTML renderer: known-answer fragments of a hand-made record (docs/test-record.md shape),
escaping, card-data masking, self-containment, then properties over arbitrary text."""

import copy
import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from posdiag.cards import assert_no_pans, find_pans, luhn_check_digit
from posdiag.i18n_format import zone_named
from posdiag.report.document import sorted_entries
from posdiag.report.model import ReportEntry, SignatureStatus, outcome_counts
from posdiag.report.service import render_report, report_stamp

# TEST MATERIAL: 4111111111111111 is the well-known public Visa test number, never a real card.
TEST_PAN = "4111111111111111"
# The public key from the minisign README example (not a kit key).
KIT_KEY = "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3"

# A small record in the shape of docs/test-record.md: one passing and one failing step.
RECORD = {
    "format": "posdiag-test-record", "version": 1, "run_id": "0123456789abcdef0123456789abcdef",
    "state": "finished", "outcome": "FAIL", "error_class": None,
    "message": "card-swipe: track 2 differs from the profile",
    "started": "2026-01-01T12:00:00.000Z", "finished": "2026-01-01T12:00:03.500Z",
    "seconds": 3.5, "tool": {"name": "posdiag", "version": "0.1.0"},
    "kit": {"key": KIT_KEY, "host": "kit-07"}, "port": "/dev/ttyACM0", "operator": "console",
    "plan": {"name": "handover", "file": "plans/handover.toml", "sha256": "ab" * 32,
             "description": "Handover check", "steps": 2},
    "terminal": {"device_name": "Ingenico Move/5000", "serial_number": "SN-771234",
                 "software_version": "ZVT 3.17", "terminal_id": "52500099",
                 "merchant_id": "MERCH-4242", "currency": 978, "status": 0,
                 "status_text": "PT ready"},
    "steps": [
        {"name": "identify", "kind": "identify", "outcome": "PASS", "error_class": None,
         "message": "", "seconds": 0.25, "options": {}, "attempts": [
             {"number": 1, "outcome": "PASS", "message": "", "seconds": 0.25,
              "measurements": [{"name": "seconds", "value": 0.2, "units": "s", "min": None,
                                "max": 10, "outcome": "PASS"}],
              "prompts": [], "data": {}}]},
        {"name": "card-swipe", "kind": "card-swipe", "outcome": "FAIL", "error_class": None,
         "message": "track 2 differs from the profile", "seconds": 3.1,
         "options": {"card": "visa"}, "attempts": [
             {"number": 1, "outcome": "FAIL", "message": "card not readable", "seconds": 1.0,
              "measurements": [], "prompts": [], "data": {}},
             {"number": 2, "outcome": "FAIL", "message": "track 2 differs", "seconds": 2.1,
              "measurements": [{"name": "seconds", "value": 31.5, "units": "s", "min": 1,
                                "max": 30, "outcome": "FAIL"}],
              "prompts": [{"id": "card-swipe.card", "kind": "confirm",
                           "text": "Was the card swiped?", "answer": "no", "by": "console",
                           "at": "2026-01-01T12:00:02.000Z", "seconds": 1.2,
                           "reason": "card reader light stayed off"}],
              "data": {"card": {"masked_pan": "411111******1111", "tracks": [1, 2]},
                       "track2_matches_profile": False}}]},
    ],
    "summary": {"PASS": 1, "FAIL": 1, "ERROR": 0, "SKIPPED": 0, "ABORTED": 0},
}
INTERRUPTED = SignatureStatus(False, KIT_KEY, "record", "never signed", interrupted=True)
VERIFIED = SignatureStatus(True, KIT_KEY, "record", "posdiag test record 0123 plan handover")
NOT_VERIFIED = SignatureStatus(False, KIT_KEY, "record",
                               "The signature of r.json does not verify; it was altered.")


def render(*entries, language="en", zone="Europe/Berlin"):
    stamp = report_stamp(entries, language, "2026-01-02T00:00:00Z", zone_named(zone))
    return render_report(entries, stamp, "html").decode("utf-8")


def entry(record=RECORD, signature=VERIFIED, source="records/r.json"):
    return ReportEntry(source, record, signature)


def with_changes(**top):
    record = copy.deepcopy(RECORD)
    record.update(top)
    return record


def text_of(page):
    """The page with tags removed and whitespace collapsed, to look for readable phrases."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


# --- known answers ---------------------------------------------------------------------------


def test_a_run_shows_identity_local_times_and_outcome_in_words():
    text = text_of(render(entry()))
    for fragment in ("Test report: handover", "Ingenico Move/5000", "SN-771234", "ZVT 3.17",
                     "52500099", "MERCH-4242", "EUR (978)", KIT_KEY,
                     "Jan 1, 2026, 1:00:00 PM GMT+01:00", "3.5 s", "FAIL",
                     "Why: card-swipe: track 2 differs from the profile"):
        assert fragment in text, fragment
    assert "2026-01-01T12:00:00.000Z" not in text.split("Raw record fields")[0]
    assert "kit-07" not in text.split("Raw record fields")[0]  # the host is for engineers


def test_each_step_has_one_duration_and_findings_in_words():
    text = text_of(render(entry()))
    assert "250 ms" in text and "3.1 s" in text
    # The seconds measurement is not repeated as a second duration.
    assert "0.2 s" not in text.split("Raw record fields")[0]
    assert "Attempt 1: FAIL, card not readable" in text
    assert "seconds was 31.50 s, outside the limit ≥ 1 s, ≤ 30 s." in text
    assert "Card 411111******1111 read (tracks 1, 2)." in text
    assert "The card data does not match the test card profile." in text


def test_chinese_report_uses_the_technicians_words_and_local_time():
    text = text_of(render(entry(), language="zh_CN", zone="Asia/Shanghai"))
    for fragment in ("测试报告：handover", "商户号", "终端号", "序列号", "刷卡", "失败", "通过",
                     "2026年1月1日 20:00:00 GMT+08:00", "已读取卡 411111******1111",
                     "问答记录", "原始记录字段"):
        assert fragment in text, fragment


def test_prompts_and_answers_are_listed_in_time_order():
    text = text_of(render(entry()))
    assert ("Was the card swiped? no card reader light stayed off the technician at the "
            "console") in text


def test_a_verified_signature_names_the_key():
    page = render(entry())
    assert "Signature verified with the key named in the record" in page
    assert "does NOT verify" not in page


def test_a_signature_that_does_not_verify_is_clearly_marked_and_the_record_still_shown():
    page = render(entry(signature=NOT_VERIFIED))
    assert "signature does NOT verify" in page and "tone-fail boxed" in page
    assert "it was altered" in page and "SN-771234" in page


def test_an_interrupted_run_is_shown_as_interrupted_not_as_tampered():
    partial = {"format": "posdiag-test-record", "version": 1, "state": "running",
               "outcome": None, "terminal": None, "plan": {"name": "p"},
               "started": "2026-01-01T12:00:00.000Z",
               "steps": [{"name": "card-swipe", "kind": "card-swipe", "outcome": "RUNNING",
                          "attempts": [], "prompts": [{"kind": "instruct", "text": "Swipe",
                                                       "answer": None}]}]}
    page = render(entry(partial, INTERRUPTED))
    text = text_of(page)
    assert "INTERRUPTED" in text and "This run never finished" in text
    assert "does NOT verify" not in text and 'class="tone-fail' not in page
    assert "no answer" in text and "The step was under way when the run stopped." in text
    assert "did not finish" in text


def test_the_summary_lists_every_run_and_counts_broken_signatures():
    passed = with_changes(outcome="PASS", message="")
    errored = with_changes(outcome="ERROR")
    page = render(entry(passed), entry(), entry(passed), entry(errored, NOT_VERIFIED))
    summary = page[page.index('id="summary"'):page.index('id="run-1"')]
    assert summary.count("<tr>") == 5  # the header and one row per run
    assert "1 record&#39;s signature does NOT verify" in summary
    assert 'id="run-4"' in page


def test_runs_are_sorted_by_time():
    late = with_changes(started="2026-01-03T08:00:00.000Z", run_id="b" * 32)
    early = with_changes(started="2025-12-31T08:00:00.000Z", run_id="a" * 32)
    ordered = sorted_entries([entry(late), entry(early), entry(with_changes(started="?"))])
    assert [e.record["started"] for e in ordered] == [
        "2025-12-31T08:00:00.000Z", "2026-01-03T08:00:00.000Z", "?"]


def test_outcome_counts_include_unfinished_runs():
    running = with_changes(outcome=None, state="running")
    counts = outcome_counts([entry(), entry(running), entry(running)])
    assert (counts["FAIL"], counts["RUNNING"], counts["PASS"]) == (1, 2, 0)


def test_amounts_are_money():
    record = copy.deepcopy(RECORD)
    record["steps"][0]["kind"] = "payment"
    record["steps"][0]["attempts"][0]["data"] = {"payment": {
        "kind": "payment", "approved": True, "amount": 100, "currency": 156,
        "receipt_number": 7, "masked_pan": "411111******1111"}}
    assert "Payment of CN¥1.00 approved." in text_of(render(entry(record)))
    assert "¥1.00 的消费已批准。" in text_of(render(entry(record), language="zh_CN"))


# --- escaping, card data, self-containment --------------------------------------------------


def test_html_in_step_details_is_escaped():
    record = copy.deepcopy(RECORD)
    record["steps"][1]["message"] = '<script>alert("x")</script>'
    record["steps"][1]["attempts"][-1]["data"] = {"<img src=x>": "a & b <b>bold</b>"}
    record["plan"]["name"] = "</title><h1>"
    page = render(entry(record))
    assert "<script>" not in page and "<img src=x" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "a &amp; b &lt;b&gt;bold&lt;/b&gt;" in page
    assert "&lt;/title&gt;&lt;h1&gt;" in page


def test_a_full_pan_anywhere_in_the_record_is_masked_in_the_report():
    record = copy.deepcopy(RECORD)
    record["message"] = f"card {TEST_PAN} refused"
    record["terminal"]["serial_number"] = TEST_PAN
    record["steps"][1]["attempts"][-1]["prompts"][0]["text"] = f"Swipe {TEST_PAN}"
    record["steps"][1]["attempts"][-1]["data"]["pan"] = int(TEST_PAN)  # even as a number
    page = render(entry(record, source=f"records/{TEST_PAN}.json"))
    assert find_pans(page) == []
    assert_no_pans(page)
    assert "411111******1111" in page


def test_the_page_is_self_contained():
    page = render(entry(), entry(signature=NOT_VERIFIED))
    for external in ("<script", "<link", "http://", "https://", "@import", "<img"):
        assert external not in page, external
    assert "@media print" in page and "<style>" in page and "<svg" in page


# --- properties ------------------------------------------------------------------------------

PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "div",
             "section", "table", "thead", "tbody", "tr", "th", "td", "span", "strong", "br",
             "ul", "li", "code", "a", "header", "main", "footer", "figure", "figcaption",
             "svg", "g", "path", "colgroup", "col", "details", "summary"}


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)


pans = st.text("0123456789", min_size=12, max_size=18).map(lambda d: d + luhn_check_digit(d))


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=60), pan=pans, glue=st.sampled_from(["", " ", "<", "0", "&"]))
def test_any_text_in_any_field_adds_no_tag_and_no_pan(text, pan, glue):
    dirty = f"{text}{glue}{pan}{glue}{text}"
    record = copy.deepcopy(RECORD)
    record["message"] = dirty
    record["plan"]["name"] = dirty
    record["steps"][1]["message"] = dirty
    record["steps"][1]["attempts"][-1]["data"] = {dirty: [dirty, {"k": dirty}]}
    record["steps"][1]["attempts"][-1]["prompts"][0]["answer"] = dirty
    page = render(entry(record, NOT_VERIFIED, source=dirty), entry())
    # The stamp's SHA-256 (of the records' listing, printed as it is) is not card data, yet one
    # hash in a few hundred holds a Luhn-valid run of 13 digits: only that exact hash is left
    # out of the check.
    [source_sha256] = set(re.findall(r"sha256=([0-9a-f]{64})", page))
    assert_no_pans(page.replace(source_sha256, ""))
    collector = TagCollector()
    collector.feed(page)
    assert collector.tags <= PAGE_TAGS
