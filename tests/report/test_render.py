"""The HTML renderer: known-answer fragments of a hand-made record (docs/test-record.md shape),
escaping, card-data masking, self-containment, then properties over arbitrary text."""

import copy
import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from posdiag.cards import assert_no_pans, find_pans, luhn_check_digit
from posdiag.report.html import outcome_counts, render_report
from posdiag.report.model import ReportEntry, SignatureStatus

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
VERIFIED = SignatureStatus(True, KIT_KEY, "record", "posdiag test record 0123 plan handover")
NOT_VERIFIED = SignatureStatus(False, KIT_KEY, "record",
                               "The signature of r.json does not verify; it was altered.")


def render(*entries):
    return render_report(entries, generated="2026-01-02T00:00:00Z", tool_version="9.9.9")


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


def test_a_record_shows_identity_kit_times_and_outcome():
    page = render(entry())
    for fragment in ("handover", "Ingenico Move/5000", "SN-771234", "ZVT 3.17", "52500099",
                     "MERCH-4242", KIT_KEY, "kit-07", "posdiag 0.1.0",
                     "2026-01-01T12:00:00.000Z", "2026-01-01T12:00:03.500Z", "3.500 s",
                     '<span class="badge badge-fail big">FAIL</span>',
                     "made 2026-01-02T00:00:00Z by posdiag 9.9.9"):
        assert fragment in page, fragment


def test_the_steps_table_has_kind_outcome_attempts_measurements_and_details():
    page = render(entry())
    text = text_of(page)
    assert '<span class="badge badge-pass">PASS</span>' in page
    assert "seconds: 0.2 s (limit ≤ 10 s)" in text
    assert "seconds: 31.5 s (limit ≥ 1 s, ≤ 30 s) FAIL" in text
    assert "attempt 1: FAIL card not readable" in text
    assert "card.masked_pan : 411111******1111" in text
    assert "track2_matches_profile : no" in text
    assert '<td class="num">2</td>' in page  # two attempts of card-swipe
    assert "3.100 s" in page


def test_prompts_and_answers_are_listed():
    text = text_of(render(entry()))
    assert ("card-swipe confirm Was the card swiped? no console 2026-01-01T12:00:02.000Z "
            "card reader light stayed off") in text


def test_a_verified_signature_names_the_key():
    page = render(entry())
    assert "Signature verified with the key named in the record" in page
    assert "does NOT verify" not in page


def test_a_signature_that_does_not_verify_is_clearly_marked_and_the_record_still_shown():
    page = render(entry(signature=NOT_VERIFIED))
    assert "signature does NOT verify" in page
    assert 'class="sig-bad"' in page and "it was altered" in page
    assert "SN-771234" in page


def test_one_record_has_no_summary_several_have_counts_at_the_top():
    assert "<h2>Summary</h2>" not in render(entry())
    passed = with_changes(outcome="PASS", message="")
    errored = with_changes(outcome="ERROR")
    page = render(entry(passed), entry(), entry(passed), entry(errored, NOT_VERIFIED))
    summary = page[page.index("<h2>Summary</h2>"):page.index('<section class="record"')]
    assert '<span class="badge badge-pass">PASS</span> 2' in summary
    assert '<span class="badge badge-fail">FAIL</span> 1' in summary
    assert '<span class="badge badge-error">ERROR</span> 1' in summary
    assert "1 record(s): signature does NOT verify" in summary
    assert summary.count('href="#record-') == 4 and 'id="record-4"' in page


def test_outcome_counts_include_unfinished_runs():
    running = with_changes(outcome=None, state="running")
    counts = outcome_counts([entry(), entry(running), entry(running)])
    assert (counts["FAIL"], counts["RUNNING"], counts["PASS"]) == (1, 2, 0)


def test_a_partial_record_from_a_crash_still_renders():
    partial = {"format": "posdiag-test-record", "version": 1, "state": "running",
               "outcome": None, "terminal": None, "plan": {"name": "p"},
               "steps": [{"name": "card-swipe", "kind": "card-swipe", "outcome": "RUNNING",
                          "attempts": [], "prompts": [{"kind": "instruct", "text": "Swipe",
                                                       "answer": None}]}]}
    page = render(entry(partial, NOT_VERIFIED))
    assert '<span class="badge badge-running big">RUNNING</span>' in page
    assert "no answer" in page and "Swipe" in page


# --- escaping, card data, self-containment --------------------------------------------------


def test_html_in_step_details_is_escaped():
    record = copy.deepcopy(RECORD)
    record["steps"][1]["message"] = '<script>alert("x")</script>'
    record["steps"][1]["attempts"][-1]["data"] = {"<img src=x>": "a & b <b>bold</b>"}
    record["plan"]["name"] = "</title><h1>"
    page = render(entry(record))
    assert "<script>" not in page and "<img" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
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
    for external in ("<script", "<link", "<img", "src=", "url(", "@import", "http://",
                     "https://"):
        assert external not in page, external
    assert all(target.startswith("#") for target in re.findall(r'href="([^"]*)"', page))
    assert "@media print" in page and "<style>" in page


# --- properties ------------------------------------------------------------------------------

PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "div",
             "section", "table", "thead", "tbody", "tr", "th", "td", "span", "strong", "br",
             "ul", "li", "code", "a"}


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)


pans = st.text("0123456789", min_size=12, max_size=18).map(lambda d: d + luhn_check_digit(d))


@settings(max_examples=60, deadline=None)
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
    assert_no_pans(page)
    collector = TagCollector()
    collector.feed(page)
    assert collector.tags <= PAGE_TAGS
