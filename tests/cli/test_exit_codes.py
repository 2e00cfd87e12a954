"""Exit codes as documented: README's table is the code's, and every command's codes happen.

A command documents the codes it uses in the "Exit code(s)" sentence of its --help; beyond
that every command may end 0 (ok) and 2 (usage: a wrong option), and every command that opens
a terminal (--port) 3. For each (command, code) so documented there is a scenario below that
makes the command end with exactly that code, run as a user runs it; a command added without
scenarios for its codes fails ``test_every_documented_code_has_a_scenario``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from ctrl_c import as_at_a_terminal

from posdiag.cli import cli as root_group
from posdiag.cli import main
from posdiag.cli.exit_codes import BEGIN, END, markdown_table, with_table
from posdiag.errors import EXIT_CODES

README = Path(__file__).resolve().parents[2] / "README.md"
DEAD_PORT = "/dev/posdiag-no-such-port"  # a port that is not there: a link error


# --- README ----------------------------------------------------------------------------------


def test_readme_exit_code_table_is_made_from_the_code():
    text = README.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, "README lost the exit-code table's markers"
    assert with_table(text) == text, (
        "README's exit-code table differs from posdiag/errors.py EXIT_CODES; run "
        "`python -m posdiag.cli.exit_codes README.md`. Expected:\n" + markdown_table())


def test_the_table_lists_every_exit_code_the_errors_carry():
    import posdiag.errors as errors

    carried = {cls.exit_code for cls in vars(errors).values()
               if isinstance(cls, type) and issubclass(cls, errors.PosdiagError)}
    assert carried | {0} == set(EXIT_CODES)
    assert EXIT_CODES[130] and errors.Interrupted.exit_code == 130


def test_top_level_help_lists_the_exit_codes(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    for code in EXIT_CODES:
        assert re.search(rf"^\s+{code}\s+\w", out, re.M), f"--help does not explain {code}"


# --- what each command documents -------------------------------------------------------------


def leaf_commands() -> Iterator[tuple[str, click.Command]]:
    context = click.Context(root_group)

    def walk(group: click.Group, path: list[str]) -> Iterator[tuple[str, click.Command]]:
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            assert command is not None
            if isinstance(command, click.Group):
                if getattr(command, "invoke_without_command", False):
                    yield " ".join([*path, name]), command
                yield from walk(command, [*path, name])
            else:
                yield " ".join([*path, name]), command

    yield from walk(root_group, [])


_EXIT_SENTENCE = re.compile(r"Exit codes?\b(.*?)(?:\n\s*\n|\Z)", re.S)


def documented_codes(command: click.Command) -> set[int]:
    codes = {0, 2}
    if any("--port" in getattr(p, "opts", []) for p in command.params):
        codes.add(3)
    found = _EXIT_SENTENCE.search(command.help or "")
    if found:
        codes |= {int(n) for n in re.findall(r"(?<![\w.])(\d{1,3})(?![\w.])", found.group(1))}
    return codes


def test_commands_document_only_codes_of_the_table():
    for name, command in leaf_commands():
        assert documented_codes(command) <= set(EXIT_CODES), name


# --- the scenarios ---------------------------------------------------------------------------


@dataclass
class World:
    """Files the scenarios use, made once: a key, a backup set, a record, a case, ..."""

    root: Path
    recipient: str
    key: Path
    other_key: Path
    set_dir: Path
    damaged_set: Path
    age_file: Path
    record: Path
    kit_config: Path
    case_dir: Path
    shop: Path


def _in_process(args: list[str]) -> tuple[int, str, str]:
    """(code, stdout, stderr) of one posdiag command run in this process."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err), pytest.raises(SystemExit) as done:
        main([str(a) for a in args])
    return int(done.value.code or 0), out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    from posdiag.crypto.age import generate_identity

    root = tmp_path_factory.mktemp("exit-codes")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POSDIAG_CONFIG_DIR", str(root / "config"))
        patch.chdir(root)
        secret, recipient = generate_identity()
        key = root / "office.key"
        key.write_text(f"# test identity (test material)\n{secret}\n")
        other = root / "other.key"
        other.write_text(f"# test identity (test material)\n{generate_identity()[0]}\n")
        set_dir = root / "set"
        code, _, err = _in_process(["backup", "--port", "sim:journal=5", "--to", set_dir,
                                    "-r", recipient])
        assert code == 0, err
        damaged = root / "damaged"
        shutil.copytree(set_dir, damaged)
        journal = next(damaged.glob("journal-*.age"))
        journal.write_bytes(journal.read_bytes()[:-10] + b"0123456789")
        code, _, err = _in_process(["test", "--port", "sim", "--plan", "quick",
                                    "--record", root / "records"])
        assert code == 0, err
        record = next((root / "records").glob("*.json"))
        kit_config = root / "kit.toml"
        kit_config.write_text(f'recipients = ["{recipient}"]\n', encoding="utf-8")
        shop = root / "shop.toml"
        shop.write_text('[merchant]\nname = "Test shop"\nnumber = "100200300"\n'
                        '[terminal]\npurchased = 2026-03-01\n', encoding="utf-8")
        code, _out, err = _in_process([
            "case", "open", "--no-terminal", "--model", "EMU-700", "--serial", "EMU0000001",
            "--tid", "52500001", "--merchant", shop, "--fault", "no-power", "--describe",
            "dead", "--root", root / "cases"])
        assert code == 0, err
        case_dir = next((root / "cases").iterdir())
        for stick in ("stick0", "stick3"):
            (root / stick).mkdir()
        (root / "kit-web.secret").write_text("test-secret-of-the-kit-page-0123456789\n",
                                             encoding="ascii")
        yield World(root, recipient, key, other, set_dir, damaged,
                    next(set_dir.glob("journal-*.age")), record, kit_config, case_dir, shop)


