"""posdiag report: a readable report of signed test records, as an HTML page or a PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from posdiag.cli.help import Command
from posdiag.cli.options import json_option, print_json
from posdiag.i18n import N_, _, ngettext


def report_json(result: Any) -> dict[str, Any]:
    return {
        "output": str(result.output),
        "format": result.form,
        "records": len(result.entries),
        "outcomes": {name: count for name, count in result.counts.items() if count},
        "signatures_not_verified": [e.source for e in result.not_verified],
        "interrupted": [e.source for e in result.interrupted],
        "reference": result.stamp.reference,
        "source_sha256": result.stamp.source_sha256,
    }


@click.command(help=N_("""Write a readable report of acceptance-test records.

RECORD is a record file written by `posdiag test` or a folder searched for them
(posdiag-test-*.json). The report has a summary per run, each step with its duration and
findings in words, amounts as money and times in local time; raw fields are in an appendix.
HTML is one self-contained page; with --pdf (or an output ending in .pdf) an A4 PDF with the
Chinese font embedded (needs the documents extra). Each record's kit signature is checked; a
record that does not verify is still shown, marked; a run that never finished is shown as
interrupted. Exit codes: 0 report written; 2 a record is missing or unreadable; 4 the report
cannot be written.

\b
Examples:
  posdiag report posdiag-records -o report.html
  posdiag report posdiag-records --lang zh-CN --pdf -o 报告.pdf
  posdiag report old/ new/ -o handover.html --json
"""), cls=Command)
@click.argument("records", nargs=-1, required=True, metavar="RECORD...",
                type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help=N_("The file to write (overwritten if it exists)."))
@click.option("--pdf", is_flag=True,
              help=N_("Write a PDF (the default for an output ending in .pdf)."))
@json_option
def report(records: tuple[Path, ...], output: Path, pdf: bool, as_json: bool) -> None:
    from posdiag.report.service import build_report

    result = build_report(records, output, pdf=pdf)
    # Still exit 0: the report was written and shows the failed check; stderr says it too.
    for entry in result.not_verified:
        click.echo(_("Warning: {source}: signature does NOT verify ({detail})").format(
            source=entry.source, detail=entry.signature.detail), err=True)
    for entry in result.interrupted:
        click.echo(_("Note: {source}: the run never finished (interrupted); its record is "
                     "unsigned.").format(source=entry.source), err=True)
    if as_json:
        print_json(report_json(result))
        return
    from posdiag.i18n_terms import outcome_word

    counts = ", ".join(_("{count} {outcome}").format(count=count, outcome=outcome_word(name))
                       for name, count in result.counts.items() if count)
    click.echo(ngettext("Report: {output} ({count} record: {counts})",
                        "Report: {output} ({count} records: {counts})",
                        len(result.entries)).format(output=result.output,
                                                    count=len(result.entries), counts=counts))
