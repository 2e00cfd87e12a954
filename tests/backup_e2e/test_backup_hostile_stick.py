"""A hostile stick neither hangs nor exhausts verify, inspect or --resume (issue 10.3).

A real set is written from the emulated terminal, then its files are swapped for what a
stick can hold besides regular files - a symbolic link to /dev/zero, a FIFO - or for a
3 GiB (sparse) manifest, or its manifests are re-signed with fields of the wrong type or
names that leave the folder. The commands run in child processes with a time limit, so a
hang fails the test instead of holding the suite, and their peak memory is measured: each
case ends within seconds, with exit 1 (or 2) and one sentence, never a traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from set_tools import load_manifest, manifest_files, resign

from posdiag.backup.kitkey import load_or_create_kit_key

PORT = "sim:journal=200,seed=41"
TIME_LIMIT = 60  # seconds: generous on a loaded machine; a hang is infinite
MEMORY_LIMIT = 200 << 20  # bytes of peak RSS: reading 3 GiB whole would be far above


@pytest.fixture(scope="module")
def original(tmp_path_factory, office_key) -> tuple[Path, Path]:
    from posdiag.backup.service import run_backup
    from posdiag.crypto.age import parse_recipient
    from posdiag.terminals import open_terminal

    root = tmp_path_factory.mktemp("hostile")
    with open_terminal(PORT) as terminal:
        run_backup(terminal, root / "set", [parse_recipient(office_key[1])],
                   load_or_create_kit_key(root / "kit"), segment_bytes=24 * 1024)
    return root / "set", root / "kit"


@pytest.fixture
def stick(original, tmp_path) -> Path:
    set_dir = tmp_path / "set"
    shutil.copytree(original[0], set_dir)
    return set_dir


@pytest.fixture
def kit(original):
    return load_or_create_kit_key(original[1])


# The child reports its own peak from /proc/self/status at exit. ru_maxrss from wait4 would
# not do: Linux keeps a process's high-water mark across exec, so a child forked from a
# pytest process that has grown to 200 MB would report the test runner's memory, not its own.
_REPORT_PEAK = """
import atexit, os, sys
def report():
    with open('/proc/self/status') as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith('VmHWM:'))
    with open(os.environ['POSDIAG_TEST_PEAK_FILE'], 'w') as out:
        out.write(str(peak * 1024))