Args = Callable[[World], list[object]]


@dataclass(frozen=True)
class Scenario:
    command: str
    code: int
    args: Args
    says: str = ""  # a regular expression stderr must match
    needs_no_stick: bool = False  # only where no USB stick is mounted (else it is chosen)
    before: Args | None = None  # a command that must succeed first

    @property
    def id(self) -> str:
        return f"{self.command.replace(' ', '-')}-{self.code}"


def _stick_mounted() -> bool:
    from posdiag.kit.detect import find_stick

    return find_stick() is not None


S = Scenario
SCENARIOS = [
    S("devices", 0, lambda w: ["devices", "--json"]),
    S("devices", 2, lambda w: ["devices", "--bogus"]),
    S("info", 0, lambda w: ["info", "--port", "sim"]),
    S("info", 2, lambda w: ["info", "--port", "sim", "--password", "12"], r"6 digits"),
    S("info", 3, lambda w: ["info", "--port", DEAD_PORT]),
    S("backup", 0, lambda w: ["backup", "--port", "sim:journal=3", "--to", w.root / "b0",
                              "-r", w.recipient]),
    S("backup", 2, lambda w: ["backup", "--port", "sim", "--to", w.root / "b2"]),
    S("backup", 3, lambda w: ["backup", "--port", DEAD_PORT, "--to", w.root / "b3",
                              "-r", w.recipient]),
    S("backup", 4, lambda w: ["backup", "--port", "sim", "--to", "auto", "-r", w.recipient],
      r"No mounted USB stick.*--to DIR", needs_no_stick=True),
    S("verify", 0, lambda w: ["verify", w.set_dir]),
    S("verify", 1, lambda w: ["verify", w.damaged_set, "-i", w.key]),
    S("verify", 2, lambda w: ["verify", w.root / "no-such-set"], r"not a folder"),
    S("inspect", 0, lambda w: ["inspect", w.set_dir, "-i", w.key]),
    S("inspect", 1, lambda w: ["inspect", w.damaged_set, "-i", w.key], r"does not verify"),
    S("verify", 2, lambda w: ["verify", w.set_dir, "-i", w.other_key],
      r"^posdiag: None of the given identities can open this set"),
    S("verify", 2, lambda w: ["verify", w.case_dir.parent], r"holds no backup set"),
    S("verify", 2, lambda w: ["verify", w.root], r"holds \d of them: .*damaged, set; verify one"),
    S("inspect", 2, lambda w: ["inspect", w.root / "no-such-set", "-i", w.key]),
    S("inspect", 2, lambda w: ["inspect", w.case_dir.parent, "-i", w.key],
      r"holds no backup set"),
    S("inspect", 2, lambda w: ["inspect", w.set_dir, "-i", w.other_key],
      r"None of the given identities can open this set"),
    S("decrypt", 0, lambda w: ["decrypt", w.age_file, "-i", w.key, "-o", w.root / "j.bin"]),
    S("decrypt", 1, lambda w: ["decrypt", next(w.damaged_set.glob("journal-*.age")), "-i",
                               w.key, "-o", w.root / "damaged.bin"]),
    S("decrypt", 2, lambda w: ["decrypt", w.root / "no-such.age", "-i", w.key]),
    S("decrypt", 2, lambda w: ["decrypt", w.age_file, "-i", w.other_key, "-o",
                               w.root / "other.bin"],
      r"None of the given identities can open this age file"),
    S("decrypt", 2, lambda w: ["decrypt", w.shop, "-i", w.key, "-o", w.root / "shop.bin"],
      r"not an age v1 encrypted file"),
    S("keygen", 0, lambda w: ["keygen", "-o", w.root / "new.key"]),
    S("keygen", 2, lambda w: ["keygen", "-o", w.key], r"already exists"),
    S("test", 0, lambda w: ["test", "--port", "sim", "--plan", "quick", "--record",
                            w.root / "r0"]),
    S("test", 1, lambda w: ["test", "--port", "sim:fault=paper-out", "--plan", "quick",
                            "--record", w.root / "r1"]),
    S("test", 2, lambda w: ["test", "--port", "sim", "--plan", w.root / "no-plan.toml"]),
    S("test", 3, lambda w: ["test", "--port", DEAD_PORT, "--plan", "quick", "--record",
                            w.root / "r3"]),
    S("simulate", 2, lambda w: ["simulate", "--count", "0"]),
    S("simulate printer", 2, lambda w: ["simulate", "printer", "--bogus"]),
    S("simulate control", 2, lambda w: ["simulate", "control", w.root / "pt.sock"]),
    S("simulate control", 3, lambda w: ["simulate", "control", w.root / "none.sock", "status"],
      r"no emulator listens on"),
    S("demo", 0, lambda w: ["demo", "--dir", w.root / "demo", "--journal", "5"]),
    S("demo", 2, lambda w: ["demo", "--journal", "-1"]),
    S("report", 0, lambda w: ["report", w.record, "-o", w.root / "report.html"]),
    S("report", 2, lambda w: ["report", w.root / "no-record.json", "-o", w.root / "r.html"]),
    S("report", 4, lambda w: ["report", w.record, "-o", w.record / "report.html"]),
    S("zvt decode", 0, lambda w: ["zvt", "decode", "80 00 00"]),
    S("zvt decode", 2, lambda w: ["zvt", "decode", "zz"]),
    S("kit install", 0, lambda w: ["kit", "install", "--prefix", w.root / "img", "--dry-run"]),
    S("kit install", 2, lambda w: ["kit", "install", "--bogus"]),
    S("kit uninstall", 0, lambda w: ["kit", "uninstall", "--prefix", w.root / "img",
                                     "--dry-run"],
      before=lambda w: ["kit", "install", "--prefix", w.root / "img"]),
    S("kit uninstall", 2, lambda w: ["kit", "uninstall", "--bogus"]),
    S("kit run", 2, lambda w: ["kit", "run", "--bogus"]),
    S("kit once", 0, lambda w: ["kit", "once", "--port", "sim:journal=3", "--media",
                                w.root / "stick0", "--config", w.kit_config, "--state-dir",
                                w.root / "kit-state"]),
    S("kit once", 2, lambda w: ["kit", "once", "--port", "sim", "--media", w.root / "stick2",
                                "--config", w.root / "no-kit.toml"]),
    S("kit once", 3, lambda w: ["kit", "once", "--port", DEAD_PORT, "--media",
                                w.root / "stick3", "--config", w.kit_config, "--state-dir",
                                w.root / "kit-state"]),
    S("kit once", 4, lambda w: ["kit", "once", "--port", "sim", "--config", w.kit_config,
                                "--state-dir", w.root / "kit-state"],
      r"No mounted USB stick.*give --media DIR", needs_no_stick=True),
    S("case open", 0, lambda w: ["case", "open", "--port", "sim", "--merchant", w.shop,
                                 "--fault", "printer", "--describe", "blank receipts",
                                 "--root", w.root / "cases-0"]),
    S("case open", 2, lambda w: ["case", "open", "--port", "sim", "--merchant",
                                 w.root / "no-shop.toml", "--fault", "printer", "--describe",
                                 "x", "--root", w.root / "cases-2"]),
    S("case open", 3, lambda w: ["case", "open", "--port", DEAD_PORT, "--merchant", w.shop,
                                 "--fault", "printer", "--describe", "x", "--root",
                                 w.root / "cases-3"]),
    S("case show", 0, lambda w: ["case", "show", w.case_dir]),
    S("case show", 2, lambda w: ["case", "show", w.root / "no-case"]),
    S("case list", 0, lambda w: ["case", "list", w.case_dir.parent]),
    S("case list", 2, lambda w: ["case", "list", "--since", "yesterday-ish"]),
    S("case list", 2, lambda w: ["case", "list", w.root / "no-cases"], r"does not exist"),
    S("case edit", 0, lambda w: ["case", "edit", w.case_dir, "--note", "seen again"]),
    S("case edit", 2, lambda w: ["case", "edit", w.root / "no-case", "--note", "x"]),
    S("case request", 2, lambda w: ["case", "request", w.root / "no-case"]),
    S("case request", 4, lambda w: ["case", "request", w.case_dir, "-o",
                                    w.root / "no-folder" / "request.html"]),
    S("case verify-document", 1, lambda w: ["case", "verify-document", w.record, w.case_dir]),
    S("case verify-document", 2, lambda w: ["case", "verify-document", w.root / "no.pdf"]),
    S("case close", 2, lambda w: ["case", "close", w.root / "no-case"]),
    S("kit serve", 2, lambda w: ["kit", "serve", "--secret-file", w.root / "no-secret"],
      says="secret"),
]

