"""`posdiag zvt decode` through the real entry point: text, --json, --file, errors, masking.

Frames from docs/reference/zvt.md §1.2 (CRCs recomputed there) and §4.1.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from posdiag.cli import main
from posdiag.i18n import use_language

TEST_PAN = "4111111111111111"  # a test card number, never a real one


def run(*args: str | Path) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `posdiag ARGS`."""
    with CliRunner().isolation() as (out, err, _):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as done:
            code = int(done.code or 0)
        return code, out.getvalue().decode(), err.getvalue().decode()


def test_decode_serial_frame_as_text():
    code, out, _ = run("zvt", "decode", "10 02 06 1E 01 6C 10 03 C9 F2")
    assert code == 0
    assert out.splitlines() == [
        "06 1E Abort (from PT) [serial frame, CRC ok]",
        "    result code: 6C (abort via timeout or abort key)",
    ]


def test_status_enquiry_completion_is_recognised_with_or_without_context():
    # §2.56.5: [LLLVAR SW version] terminal status [06 TLV]; the shape tells it from §3.2.
    frame = "10 02 06 0F 0B F0 F0 F7 32 2E 31 34 2E 31 35 00 10 03 B1 11"
    for context in (["--answering", "0501"], []):
        code, out, _ = run("zvt", "decode", *frame.split(" "), *context)
        assert code == 0
        assert out.splitlines() == [
            "06 0F Completion (Status Enquiry) [serial frame, CRC ok]",
            "    software version: '2.14.15'",
            "    terminal status: 00 (PT ready)",
        ]


def test_json_has_the_documented_keys():
    code, out, _ = run("zvt", "decode", "--json",
                       "> 06 01 0E 04 00 00 00 00 25 00 49 09 78 06 02 07 00")  # fmt: skip
    assert code == 0
    obj = json.loads(out)
    assert (obj["class"], obj["instr"], obj["name"], obj["direction"]) == (
        "06", "01", "Authorisation", ">")
    assert {"id": "04", "name": "amount", "value": "25.00 EUR"} in obj["fields"]
    assert obj["tlv"] == [{"tag": "07", "name": "text line", "value": "(empty)"}]
    assert "crc_ok" not in obj


def test_capture_file_keeps_context_and_reports_crc(tmp_path: Path):
    capture = tmp_path / "capture.txt"
    capture.write_text(
        "# status enquiry over serial\n"
        "> 10 02 05 01 03 12 34 56 10 03 E0 43\n"
        "< 06\n"
        "< 10 02 80 00 00 10 03 F5 1F\n"
        "\n"
        "< 10 02 06 0F 0B F0 F0 F7 32 2E 31 34 2E 31 35 00 10 03 B1 12\n"
        "< 10 02 04 FF 01 10 05 10 03 14 15\n"
    )
    code, out, _ = run("zvt", "decode", "--file", capture, "--json")
    assert code == 0
    objs = [json.loads(line) for line in out.splitlines()]
    assert [o["line"] for o in objs] == [2, 3, 4, 6, 7]
    assert objs[0]["name"] == "Status Enquiry" and objs[0]["crc_ok"] is True
    assert objs[1]["name"] == "transport ACK"
    completion = objs[3]
    assert completion["name"] == "Completion (Status Enquiry)"
    assert completion["crc_ok"] is False and "CRC mismatch" in completion["error"]
    assert "bad stuffing" in objs[4]["error"]  # reported, not a crash


def test_bad_hex_exits_2_and_names_the_position(tmp_path: Path):
    capture = tmp_path / "capture.txt"
    capture.write_text("06 0F 00\n\n06 0F 01 G1\n")
    code, out, err = run("zvt", "decode", "--file", capture)
    assert code == 2 and out == ""
    assert err.startswith("posdiag: line 3: 'G1' at position 4 is not a hex byte")
    code, _, err = run("zvt", "decode", "06 0")
    assert code == 2 and "'0' at position 2" in err


def test_usage_errors_exit_2(tmp_path: Path):
    assert run("zvt", "decode")[0] == 2
    assert run("zvt", "decode", "--file", tmp_path / "missing.txt")[0] == 2
    assert run("zvt", "decode", "06 0F 00", "--answering", "05")[0] == 2


def test_undecodable_apdu_still_shows_class_instr_name():
    code, out, _ = run("zvt", "decode", "--json", "04 0F 02 99 00")
    obj = json.loads(out)
    assert code == 0
    assert (obj["class"], obj["instr"], obj["name"]) == ("04", "0F", "Status Information")
    assert "unknown BMP 99" in obj["error"]


def test_a_pan_in_the_input_never_appears_in_the_output(tmp_path: Path):
    pan_bmp = "22 F0 F8 " + " ".join(TEST_PAN[i : i + 2] for i in range(0, 16, 2))
    track2 = "23 F1 F2 " + " ".join((TEST_PAN + "D2512101")[i : i + 2] for i in range(0, 24, 2))
    data = f"04 00 00 00 00 10 00 {pan_bmp} {track2}"
    size = len(data.split())
    capture = tmp_path / "capture.txt"
    capture.write_text(f"04 0F {size:02X} {data}\n06 30 {size:02X} {data}\n")
    for args in (["--file", capture], ["--file", capture, "--json"],
                 [f"04 0F {size:02X} {data}"]):  # fmt: skip
        code, out, err = run("zvt", "decode", *args)
        assert code == 0
        assert TEST_PAN not in out + err and TEST_PAN[6:12] not in out + err
        assert "411111******1111" in out and "withheld" in out


def test_capture_summary_goes_to_stderr_and_json_says_complete(tmp_path: Path):
    capture = tmp_path / "capture.txt"
    capture.write_text("06 0F 00\n04 0F 05 27 00 04 00 00\n06\n")
    code, out, err = run("zvt", "decode", "--file", capture, "--json")
    assert code == 0
    objs = [json.loads(line) for line in out.splitlines()]
    assert [o["complete"] for o in objs] == [True, False, True]
    assert "BMP 04 needs 6 bytes, only 2 left" in objs[1]["error"]
    assert err.strip() == "2 messages: 1 decoded completely, 1 partly, 0 not decoded."


def test_charset_option_is_checked_and_used():
    code, _, err = run("zvt", "decode", "06 D1 03 00 C3 A4", "--charset", "klingon")
    assert code == 2 and "unknown character set 'klingon'" in err
    code, out, _ = run("zvt", "decode", "06 D1 03 00 C3 A4", "--charset", "utf8")
    assert code == 0 and "text: 'ä'" in out
    code, out, _ = run("zvt", "decode", "06 D1 03 00 C3 A4")
    assert code == 0 and "text: '├ñ'" in out  # CP437, the default


def test_chinese_output():
    with use_language("en"):  # the CLI sets the language for the context; restore it after
        code, out, _ = run("--lang", "zh-CN", "zvt", "decode", "06 1E 01 6C")
    assert code == 0 and "超时或按中止键而中止" in out
