"""A backup killed at any moment resumes losing at most 64 KiB (issue 13, item 3).

The real `posdiag backup` runs in a child process against the emulated terminal, paced at
1 Mbaud (about 100 KB/s, so a run lasts seconds), and is killed with SIGKILL - no cleanup,
as a power cut - at seeded random moments: while identifying, reading the configuration,
dumping, writing pieces, seals, indexes, manifests or the final snapshots. After each kill:

* `verify` calls the set incomplete (exit 1) and finds nothing else wrong - a killed run
  never looks like damage or a rollback;
* the next `--resume` run reads again at most 64 KiB of what the killed run had received
  (the child reports each journal block it receives: observed_backup.py);

and once a run is let finish, the set holds the journal byte for byte as an uninterrupted
run does, and verifies with the key. Ctrl-C and SIGTERM end with exit 130, keep everything
read, and name --resume.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from set_tools import journal_bytes

HERE = Path(__file__).parent
PORT = "sim:journal=1200,seed=21"
PACED = PORT + ",baud=1000000"
LOSS_BOUND = 64 * 1024
SEGMENT = ["--segment-mib", "0.125"]  # 128 KiB segments: pieces, indexes and generations


class ObservedRun:
    """One child `posdiag backup`, with the journal blocks it received."""

    def __init__(self, set_dir: Path, recipient: str, *extra: str) -> None:
        self._read, write = os.pipe()
        self.blocks: list[tuple[int, int]] = []
        self._pending = b""
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "observed_backup.py"), str(write), "backup", "--port",
             PACED, "--to", str(set_dir), "-r", recipient, *SEGMENT, *extra],
            pass_fds=(write,), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=os.environ.copy())
        os.close(write)

    def collect(self, seconds: float, until_first_block: bool = False) -> None:
        """Read block reports for up to ``seconds`` (less if the child ends, or - with
        ``until_first_block`` - once the journal starts to flow)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if until_first_block and self.blocks:
                return
            ready, _, _ = select.select([self._read], [], [], min(left, 0.05))
            if ready:
                data = os.read(self._read, 65536)
                if not data:
                    return
                self._pending += data
                *lines, self._pending = self._pending.split(b"\n")
                self.blocks += [tuple(map(int, line.split())) for line in lines if line]
            elif self.process.poll() is not None:
                return

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.finish()

    def finish(self, timeout: float = 120) -> tuple[int, str, str]:
        out, err = self.process.communicate(timeout=timeout)
        self.collect(0.05)
        os.close(self._read)
        return self.process.returncode, out.decode(), err.decode()

    @property
    def received(self) -> int:
        """Journal bytes received: the end of the last block."""
        return max((offset + length for offset, length in self.blocks), default=0)

    @property
    def started_at(self) -> int | None:
        """Journal offset this run continued from (its first block starts one byte early)."""
        if not self.blocks:
            return None
        first = self.blocks[0][0]
        return first + 1 if first else 0


@pytest.fixture(scope="module")
def reference(tmp_path_factory, office_key) -> bytes:
    from posdiag.backup.kitkey import load_or_create_kit_key
    from posdiag.backup.service import run_backup
    from posdiag.crypto.age import parse_recipient
    from posdiag.terminals import open_terminal

    root = tmp_path_factory.mktemp("reference")
    with open_terminal(PORT) as terminal:
        run_backup(terminal, root / "set", [parse_recipient(office_key[1])],
                   load_or_create_kit_key(root / "config"))
    return journal_bytes(root / "set", office_key[0])


KILLS = 8


@pytest.mark.slow
def test_killed_at_random_moments_resumes_losing_at_most_64_kib(tmp_path, cli, office_key,
                                                                identity_file,
                                                                reference) -> None:
    rng = random.Random(20261130)
    set_dir = tmp_path / "set"
    received = 0  # the most any run had received
    kills, re_reads = 0, []
    for attempt in range(3 * KILLS):
        run = ObservedRun(set_dir, office_key[1], *(["--resume"] if attempt else []))
        if kills < KILLS:
            if rng.random() < 0.25:  # early: identifying, configuration printout, first files
                run.collect(rng.uniform(0.2, 1.5))
            else:  # once the journal flows: pieces, seals, indexes, generations, snapshots
                run.collect(30, until_first_block=True)
                run.collect(rng.uniform(0, 3.5))
            if run.process.poll() is None:
                run.kill()
                kills += 1
            else:
                run.finish()
        else:
            code, out, err = run.finish()
            assert code == 0, err
        if run.started_at is not None:
            re_read = received - run.started_at
            assert re_read <= LOSS_BOUND, f"run {attempt} read {re_read} bytes again"
            re_reads.append(re_read)
        received = max(received, run.received)
        if run.process.returncode == 0:
            break
        # What a kill leaves is an unfinished set - incomplete, nothing else wrong with it -
        # or, killed after its last generation was written, a finished one.
        if set_dir.exists() and list(set_dir.glob("manifest-*.json")):
            code, out, _ = cli("verify", str(set_dir), "--json")
            report = json.loads(out)
            assert code == (0 if report["complete"] else 1), report
            assert all("incomplete" in p for p in report["problems"]), report["problems"]
            assert not report["damaged"] and (report["complete"] or "--resume" in report["advice"])
    assert kills >= KILLS // 2, "the runs ended before they were killed; slow the emulator down"
    assert len(re_reads) >= KILLS // 2 and max(re_reads) > 0  # resumed mid-journal, and measured
    assert journal_bytes(set_dir, office_key[0]) == reference
    code, out, err = cli("verify", str(set_dir), "-i", str(identity_file))
    assert code == 0, out + err
    assert not list(set_dir.glob("*.seal"))  # every seal removed once its piece is committed


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_keeps_what_was_read_and_names_resume(tmp_path, cli, office_key,
                                                                reference, how) -> None:
    set_dir = tmp_path / "set"
    run = ObservedRun(set_dir, office_key[1])
    deadline = time.monotonic() + 60
    while run.received < 100_000:  # well into the dump, between two pieces or inside one
        assert run.process.poll() is None, run.finish()[2]
        assert time.monotonic() < deadline, "the dump never reached 100 KB"
        run.collect(0.05)
    run.process.send_signal(how)
    code, out, err = run.finish()
    assert code == 130, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("posdiag: The backup was interrupted;") and "--resume" in last

    code, out, _ = cli("verify", str(set_dir), "--json")
    report = json.loads(out)
    assert code == 1 and report["problems"] == [p for p in report["problems"] if "incomplete" in p]
    # Everything received was kept: at most the record cut by the signal is missing.
    assert report["journal_bytes"] >= run.received - 4096 - 2048
    assert f"{report['journal_bytes']} journal bytes are saved" in last

    resumed = ObservedRun(set_dir, office_key[1], "--resume", "--json")
    code, out, err = resumed.finish()
    assert code == 0, err
    assert json.loads(out)["resumed_from"] == report["journal_bytes"]
    assert resumed.started_at == report["journal_bytes"]  # nothing read twice
    assert journal_bytes(set_dir, office_key[0]) == reference