# Documented codes exercised elsewhere, and why not here.
ELSEWHERE = {
    ("backup", 1): "no emulator fault makes the totals disagree yet; tests/backup_e2e",
    ("kit once", 1): "needs totals that disagree or a failing kit plan; tests/kit/test_kit_cycle",
    ("case show", 1): "an altered case file: tests/case/test_commands.py",
    ("case request", 0): "needs a case with a backup: tests/case/test_story.py",
    ("case close", 0): "needs an accepted case: tests/case/test_story.py",
    ("case certificate", 0): "needs an accepted case: tests/case/test_story.py",
    ("case certificate", 2): "tests/case/test_commands.py",
    ("case request", 1): "an altered case file: tests/case/test_commands.py",
    ("case certificate", 1): "an altered case file: tests/case/test_documents.py",
    ("case certificate", 4): "needs an accepted case: tests/case/test_documents.py",
    ("case verify-document", 0): "needs a document of a case: tests/case/test_documents.py",
    ("simulate", 0): "a server: test_servers_end_with_0_when_stopped",
    ("simulate printer", 0): "a server: test_servers_end_with_0_when_stopped",
    ("simulate control", 0): "needs a running emulator: tests/emulator_payments/"
                             "test_simulate_control_cli.py",
    ("kit run", 0): "a service: test_servers_end_with_0_when_stopped",
    ("kit serve", 0): "a service: test_servers_end_with_0_when_stopped",
    ("test", 130): "a real Ctrl-C: test_ctrl_c_during_a_test_run_ends_with_130_and_a_record",
    ("backup", 130): "a real Ctrl-C and SIGTERM: tests/backup_e2e/test_backup_kill_resume.py",
}