atexit.register(report)
from posdiag.cli import main
sys.argv[0] = 'posdiag'
main(sys.argv[1:])
"""


def run_measured(*args: str, config: Path | None = None) -> tuple[int, str, str, int]:
    """Run posdiag in a child with a time limit: (exit code, stdout, stderr, peak RSS)."""
    peak_file = Path(tempfile.mkdtemp()) / "peak"
    env = {**os.environ, "POSDIAG_TEST_PEAK_FILE": str(peak_file)}
    if config is not None:
        env["POSDIAG_CONFIG_DIR"] = str(config)
    child = subprocess.Popen([sys.executable, "-c", _REPORT_PEAK, *args], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL)
    try:
        out, err = child.communicate(timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        pytest.fail(f"posdiag {' '.join(args)} did not end within {TIME_LIMIT} s (a hang)")
    peak = int(peak_file.read_text()) if peak_file.exists() else 0
    return child.returncode, out.decode(), err.decode(), peak


def first_piece(set_dir: Path) -> Path:
    return sorted(set_dir.glob("journal-000001-*.age"))[0]


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("posdiag: "), err
    assert "Traceback" not in err
    return lines[0]


# --- what only regular files may be --------------------------------------------------------


@pytest.mark.parametrize("kind", ["symlink to /dev/zero", "fifo"])
def test_a_piece_that_is_not_a_regular_file_is_refused_without_reading_it(stick, kind,
                                                                          identity_file) -> None:
    victim = first_piece(stick)
    victim.unlink()
    if kind == "fifo":
        os.mkfifo(victim)
        what = "a FIFO"
    else:
        victim.symlink_to("/dev/zero")
        what = "a symbolic link"
    code, out, err, rss = run_measured("verify", str(stick))
    assert code == 1, err
    assert f"{victim} is {what}, not a regular file" in out
    one_error_line(err)
    assert 0 < rss < MEMORY_LIMIT
    code, out, err, _ = run_measured("inspect", str(stick), "-i", str(identity_file))
    assert code == 1 and out == ""
    assert "does not verify" in one_error_line(err)


@pytest.mark.parametrize("name", ["README.txt", "identity.age", "manifest-000002.json",
                                  "manifest-000002.json.minisig", "journal-000001-index.json"])
def test_any_file_of_the_set_as_a_fifo_ends_verify_quickly(stick, name) -> None:
    (stick / name).unlink()
    os.mkfifo(stick / name)
    code, out, err, _ = run_measured("verify", str(stick), "--json")
    assert code == 1, err
    report = json.loads(out)
    assert any("is a FIFO, not a regular file" in p for p in report["problems"] + report["notes"])


def test_resume_on_a_stick_with_a_fifo_readme_ends_with_one_sentence(tmp_path, original,
                                                                    office_key) -> None:
    """The kit's 90-second hang: a FIFO where README.txt was, in a set whose first
    generation never made it to the stick (so the README must be read to be named)."""
    stick = tmp_path / "set"
    stick.mkdir()
    os.mkfifo(stick / "README.txt")
    code, _, err, _ = run_measured("backup", "--port", PORT, "--to", str(stick), "-r",
                                   office_key[1], "--resume", config=original[1])
    assert code == 1, err
    assert "README.txt is a FIFO, not a regular file" in err.strip().splitlines()[-1]


def test_a_3_gib_manifest_is_not_read_into_memory(stick) -> None:
    huge = stick / "manifest-000099.json"
    with open(huge, "wb") as file:
        file.truncate(3 << 30)  # sparse: costs nothing on disk, 3 GiB to a reader
    (stick / "manifest-000099.json.minisig").write_bytes(b"x\n")
    code, out, err, rss = run_measured("verify", str(stick), "--json")
    assert code == 1, err
    report = json.loads(out)
    assert any(p.startswith("manifest-000099.json: ") and "larger than" in p
               for p in report["problems"]), report["problems"]
    assert 0 < rss < MEMORY_LIMIT, f"peak RSS {rss >> 20} MiB"


def test_a_piece_larger_than_recorded_is_reported_without_reading_it_all(stick) -> None:
    victim = first_piece(stick)
    with open(victim, "r+b") as file:
        file.truncate(2 << 30)  # grown to 2 GiB (sparse)
    code, out, _, rss = run_measured("verify", str(stick), "--json")
    assert code == 1
    assert any(f"{victim.name} is larger than" in p for p in json.loads(out)["problems"])
    assert 0 < rss < MEMORY_LIMIT


# --- manifests of the wrong shape, validly signed --------------------------------------------


WRONG_SHAPES = {
    "segments is a string": lambda m: m.update(segments="journal"),
    "a size is a string": lambda m: m["segments"][0]["file"].update(size="12"),
    "a size is a float": lambda m: m["segments"][0]["file"].update(size=12.0),
    "a size is negative": lambda m: m["segments"][0]["file"].update(size=-1),
    "records is a boolean": lambda m: m["journal"].update(records=True),
    "terminal is a list": lambda m: m.update(terminal=["EMU"]),
    "previous is a number": lambda m: m.update(previous=3),
    "tally holds a string": lambda m: m["segments"][0].update(tally={"VISA": ["1", 2]}),
    "an unknown brand bucket": lambda m: m["segments"][0].update(tally={"Klingon": [1, 2]}),
    "an extra key": lambda m: m.update(surprise=1),
    "a missing key": lambda m: m.pop("journal"),
    "a file outside the folder": lambda m: m["snapshots"][0]["file"].update(name="../x.age"),
    "an absolute file name": lambda m: m["readme"].update(name="/etc/passwd"),
    "a huge integer": lambda m: m["journal"].update(committed=10**400),
    "segments out of order": lambda m: m["segments"].reverse(),
    "a gap between segments": lambda m: m["segments"][1].update(
        offset=m["segments"][1]["offset"] + 1),
}


@pytest.mark.parametrize("shape", sorted(WRONG_SHAPES))
def test_a_signed_manifest_of_the_wrong_shape_is_a_problem_not_a_crash(stick, kit, shape,
                                                                       identity_file) -> None:
    newest = load_manifest(manifest_files(stick)[-1])["generation"]
    resign(stick, newest, kit, WRONG_SHAPES[shape])
    code, out, err, _ = run_measured("verify", str(stick), "--json")
    assert code == 1, err
    report = json.loads(out)
    assert report["generation"] == newest - 1  # the newest good one before it
    damaged = [p for p in report["problems"] if p.startswith(f"manifest-{newest:06d}.json: ")]
    assert damaged and ("damaged or not a posdiag manifest" in damaged[0]
                        or "does not add up" in damaged[0]), report["problems"]
    code, out, err, _ = run_measured("inspect", str(stick), "-i", str(identity_file))
    assert code == 1 and "does not verify" in one_error_line(err)
