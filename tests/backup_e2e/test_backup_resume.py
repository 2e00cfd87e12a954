"""Interrupted backups against the emulated terminal, and `--resume` finishing them.

Issue 4: after a pulled cable (`sim:fault=disconnect@N`) or a killed process, a second run
with --resume continues from the last verified segment, dumps only what is missing, and the
finished set holds exactly the same journal bytes as an uninterrupted run. In between,
`verify` must call the set incomplete (exit 1), never complete.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from set_tools import journal_bytes

SEGMENT = ["--segment-mib", "0.03"]  # about 31 KiB of journal per segment: several files


def backup(cli, port: str, set_dir: Path, recipient: str, *extra: str) -> tuple[int, str, str]:
    return cli("backup", "--port", port, "--to", str(set_dir), "-r", recipient, *SEGMENT,
               *extra)


@pytest.mark.parametrize("pulled_at", [20_000, 75_000])
def test_cable_pulled_then_resume_gives_the_same_journal(tmp_path, cli, office_key,
                                                         pulled_at) -> None:
    port = "sim:journal=400,seed=5"
    reference = tmp_path / "uninterrupted"
    assert backup(cli, port, reference, office_key[1])[0] == 0

    set_dir = tmp_path / "interrupted"
    code, _, err = backup(cli, f"{port},fault=disconnect@{pulled_at}", set_dir, office_key[1])
    assert code == 3, err
    errors = [line for line in err.splitlines() if line.startswith("posdiag: ")]
    assert len(errors) == 1 and "link" in errors[0] and "--resume" in errors[0]
    assert err.startswith("Terminal posdiag EMU-700")  # which terminal, before anything else

    code, out, _ = cli("verify", str(set_dir), "--json")
    report = json.loads(out)
    assert code == 1 and not report["complete"] and not report["ok"]
    assert any("incomplete" in p for p in report["problems"])
    committed = report["journal_bytes"] if report["generation"] else 0

    code, out, err = backup(cli, port, set_dir, office_key[1], "--resume", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["resumed_from"] == committed and summary["complete"]
    assert summary["totals"]["agree"]
    assert journal_bytes(set_dir, office_key[0]) == journal_bytes(reference, office_key[0])
    assert cli("verify", str(set_dir))[0] == 0


def test_process_killed_mid_backup_then_resume_completes(tmp_path, cli, office_key,
                                                         identity_file) -> None:
    # Paced at 1 Mbaud (about 100 KB/s) so the 370 KB journal is still flowing when killed.
    port = "sim:journal=1500,seed=6"
    set_dir = tmp_path / "set"
    child = subprocess.Popen([sys.executable, "-m", "posdiag", "backup", "--port",
                              f"{port},baud=1000000", "--to", str(set_dir), "-r", office_key[1],
                              *SEGMENT], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env=os.environ.copy())
    try:
        deadline = time.monotonic() + 30
        # Generation 4 begun means generation 3 is complete on disk (its files are write-once).
        while not (set_dir / "manifest-000004.json").exists():
            assert child.poll() is None, child.stderr.read() if child.stderr else ""
            assert time.monotonic() < deadline, "the backup never reached a fourth generation"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait()
        if child.stderr:
            child.stderr.close()
    assert child.returncode == -signal.SIGKILL

    code, out, _ = cli("verify", str(set_dir), "--json")
    report = json.loads(out)
    assert code == 1 and not report["complete"] and report["generation"] >= 3

    code, out, err = backup(cli, port, set_dir, office_key[1], "--resume", "--json")
    assert code == 0, err
    summary = json.loads(out)
    # It continues after the committed generation and the pieces sealed after it.
    assert summary["resumed_from"] >= report["journal_bytes"] > 0
    assert summary["records"] == 1500 and summary["totals"]["agree"]

    reference = tmp_path / "uninterrupted"
    assert backup(cli, port, reference, office_key[1])[0] == 0
    assert journal_bytes(set_dir, office_key[0]) == journal_bytes(reference, office_key[0])
    code, out, err = cli("verify", str(set_dir), "-i", str(identity_file))
    assert code == 0, out + err
