"""posdiag demo: the main job end to end on the built-in emulator, in seconds."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=Path("posdiag-demo"), show_default=True,
              help="Folder for the demo's backup set, key, record and JUnit file.")
@click.option("--journal", type=click.IntRange(0, 100000), default=200, show_default=True,
              help="Transactions in the emulated terminal's journal.")
def demo(directory: Path, journal: int) -> None:
    """Back up an emulated terminal, verify the set, and acceptance-test a replacement.

    Makes a fresh demo age key and kit key in a new run folder under --dir,
    backs up an emulated terminal's journal encrypted to that key, verifies
    every record of the set, then runs testplans/acceptance.toml against an
    emulated replacement with the emulator's operator. Prints where the
    backup, the record and the JUnit file are.

    \b
    Examples:
      posdiag demo
      posdiag demo --dir /tmp/demo --journal 2000
    """
    from posdiag.plan.demo import run_demo
    from posdiag.plan.summary import summary_table

    outcome = run_demo(directory, journal=journal,
                       progress=lambda line: click.echo(line, err=True))
    click.echo(summary_table(outcome.test.result))
    click.echo("")
    click.echo(f"Backup set:   {outcome.set_dir}  ({outcome.records} records, verified)")
    click.echo(f"Demo key:     {outcome.key_file}  (decrypts the set: posdiag inspect "
               f"{outcome.set_dir} -i {outcome.key_file})")
    click.echo(f"Test record:  {outcome.test.record}")
    click.echo(f"Signature:    {outcome.test.signature}")
    click.echo(f"JUnit:        {outcome.test.junit}")
    from posdiag.cli.test import raise_for

    raise_for(outcome.test)
