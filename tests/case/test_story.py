"""The repair story end to end against the emulated terminal, through the command line:
open → backup → request → acceptance of a second emulated terminal (same merchant) → accepted →
closed; and the story of a dead terminal (backup impossible, identity typed by hand)."""

import json
import re
from datetime import UTC, date, datetime, timedelta

from case_helpers import without_digests

from posdiag.age_files import write_identity_file
from posdiag.backup.verify import scan_set
from posdiag.cards import assert_no_pans
from posdiag.case.store import load_case, sha256_file
from posdiag.plan.record import verify_record

OLD = "sim:journal=30,seed=1"


def recently():
    return (date.today() - timedelta(days=40)).isoformat()


def office_recipient(tmp_path):
    return write_identity_file(tmp_path / "office.key", now=datetime.now(UTC))


def only_case(root):
    [folder] = [p for p in root.iterdir() if p.is_dir()]
    return folder


def every_case_text(folder):
    """Every JSON file of the case folder (revisions, manifests, test records), digests
    blanked."""
    return without_digests("".join(p.read_text(encoding="utf-8")
                                   for p in folder.rglob("*.json")))


def test_the_whole_story_on_the_emulator(tmp_path, cli, shop, identity_file):
    photo = tmp_path / "blank-receipt.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 a photo of a blank receipt \xff\xd9")
    code, out, err = cli("case", "open", "--port", OLD, "--merchant", shop(recently()),
                         "--fault", "printer", "--describe", "prints blank receipts",
                         "--since", "2026-11-28", "--reported-by", "张先生",
                         "--frequency", "always", "--attach", photo, "--root",
                         tmp_path / "cases", "--technician", "Li Wei", "--technician-id", "T-42")
    assert code == 0, err
    case_dir = only_case(tmp_path / "cases")
    assert f"Opened case {case_dir.name} (open)" in out
    assert case_dir.name.startswith(date.today().strftime("%Y-%m%d-52500001-"))

    recipient = office_recipient(tmp_path)
    code, out, err = cli("backup", "--case", case_dir, "--port", OLD, "-r", recipient)
    assert code == 0, err
    assert "CAUTION: Do not unplug the terminal or press RESET" in err
    assert "Linked to case" in err

    code, out, err = cli("case", "request", case_dir)
    assert code == 0, err
    assert "CAUTION: Keep the backup safe until the replacement is accepted" in err
    assert "to EMU Terminals Ltd. (manufacturer), no repair fee" in out

    new = identity_file(serial_number="EMU0000002")
    code, out, err = cli("test", "--case", case_dir, "--port", f"sim:seed=2,identity={new}",
                         "--plan", "acceptance")
    assert code == 0, err
    assert "replacement accepted" in out

    code, out, err = cli("case", "close", case_dir)
    assert code == 0, err

    code, out, err = cli("case", "show", case_dir, "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["verified"] is True and shown["problems"] == []
    case = shown["case"]
    assert case["state"] == "closed"
    assert case["technician"] == {"name": "Li Wei", "id": "T-42"}
    assert case["merchant"]["name"] == "张记小吃店"
    assert case["merchant"]["merchant_number"] == "100200300"  # as the terminal reports it
    old = case["old_terminal"]
    assert (old["source"], old["serial_number"], old["terminal_id"], old["currency"]) == (
        "read", "7000000001", "52500001", 978)
    assert case["fault"] == {"category": "printer", "description": "prints blank receipts",
                             "since": "2026-11-28", "reported_by": "张先生",
                             "frequency": "always"}
    diagnostics = case["diagnostics"]
    assert diagnostics["answered"] and diagnostics["status_code"] == 0
    assert "DIAGNOSIS" in diagnostics["diagnosis_lines"]
    assert diagnostics["printer_ready"] is True and diagnostics["totals"]["count"] > 0
    assert diagnostics["log_tail"] and all(p["ok"] for p in diagnostics["probes"])
    assert case["warranty"]["in_warranty"] and not case["warranty"]["repair_fee"]

    # The backup by reference: what posdiag.backup's own verifier says about the set.
    [backup] = case["backups"]
    committed = scan_set(case_dir / backup["set_dir"]).committed
    assert backup["set_id"] == committed.manifest.set_id
    assert backup["generation"] == committed.generation
    assert backup["manifest_sha256"] == committed.sha256
    assert backup["records"] == 30 and backup["complete"] and backup["totals_agree"] is True

    request = case["request"]
    assert request["addressee"]["role"] == "manufacturer" and request["in_warranty"]
    assert request["backup"]["set_id"] == backup["set_id"]
    assert request["attachments"] == [case["attachments"][0]["sha256"]]
    assert (case_dir / case["attachments"][0]["file"]).read_bytes() == photo.read_bytes()

    [replacement] = case["replacements"]
    assert replacement["verdict"] == "accepted"
    assert replacement["terminal"]["serial_number"] == "EMU0000002"
    assert [a["item"] for a in replacement["inspection"]] == [
        "seals", "no-tampering", "serial-label", "model"]
    assert all(a["ok"] for a in replacement["inspection"])
    assert replacement["inspection"][2]["answer"] == "EMU0000002"
    assert replacement["binding"]["ok"] and replacement["binding"]["fields"]["merchant_id"] == {
        "expected": "100200300", "actual": "100200300"}
    record = case_dir / replacement["record"]["file"]
    assert sha256_file(record) == replacement["record"]["sha256"]
    verify_record(record)

    kinds = [a["kind"] for a in case["actions"]]
    assert kinds == ["opened", "attached", "caution", "backup-linked", "caution", "requested",
                     "test-started", "test-finished", "accepted", "closed"]
    states = [a["state_after"] for a in case["actions"] if a["state_after"]]
    assert states == ["open", "backed-up", "requested", "replacement-testing", "accepted",
                      "closed"]
    cautions = [a["details"] for a in case["actions"] if a["kind"] == "caution"]
    assert [c["moment"] for c in cautions] == ["before-backup", "before-request"]
    assert all(a["host"] and a["at"].endswith("Z") for a in case["actions"])
    assert_no_pans(every_case_text(case_dir))

    code, out, err = cli("case", "list", tmp_path / "cases", "--serial", "emu0000002")
    assert code == 0 and case_dir.name in out and "closed" in out


def test_a_dead_terminal_backup_impossible_identity_by_hand(tmp_path, cli, shop, identity_file):
    code, out, err = cli("case", "open", "--no-terminal", "--port", "sim:fault=silent,t2=0.2",
                         "--model", "EMU-700", "--manufacturer", "posdiag",
                         "--serial", "EMU0000001", "--tid", "52500001",
                         "--merchant", shop("2020-01-01"), "--fault", "no-power",
                         "--describe", "dead after a thunderstorm", "--root", tmp_path / "cases")
    assert code == 0, err
    case_dir = only_case(tmp_path / "cases")
    case = load_case(case_dir).case
    assert case.state == "backup-impossible" and case.backup_impossible
    assert case.old_terminal.source == "hand"
    assert case.old_terminal.merchant_id == "100200300"  # from the merchant profile
    diagnostics = case.diagnostics
    assert diagnostics is not None and not diagnostics.answered
    assert diagnostics.probes[0].name == "identify" and diagnostics.probes[0].error
    assert not case.warranty.in_warranty and case.warranty.repair_fee
    assert case.warranty.addressee.name == "Shanghai POS Service Co."

    code, out, err = cli("case", "request", case_dir)
    assert code == 0, err
    request = load_case(case_dir).case.request
    assert request.backup is None and request.backup_impossible == case.backup_impossible
    assert request.addressee.role == "service-provider" and request.repair_fee

    new = identity_file(serial_number="EMU0000002")
    code, out, err = cli("test", "--case", case_dir, "--port", f"sim:seed=2,identity={new}",
                         "--plan", "acceptance")
    assert code == 0, err
    assert "replacement accepted" in out
    code, _out, err = cli("case", "close", case_dir)
    assert code == 0, err
    final = load_case(case_dir)
    assert final.ok and final.case.state == "closed"
    replacement = final.case.replacement
    assert replacement.verdict == "accepted"
    binding = replacement.binding
    # The label gave TID and merchant, not the currency: compared where known, noted otherwise.
    assert binding.ok and binding.fields["terminal_id"]["expected"] == "52500001"


def test_a_replacement_bound_to_another_merchant_is_rejected_with_the_reason(
        tmp_path, cli, shop, identity_file):
    code, _, err = cli("case", "open", "--port", OLD, "--merchant", shop(recently()),
                       "--fault", "card-reader", "--describe", "chip read errors",
                       "--root", tmp_path / "cases")
    assert code == 0, err
    case_dir = only_case(tmp_path / "cases")
    recipient = office_recipient(tmp_path)
    assert cli("backup", "--case", case_dir, "--port", OLD, "-r", recipient)[0] == 0
    assert cli("case", "request", case_dir)[0] == 0
    other = identity_file(serial_number="EMU0000003", merchant_id="999888777")
    code, _out, err = cli("test", "--case", case_dir, "--port", f"sim:seed=3,identity={other}",
                         "--plan", "acceptance")
    assert code == 1
    case = load_case(case_dir).case
    assert case.state == "rejected"
    assert "merchant binding differs" in case.decision.reason
    assert "merchant_id is 999888777" in case.decision.reason
    assert not case.replacement.binding.ok
    # Another unit may follow; or the case is closed as it stands.
    assert cli("case", "close", case_dir)[0] == 0
    assert load_case(case_dir).case.state == "closed"


def test_a_tampered_replacement_fails_the_arrival_inspection(tmp_path, cli, shop, identity_file):
    code, _, err = cli("case", "open", "--port", OLD, "--merchant", shop(recently()),
                       "--fault", "tamper", "--describe", "seal broken", "--root",
                       tmp_path / "cases")
    assert code == 0, err
    case_dir = only_case(tmp_path / "cases")
    new = identity_file(serial_number="EMU0000004")
    code, _out, err = cli("test", "--case", case_dir, "--port",
                         f"sim:seed=4,fault=tampered,identity={new}", "--plan", "acceptance",
                         "--force", "--reason", "no backup wanted: journal empty")
    assert code == 1
    case = load_case(case_dir).case
    assert case.state == "rejected"
    answers = {a.item: a for a in case.replacement.inspection}
    assert not answers["seals"].ok and answers["seals"].reason == "a seal is broken"
    assert not answers["no-tampering"].ok and "extra wire" in answers["no-tampering"].reason
    assert answers["serial-label"].ok
    forced = [a for a in case.actions if a.forced]
    assert [(a.state_before, a.state_after, a.reason) for a in forced] == [
        ("open", "replacement-testing", "no backup wanted: journal empty")]


def test_a_slip_leaves_the_case_under_test_and_the_rest_of_the_plan_accepts_it(
        tmp_path, cli, shop, identity_file):
    """Issue 16.3: nobody typed the PIN in time — the replacement is not rejected for it; the
    steps from pin-entry on, run again into the same series, accept it."""
    code, _out, err = cli("case", "open", "--no-terminal", "--model", "EMU-700",
                          "--manufacturer", "posdiag", "--serial", "EMU0000001", "--tid",
                          "52500001", "--merchant", shop("2020-01-01"), "--fault", "no-power",
                          "--describe", "dead", "--root", tmp_path / "cases")
    assert code == 0, err
    case_dir = only_case(tmp_path / "cases")
    assert cli("case", "request", case_dir)[0] == 0
    new = identity_file(serial_number="EMU0000002")
    code, out, err = cli("test", "--case", case_dir, "--port",
                         f"sim:seed=2,identity={new},fault=pin-timeout", "--plan", "acceptance")
    assert code == 1, err
    assert "no PIN was typed within" in out and "--from pin-entry" in out
    case = load_case(case_dir).case
    assert case.state == "replacement-testing"
    assert case.replacements[-1].verdict == "not-judged"

    code, out, err = cli("test", "--case", case_dir, "--port", f"sim:seed=2,identity={new}",
                         "--plan", "acceptance", "--from", "pin-entry")
    assert code == 0, err
    assert re.search(r"Series [0-9a-f]{8}: all 9 steps passed in 2 runs\.", out)
    case = load_case(case_dir).case
    assert case.state == "accepted"
    replacement = case.replacement
    assert replacement.verdict == "accepted"
    assert replacement.binding.ok and replacement.inspection  # from the first run's record


def test_the_old_terminal_is_not_accepted_as_its_own_replacement(tmp_path, cli, shop):
    """The reviewer's story: the case opened on `sim`, the acceptance run on `sim` again — the
    same serial number (7000000001). Identity-match fails with one sentence, the case is
    rejected, and the certificate never says "accepted" beside the same unit."""
    from document_checks import pdf_text

    code, _out, err = cli("case", "open", "--port", "sim", "--merchant", shop(recently()),
                          "--fault", "printer", "--describe", "blank receipts",
                          "--root", tmp_path / "cases")
    assert code == 0, err
    case_dir = only_case(tmp_path / "cases")
    assert cli("case", "request", case_dir, "--force", "--reason", "journal empty")[0] == 0
    code, out, err = cli("test", "--case", case_dir, "--port", "sim", "--plan", "acceptance")
    assert code == 1, err
    assert ("the terminal reports serial number 7000000001, the serial number of the terminal "
            "it replaces: it is the same unit, not a replacement") in out + err
    case = load_case(case_dir).case
    assert case.state == "rejected" and case.replacement.verdict == "rejected"
    assert "same unit" in case.decision.reason
    assert case.replacement.binding.ok  # the merchant binding itself is the same
    for language in ("en", "zh-CN"):
        pdf = tmp_path / f"certificate-{language}.pdf"
        code, _out, err = cli("--lang", language, "case", "certificate", case_dir, "-o", pdf)
        assert code == 0, err
        text = pdf_text(pdf)
        if language == "en":
            assert "SAME UNIT" in text and "it is the same unit, not a replacement" in text
            assert "works normally" not in text and "the same unit?" not in text
            assert not re.search(r"\baccepted\b", text.replace("not accepted", ""))
        else:
            assert "同一台" in text and "POS机运行正常" not in text

    # Another unit (sim:serial=) of the same merchant is accepted.
    code, out, err = cli("test", "--case", case_dir, "--port", "sim:serial=7000000002",
                         "--plan", "acceptance")
    assert code == 0, out + err
    case = load_case(case_dir).case
    assert case.state == "accepted"
    assert case.replacement.terminal.serial_number == "7000000002"
