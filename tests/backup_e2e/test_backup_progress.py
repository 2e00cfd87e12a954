"""What `posdiag backup` shows while it runs: a progress line on a terminal, nothing otherwise.

Issue 4: "a progress bar with bytes, records and ETA on a terminal"; the journal size is
known from the terminal's Read File answers. Here stderr is a real pty, the emulated
terminal is paced at 1 Mbaud so the dump takes a second or two, and everything the command
writes (progress included) is also scanned for full card numbers (PCI DSS 3.4.1).
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys

from posdiag.cards import find_pans


def read_all(fd: int, child: subprocess.Popen[bytes]) -> bytes:
    chunks = []
    while True:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not data:
                break
            chunks.append(data)
        elif child.poll() is not None:
            break
    return b"".join(chunks)


def test_progress_on_a_terminal_shows_bytes_records_and_eta(tmp_path, office_key) -> None:
    master, slave = pty.openpty()
    child = subprocess.Popen([sys.executable, "-m", "posdiag", "backup", "--port",
                              "sim:journal=600,seed=12,baud=1000000", "--to",
                              str(tmp_path / "set"), "-r", office_key[1], "--json"],
                             stdout=subprocess.PIPE, stderr=slave, env=os.environ.copy())
    os.close(slave)
    try:
        shown = read_all(master, child).decode("utf-8", "replace")
        out = child.communicate(timeout=60)[0].decode()
    finally:
        os.close(master)
    assert child.returncode == 0, shown
    summary = json.loads(out)
    size = summary["journal_size"]
    # Issue 16.7: which terminal first, then progress through every step, not only the dump.
    lines = [line for line in shown.splitlines() if not line.startswith("Created the kit")]
    assert lines[0].startswith("Terminal posdiag EMU-700 (emulated), serial 7000000001, "
                               "TID 52500001; backing up into "), shown
    steps = shown.split("\r")
    frames = [f for f in steps if f.startswith("journal")]
    assert len(frames) >= 2, shown  # it was redrawn while the dump ran
    assert any("ETA" in f for f in frames)
    assert f"/ {size / 2**20:.2f} MiB (100%)" in frames[-1]
    assert "600 records" in frames[-1]

    def first(text: str) -> int:
        return next(i for i, step in enumerate(steps) if step.startswith(text))

    assert first("reading the terminal's configuration printout") < first("journal") < \
        first("reading the terminal's totals") < first("reading the terminal's log")
    log = [step.removesuffix("\x1b[K") for step in steps
           if step.startswith("reading the terminal's log: ")]
    done, _, total = log[-1].removeprefix("reading the terminal's log: ").partition(" / ")
    assert done == total.strip() and done.endswith(" KiB")  # the log read to its end
    assert find_pans(shown + out) == []


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path, office_key) -> None:
    done = subprocess.run([sys.executable, "-m", "posdiag", "backup", "--port",
                           "sim:journal=200,seed=12", "--to", str(tmp_path / "set"),
                           "-r", office_key[1]], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=60)
    assert done.returncode == 0, done.stderr
    assert "\r" not in done.stderr and "ETA" not in done.stderr
    final = [line for line in done.stderr.splitlines() if not line.startswith("Created the kit")]
    # Which terminal, then the result: nothing in between when nobody watches a terminal.
    assert final[0] == (f"Terminal posdiag EMU-700 (emulated), serial 7000000001, TID 52500001; "
                        f"backing up into {tmp_path / 'set'}.")
    assert final[1].startswith("Backed up 200 records") and "agrees" in final[2]
    assert len(final) == 3 and done.stdout == ""
    assert find_pans(done.stdout + done.stderr) == []
