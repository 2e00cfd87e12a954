"""Benchmark: rendering the documents of a case, against the test report of the same run.

Builds the emulator's repair story once (`posdiag demo`'s: case opened, backed up, requested,
replacement accepted), then times, in the same run and in the same process:

  reference     the test report of the case's acceptance record as PDF (`posdiag report`),
                which embeds the same CJK font subset and draws the same steps
  request       the replacement request, PDF and HTML (render_case_document)
  certificate   the acceptance certificate, PDF and HTML: the record read, its signature
                verified, five receipts drawn as pictures
  verify        verify_case_document on the certificate PDF (chain checked, re-rendered)
  recorded      the same on the certificate the case recorded writing (chain checked only)

Each is the median of N runs, printed in seconds and as a ratio to the reference. Not a
test: numbers only (docs/performance.md).

    python bench/case_documents.py           # 3 runs each
    python bench/case_documents.py --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def median_seconds(work: Callable[[], object], runs: int) -> float:
    times = []
    for _run in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from posdiag.case.documents.service import render_case_document, verify_case_document
    from posdiag.case.documents.words import CERTIFICATE_KIND, REQUEST_KIND
    from posdiag.plan.demo import run_demo
    from posdiag.report.service import build_report

    with tempfile.TemporaryDirectory(prefix="posdiag-bench-") as folder:
        story = run_demo(Path(folder), journal=20)
        case_dir = story.case_dir
        report = Path(folder) / "report.pdf"
        render_case_document(case_dir, REQUEST_KIND, form="pdf")  # warm: fonts, catalogs
        reference = median_seconds(
            lambda: build_report([case_dir / "records"], report, pdf=True), args.runs)
        certificate = render_case_document(case_dir, CERTIFICATE_KIND, form="pdf").data
        rows = [
            ("reference: test report PDF", reference),
            ("request PDF", median_seconds(
                lambda: render_case_document(case_dir, REQUEST_KIND, form="pdf"), args.runs)),
            ("request HTML", median_seconds(
                lambda: render_case_document(case_dir, REQUEST_KIND, form="html"), args.runs)),
            ("certificate PDF", median_seconds(
                lambda: render_case_document(case_dir, CERTIFICATE_KIND, form="pdf"),
                args.runs)),
            ("certificate HTML", median_seconds(
                lambda: render_case_document(case_dir, CERTIFICATE_KIND, form="html"),
                args.runs)),
            ("verify certificate PDF", median_seconds(
                lambda: verify_case_document(certificate, case_dir), args.runs)),
        ]
        # The certificate the story wrote: the case recorded its SHA-256, nothing re-renders.
        written = next(p for p in story.documents if p.suffix == ".pdf"
                       and verify_case_document(p.read_bytes(), case_dir).stamp.kind
                       == CERTIFICATE_KIND)
        data = written.read_bytes()
        rows.append(("verify recorded certificate", median_seconds(
            lambda: verify_case_document(data, case_dir), args.runs)))
    print(f"{'what':<28} {'median s':>9} {'ratio':>7}   ({args.runs} runs each)")
    for name, seconds in rows:
        print(f"{name:<28} {seconds:>9.3f} {seconds / reference:>7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