def test_every_documented_code_has_a_scenario():
    covered = {(s.command, s.code) for s in SCENARIOS} | set(ELSEWHERE)
    missing = [(name, code) for name, command in leaf_commands()
               for code in sorted(documented_codes(command)) if (name, code) not in covered]
    assert not missing, f"documented exit codes without a scenario: {missing}"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_the_command_ends_with_the_documented_code(scenario: Scenario, world: World,
                                                   monkeypatch):
    if scenario.needs_no_stick and _stick_mounted():
        pytest.skip("a USB stick is mounted here: --to auto would choose it")
    monkeypatch.setenv("POSDIAG_CONFIG_DIR", str(world.root / "config"))
    monkeypatch.chdir(world.root)
    if scenario.before is not None:
        code, _out, err = _in_process(scenario.before(world))
        assert code == 0, err
    code, _out, err = _in_process(scenario.args(world))
    assert code == scenario.code, err
    if scenario.code != 0:
        assert "Traceback" not in err
    if scenario.says:
        assert re.search(scenario.says, err, re.S), err


# --- as a shell runs it: pipes, signals, --debug ------------------------------------------------


def _posdiag(*args: object) -> list[str]:
    return [sys.executable, "-m", "posdiag", *map(str, args)]


def test_a_reader_that_stops_early_ends_the_command_quietly_with_0(world: World):
    """`posdiag inspect … | head -1`: the closed pipe is no error (as `git log | head`)."""
    command = " ".join(map(str, _posdiag("inspect", world.set_dir, "-i", world.key,
                                         "--format", "csv")))
    done = subprocess.run(["bash", "-c", f"set -o pipefail; {command} | head -1"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "POSDIAG_CONFIG_DIR": str(world.root / "config")})
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and done.stderr == ""


