"""Benchmark: posdiag's age encryption against the `age` binary, and its peak memory.

Encrypts the same temporary file (--mib MiB, default 256) to the same X25519
recipient with posdiag (in a child process) and with `age -r`, prints both wall
times, the ratio posdiag/age (target <= 1.5) and the child's peak RSS, which
must not grow with the file size (constant-memory streaming). The posdiag
output is then decrypted with `age -d` to check it. Not a test: numbers only.

    python bench/age_encrypt.py --mib 64
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The child reports its own encryption time (without interpreter start and imports) on stdout.
CHILD = """
import sys, time
from posdiag.crypto import age
start = time.perf_counter()
with open(sys.argv[1], "rb") as src, open(sys.argv[2], "wb") as dst:
    age.encrypt_stream(src, dst, [age.parse_recipient(sys.argv[3])])
print(time.perf_counter() - start)
"""


def _timed(args: list[str]) -> tuple[float, str]:
    """Wall time of a child process, and what it printed."""
    start = time.perf_counter()
    done = subprocess.run(args, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=256, help="plaintext size in MiB")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each tool; the fastest counts (less noise)")
    args = parser.parse_args()
    age_bin, keygen = shutil.which("age"), shutil.which("age-keygen")
    if age_bin is None or keygen is None:
        print("age / age-keygen not found; install the age package", file=sys.stderr)
        return 1

    from posdiag.crypto import age

    with tempfile.TemporaryDirectory(prefix="posdiag-bench-") as tmp:
        work = Path(tmp)
        plain = work / "plain.bin"
        digest = hashlib.sha256()
        with plain.open("wb") as out:
            for _ in range(args.mib):
                block = os.urandom(1 << 20)
                digest.update(block)
                out.write(block)
        identity, recipient = age.generate_identity()
        key = work / "bench.key"  # benchmark material only, deleted with the directory
        key.write_text(identity + "\n")

        ours_runs, age_runs = [], []
        for _ in range(args.repeat):
            wall, printed = _timed([sys.executable, "-c", CHILD, str(plain),
                                    str(work / "posdiag.age"), recipient])
            ours_runs.append((float(printed), wall))
            age_runs.append(_timed([age_bin, "-r", recipient, "-o", str(work / "age.age"),
                                    str(plain)])[0])
        # Children are waited for one at a time, so this is the largest single child:
        # age's RSS is far below posdiag's (checked: a Go binary of a few MiB).
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        ours_inner, ours = min(ours_runs)
        theirs = min(age_runs)
        check = subprocess.run([age_bin, "-d", "-i", str(key), str(work / "posdiag.age")],
                               check=True, capture_output=True).stdout
        verified = hashlib.sha256(check).digest() == digest.digest()

    print(f"plaintext            {args.mib} MiB, best of {args.repeat} runs each")
    print(f"posdiag encrypt      {ours:.3f} s wall, {ours_inner:.3f} s without interpreter "
          f"start and imports ({args.mib / ours_inner:.0f} MiB/s)")
    print(f"age encrypt          {theirs:.3f} s wall ({args.mib / theirs:.0f} MiB/s)")
    print(f"ratio posdiag/age    {ours_inner / theirs:.2f} encryption, {ours / theirs:.2f} wall "
          "(target <= 1.5)")
    print(f"posdiag peak RSS     {peak_kib / 1024:.1f} MiB (child process)")
    print(f"age -d of posdiag    {'ok' if verified else 'MISMATCH'}")
    return 0 if verified else 1


if __name__ == "__main__":
    sys.exit(main())
