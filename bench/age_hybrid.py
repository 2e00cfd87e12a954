"""Benchmark: what a hybrid post-quantum office key costs against a classic one, and typage.

In one run, on the same machine:

1. size: the header of a file to one hybrid (age1pq1…) recipient against one X25519
   recipient, and what each further recipient adds (every backup segment and snapshot is
   its own age file, so this is paid per file);
2. per-file key work: wrapping a file key (encryption side) and unwrapping it (decryption,
   `verify -i`) for each type, median of many;
3. throughput: the same --mib file (default 256, a large journal) encrypted by posdiag to a
   classic recipient, by posdiag to a hybrid recipient, and by typage (npm age-encryption,
   tests/interop/typage) to the same hybrid recipient; best of --repeat runs each, in child
   processes, with the ratios. CPU time (user + system, from wait4) is the figure to
   compare on a shared machine; wall time is printed too. posdiag's output is decrypted by
   typage and typage's by posdiag as a check.

    python bench/age_hybrid.py --mib 64

Needs cryptography with ML-KEM (>= 48), node and `npm ci` in tests/interop/typage.
Not a test: numbers only.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

TYPAGE = Path(__file__).resolve().parent.parent / "tests" / "interop" / "typage"

# The child reports its own encryption time (without interpreter start and imports).
CHILD = """
import sys, time
from posdiag.crypto import age
recipients = [age.parse_recipient(r) for r in sys.argv[3:]]
start, cpu = time.perf_counter(), time.process_time()
with open(sys.argv[1], "rb") as src, open(sys.argv[2], "wb") as dst:
    age.encrypt_stream(src, dst, recipients)
