"""`posdiag report` end to end: real signed records from plans run against the emulator, then
the command; tampered, unsigned, missing and unreadable records."""

import json

import pytest

from posdiag.backup.kitkey import load_or_create_kit_key
from posdiag.cards import assert_no_pans
from posdiag.cli import main
from posdiag.errors import BadInput
from posdiag.plan.service import run_test
from posdiag.report.service import build_report, record_paths
from posdiag.testplans import shipped_path


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    """Two signed records in one folder: the quick plan passing, and failing on a misread card."""
    base = tmp_path_factory.mktemp("records")
    kit_key = load_or_create_kit_key(base / "kit")
    quick = shipped_path("quick.toml")
    passed = run_test("sim", quick, kit_key=kit_key, record_dir=base / "records")
    failed = run_test("sim:fault=card-misread", quick, kit_key=kit_key,
                      record_dir=base / "records")
    assert (passed.result.outcome, failed.result.outcome) == ("PASS", "FAIL")
    return base / "records", passed.record, failed.record, kit_key


def posdiag(capsys, *args):
    """Run the CLI in-process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return done.value.code, out, err


def test_a_folder_of_records_becomes_one_page_with_a_summary(records, tmp_path, capsys):
    folder, _, _, kit_key = records
    out = tmp_path / "report.html"
    code, stdout, stderr = posdiag(capsys, "report", str(folder), "-o", str(out))
    assert code == 0, stderr
    assert stdout == f"Report: {out} (2 records: 1 PASS, 1 FAIL)\n" and stderr == ""
    page = out.read_text(encoding="utf-8")
    assert "<h2>Summary</h2>" in page and page.count('<section class="part new-page"') == 2
    assert page.count("Signature verified with the key named in the record") == 2
    assert kit_key.public_key in page
    assert "7000000001" in page and "52500001" in page and "476173******0010" in page
    assert "not readable" in page.lower()  # the misread card's reason
    assert_no_pans(page)


def test_json_prints_a_one_line_summary(records, tmp_path, capsys):
    folder, passed, failed, _ = records
    out = tmp_path / "r.html"
    code, stdout, _ = posdiag(capsys, "report", str(passed), str(failed), str(folder),
                              "-o", str(out), "--json")
    assert code == 0 and stdout.count("\n") == 1
    summary = json.loads(stdout)
    assert {k: summary[k] for k in ("output", "format", "records", "outcomes",
                                    "signatures_not_verified", "interrupted")} == {
        "output": str(out), "format": "html", "records": 2, "outcomes": {"PASS": 1, "FAIL": 1},
        "signatures_not_verified": [], "interrupted": []}
    assert len(summary["source_sha256"]) == 64


def test_a_tampered_record_is_shown_and_flagged(records, tmp_path, capsys):
    _, passed, _, _ = records
    tampered = tmp_path / passed.name
    tampered.write_text(passed.read_text().replace("7000000001", "7000000002"))
    (tmp_path / (passed.name + ".minisig")).write_bytes(
        passed.with_name(passed.name + ".minisig").read_bytes())
    out = tmp_path / "r.html"
    code, stdout, stderr = posdiag(capsys, "report", str(tampered), "-o", str(out), "--json")
    assert code == 0
    assert json.loads(stdout)["signatures_not_verified"] == [str(tampered)]
    assert f"Warning: {tampered}: signature does NOT verify" in stderr
    page = out.read_text(encoding="utf-8")
    assert "signature does NOT verify" in page and "7000000002" in page


def test_a_record_without_its_signature_is_flagged(records, tmp_path):
    _, passed, _, kit_key = records
    lone = tmp_path / passed.name
    lone.write_bytes(passed.read_bytes())
    result = build_report([lone], tmp_path / "r.html")
    [entry] = result.not_verified
    assert "missing" in entry.signature.detail
    # A key given by the caller is the one checked (and shown) instead of the record's.
    given = build_report([passed], tmp_path / "g.html", public_key=kit_key.public_key)
    assert given.entries[0].signature.verified and given.entries[0].signature.key_source == "given"


def test_a_missing_record_is_bad_input_naming_the_file(tmp_path, capsys):
    missing = tmp_path / "posdiag-test-gone.json"
    code, _, stderr = posdiag(capsys, "report", str(missing), "-o", str(tmp_path / "r.html"))
    assert code == 2 and str(missing) in stderr
    assert not (tmp_path / "r.html").exists()


def test_an_unreadable_record_is_bad_input_naming_the_file(records, tmp_path, capsys):
    _, passed, _, _ = records
    broken = tmp_path / "posdiag-test-broken.json"
    broken.write_text('{"format": "posdiag-test-rec')
    code, _, stderr = posdiag(capsys, "report", str(passed), str(broken),
                              "-o", str(tmp_path / "r.html"))
    assert code == 2 and str(broken) in stderr and stderr.count("\n") == 1
    other = tmp_path / "manifest.json"
    other.write_text('{"format": "something else"}')
    with pytest.raises(BadInput, match=r"manifest\.json"):
        build_report([other], tmp_path / "r.html")


def test_a_folder_without_records_and_a_folder_as_output_are_bad_input(tmp_path):
    (tmp_path / "junit.xml").write_text("<testsuite/>")
    with pytest.raises(BadInput, match="holds no test records"):
        record_paths([tmp_path])
    with pytest.raises(BadInput, match="is a folder"):
        build_report([tmp_path], tmp_path)


def test_the_demo_folder_reports_directly(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("POSDIAG_CONFIG_DIR", str(tmp_path / "config"))
    code, _, stderr = posdiag(capsys, "demo", "--dir", str(tmp_path / "demo"), "--journal", "20")
    assert code == 0, stderr
    out = tmp_path / "demo.html"
    code, stdout, _ = posdiag(capsys, "report", str(tmp_path / "demo"), "-o", str(out))
    assert code == 0 and "1 record: 1 PASS" in stdout
    page = out.read_text(encoding="utf-8")
    assert "Test report: acceptance" in page and "Signature verified" in page
    assert_no_pans(page)


def test_help_has_an_example(capsys):
    code, stdout, _ = posdiag(capsys, "report", "--help")
    assert code == 0 and "posdiag report posdiag-records -o report.html" in stdout
    code, _, stderr = posdiag(capsys, "report", "some.json")
    assert code == 2 and "--output" in stderr


def test_an_interrupted_run_is_a_note_not_a_warning(records, tmp_path, capsys):
    _, passed, _, _ = records
    record = json.loads(passed.read_text())
    record.update(state="running", outcome=None, finished=None)
    lone = tmp_path / passed.name
    lone.write_text(json.dumps(record))
    out = tmp_path / "r.html"
    code, stdout, stderr = posdiag(capsys, "report", str(lone), "-o", str(out), "--json")
    assert code == 0 and json.loads(stdout)["interrupted"] == [str(lone)]
    assert "never finished (interrupted)" in stderr and "does NOT verify" not in stderr
