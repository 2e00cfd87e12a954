"""End to end: no card number reaches the screen, a file on the stick, or a record.

A hostile terminal (the emulator, served over a real TCP socket, with card numbers planted in
its identity, its application log and its merchant journal) is driven through the CLI as
separate processes; everything they print and everything they write is collected and scanned
by the independent scanner in pan_scan.py. Issue 10, item 1: each of these printed or stored a
full PAN before the fix. All numbers are published test PANs (test material).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pan_scan import TEST_PAN, assert_no_card_numbers, card_numbers, scan_tree

from posdiag.emulator.config import TerminalConfig
from posdiag.emulator.terminal import EmulatedTerminal

GROUPED = "4761 7390 0101 0010"
FULL_WIDTH = "".join(chr(0xFF10 + int(c)) for c in TEST_PAN)


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "posdiag", *args], capture_output=True,
                          text=True, timeout=timeout, input=stdin,
                          env={**os.environ, **(env or {})})


def assert_clean(result: subprocess.CompletedProcess[str], what: str) -> None:
    assert_no_card_numbers(result.stdout, f"stdout of {what}")
    assert_no_card_numbers(result.stderr, f"stderr of {what}")


# --- posdiag zvt decode: PANs in free text of captured traffic ---------------------------------


def _print_line(text: bytes) -> str:
    data = b"\x00" + text  # attribute 00, then the line
    return (b"\x06\xd1" + bytes([len(data)]) + data).hex(" ")


def _text_block(text: bytes) -> str:
    line = b"\x07" + bytes([len(text)]) + text  # TLV 07 text line
    texts = b"\x25" + bytes([len(line)]) + line  # TLV 25 print texts
    container = b"\x06" + bytes([len(texts)]) + texts  # BMP 06 TLV container
    return (b"\x06\xd3" + bytes([len(container)]) + container).hex(" ")


DECODE_CASES = {
    "print line": _print_line(b"PAN " + TEST_PAN.encode()),
    "print line, grouped": _print_line(b"Karte " + GROUPED.encode()),
    "text TLV": _text_block(b"Karte " + TEST_PAN.encode()),
    "text TLV, dashed": _text_block(b"Nr 4761-7390-0101-0010"),
}


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("hex_text", DECODE_CASES.values(), ids=DECODE_CASES.keys())
def test_zvt_decode_never_prints_a_full_pan(hex_text: str, as_json: bool) -> None:
    result = run("zvt", "decode", hex_text, *(["--json"] if as_json else []))
    assert result.returncode == 0, result.stderr
    assert "Print" in result.stdout  # it did decode the message
    assert_clean(result, f"zvt decode {hex_text}")


def test_zvt_decode_of_a_capture_file_never_prints_a_full_pan(tmp_path: Path) -> None:
    capture = tmp_path / "capture.txt"
    capture.write_text("".join(f"< {hex_text}\n" for hex_text in DECODE_CASES.values()))
    result = run("zvt", "decode", "--file", str(capture))
    assert result.returncode == 0, result.stderr
    assert_clean(result, "zvt decode --file")


# --- a hostile terminal --------------------------------------------------------------------


def _append_journal(emulator: EmulatedTerminal, data: bytes) -> None:
    """Plant raw journal lines, as a terminal with a broken or hostile firmware would serve.

    The emulator books only clean records (it encodes through the journal codec), so hostile
    lines go straight into its journal file: test tooling that reaches into the ledger."""
    ledger = emulator.ledger
    with ledger._lock:
        ledger._journal.seek(0, 2)
        ledger._journal.write(data)
        ledger._journal_size += len(data)


def _append_log(emulator: EmulatedTerminal, data: bytes) -> None:
    with emulator.ledger._lock:
        emulator.ledger._app_log += data


def _record(seq: int, **fields: object) -> bytes:
    record = {"v": 1, "seq": seq, "receipt": seq, "trace": seq, "type": "payment", "result": 0,
              "amount": 1000 + seq, "currency": 978, "card_type": 10, "brand": "VISA",
              "pan": "476173******0010", "aid": "A0000000031010", "auth": "123456",
              "time": "2026-11-25T10:15:00", "tid": "52500001", **fields}
    return json.dumps(record, separators=(",", ":")).encode() + b"\n"


# Fields that each hold a PAN, in a way the sanitiser before the fix accepted.
HOSTILE_RECORDS = [
    {"aid": "A" + TEST_PAN},
    {"brand": GROUPED},
    {"seq": int(TEST_PAN)},
    # Each field harmless alone, but the inspect table puts the brand's last eight digits
    # right before the masked PAN's first eight: a card number across two columns.
    {"brand": "VISA47617390", "pan": "01010010****"},
]


@contextlib.contextmanager
def hostile_terminal(journal: list[bytes], generated: int = 30) -> Iterator[str]:
    config = TerminalConfig(device_name=f"EMU {GROUPED}", serial_number=TEST_PAN,
                            merchant_name=f"SHOP {TEST_PAN}")
    emulator = EmulatedTerminal(config, journal=generated, seed=5)
    try:
        emulator.ledger.log(f"card swiped {GROUPED} ok")
        _append_log(emulator, f"full width {FULL_WIDTH}\n".encode())
        _append_log(emulator, f"bcd 47 61 73 90 01 01 00 10 tail {TEST_PAN}\n".encode())
        seq = emulator.ledger.seq
        for offset, fields in enumerate(journal, start=1):
            fields = dict(fields)
            _append_journal(emulator, _record(fields.pop("seq", seq + offset), **fields))
        host, port = emulator.serve_tcp("127.0.0.1", 0)
        yield f"tcp://{host}:{port}"
    finally:
        emulator.stop()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"POSDIAG_CONFIG_DIR": str(tmp_path / "config")}


def _scan_outputs(results: dict[str, subprocess.CompletedProcess[str]]) -> dict[str, list[str]]:
    hits = {}
    for what, result in results.items():
        for stream in ("stdout", "stderr"):
            found = card_numbers(getattr(result, stream))
            if found:
                hits[f"{stream} of {what}"] = found
    return hits


def _scan_written(root: Path, identity: Path) -> dict[str, list[str]]:
    """Every file under root (names too), with age files decrypted first."""
    from posdiag.age_files import load_identities
    from posdiag.crypto.age import open_decrypting

    identities = list(load_identities(identity))
    hits = {}
    for path in sorted(root.rglob("*")):
        found = card_numbers(str(path.relative_to(root)))
        if path.is_file() and path.suffix == ".age":
            with open(path, "rb") as file:
                found += card_numbers(open_decrypting(file, identities).read()
                                      .decode("utf-8", "replace"))
        elif path.is_file() and path.suffix != ".minisig":
            text = path.read_text("utf-8", "replace")
            if path.name.startswith("manifest-"):
                text = _without_digests(text)
            found += card_numbers(text)
        if found:
            hits[str(path)] = found
    return hits


def _without_digests(manifest_text: str) -> str:
    """A manifest with its SHA-256 values blanked: a digest of a file is not card data, and
    about one in 240 holds a Luhn-valid run by chance."""
    import re

    return re.sub(r'"sha256":"[0-9a-f]{64}"', '"sha256":""', manifest_text)


def test_a_hostile_journal_is_refused_and_nothing_of_it_is_shown(tmp_path, office, env) -> None:
    _key, recipient = office
    for fields in HOSTILE_RECORDS:
        set_dir = tmp_path / f"set-{len(list(tmp_path.iterdir()))}"
        with hostile_terminal([fields]) as port:
            result = run("backup", "--port", port, "--to", str(set_dir), "-r", recipient,
                         env=env)
        assert result.returncode == 3, (fields.keys(), result.stderr)
        assert "card number" in result.stderr
        assert_clean(result, f"backup of a journal with {list(fields)}")
        assert scan_tree(tmp_path) == {}


def test_every_command_on_a_hostile_terminal_keeps_card_numbers_masked(tmp_path, office,
                                                                        env) -> None:
    key, recipient = office
    stick = tmp_path / "stick"
    stick.mkdir()
    set_dir = stick / "set"
    results: dict[str, subprocess.CompletedProcess[str]] = {}
    with hostile_terminal([]) as port:
        results["info"] = run("info", "--port", port, env=env)
        results["info --json"] = run("info", "--port", port, "--json", env=env)
        results["backup"] = run("backup", "--port", port, "--to", str(set_dir), "-r", recipient,
                                env=env)
        results["backup --json (new set)"] = run("backup", "--port", port, "--to",
                                                 str(stick / "set2"), "-r", recipient,
                                                 "--json", env=env)
        plan = Path(__file__).parents[2] / "testplans" / "quick.toml"
        results["test"] = run("test", "--port", port, "--plan", str(plan), "--record",
                              str(stick / "records"), "--junit", str(stick / "junit.xml"),
                              env=env)
    assert results["backup"].returncode in (0, 1), results["backup"].stderr
    assert list((stick / "records").glob("posdiag-test-*.json")), results["test"].stderr
    results["report"] = run("report", str(stick / "records"), "-o", str(stick / "report.html"),
                            env=env)
    assert results["report"].returncode == 0, results["report"].stderr
    results["verify"] = run("verify", str(set_dir), "-i", str(key), env=env)
    results["verify --json"] = run("verify", str(set_dir), "-i", str(key), "--json", env=env)
    for fmt in ("table", "csv", "json"):
        results[f"inspect {fmt}"] = run("inspect", str(set_dir), "-i", str(key), "--format", fmt,
                                        env=env)
        assert results[f"inspect {fmt}"].returncode == 0, results[f"inspect {fmt}"].stderr
    for part in ("identity", "totals", "log"):
        results[f"inspect {part}"] = run("inspect", str(set_dir), "-i", str(key), "--part", part,
                                         env=env)
        assert results[f"inspect {part}"].returncode == 0, results[f"inspect {part}"].stderr
    csv_lines = results["inspect csv"].stdout.splitlines()
    assert len(csv_lines) == 31 and all("****" in line for line in csv_lines[1:])  # masked PANs
    assert "swiped" in results["inspect log"].stdout
    assert _scan_outputs(results) == {}
    assert _scan_written(stick, key) == {}


def test_a_set_written_before_the_fix_is_shown_masked(tmp_path, office, env, monkeypatch) -> None:
    """A set an older posdiag wrote with a PAN in the aid, the brand and the sequence number:
    inspect must not print them, in any format."""
    import posdiag.journal
    from posdiag.backup.kitkey import load_or_create_kit_key
    from posdiag.backup.service import run_backup
    from posdiag.crypto.age import parse_recipient
    from posdiag.terminals import open_terminal

    key, recipient = office
    set_dir = tmp_path / "old-set"
    with monkeypatch.context() as old_posdiag:
        # The sanitiser as it was: field forms only (the checks this fix added are skipped).
        old_posdiag.setattr(posdiag.journal, "_check_card_numbers", lambda record, where: None,
                            raising=False)
        old_posdiag.setattr(posdiag.journal, "MAX_BRAND_DIGITS", 32, raising=False)
        emulator = EmulatedTerminal(journal=5, seed=2)
        seq = emulator.ledger.seq
        for offset, fields in enumerate([{"aid": "A" + TEST_PAN}, {"brand": GROUPED}], 1):
            _append_journal(emulator, _record(seq + offset, **fields))
        with open_terminal("sim", emulator=emulator) as terminal:
            run_backup(terminal, set_dir, [parse_recipient(recipient)],
                       load_or_create_kit_key(tmp_path / "config"))
    results = {fmt: run("inspect", str(set_dir), "-i", str(key), "--format", fmt, env=env)
               for fmt in ("table", "csv", "json")}
    assert _scan_outputs(results) == {}
    for result in results.values():  # today's sanitiser refuses the records, by field name
        assert result.returncode != 0 and "card number in its 'aid' field" in result.stderr


def test_a_terminal_whose_serial_reads_as_a_card_number_resumes_its_own_set(tmp_path, office,
                                                                            env) -> None:
    """The manifest stores the serial masked; resume must compare it masked, not refuse."""
    _key, recipient = office
    set_dir = tmp_path / "set"
    config = TerminalConfig(serial_number=TEST_PAN)
    emulator = EmulatedTerminal(config, journal=20, seed=4)
    host, port = emulator.serve_tcp("127.0.0.1", 0)
    try:
        first = run("backup", "--port", f"tcp://{host}:{port}", "--to", str(set_dir), "-r",
                    recipient, env=env)
        assert first.returncode == 0, first.stderr
        manifest = next(set_dir.glob("manifest-*.json")).read_text()
        assert TEST_PAN not in manifest and "476173******0010" in manifest
        again = run("backup", "--port", f"tcp://{host}:{port}", "--to", str(set_dir), "-r",
                    recipient, "--resume", env=env)
    finally:
        emulator.stop()
    assert again.returncode == 0, again.stderr
    assert_clean(again, "backup --resume")
