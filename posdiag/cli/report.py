"""posdiag report: one readable, self-contained HTML page from signed test records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from posdiag.cli.options import json_option, print_json


def report_json(result: Any) -> dict[str, Any]:
    return {
        "output": str(result.output),
        "records": len(result.entries),
        "outcomes": {name: count for name, count in result.counts.items() if count},
        "signatures_not_verified": [e.source for e in result.not_verified],
    }


@click.command()
@click.argument("records", nargs=-1, required=True, metavar="RECORD...",
                type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="The HTML file to write (overwritten if it exists).")
@json_option
def report(records: tuple[Path, ...], output: Path, as_json: bool) -> None:
    """Write one HTML report of acceptance-test records.

    RECORD is a record file written by `posdiag test` or a folder searched
    for them (posdiag-test-*.json). The page is self-contained: it opens
    offline and prints as shown. Each record's kit signature is checked; a
    record that does not verify is still shown, marked "signature does NOT
    verify". Exit codes: 0 report written; 2 a record is missing or
    unreadable; 4 the report cannot be written.

    \b
    Examples:
      posdiag report posdiag-records -o report.html
      posdiag report posdiag-records/posdiag-test-20260101T120000Z-1a2b3c4d.json -o one.html
      posdiag report old/ new/ -o handover.html --json
    """
    from posdiag.report.service import build_report

    result = build_report(records, output)
    # Still exit 0: the report was written and shows the failed check; stderr says it too.
    for entry in result.not_verified:
        click.echo(f"Warning: {entry.source}: signature does NOT verify "
                   f"({entry.signature.detail})", err=True)
    if as_json:
        print_json(report_json(result))
        return
    counts = ", ".join(f"{count} {name}" for name, count in result.counts.items() if count)
    click.echo(f"Report: {result.output} ({len(result.entries)} record(s): {counts})")