def test_a_failure_while_writing_to_a_live_pipe_is_still_an_error(world: World):
    """Only a reader that went away is quiet: the command's own errors keep their code."""
    command = " ".join(map(str, _posdiag("inspect", world.root / "no-such-set", "-i",
                                         world.key)))
    done = subprocess.run(["bash", "-c", f"set -o pipefail; {command} | cat"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "not a folder" in done.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_is_accepted_before_and_after_the_command(where: str, world: World):
    args = ["verify", world.root / "no-such-set"]
    args = ["--debug", *args] if where == "before" else [*args, "--debug"]
    done = subprocess.run(_posdiag(*args), capture_output=True, text=True, timeout=120)
    assert "no such option" not in done.stderr.lower()
    assert "Traceback" in done.stderr and "UsageError" in done.stderr


def _started(process: subprocess.Popen[str], marker: str, seconds: float = 60.0,
             stream: str = "stderr") -> None:
    """Wait until the process wrote a line holding ``marker`` to ``stream``."""
    deadline = time.monotonic() + seconds
    lines = getattr(process, stream)
    assert lines is not None
    for line in lines:
        if marker in line:
            return
        assert time.monotonic() < deadline, f"no {marker!r} from {process.args}"
    raise AssertionError(f"{process.args} ended before {marker!r}")


def test_ctrl_c_during_a_test_run_ends_with_130_and_a_record(world: World):
    """Ctrl-C while the terminal waits for a card nobody presents: ABORTED, exit 130."""
    from emulator_process import emulator_process

    records = world.root / "ctrl-c"
    with emulator_process(world.root) as terminal:
        process = subprocess.Popen(
            _posdiag("test", "--port", terminal.port, "--plan", "quick", "--record", records),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "POSDIAG_CONFIG_DIR": str(world.root / "config")},
            preexec_fn=as_at_a_terminal)
        try:
            _started(process, "card")  # the card prompt: the terminal now waits for one
            time.sleep(0.5)
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=60)
        finally:
            process.kill()
    assert process.returncode == 130, err
    assert "interrupted" in err.lower()
    [record] = records.glob("*.json")
    assert '"outcome": "ABORTED"' in record.read_text()


@pytest.mark.parametrize("args, marker, stream", [
    (("simulate", "--tcp", "127.0.0.1:0"), "running", "stderr"),
    (("simulate", "printer", "--tcp", "127.0.0.1:0", "--out", "printed"), "listening on",
     "stdout"),
    (("kit", "run", "--config", "no-kit.toml", "--state-dir", "kit-run-state"),
     "service started", "stderr"),
    # No access point yet: the page waits for its interface, as at boot, until stopped.
    (("kit", "serve", "--interface", "posdiag-none0", "--config", "no-kit.toml",
      "--state-dir", "kit-serve-state", "--secret-file", "kit-web.secret"), "has no address",
     "stderr"),
])
def test_servers_end_with_0_when_stopped(args: tuple[str, ...], marker: str, stream: str,
                                         world: World):
    """A server's normal end is being stopped: SIGTERM (systemd) or Ctrl-C (printer). Each is
    stopped once it says it runs (not after a fixed wait, which a loaded machine outlasts)."""
    process = subprocess.Popen(_posdiag(*args), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=world.root, preexec_fn=as_at_a_terminal,
                               env={**os.environ,
                                    "POSDIAG_CONFIG_DIR": str(world.root / "config")})
    try:
        _started(process, marker, stream=stream)
        process.send_signal(signal.SIGINT if "printer" in args else signal.SIGTERM)
        process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0
