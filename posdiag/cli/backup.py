"""`posdiag backup`, `posdiag verify`, `posdiag inspect`: encrypted journal backup sets."""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from posdiag.cli.options import port_option, terminal_options

if TYPE_CHECKING:
    from posdiag.backup.reconcile import TotalsComparison
    from posdiag.backup.service import BackupProgress, BackupResult
    from posdiag.backup.verify import VerifyReport
    from posdiag.devices import TerminalIdentity
    from posdiag.terminal_settings import TerminalSettings


class _ProgressLine:
    """bytes, records and ETA on one self-overwriting stderr line; silent when not a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._enabled = stream.isatty()
        self._start = time.monotonic()
        self._first: int | None = None
        self._last_draw = 0.0

    def __call__(self, progress: BackupProgress) -> None:
        if not self._enabled:
            return
        now = time.monotonic()
        if self._first is None:
            self._first, self._start = progress.done, now
        if now - self._last_draw < 0.2 and progress.done != progress.total:
            return
        self._last_draw = now
        mib = progress.done / 2**20
        text = f"journal {mib:8.2f} MiB"
        eta = ""
        if progress.total:
            percent = 100 * progress.done // max(progress.total, 1)
            text += f" / {progress.total / 2**20:.2f} MiB ({percent}%)"
            rate = (progress.done - self._first) / max(now - self._start, 1e-6)
            if rate > 0 and progress.done < progress.total:
                seconds = int((progress.total - progress.done) / rate)
                eta = f"  ETA {seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        # \x1b[K clears what a longer previous line left behind (the ETA goes at the end).
        self._stream.write(f"\r{text}  {progress.records} records{eta}\x1b[K")
        self._stream.flush()

    def finish(self) -> None:
        if self._enabled and self._first is not None:
            self._stream.write("\n")
            self._stream.flush()


def _totals_lines(comparison: TotalsComparison) -> list[str]:
    if comparison.agree:
        what = "count and amount per brand" if comparison.brands_compared else "total amount"
        return [f"Journal agrees with the terminal's totals ({what})."]
    return ["Journal DISAGREES with the terminal's totals:",
            *(f"  {line}" for line in comparison.differences)]


def _result_json(result: BackupResult) -> dict[str, Any]:
    from posdiag.backup.reconcile import comparison_to_json

    return {
        "set_dir": str(result.set_dir),
        "generation": result.generation,
        "kit_key": result.kit_key,
        "resumed_from": result.resumed_from,
        "segments_written": result.segments_written,
        "journal_bytes": result.journal_bytes,
        "journal_size": result.journal_size,
        "records": result.records,
        "complete": result.complete,
        "totals": comparison_to_json(result.totals) if result.totals else None,
        "snapshots": list(result.snapshots),
    }


def _choose_set_dir(to: str, identity: TerminalIdentity, resume: bool) -> Path:
    """--to DIR is the set folder; --to auto makes/continues posdiag-<terminal> on the stick."""
    from posdiag.backup.media import choose_set_dir, find_backup_medium
    from posdiag.errors import BadInput

    if to != "auto":
        if Path(to).exists() and not Path(to).is_dir():
            raise BadInput(f"--to {to} is a file; give a folder for the backup set, or auto.")
        return Path(to)
    return choose_set_dir(find_backup_medium().mount_point, identity, resume)


@click.command()
@port_option()
@terminal_options
@click.option("--to", "to", metavar="DIR|auto",
              help="Backup set folder, or 'auto' for the one mounted USB stick (with --case: "
                   "default the case's backup/ folder).")
@click.option("--case", "case_dir", type=click.Path(file_okay=False, path_type=Path),
              metavar="CASEDIR", help="The repair case of this terminal: the set is linked to "
                                      "it (docs/case.md).")
@click.option("-r", "--recipient", "recipients", multiple=True, metavar="AGE1…",
              help="age recipient (public key) to encrypt to; repeat for office + escrow.")
@click.option("-R", "--recipients-file", "recipient_files", multiple=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="File of age recipients, one per line.")
@click.option("-p", "--passphrase", is_flag=True,
              help="Encrypt to a passphrase instead (prompted).")
@click.option("--resume", is_flag=True, help="Continue the backup set already in the folder.")
@click.option("--segment-mib", type=click.FloatRange(1 / 64, 1024), default=8, show_default=True,
              help="MiB of journal per encrypted segment file (0.25 = 256 KiB).")
@click.option("--config-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the kit signing key lives (default: ~/.config/posdiag).")
@click.option("--json", "as_json", is_flag=True, help="Print a one-line JSON summary on stdout.")
def backup(port: str, settings: TerminalSettings, to: str | None, case_dir: Path | None,
           recipients: tuple[str, ...],
           recipient_files: tuple[Path, ...], passphrase: bool, resume: bool, segment_mib: float,
           config_dir: Path | None, as_json: bool) -> None:
    """Back up a terminal's merchant journal, encrypted, to a folder or USB stick.

    The journal is checked record by record (no card data beyond masked PANs may
    pass), encrypted with age in segments, written once, read back past the page
    cache and committed by signed manifest generations. At the end the records
    are compared with the terminal's own totals. Exit codes: 0 done and totals
    agree; 1 done but totals disagree; 2 usage; 3 terminal; 4 medium.

    \b
    Examples:
      posdiag backup --port /dev/ttyACM0 --password 000000 --to auto -r age1... -r age1...
      posdiag backup --port sim --to ./set -r "$(posdiag keygen -o office.key)"
      posdiag backup --port tcp://10.0.0.5:20007 --to /media/pi/STICK/set --resume -R keys.txt
      posdiag backup --case CASEDIR --port /dev/ttyACM0 -r age1...
    """
    from posdiag.backup.kitkey import load_or_create_kit_key
    from posdiag.backup.sealing import recipients_from
    from posdiag.backup.service import run_backup
    from posdiag.errors import CheckFailed
    from posdiag.terminals import open_terminal

    secret = None
    if passphrase:
        secret = click.prompt("Passphrase", hide_input=True, confirmation_prompt=True, err=True)
    parsed, labels = recipients_from(recipients, recipient_files, secret)
    kit_key = load_or_create_kit_key(config_dir)
    if kit_key.created:
        click.echo(f"Created the kit signing key {kit_key.path}; its public key is "
                   f"{kit_key.public_key}", err=True)
    progress = _ProgressLine(sys.stderr)
    if case_dir is not None:
        result = _backup_for_case(case_dir, port, settings, to, parsed, labels, kit_key, resume,
                                  int(segment_mib * 2**20), progress)
    else:
        if to is None:
            raise click.UsageError("Give --to DIR|auto (or --case CASEDIR).")
        with open_terminal(port, settings=settings, fast_line=True) as terminal:
            set_dir = _choose_set_dir(to, terminal.identify(), resume)
            try:
                result = run_backup(terminal, set_dir, parsed, kit_key, recipient_labels=labels,
                                    resume=resume, segment_bytes=int(segment_mib * 2**20),
                                    on_progress=progress)
            finally:
                progress.finish()
    if as_json:
        click.echo(json.dumps(_result_json(result), sort_keys=True))
    else:
        click.echo(f"Backed up {result.records} records ({result.journal_bytes} bytes) to "
                   f"{result.set_dir}, manifest generation {result.generation}.", err=True)
        for line in _totals_lines(result.totals) if result.totals else []:
            click.echo(line, err=True)
    if result.totals is not None and not result.totals.agree:
        raise CheckFailed("The backup is complete but the journal does not add up to the "
                          "terminal's totals; keep the set and report the difference.")


def _backup_for_case(case_dir: Path, port: str, settings: TerminalSettings, to: str | None,
                     recipients: Any, labels: Any, kit_key: Any, resume: bool,
                     segment_bytes: int, progress: _ProgressLine) -> BackupResult:
    """The backup as a step of the repair case (posdiag.case.backup): caution shown and
    recorded first, the set linked to the case afterwards."""
    from posdiag.case.backup import backup_for_case
    from posdiag.case.opening import actor_for
    from posdiag.case.profiles import load_kit_profile

    def show(text: str) -> None:
        click.echo(f"\nCAUTION: {text}\n", err=True)

    set_dir = None
    if to == "auto":
        from posdiag.backup.media import find_backup_medium

        set_dir = find_backup_medium().mount_point / f"posdiag-{case_dir.name}"
    elif to is not None:
        set_dir = _choose_set_dir(to, None, resume)  # type: ignore[arg-type]
    from posdiag.terminals import open_terminal

    try:
        with open_terminal(port, settings=settings, fast_line=True) as terminal:
            done = backup_for_case(case_dir, port, recipients, kit_key, set_dir=set_dir,
                                   recipient_labels=labels, resume=resume,
                                   segment_bytes=segment_bytes, on_progress=progress,
                                   show=show, actor=actor_for(None, load_kit_profile()),
                                   terminal=terminal)
    finally:
        progress.finish()
    click.echo(f"Linked to case {done.case.case.case_id} ({done.case.case.state}).", err=True)
    return done.result


def _report_json(report: VerifyReport) -> dict[str, Any]:
    return {
        "set_dir": str(report.set_dir), "ok": report.ok, "generation": report.generation,
        "kit_keys": report.kit_keys, "segments": report.segments,
        "ciphertext_bytes": report.ciphertext_bytes, "journal_bytes": report.journal_bytes,
        "records": report.records, "complete": report.complete, "snapshots": report.snapshots,
        "totals_agree": report.totals_agree, "problems": report.problems, "notes": report.notes,
    }


@click.command()
@click.argument("set_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("-i", "--identity", "identity_files", multiple=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="age identity file: also decrypt and check every record.")
@click.option("-p", "--passphrase", is_flag=True, help="Decrypt with a passphrase (prompted).")
@click.option("--kit-key", help="Require manifests signed by this kit public key (minisign form).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON line.")
def verify(set_dir: Path, identity_files: tuple[Path, ...], passphrase: bool,
           kit_key: str | None, as_json: bool) -> None:
    """Check a backup set: signatures and hashes; with a key, every record too.

    Exit code 0 when everything verifies, 1 when anything does not.

    \b
    Examples:
      posdiag verify /media/pi/STICK/posdiag-12345678
      posdiag verify ./set -i office.key --json
    """
    from posdiag.backup.sealing import identities_from
    from posdiag.backup.verify import verify_set
    from posdiag.errors import VerificationError

    identities = None
    if identity_files or passphrase:
        secret = click.prompt("Passphrase", hide_input=True, err=True) if passphrase else None
        identities = identities_from(identity_files, secret)
    report = verify_set(set_dir, identities, kit_key)
    if as_json:
        click.echo(json.dumps(_report_json(report), sort_keys=True))
    else:
        if report.generation is not None:
            decrypted = (f", {report.records} records decrypted and checked"
                         if report.records is not None else "")
            held = f"; snapshots: {', '.join(report.snapshots)}" if report.snapshots else ""
            click.echo(f"Generation {report.generation}: {report.segments} segments, "
                       f"{report.journal_bytes} journal bytes"
                       f"{'' if report.complete else ' (INCOMPLETE)'}{decrypted}{held}.")
            click.echo(f"Signed by kit key {', '.join(report.kit_keys)}")
            if report.totals_agree is not None:
                click.echo("Totals " + ("agree with the terminal." if report.totals_agree
                                        else "DISAGREE with the terminal."))
        for note in report.notes:
            click.echo(f"note: {note}")
        for problem in report.problems:
            click.echo(f"PROBLEM: {problem}")
    if not report.ok:
        raise VerificationError(f"The backup set {set_dir} does not verify "
                                f"({len(report.problems)} problem(s)); do not rely on it.")


_COLUMNS = ("seq", "time", "type", "result", "amount", "currency", "brand", "pan", "receipt",
            "trace", "auth", "tid")


@click.command()
@click.argument("set_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("-i", "--identity", "identity_files", multiple=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="age identity file to decrypt with.")
@click.option("-p", "--passphrase", is_flag=True, help="Decrypt with a passphrase (prompted).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="json = one journal record per line (JSON Lines).")
@click.option("--part", type=click.Choice(["journal", "identity", "totals", "log"]),
              default="journal", show_default=True,
              help="What to show: the transactions, or a snapshot as stored (JSON or log text).")
def inspect(set_dir: Path, identity_files: tuple[Path, ...], passphrase: bool, fmt: str,
            part: str) -> None:
    """List the transactions held in a backup set (masked card numbers only).

    With --part identity|totals|log it prints that snapshot instead: the terminal's
    identity and configuration printout, its own totals, or its application log.

    \b
    Examples:
      posdiag inspect ./set -i office.key
      posdiag inspect ./set -i office.key --format csv > journal.csv
      posdiag inspect ./set -i office.key --part totals
    """
    from posdiag.backup.inspect import open_set
    from posdiag.backup.reconcile import format_amount
    from posdiag.backup.sealing import identities_from
    from posdiag.journal import encode_record

    secret = click.prompt("Passphrase", hide_input=True, err=True) if passphrase else None
    identities = identities_from(identity_files, secret)
    opened = open_set(set_dir)
    out = sys.stdout
    if part != "journal":
        from posdiag.cards import mask_text

        for chunk in opened.snapshot(part, identities):  # masked when written; once more here
            out.write(mask_text(chunk.decode("latin-1")))
        return
    if fmt == "json":
        for record in opened.records(identities):
            out.write(encode_record(record).decode("utf-8"))
        return
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(_COLUMNS)
        for record in opened.records(identities):
            writer.writerow([getattr(record, c) if getattr(record, c) is not None else ""
                             for c in _COLUMNS])
        return
    out.write(f"{'seq':>7} {'time':19} {'type':8} {'rc':>3} {'amount':>12} {'brand':12} "
              f"{'pan':19} {'receipt':>7}\n")
    count = 0
    for r in opened.records(identities):
        count += 1
        out.write(f"{r.seq:>7} {r.time:19} {r.type:8} {r.result:>3} "
                  f"{format_amount(r.amount):>12} {(r.brand or '-')[:12]:12} "
                  f"{r.pan or '-':19} {r.receipt:>7}\n")
    click.echo(f"{count} records, manifest generation {opened.generation}.", err=True)
