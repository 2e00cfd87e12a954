"""The stick pulled, full or read-only during a backup of the emulated terminal.

Issue 4: exit 4 with one clear line, the set left in a state `verify` reports as
incomplete (exit 1, never complete), and `--resume` finishes it with the same journal
bytes as an uninterrupted run. The medium fails through the writer's Medium seam; the
terminal is the real emulator over a pty.
"""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from medium_faults import FailingMedium
from set_tools import journal_bytes

from posdiag.backup.kitkey import load_or_create_kit_key
from posdiag.backup.service import run_backup
from posdiag.crypto.age import parse_recipient
from posdiag.errors import MediaError, MediaFull, MediaReadOnly, MediaRemoved
from posdiag.terminals import open_terminal

PORT = "sim:journal=400,seed=8"
SEGMENT_BYTES = 32 * 1024


def backup_into(set_dir: Path, recipient: str, config: Path, medium=None):
    with open_terminal(PORT) as terminal:
        return run_backup(terminal, set_dir, [parse_recipient(recipient)],
                          load_or_create_kit_key(config), medium=medium,
                          segment_bytes=SEGMENT_BYTES)


@pytest.fixture(scope="module")
def reference_journal(tmp_path_factory, office_key) -> bytes:
    root = tmp_path_factory.mktemp("reference")
    backup_into(root / "set", office_key[1], root / "config")
    return journal_bytes(root / "set", office_key[0])


@pytest.mark.parametrize(("step", "code", "after", "error"), [
    ("write", errno.EIO, 45_000, MediaRemoved),  # stick pulled in the second segment
    ("write", errno.ENOSPC, 70_000, MediaFull),  # full in the third
    ("create", errno.EROFS, 4, MediaReadOnly),  # turned read-only (a manifest's turn)
    ("fsync", errno.EIO, 6, MediaRemoved),  # pulled while flushing
    ("create", errno.EIO, 1, MediaRemoved),  # pulled before anything was committed
])
def test_media_fault_leaves_an_incomplete_set_that_resume_finishes(
        tmp_path, cli, office_key, config_dir, reference_journal, step, code, after,
        error) -> None:
    set_dir = tmp_path / "set"
    with pytest.raises(error) as raised:
        backup_into(set_dir, office_key[1], config_dir, FailingMedium(step, code, after))
    assert raised.value.exit_code == 4 and isinstance(raised.value, MediaError)
    assert "--resume" in str(raised.value)

    code_, out, _ = cli("verify", str(set_dir), "--json")
    report = json.loads(out)
    assert code_ == 1 and not report["ok"] and not report["complete"]

    code_, out, err = cli("backup", "--port", PORT, "--to", str(set_dir), "-r", office_key[1],
                          "--segment-mib", str(SEGMENT_BYTES / 2**20), "--resume", "--json")
    assert code_ == 0, err
    assert json.loads(out)["complete"]
    assert journal_bytes(set_dir, office_key[0]) == reference_journal
    assert cli("verify", str(set_dir))[0] == 0


def test_media_error_reaches_the_user_as_exit_4_and_one_line(tmp_path, cli, office_key) -> None:
    # A file where the set folder should be: the medium refuses, the command says so.
    blocker = tmp_path / "blocked"
    blocker.write_text("not a folder")
    code, out, err = cli("backup", "--port", PORT, "--to", str(blocker / "set"),
                         "-r", office_key[1])
    assert code == 4, err
    lines = [line for line in err.splitlines()
             if not line.startswith(("Created the kit", "Terminal "))]
    assert out == "" and len(lines) == 1 and lines[0].startswith("posdiag: The medium")
