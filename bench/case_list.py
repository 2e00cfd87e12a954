"""Benchmark: `case list` over a thousand cases (target: well under a second).

Builds N cases through the real API (revisions signed and chained, realistic content: read
identity, diagnostics with a 20-line log tail, a linked backup reference, request, caution
actions; 6 revisions each), then times, in the same run and on the same warm folder tree:

  reference   a plain directory walk that reads every byte of every revision file
  list        list_cases with a TID query: newest revision parsed and its signature checked,
              the hash chain below it followed by hashes (what `posdiag case list` does)
  list all    list_cases without a query: every case's newest revision verified as above
  full        load_case on every case: every revision parsed and its signature checked
              (what `posdiag case show` does for one case), for comparison

and prints each as seconds and as a ratio to the reference. Not a test: numbers only; exit 1
when list takes a second or more.

    python bench/case_list.py              # 1000 cases
    python bench/case_list.py --cases 200  # a quick look
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMIT_SECONDS = 1.0


def build(root: Path, count: int) -> None:
    from posdiag.backup.kitkey import load_or_create_kit_key
    from posdiag.case import states
    from posdiag.case.actions import Actor, act, change_case
    from posdiag.case.cautions import BEFORE_BACKUP, BEFORE_REQUEST, show_and_record
    from posdiag.case.flow import CaseEdit, edit_case
    from posdiag.case.model import BackupRef, Diagnostics, Fault, Probe, TotalsReading
    from posdiag.case.opening import HandIdentity, Opening, open_case

    kit_key = load_or_create_kit_key(root.parent / "kit")
    actor = Actor()
    log = tuple(f"2026-11-24T10:{m:02d}:07 payment receipt {m:04d} trace {m:06d} result 00"
                for m in range(20))
    for n in range(count):
        tid = f"{52500000 + n % 250:08d}"  # 250 terminals, four cases each
        opening = Opening(root=root, fault=Fault("printer", f"prints blank receipts ({n})"),
                          no_terminal=True, merchant={"name": f"Shop {n % 97}"},
                          hand=HandIdentity(model="EMU-700", serial_number=f"EMU{n:07d}",
                                            terminal_id=tid, merchant_id="100200300"))
        folder = open_case(opening, kit_key, actor=actor).path
        diagnostics = Diagnostics(
            gathered_at=actor.now(), port="/dev/ttyACM0", answered=True,
            probes=tuple(Probe(p, "06 70", True, 0.1) for p in ("identify", "diagnosis",
                                                                  "totals", "log")),
            status_code=0, status_text="PT ready", diagnosis_lines=("DIAGNOSIS", "type 02"),
            printer_ready=True, totals=TotalsReading(229004, 36, 978), log_tail=log)
        edit_case(folder, kit_key, CaseEdit(note="merchant reports it since Friday"))

        def backed_up(case, n=n, diagnostics=diagnostics):  # type: ignore[no-untyped-def]
            case = show_and_record(case, actor, BEFORE_BACKUP, lambda _t: None,
                                   moment="before-backup")
            ref = BackupRef(f"{n:032x}", 2, "manifest-000002.json", f"{n:064x}", "backup",
                            kit_key.public_key, 40, 9738, True, True)
            return act(case, actor, "backup-linked", to_state=states.BACKED_UP,
                       backups=(ref,), diagnostics=diagnostics)

        change_case(folder, kit_key, backed_up)
        change_case(folder, kit_key, lambda c: show_and_record(
            c, actor, BEFORE_REQUEST, lambda _t: None, moment="before-request"))
        edit_case(folder, kit_key, CaseEdit(description=f"prints blank receipts, case {n}"))


def walk_and_read(root: Path) -> int:
    total = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".json"):
                with open(os.path.join(folder, name), "rb") as source:
                    total += len(source.read())
    return total


def best(runs: int, call) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from posdiag.case.listing import CaseQuery, case_folders, list_cases
    from posdiag.case.store import load_case

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cases"
        start = time.perf_counter()
        build(root, args.cases)
        built = time.perf_counter() - start
        files = sum(1 for _ in root.rglob("case-*.json"))
        print(f"built {args.cases} cases ({files} revisions) in {built:.1f} s")
        query = CaseQuery(tid="52500007")
        found = list_cases([root], query)
        assert len(found) == len([n for n in range(args.cases) if n % 250 == 7]), len(found)
        assert all(s.verified for s in found)
        reference = best(args.runs, lambda: walk_and_read(root))
        listing = best(args.runs, lambda: list_cases([root], query))
        everything = best(max(1, args.runs // 2), lambda: list_cases([root]))
        full = best(max(1, args.runs // 2),
                    lambda: [load_case(f, check_files=False) for f, _ in case_folders([root])])
        command = best(3, lambda: subprocess.run(
            [sys.executable, "-m", "posdiag", "case", "list", str(root), "--tid", "52500007"],
            check=True, capture_output=True))
        print(f"reference (walk + read every revision): {reference:.3f} s")
        print(f"list, TID query:                        {listing:.3f} s  "
              f"ratio {listing / reference:.1f}")
        print(f"list, no query (all verified):          {everything:.3f} s  "
              f"ratio {everything / reference:.1f}")
        print(f"full verification of every case:       {full:.3f} s  "
              f"ratio {full / reference:.1f}")
        print(f"`posdiag case list` as a command:       {command:.3f} s (interpreter start "
              "included)")
        return 0 if listing < LIMIT_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
