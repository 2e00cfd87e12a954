"""End to end: text from a stick or a terminal cannot drive the technician's terminal.

Issue 10, item 5: a file name with terminal escape sequences on a stick reached the screen
raw through `verify`'s notes, and a terminal's log snapshot through `inspect --part log`.
Here the stick, the terminal's identity and its log carry ESC/OSC/CSI sequences, a carriage
return, C1 controls and a right-to-left override; nothing of it may arrive raw.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator

from posdiag.display import escape_controls, untrusted
from posdiag.emulator.config import TerminalConfig
from posdiag.emulator.terminal import EmulatedTerminal

# What must never reach a terminal raw from outside: C0 but tab/newline, DEL, C1, bidi.
RAW = {chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))} | set(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")
HOSTILE = "\x1b]0;owned\x07\x1b[2J\rALL OK\x9b31m\u202etxt.exe"


def raw_controls(text: str) -> list[str]:
    return sorted({f"U+{ord(c):04X}" for c in text if c in RAW})


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command's output as text, without newline translation (a raw \r must show)."""
    done = subprocess.run([sys.executable, "-m", "posdiag", *args], capture_output=True,
                          timeout=120, env={**os.environ, **(env or {})})
    return subprocess.CompletedProcess(done.args, done.returncode,
                                       done.stdout.decode("utf-8", "surrogateescape"),
                                       done.stderr.decode("utf-8", "surrogateescape"))


# --- the escaping function -----------------------------------------------------------------


def test_untrusted_escapes_every_control_and_keeps_the_rest() -> None:
    shown = untrusted(f"name {HOSTILE}\tend\n")
    assert raw_controls(shown) == []
    assert shown == ("name \\u001b]0;owned\\u0007\\u001b[2J\\u000dALL OK\\u009b31m\\u202etxt.exe"
                     "\tend\\u000a")
    assert untrusted("a\nb", keep_newlines=True) == "a\nb"
    assert untrusted("Grüße 终端 ①") == "Grüße 终端 ①"


def test_posdiags_own_progress_line_survives_the_output_pass() -> None:
    line = "\rjournal 1.00 MiB / 2.00 MiB (50%)  12 records  ETA 0:00:03\x1b[K"
    assert escape_controls(line, own_output=True) == line
    assert escape_controls("\x1b[1mbold\x1b[0m", own_output=True) == "\x1b[1mbold\x1b[0m"
    assert raw_controls(escape_controls(HOSTILE.replace("\r", ""), own_output=True)) == []


# --- a hostile stick and terminal ----------------------------------------------------------


@contextlib.contextmanager
def hostile_terminal() -> Iterator[str]:
    config = TerminalConfig(device_name=f"EMU{HOSTILE[:20]}", serial_number="EMU\x1b[2J01")
    emulator = EmulatedTerminal(config, journal=12, seed=3)
    with emulator.ledger._lock:  # test tooling: plant raw bytes in the terminal's log file
        emulator.ledger._app_log += (f"line {HOSTILE}\n".encode()
                                     + b"bytes \x9b2J \x1b]52;c;AAAA\x07 \xff\xfe end\n")
    try:
        host, port = emulator.serve_tcp("127.0.0.1", 0)
        yield f"tcp://{host}:{port}"
    finally:
        emulator.stop()


def test_nothing_from_the_stick_or_the_terminal_reaches_the_screen_raw(tmp_path, office) -> None:
    key, recipient = office
    env = {"POSDIAG_CONFIG_DIR": str(tmp_path / "config")}
    set_dir = tmp_path / "set"
    results = {}
    with hostile_terminal() as port:
        results["info"] = run("info", "--port", port, env=env)
        results["info --json"] = run("info", "--port", port, "--json", env=env)
        results["backup"] = run("backup", "--port", port, "--to", str(set_dir), "-r", recipient,
                                env=env)
    assert results["backup"].returncode == 0, results["backup"].stderr
    (set_dir / f"journal-9{HOSTILE}.age").write_bytes(b"left over")  # named by no manifest
    results["verify"] = run("verify", str(set_dir), env=env)
    results["verify --json"] = run("verify", str(set_dir), "--json", env=env)
    results["inspect log"] = run("inspect", str(set_dir), "-i", str(key), "--part", "log",
                                 env=env)
    results["inspect identity"] = run("inspect", str(set_dir), "-i", str(key), "--part",
                                      "identity", env=env)
    results["error naming a file"] = run("verify", str(tmp_path / f"no{HOSTILE}"), env=env)
    assert "named by no manifest" in results["verify"].stdout
    assert "owned" in results["inspect log"].stdout and "end" in results["inspect log"].stdout
    found = {f"{stream} of {what}": raw_controls(getattr(result, stream))
             for what, result in results.items() for stream in ("stdout", "stderr")}
    assert {where: codes for where, codes in found.items() if codes} == {}


def test_kit_state_lines_and_hook_messages_carry_no_raw_controls() -> None:
    import io
    import logging

    from posdiag.kit import signals
    from posdiag.kit.logs import kit_logging

    seen: list[dict[str, str]] = []

    def hook_runner(command, env, **kwargs):
        seen.append(env)
        return subprocess.CompletedProcess(command, 0)

    out = io.StringIO()
    with kit_logging(out):
        signal = signals.StateSignal(["hook"], run=hook_runner)
        signal(signals.BACKING_UP, f"starting the backup of terminal X ({HOSTILE}) into "
                                   f"/media/posdiag/STICK/{HOSTILE}")
        logging.getLogger("posdiag.kit").warning("raw %s", HOSTILE)
    assert raw_controls(out.getvalue()) == []
    assert out.getvalue().count("\n") == 2
    assert raw_controls(seen[0]["POSDIAG_KIT_MESSAGE"]) == []
