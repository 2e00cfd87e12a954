"""`verify -i` decrypts in constant memory (docs/backup-set.md: "Decryption streams 64 KiB
chunks"): a terminal's log of several MiB is counted line by line, never held whole, and an
identity or totals snapshot is read to at most its cap (1 MiB), however large the file.

Measured with tracemalloc around the check of one snapshot: the peak must stay far below
the size of what was decrypted.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tracemalloc
from pathlib import Path

import pytest

from posdiag.backup.contents import check_snapshot
from posdiag.backup.inspect import open_set
from posdiag.backup.kitkey import load_or_create_kit_key
from posdiag.backup.manifest import FileEntry, SnapshotEntry
from posdiag.backup.medium import Medium
from posdiag.backup.scan import FileChecks
from posdiag.crypto.age import encrypt_stream, parse_identity, parse_recipient

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def small_set(tmp_path_factory, office_key) -> Path:
    from posdiag.backup.service import run_backup
    from posdiag.terminals import open_terminal

    root = tmp_path_factory.mktemp("memory")
    with open_terminal("sim:journal=5,seed=9") as terminal:
        run_backup(terminal, root / "set", [parse_recipient(office_key[1])],
                   load_or_create_kit_key(root / "kit"))
    return root / "set"


def peak_while_checking(set_dir: Path, office_key, kind: str, plaintext: bytes,
                        records: int) -> tuple[int, str | None]:
    name = f"{kind}-99.age"
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(plaintext), out, [parse_recipient(office_key[1])])
    data = out.getvalue()
    (set_dir / name).write_bytes(data)
    del out, data
    # The kind as a manifest read from a stick gives it: a string parsed from JSON, not a
    # literal of the program (so an identity comparison would show).
    kind = json.loads(json.dumps(kind))
    entry = SnapshotEntry(kind, FileEntry(name, (set_dir / name).stat().st_size,
                                          hashlib.sha256((set_dir / name).read_bytes())
                                          .hexdigest()), 0, len(plaintext), records)
    manifest = open_set(set_dir).manifest
    checks = FileChecks(Medium(), set_dir, os.listdir(set_dir))
    identities = [parse_identity(office_key[0])]
    tracemalloc.start()
    try:
        problem = check_snapshot(checks, Medium(), manifest, entry, identities)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, problem


def test_a_log_of_six_mib_is_counted_without_being_held(small_set, office_key) -> None:
    line = b"2026-11-30 21:00:00 ZVT 06 01 payment approved (test log line)\n"
    log = line * (6 * MIB // len(line))
    peak, problem = peak_while_checking(small_set, office_key, "log", log, log.count(b"\n"))
    assert problem is None
    assert peak < MIB, f"peak {peak} bytes while checking a {len(log)}-byte log"


def test_an_identity_snapshot_is_read_to_its_cap_and_no_further(small_set, office_key) -> None:
    blob = b"x" * (12 * MIB)
    peak, problem = peak_while_checking(small_set, office_key, "identity", blob, 1)
    assert problem is not None and "does not hold a posdiag-terminal-identity snapshot" in problem
    # The 1 MiB read, its copy and its text for the JSON parser: a few MiB, not 12.
    assert peak < 5 * MIB, f"peak {peak} bytes while checking a {len(blob)}-byte snapshot"


@pytest.mark.parametrize(("log", "lines"), [
    (b"first\nsecond\n", 2),
    (b"first\nsecond", 2),  # the last line lacks its newline: it still counts
    (b"first\nsecond\t", 2),  # ... whatever its last byte (below a newline)
    (b"first\nsecond x", 2),  # ... or above it
    (b"\n", 1),
])
def test_a_logs_last_line_counts_with_or_without_its_newline(small_set, office_key, log,
                                                             lines) -> None:
    _peak, problem = peak_while_checking(small_set, office_key, "log", log, lines)
    assert problem is None
    _peak, problem = peak_while_checking(small_set, office_key, "log", log, lines + 1)
    assert problem == f"decrypted {lines} log lines, the manifest says {lines + 1}"


def test_an_identity_snapshot_just_over_its_cap_is_still_read_whole(small_set,
                                                                     office_key) -> None:
    """The cap is a bound on memory, reached a chunk at a time: a snapshot ending within the
    chunk that crosses 1 MiB is read whole and judged by what it holds."""
    from posdiag.backup.snapshots import IDENTITY_FORMAT, SNAPSHOT_VERSION, _canonical

    terminal = dict(open_set(small_set).manifest.terminal)
    document = {"format": IDENTITY_FORMAT, "version": SNAPSHOT_VERSION,
                "identity": {**terminal, "serial_number": "S" * MIB}}
    data = _canonical(document)
    assert MIB < len(data) < MIB + 64 * 1024
    _peak, problem = peak_while_checking(small_set, office_key, "identity", data, 1)
    assert problem is not None and problem.startswith("holds serial_number 'SSSS"), problem
