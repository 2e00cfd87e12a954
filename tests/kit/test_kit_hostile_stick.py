"""A hostile stick: the kit writes only onto the stick and never hangs on what it finds there.

Issue 10, item 6: a set folder that was a symlink made the kit write the whole set outside
the stick; a README.txt that was a FIFO hung the cycle (holding the cycle lock) until it was
killed. Each cycle runs as its own process with a time limit, so the code before the fix
fails these tests instead of hanging the suite. The emulated terminal's serial number is
7000000001, so its set folder is posdiag-7000000001.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from posdiag.kit.lock import is_locked, lock_path

SET = "posdiag-7000000001"
CYCLE_LIMIT = 120  # seconds; a cycle on a clean stick takes a few


def kit_once(config: Path, stick: Path, state_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "posdiag", "kit", "once", "--port", "sim:journal=40,seed=3",
         "--media", str(stick), "--config", str(config), "--state-dir", str(state_dir),
         "--json"],
        capture_output=True, text=True, timeout=CYCLE_LIMIT)


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("link", [SET, f"{SET}-2"])
def test_a_symlinked_set_folder_is_refused_and_nothing_is_written_outside(
        tmp_path, write_config, stick, state_dir, link) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    if link.endswith("-2"):  # the newest set is the one resumed: a link there is followed too
        (stick / SET).mkdir()
    (stick / link).symlink_to(outside, target_is_directory=True)
    result = kit_once(write_config(), stick, state_dir)
    assert result.returncode == 4, result.stderr
    assert "symbolic link" in result.stderr and link in result.stderr
    assert files_under(outside) == []


def test_a_symlinked_records_folder_is_refused(tmp_path, write_config, stick, state_dir) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (stick / "posdiag-records").symlink_to(outside, target_is_directory=True)
    plan = Path(__file__).parents[2] / "testplans" / "quick.toml"
    result = kit_once(write_config(f'plan = "{plan}"'), stick, state_dir)
    assert result.returncode == 4, result.stderr
    assert "posdiag-records" in result.stderr
    assert files_under(outside) == []


@pytest.mark.parametrize("name", ["README.txt", "manifest-000001.json", "journal-000001.age"])
def test_a_fifo_in_the_set_folder_fails_the_cycle_at_once_and_frees_the_lock(
        write_config, stick, state_dir, name) -> None:
    (stick / SET).mkdir()
    os.mkfifo(stick / SET / name)
    started = time.monotonic()
    result = kit_once(write_config(), stick, state_dir)  # the old code hung here
    assert result.returncode == 4, result.stderr
    assert name in result.stderr and "not a regular file" in result.stderr
    assert time.monotonic() - started < CYCLE_LIMIT
    assert not is_locked(lock_path(state_dir))


def test_a_device_node_link_in_the_set_folder_is_refused(write_config, stick,
                                                          state_dir) -> None:
    (stick / SET).mkdir()
    (stick / SET / "journal-000001.age").symlink_to("/dev/zero")
    result = kit_once(write_config(), stick, state_dir)
    assert result.returncode == 4, result.stderr
    assert "journal-000001.age" in result.stderr


def test_a_clean_stick_still_backs_up(write_config, stick, state_dir) -> None:
    (stick / "unrelated").symlink_to("/tmp")  # links elsewhere on the stick are not touched
    result = kit_once(write_config(), stick, state_dir)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["verified"] and Path(summary["set_dir"]) == stick / SET
