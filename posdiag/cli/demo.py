"""posdiag demo: the main job end to end on the built-in emulator, in seconds."""

from __future__ import annotations

from pathlib import Path

import click

from posdiag.cli.help import Command
from posdiag.i18n import N_


@click.command(cls=Command)
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=Path("posdiag-demo"), show_default=True,
              help=N_("Folder for the demo's backup set, key, record and JUnit file."))
@click.option("--journal", type=click.IntRange(0, 100000), default=200, show_default=True,
              help=N_("Transactions in the emulated terminal's journal."))
def demo(directory: Path, journal: int) -> None:
    """The repair story on the built-in emulator: case, backup, request, acceptance.

    An emulated shop terminal prints blank receipts. The demo opens a repair
    case for it (reading the terminal), backs it up into the case (a fresh demo
    key, verified), files the replacement request, acceptance-tests an emulated
    replacement with the emulator's operator — arrival inspection, merchant
    binding, card, PIN, receipt, payment — writes the acceptance certificate and
    closes the accepted case. The request form and the certificate are written as
    HTML, and as PDF too with the documents extra (`make demo` installs it).
    Prints where everything is.

    \b
    Examples:
      posdiag demo
      posdiag demo --dir /tmp/demo --journal 2000
    """
    from posdiag.i18n import _
    from posdiag.plan.demo import run_demo
    from posdiag.plan.summary import summary_table

    outcome = run_demo(directory, journal=journal,
                       progress=lambda line: click.echo(line, err=True))
    click.echo(summary_table(outcome.test.result))
    click.echo("")
    # The verdict after the results that prove it.
    if outcome.verdict == "accepted":
        click.echo(_("Replacement accepted; certificate written; case {state}.").format(
            state=outcome.case_state))
    else:
        click.echo(_("Replacement {verdict}; the case stays {state}.").format(
            verdict=outcome.verdict, state=outcome.case_state))
    click.echo("")
    rows = [
        (_("Case:"), _("{folder}  ({state}; replacement {verdict})").format(
            folder=outcome.case_dir, state=outcome.case_state, verdict=outcome.verdict)),
        (_("Backup set:"), _("{folder}  ({records} records, verified)").format(
            folder=outcome.set_dir, records=outcome.records)),
        (_("Demo key:"), _("{key}  (decrypts the set: posdiag inspect {folder} -i {key})")
         .format(key=outcome.key_file, folder=outcome.set_dir)),
        (_("Test record:"), str(outcome.test.record)),
        (_("Signature:"), str(outcome.test.signature)),
        (_("JUnit:"), str(outcome.test.junit)),
        *((_("Request form:") if "request" in path.name else _("Certificate:"), str(path))
          for path in outcome.documents),
    ]
    from posdiag.i18n_width import text_table

    for line in text_table(rows):  # aligned by display width (Chinese labels)
        click.echo(line)
    click.echo("")
    if outcome.no_pdf:
        click.echo(_("No PDF documents: {reason}").format(reason=outcome.no_pdf))
    click.echo(_("See the whole case: posdiag case show {folder}").format(
        folder=outcome.case_dir))
    from posdiag.cli.test import raise_for

    raise_for(outcome.test)
