"""`make mutation`: cosmic-ray over the modules that guard data, each against its own tests.

    python tests/mutation/run_mutation.py [--again | --recheck-timeouts | --resume] [PATH ...]

``--again`` reruns only the survivors of a module whose source has not changed since its
last run (tests were added): a killed mutant stays killed, and one listed in
equivalent.toml is not run again. ``--recheck-timeouts`` also reruns the mutants counted
as killed because their tests ran past the time limit: on a loaded machine that may be the
load, not a hang, so a score is only final once they are rechecked on a quiet one.
``--resume`` goes on with the mutants of an unchanged module that have no result yet: after
a stopped run, or as a second process on a second core beside a running one (each process
takes the next mutant nobody has a result for).

cosmic-ray makes the mutants (its operators, its session database, its reports) and writes
each one into the source file, so everything happens in a scratch copy of the tree
(build/mutation/tree-PID), never in the work tree: an interrupted run cannot leave a mutant
behind. drivers/ installs as posdiag.drivers (setuptools package-dir), so the copy gets a
link posdiag/drivers -> ../drivers and is put first on sys.path, ahead of the editable
install's finder (which only answers after the path). The mutated module's cached
bytecode is deleted before every run, so a mutant of the same size written within the same
second can never run from a stale .pyc (the rest keep theirs: compiling every posdiag
module afresh for each mutant would double the time).

The tests of each mutant run in a child forked from this process, which has pytest,
hypothesis and the third-party libraries loaded but no posdiag module: a fresh pytest
process costs 5-10 s on a loaded 2-core machine, a fork a few milliseconds, and the
child imports posdiag (mutant included) afresh. This is cosmic-ray's `exec` step done by
fork instead of a new process; results go into the same session database.

Score per module: killed / (mutants - equivalent). A mutant is killed when its test run
fails or times out; the equivalent ones are listed in tests/mutation/equivalent.toml with
the reason no test can tell them apart. Survivors are printed with their diff. The run fails
(exit 1) when a module scores under the bar.
"""

from __future__ import annotations

import ast
import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BUILD = ROOT / "build" / "mutation"
# One copy per run, so two runs (two modules) can go side by side.
TREE = BUILD / f"tree-{os.getpid()}"
BAR = 0.90
# What the tests read besides the code: docs/ too (tests hold the code to the documented limits).
COPIED = ("posdiag", "drivers", "testplans", "tests", "docs", "README.md", "pyproject.toml")
LINKS = {"posdiag/drivers": "../drivers", "posdiag/testplans": "../testplans"}


@dataclass
class Score:
    path: str
    total: int = 0
    killed: int = 0
    equivalent: list[str] = field(default_factory=list)
    survivors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    timed_out: int = 0  # of the killed: ran past the time limit (a hang, or a loaded machine)

    @property
    def score(self) -> float:
        counted = self.total - len(self.equivalent)
        return self.killed / counted if counted else 1.0


def copy_tree() -> None:
    if TREE.exists():
        shutil.rmtree(TREE)
    TREE.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", ".hypothesis", "*.pyc", "node_modules")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, TREE / name, ignore=ignore, symlinks=True)
        else:
            shutil.copy2(source, TREE / name)
    for link, target in LINKS.items():
        (TREE / link).symlink_to(target)


def equivalents() -> dict[tuple[str, str, str, int], str]:
    data = tomllib.loads((HERE / "equivalent.toml").read_text(encoding="utf-8"))
    return {(e["module"], e["operator"], e["line"].strip(), int(e["column"])): e["why"]
            for e in data.get("mutant", [])}


def annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where the module's annotations are: with ``from __future__ import annotations`` they
    are never evaluated, so a mutant inside one (``bytes | bytearray`` -> ``bytes & ...``)
    cannot change what the program does. Such mutants are not generated work."""
    assert "from __future__ import annotations" in source
    spans = []
    for node in ast.walk(ast.parse(source)):
        found: list[ast.expr | None] = []
        if isinstance(node, ast.arg):
            found.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            found.append(node.annotation)
        for annotation in found:
            if annotation is not None:
                spans.append(((annotation.lineno, annotation.col_offset),
                              (annotation.end_lineno or 0, annotation.end_col_offset or 0)))
    return spans


def skip_annotations(session: Path, source: str) -> int:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    spans = annotation_spans(source)
    skipped = 0
    with use_db(session, WorkDB.Mode.open) as db:
        for item in list(db.work_items):
            if all(any(start <= tuple(m.start_pos) < end for start, end in spans)
                   for m in item.mutations):
                db.set_result(item.job_id, WorkResult(worker_outcome=WorkerOutcome.SKIPPED))
                skipped += 1
    return skipped


PRELOADED = ("pytest", "hypothesis", "_hypothesis_pytestplugin", "hypothesis.strategies",
             "click", "jinja2", "babel", "serial", "usb", "cryptography.hazmat.primitives.ciphers",
             "cryptography.hazmat.primitives.asymmetric.ed25519",
             "cryptography.hazmat.primitives.asymmetric.x25519",
             "cryptography.hazmat.primitives.kdf.hkdf", "cryptography.hazmat.primitives.hmac",
             "cryptography.hazmat.primitives.ciphers.aead")


def pytest_args(tests: list[str]) -> list[str]:
    # Only what a verdict needs: no plugin autoload (entry points are scanned per run),
    # hypothesis loaded by name, no gc.collect rounds of the unraisable-exception hook, no
    # assertion rewriting, one line per failure. Together 3 s less per mutant.
    return ["-x", "-q", "--no-header", "-p", "no:cacheprovider", "-p", "_hypothesis_pytestplugin",
            "-p", "no:unraisableexception", "-p", "no:threadexception", "--assert=plain",
            "--tb=line", "-o", "addopts=", *tests]


class LineRecorder:
    """A pytest plugin that notes which lines of one file each test runs (sys.settrace),
    and which run while no test does (at import)."""

    def __init__(self, path: Path) -> None:
        self.path = str(path.resolve())
        self.current = ""
        self.lines: dict[str, set[int]] = {"": set()}
        self._files: dict[str, bool] = {}

    def _ours(self, filename: str) -> bool:
        known = self._files.get(filename)
        if known is None:
            known = self._files[filename] = os.path.realpath(filename) == self.path
        return known

    def trace(self, frame, event, arg):  # type: ignore[no-untyped-def]
        if not self._ours(frame.f_code.co_filename):
            return None
        hit = self.lines.setdefault(self.current, set())

        def local(frame, event, arg):  # type: ignore[no-untyped-def]
            if event == "line":
                hit.add(frame.f_lineno)
            return local

        hit.add(frame.f_lineno)
        return local

    def pytest_runtest_setup(self, item) -> None:  # type: ignore[no-untyped-def]
        self.current = item.nodeid

    def pytest_runtest_teardown(self, item) -> None:  # type: ignore[no-untyped-def]
        self.current = ""


def forget_bytecode(module: Path) -> None:
    for cached in (module.parent / "__pycache__").glob(f"{module.stem}.*.pyc"):
        cached.unlink()


def run_tests(tests: list[str], timeout: float, log: Path,
              record: tuple[Path, Path] | None = None,
              mutated: Path | None = None) -> tuple[str, float]:
    """('passed' | 'failed' | 'timeout', seconds) of the tests in a forked child.

    ``record`` = (module file, output JSON): also note each test's lines of the module.
    ``mutated``: the module file whose bytecode must not come from a cache."""
    if mutated is not None:
        forget_bytecode(mutated)
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: fresh posdiag imports, the mutant among them
        code = 3
        try:
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            import pytest
            from hypothesis import settings

            # A fixed search and no example database: a mutant's verdict does not depend
            # on what an earlier mutant's run found; no deadline: load is not a failure.
            settings.register_profile("mutation", database=None, derandomize=True,
                                      deadline=None)
            settings.load_profile("mutation")
            if record is None:
                code = int(pytest.main(pytest_args(tests)))
            else:
                recorder = LineRecorder(record[0])
                sys.settrace(recorder.trace)
                code = int(pytest.main(pytest_args(tests), plugins=[recorder]))
                sys.settrace(None)
                record[1].write_text(json.dumps(
                    {k: sorted(v) for k, v in recorder.lines.items()}), encoding="utf-8")
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        elapsed = time.monotonic() - started
        if done:
            code = os.waitstatus_to_exitcode(status)
            return ("passed" if code == 0 else "failed"), elapsed
        if elapsed > timeout:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            return "timeout", elapsed
        time.sleep(0.02)


class TestChooser:
    """Which tests can see a mutant: those that ran its statement (the way mutmut picks
    them). A statement run at import (module constants, tables, class bodies) may shape
    every test, so all run; one no test runs cannot be killed and needs no run."""

    def __init__(self, source: str, lines: dict[str, list[int]], tests: list[str]) -> None:
        self.at_import = set(lines.get("", ()))
        self.by_test = {k: set(v) for k, v in lines.items() if k}
        self.tests = tests
        self.statements = [(n.lineno, n.end_lineno or n.lineno)
                           for n in ast.walk(ast.parse(source)) if isinstance(n, ast.stmt)]

    def _span(self, row: int) -> set[int]:
        inside = [(end - start, start, end) for start, end in self.statements
                  if start <= row <= end]
        if not inside:
            return {row}
        _size, start, end = min(inside)
        return set(range(start, end + 1))

    def tests_for(self, row: int) -> list[str]:
        span = self._span(row)
        if span & self.at_import:
            return self.tests
        return [test for test, hit in self.by_test.items() if span & hit]


def run_module(module: dict, known: dict[tuple[str, str, str, int], str],
               again: bool = False, recheck_timeouts: bool = False,
               resume: bool = False) -> Score:
    import cosmic_ray.plugins
    from cosmic_ray.mutating import _make_diff, use_mutation
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkResult

    path = module["path"]
    tests = module["tests"]
    timeout = float(module.get("timeout", 60))
    stem = path.replace("/", "_").removesuffix(".py")
    config = BUILD / f"{stem}.toml"
    session = BUILD / f"{stem}.sqlite"
    log = BUILD / f"{stem}-{os.getpid()}.log"  # one per process: runs may share a module
    config.write_text(
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(path)}\n"
        f"timeout = {timeout}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps('pytest ' + ' '.join(pytest_args(tests)))}\n"
        "[cosmic-ray.distributor]\n"
        'name = "local"\n', encoding="utf-8")
    cosmic = str(Path(sys.executable).with_name("cosmic-ray"))
    started = time.monotonic()
    source_text = (TREE / path).read_text(encoding="utf-8")
    digest = BUILD / f"{stem}.source-sha256"
    source_sha = hashlib.sha256(source_text.encode()).hexdigest()
    unchanged = session.exists() and digest.exists() and digest.read_text() == source_sha
    if resume and unchanged:
        # Go on with the mutants not run yet, beside any other process doing the same
        # (each takes the next one nobody has a result for).
        skipped = -1
    elif again and unchanged:
        # The module is unchanged and tests were only added: a killed mutant stays killed,
        # and one listed as equivalent survives whatever the tests, so only the other
        # survivors run again.
        lines = source_text.splitlines()
        with sqlite3.connect(session) as db:
            survived = db.execute(
                "SELECT r.job_id, s.operator_name, s.start_pos_row, s.start_pos_col "
                "FROM work_results r JOIN mutation_specs s ON s.job_id = r.job_id "
                "WHERE r.test_outcome = 'SURVIVED'").fetchall()
            db.executemany("DELETE FROM work_results WHERE job_id = ?", [
                (job,) for job, operator, row, column in survived
                if (path, operator, lines[row - 1].strip(), column) not in known])
            if recheck_timeouts:  # killed by the clock on a loaded machine, or a real hang?
                db.execute("DELETE FROM work_results WHERE worker_outcome = 'ABNORMAL'")
        skipped = -1
    else:
        session.unlink(missing_ok=True)
        subprocess.run([cosmic, "init", str(config), str(session)], cwd=TREE, check=True)
        skipped = skip_annotations(session, source_text)
        digest.write_text(source_sha)
    lines_file = BUILD / f"{stem}-{os.getpid()}.lines.json"
    # The unmutated run happens where every mutant's run does (the scratch tree), so a test
    # that cannot run there (a file the copy lacks) stops the run here instead of passing
    # for a killed mutant.
    os.chdir(TREE)
    outcome, _seconds = run_tests(tests, timeout * 10, log, (TREE / path, lines_file),
                                  TREE / path)
    if outcome != "passed":
        raise SystemExit(f"{path}: its tests fail on the unmutated code ({log}); fix them "
                         "first.")
    chooser = TestChooser(source_text, json.loads(lines_file.read_text(encoding="utf-8")),
                          tests)
    outcome, seconds = run_tests(tests, timeout * 3, log, mutated=TREE / path)
    # A mutant may take the tests' own time several times over before it counts as a hang.
    limit = min(timeout, max(10.0, seconds * 4))
    print(f"{path}: {'only the mutants without a result; ' if skipped < 0 else ''}"
          f"{max(skipped, 0)} mutants inside annotations skipped; tests take {seconds:.1f} s, "
          f"a mutant's run is stopped after {limit:.0f} s", flush=True)
    with use_db(session, WorkDB.Mode.open) as db:
        pending = list(db.pending_work_items)
        for number, item in enumerate(pending, 1):
            if _has_result(session, item.job_id):  # another process took it meanwhile
                continue
            (mutation,) = item.mutations
            operator = cosmic_ray.plugins.get_operator(mutation.operator_name)(
                **(mutation.operator_args or {}))
            with use_mutation(mutation.module_path, operator, mutation.occurrence) as (
                    original, mutated):
                if mutated is None:
                    db.set_result(item.job_id, WorkResult(worker_outcome=WorkerOutcome.NO_TEST))
                    continue
                chosen = chooser.tests_for(mutation.start_pos[0])
                if chosen:
                    outcome, _seconds = run_tests(chosen, limit, log, mutated=TREE / path)
                    output = log.read_text(encoding="utf-8", errors="replace")[-2000:]
                else:
                    outcome, output = "passed", "no test runs this statement"
            forget_bytecode(TREE / path)  # the mutant's own, now the original is back
            diff = "\n".join(_make_diff(original, mutated, mutation.module_path))
            try:
                db.set_result(item.job_id, WorkResult(
                    worker_outcome=(WorkerOutcome.ABNORMAL if outcome == "timeout"
                                    else WorkerOutcome.NORMAL),
                    test_outcome=(TestOutcome.SURVIVED if outcome == "passed"
                                  else TestOutcome.KILLED),
                    output=output, diff=diff))
            except KeyError:  # cosmic-ray's word for a result already stored
                if not _has_result(session, item.job_id):
                    raise
                # another process ran the same mutant at the same time: its verdict stands
            if number % 25 == 0:
                print(f"  {number} of {len(pending)} mutants run", flush=True)
    os.chdir(ROOT)
    score = Score(path, seconds=time.monotonic() - started)
    source = source_text.splitlines()
    dump = subprocess.run([cosmic, "dump", str(session)], cwd=TREE, check=True,
                          capture_output=True, text=True).stdout
    for line in dump.splitlines():
        item, result = json.loads(line)
        if result and result.get("worker_outcome") == "skipped":
            continue
        for mutation in item["mutations"]:
            score.total += 1
            row, column = mutation["start_pos"]
            text = source[row - 1].strip()
            key = (path, mutation["operator_name"], text, column)
            outcome = result and result.get("test_outcome")
            where = f"{path}:{row}:{column} {mutation['operator_name']}: {text}"
            if outcome == "killed":
                score.killed += 1
                score.timed_out += result.get("worker_outcome") == "abnormal"
            elif key in known:
                score.equivalent.append(f"{where}  -- {known[key]}")
            else:
                diff = (result or {}).get("diff") or ""
                score.survivors.append(f"{where} [{outcome}]\n{diff}")
    return score


def _has_result(session: Path, job_id: str) -> bool:
    with sqlite3.connect(session, timeout=30) as db:
        return db.execute("SELECT 1 FROM work_results WHERE job_id = ?",
                          (job_id,)).fetchone() is not None


def main(argv: list[str]) -> int:
    modules = tomllib.loads((HERE / "modules.toml").read_text(encoding="utf-8"))["module"]
    again = "--again" in argv  # rerun only the survivors of an unchanged module
    # ... and the mutants killed by running past the time limit (run it on a quiet machine)
    recheck = "--recheck-timeouts" in argv
    again = again or recheck
    # ... or go on with the mutants not run yet (a stopped run; or a second process on a
    # second core: each takes the next mutant nobody has a result for)
    resume = "--resume" in argv
    argv = [a for a in argv if a not in ("--again", "--recheck-timeouts", "--resume")]
    if argv:
        modules = [m for m in modules if any(a in m["path"] for a in argv)]
    BUILD.mkdir(parents=True, exist_ok=True)
    copy_tree()
    os.environ["PYTHONPATH"] = str(TREE)  # tests that start posdiag in a process get the mutant
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    os.environ.pop("CI", None)  # tests that insist on optional tools under CI decide nothing here
    sys.path.insert(0, str(TREE))
    for name in PRELOADED:
        __import__(name)
    assert not any(m.startswith("posdiag") for m in sys.modules), "posdiag preloaded"
    known = equivalents()
    version = subprocess.run([str(Path(sys.executable).with_name("cosmic-ray")), "--version"],
                             capture_output=True, text=True).stdout.strip()
    scores = []
    for module in modules:
        score = run_module(module, known, again, recheck, resume)
        scores.append(score)
        for survivor in score.survivors:
            print("SURVIVED", survivor)
        for equivalent in score.equivalent:
            print("EQUIVALENT", equivalent)
        print(f"{score.path}: {score.killed} of {score.total - len(score.equivalent)} killed "
              f"({score.score:.1%}), {len(score.equivalent)} equivalent, "
              f"{len(score.survivors)} survived, {score.seconds:.0f} s; {score.timed_out} of the "
              "killed ran past the time limit", flush=True)
    today = datetime.date.today().isoformat()
    print(f"\n{version}, {today}")
    print("| module | mutants | equivalent | killed | survived | score | time |")
    print("|---|---|---|---|---|---|---|")
    for s in scores:
        print(f"| `{s.path}` | {s.total} | {len(s.equivalent)} | {s.killed} | "
              f"{len(s.survivors)} | {s.score:.1%} | {s.seconds / 60:.1f} min |")
    shutil.rmtree(TREE, ignore_errors=True)
    (BUILD / f"scores-{'-'.join(Path(s.path).stem for s in scores)}.json").write_text(json.dumps(
        [{"path": s.path, "total": s.total, "killed": s.killed,
          "equivalent": len(s.equivalent), "survived": len(s.survivors), "score": s.score,
          "timed_out": s.timed_out,
          "seconds": round(s.seconds)} for s in scores], indent=1), encoding="utf-8")
    return 0 if all(s.score >= BAR for s in scores) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