print(time.perf_counter() - start, time.process_time() - cpu)
"""


def _header_size(recipients: list[object]) -> int:
    from posdiag.crypto import age

    out = io.BytesIO()
    age.encrypt_stream(io.BytesIO(b""), out, recipients)  # type: ignore[arg-type]
    blob = out.getvalue()
    return blob.index(b"\n---") + len(b"\n--- ") + 43 + 1


def _median_ms(action: object, count: int) -> float:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


@dataclass(frozen=True)
class Run:
    """One child process: wall and CPU (user + system) seconds, and what it printed."""

    wall: float
    cpu: float
    printed: str = ""


def _timed(args: list[str], stdin: Path | None = None, stdout: Path | None = None) -> Run:
    """Run a child; CPU time from wait4 is what it used, however loaded the machine is."""
    with contextlib.ExitStack() as files:
        src = files.enter_context(stdin.open("rb")) if stdin else subprocess.DEVNULL
        dst = files.enter_context(stdout.open("wb")) if stdout else subprocess.PIPE
        start = time.perf_counter()
        child = subprocess.Popen(args, stdin=src, stdout=dst, text=True)
        printed = child.stdout.read() if child.stdout else ""
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            raise subprocess.CalledProcessError(child.returncode, args)
        return Run(wall, usage.ru_utime + usage.ru_stime, printed)


def _sha256(path: Path) -> bytes:
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while block := src.read(1 << 20):
            digest.update(block)
    return digest.digest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=256, help="plaintext size in MiB")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each encryption; the fastest counts (less noise)")
    parser.add_argument("--wraps", type=int, default=200, help="file keys wrapped per type")
    args = parser.parse_args()

    from posdiag.crypto import age

    if not age.post_quantum_available():
        print("this cryptography has no ML-KEM; install cryptography >= 48", file=sys.stderr)
        return 1
    node = shutil.which("node")
    if node is None or not (TYPAGE / "node_modules" / "age-encryption").is_dir():
        print(f"typage missing: install node and run `npm ci` in {TYPAGE}", file=sys.stderr)
        return 1
    typage = [node, str(TYPAGE / "age.mjs")]

    # Benchmark material only, never written to disk outside the temporary directory.
    hybrid_id = age.HybridIdentity.generate()
    classic_id = age.X25519Identity.generate()
    hybrid, classic = hybrid_id.recipient(), classic_id.recipient()
    hybrid2 = age.HybridIdentity.generate().recipient()
    classic2 = age.X25519Identity.generate().recipient()

    sizes = {
        "classic": (_header_size([classic]), _header_size([classic, classic2])),
        "hybrid": (_header_size([hybrid]), _header_size([hybrid, hybrid2])),
    }
    file_key = os.urandom(16)
    hybrid_stanzas, classic_stanzas = hybrid.wrap(file_key), classic.wrap(file_key)
    keywork = {
        "classic": (_median_ms(lambda: classic.wrap(file_key), args.wraps),
                    _median_ms(lambda: classic_id.unwrap(classic_stanzas), args.wraps)),
        "hybrid": (_median_ms(lambda: hybrid.wrap(file_key), args.wraps),
                   _median_ms(lambda: hybrid_id.unwrap(hybrid_stanzas), args.wraps)),
    }

    with tempfile.TemporaryDirectory(prefix="posdiag-bench-") as tmp:
        work = Path(tmp)
        plain = work / "journal.bin"
        digest = hashlib.sha256()
        with plain.open("wb") as out:
            for _ in range(args.mib):
                block = os.urandom(1 << 20)
                digest.update(block)
                out.write(block)
        key = work / "bench.key"
        key.write_text(f"{hybrid_id}\n")

        runs: dict[str, list[Run]] = {"classic": [], "hybrid": [], "typage": []}
        for _ in range(args.repeat):
            for name, recipient in (("classic", classic), ("hybrid", hybrid)):
                runs[name].append(_timed([sys.executable, "-c", CHILD, str(plain),
                                          str(work / f"{name}.age"), str(recipient)]))
            runs["typage"].append(_timed([*typage, "encrypt", str(hybrid)], stdin=plain,
                                         stdout=work / "typage.age"))

        _timed([*typage, "decrypt", str(key)], stdin=work / "hybrid.age",
               stdout=work / "hybrid.out")
        typage_reads_ours = _sha256(work / "hybrid.out") == digest.digest()
        with (work / "typage.age").open("rb") as src, (work / "typage.out").open("wb") as dst:
            age.decrypt_stream(src, dst, [hybrid_id])
        we_read_typage = _sha256(work / "typage.out") == digest.digest()
        file_sizes = {name: (work / f"{name}.age").stat().st_size
                      for name in ("classic", "hybrid", "typage")}

    # Best of the runs: the least disturbed by other work on the machine.
    cpu = {name: min(r.cpu for r in values) for name, values in runs.items()}
    wall = {name: min(r.wall for r in values) for name, values in runs.items()}
    inner = {name: min(float(r.printed.split()[0]) for r in runs[name])
             for name in ("classic", "hybrid")}
    mib = args.mib
    print(f"header, 1 recipient      classic {sizes['classic'][0]} B, hybrid {sizes['hybrid'][0]} B"
          f" (+{sizes['hybrid'][0] - sizes['classic'][0]} B per file)")
    print(f"each further recipient   classic +{sizes['classic'][1] - sizes['classic'][0]} B, "
          f"hybrid +{sizes['hybrid'][1] - sizes['hybrid'][0]} B")
    print(f"file of {mib} MiB         classic {file_sizes['classic']} B, hybrid "
          f"{file_sizes['hybrid']} B, typage {file_sizes['typage']} B")
    print(f"wrap a file key          classic {keywork['classic'][0]:.3f} ms, hybrid "
          f"{keywork['hybrid'][0]:.3f} ms (median of {args.wraps})")
    print(f"unwrap a file key        classic {keywork['classic'][1]:.3f} ms, hybrid "
          f"{keywork['hybrid'][1]:.3f} ms")
    print(f"encrypt {mib} MiB, best of {args.repeat}: CPU s (user+sys, whole process) / wall s"
          " / encryption alone s")
    for name, label in (("classic", "posdiag -> X25519"), ("hybrid", "posdiag -> hybrid")):
        print(f"  {label:22} {cpu[name]:.3f} / {wall[name]:.3f} / {inner[name]:.3f}")
    print(f"  {'typage -> hybrid':22} {cpu['typage']:.3f} / {wall['typage']:.3f}")
    print(f"ratio hybrid/classic     {cpu['hybrid'] / cpu['classic']:.3f} CPU, "
          f"{wall['hybrid'] / wall['classic']:.3f} wall (posdiag)")
    print(f"ratio typage/posdiag     {cpu['typage'] / cpu['hybrid']:.2f} CPU, "
          f"{wall['typage'] / wall['hybrid']:.2f} wall (hybrid, same file)")
    print(f"typage reads posdiag     {'ok' if typage_reads_ours else 'MISMATCH'}")
    print(f"posdiag reads typage     {'ok' if we_read_typage else 'MISMATCH'}")
    return 0 if typage_reads_ours and we_read_typage else 1


if __name__ == "__main__":
    sys.exit(main())
