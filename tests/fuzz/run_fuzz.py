"""`make fuzz`: atheris (libFuzzer, coverage-guided) over every target of fuzz_targets.

    FUZZ_SECONDS=60 make fuzz                     # 60 s for each target
    python tests/fuzz/run_fuzz.py --seconds 60 [TARGET ...]

Each target runs in its own process (libFuzzer owns the process it fuzzes in), seeded
with the target's well-formed inputs and a dictionary of their tokens, coverage taken
from every posdiag module the seeds load. libFuzzer enforces the bounds: ``-timeout``
(an input that runs longer is a hang), ``-rss_limit_mb`` (memory). Anything the target
raises besides its allowed errors stops the run and leaves the input in
build/fuzz/crashes/TARGET/; the corpus grows in build/fuzz/corpus/TARGET/ and is reused
by the next run. The summary (inputs, time, coverage, findings) is printed as a table
for docs/testing.md and written to build/fuzz/summary.json. Exit 1 when anything was found.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import re
import subprocess
import sys
import time
import types
from importlib.metadata import version
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BUILD = ROOT / "build" / "fuzz"
TIMEOUT_SECONDS = 10  # per input; inputs are at most 16 KiB
RSS_LIMIT_MB = 1024


def _escape(token: bytes) -> str:
    return "".join(chr(b) if 0x20 <= b < 0x7F and b not in b'"\\' else f"\\x{b:02X}"
                   for b in token)


def instrument(atheris: Any) -> None:
    """Coverage instrumentation for posdiag's own code and the pure-Python parsers it
    relies on (tomllib), not for every library loaded: instrumenting all of them takes
    a minute per target on a loaded machine and guides the search no better."""
    import posdiag

    ours = (str(Path(posdiag.__file__).parent), str(ROOT / "drivers"), "/tomllib/")
    for obj in gc.get_objects():
        if isinstance(obj, types.FunctionType) and any(
                part in obj.__code__.co_filename for part in ours):
            atheris.instrument_func(obj)


def child(name: str, libfuzzer_args: list[str]) -> None:
    """Run inside the target's own process: seed, instrument, fuzz (never returns)."""
    import atheris

    sys.path.insert(0, str(HERE))
    import fuzz_targets

    target = fuzz_targets.BY_NAME[name]
    corpus = BUILD / "corpus" / name
    corpus.mkdir(parents=True, exist_ok=True)
    for number, seed in enumerate(fuzz_targets.seeds(target)):
        (corpus / f"seed-{number}").write_bytes(seed)
        fuzz_targets.run_input(target, seed)  # loads every module the target uses ...
    dictionary = BUILD / f"{name}.dict"
    dictionary.write_text("".join(f'"{_escape(t)}"\n' for t in fuzz_targets.tokens(target)
                                  if len(t) > 1), encoding="ascii")
    instrument(atheris)  # ... so that their coverage guides the search

    def one_input(data: bytes) -> None:
        fuzz_targets.run_input(target, data)

    args = [sys.argv[0], *libfuzzer_args, f"-max_len={target.max_size}",
            f"-dict={dictionary}", str(corpus)]
    atheris.Setup(args, one_input)
    atheris.Fuzz()


_DONE = re.compile(r"Done (\d+) runs in (\d+) second")
_STATS = re.compile(r"#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)")


def fuzz_one(name: str, seconds: int) -> dict[str, object]:
    crashes = BUILD / "crashes" / name
    crashes.mkdir(parents=True, exist_ok=True)
    log = BUILD / f"{name}.log"
    args = [f"-max_total_time={seconds}", f"-timeout={TIMEOUT_SECONDS}",
            f"-rss_limit_mb={RSS_LIMIT_MB}", f"-artifact_prefix={crashes}/",
            "-print_final_stats=1"]
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run([sys.executable, __file__, "--child", name, "--", *args],
                              stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                              timeout=seconds * 3 + 300)
    elapsed = time.monotonic() - started
    text = log.read_text(encoding="utf-8", errors="replace")
    runs = [int(m.group(1)) for m in _DONE.finditer(text)]
    stats = _STATS.findall(text)
    found = sorted(p.name for p in crashes.iterdir())
    summary = {
        "target": name, "seconds": round(elapsed), "inputs": runs[-1] if runs else
        (int(stats[-1][0]) if stats else 0),
        "coverage": int(stats[-1][1]) if stats else 0,
        "corpus": int(stats[-1][3]) if stats else 0,
        "exit": done.returncode, "findings": found,
    }
    if done.returncode != 0:
        summary["error"] = "\n".join(text.splitlines()[-30:])
    return summary


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        child(argv[1], argv[3:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int,
                        default=int(os.environ.get("FUZZ_SECONDS", "60")),
                        help="fuzzing time for each target (FUZZ_SECONDS, default 60)")
    parser.add_argument("targets", nargs="*", help="names from fuzz_targets (default: all)")
    options = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    import fuzz_targets

    names = options.targets or [t.name for t in fuzz_targets.TARGETS]
    BUILD.mkdir(parents=True, exist_ok=True)
    results = []
    for name in names:
        result = fuzz_one(name, options.seconds)
        results.append(result)
        verdict = "FOUND " + ", ".join(result["findings"]) if result["exit"] else "ok"  # type: ignore[arg-type]
        print(f"{name:22} {result['inputs']:>10} inputs {result['seconds']:>5} s "
              f"cov {result['coverage']:>5}  {verdict}", flush=True)
        if result["exit"]:
            print(result.get("error", ""), flush=True)
    total = sum(int(r["inputs"]) for r in results)  # type: ignore[call-overload]
    print(f"\natheris {version('atheris')} on Python "
          f"{sys.version.split()[0]}, {datetime.date.today().isoformat()}, "
          f"{options.seconds} s per target, {total} inputs in all")
    print("| target | inputs | seconds | coverage (edges) | corpus | found |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['target']} | {r['inputs']} | {r['seconds']} | {r['coverage']} | "
              f"{r['corpus']} | {', '.join(r['findings']) or 'nothing'} |")  # type: ignore[arg-type]
    (BUILD / "summary.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 1 if any(r["exit"] for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
