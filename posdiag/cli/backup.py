"""`posdiag backup`, `posdiag verify`, `posdiag inspect`: encrypted journal backup sets.

Each command parses its options, calls one service (run_backup, verify_set, open_set)
and prints; what the backup shows while it runs is ``_BackupDisplay``.
"""

from __future__ import annotations

import contextlib
import csv
import json
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from posdiag.cli.help import Command
from posdiag.cli.options import port_option, terminal_options
from posdiag.i18n import N_, _

if TYPE_CHECKING:
    from posdiag.backup.reconcile import TotalsComparison
    from posdiag.backup.service import BackupProgress, BackupResult, BackupStage
    from posdiag.backup.verify import VerifyReport
    from posdiag.terminal_settings import TerminalSettings


class _BackupDisplay:
    """What a running backup shows on stderr: which terminal, then one self-overwriting
    progress line (configuration, journal bytes/records/ETA, totals, log) on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._enabled = stream.isatty()
        self._start = time.monotonic()
        self._first: int | None = None
        self._last_draw = 0.0
        self._drawn = False

    def stage(self, stage: BackupStage) -> None:
        from posdiag.backup.service import (
            STAGE_CONFIGURATION,
            STAGE_CONNECTED,
            STAGE_LOG,
            STAGE_TOTALS,
        )

        if stage.stage == STAGE_CONNECTED and stage.identity is not None:
            from posdiag.display import untrusted  # what the terminal says about itself

            identity = stage.identity
            unknown = _("unknown")
            self._line(_("Terminal {model}, serial {serial}, TID {tid}; backing up into "
                         "{path}.").format(model=untrusted(identity.device_name or unknown),
                                           serial=untrusted(identity.serial_number or unknown),
                                           tid=untrusted(identity.terminal_id or unknown),
                                           path=untrusted(stage.set_dir)))
        elif stage.stage == STAGE_CONFIGURATION:
            self._draw(_("reading the terminal's configuration printout…"))
        elif stage.stage == STAGE_TOTALS:
            self._draw(_("reading the terminal's totals…"))
        elif stage.stage == STAGE_LOG:
            # The first and the last frame always show; those in between at most 5 a second.
            throttle = bool(stage.done) and stage.done != stage.total
            done = (stage.done or 0) / 1024
            if stage.total:
                self._draw(_("reading the terminal's log: {done:.1f} KiB / {total:.1f} KiB")
                           .format(done=done, total=stage.total / 1024), throttle=throttle)
            else:
                self._draw(_("reading the terminal's log: {done:.1f} KiB").format(done=done),
                           throttle=throttle)

    def journal(self, progress: BackupProgress) -> None:
        if not self._enabled:
            return
        now = time.monotonic()
        if self._first is None:
            self._first, self._start = progress.done, now
        mib = progress.done / 2**20
        text = _("journal {mib:8.2f} MiB").format(mib=mib)
        eta = ""
        if progress.total:
            percent = 100 * progress.done // max(progress.total, 1)
            text += _(" / {total:.2f} MiB ({percent}%)").format(total=progress.total / 2**20,
                                                              percent=percent)
            rate = (progress.done - self._first) / max(now - self._start, 1e-6)
            if rate > 0 and progress.done < progress.total:
                seconds = int((progress.total - progress.done) / rate)
                eta = _("  ETA {h}:{m:02d}:{s:02d}").format(h=seconds // 3600,
                                                          m=seconds // 60 % 60, s=seconds % 60)
        records = _("{count} records").format(count=progress.records)
        self._draw(f"{text}  {records}{eta}",
                   throttle=progress.done != progress.total)

    def _draw(self, text: str, throttle: bool = False) -> None:
        if not self._enabled:
            return
        now = time.monotonic()
        if throttle and now - self._last_draw < 0.2:
            return
        self._last_draw = now
        # \x1b[K clears what a longer previous line left behind.
        self._stream.write(f"\r{text}\x1b[K")
        self._stream.flush()
        self._drawn = True

    def _line(self, text: str) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._drawn = False
        self._stream.write(text + "\n")
        self._stream.flush()

    def finish(self) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False


def _totals_lines(comparison: TotalsComparison) -> list[str]:
    if comparison.agree:
        if not comparison.brands_compared:
            return [_("Journal agrees with the terminal's totals (total amount).")]
        if comparison.counts_modulo_256:
            return [_("Journal agrees with the terminal's totals (count and amount per brand; "
                      "counts compared modulo 256, the terminal's field is one byte).")]
        return [_("Journal agrees with the terminal's totals (count and amount per brand).")]
    return [_("Journal DISAGREES with the terminal's totals:"),
            *(f"  {line}" for line in comparison.differences)]


def _result_json(result: BackupResult) -> dict[str, Any]:
    from posdiag.backup.reconcile import comparison_to_json

    return {
        "set_dir": str(result.set_dir),
        "set_id": result.set_id,
        "generation": result.generation,
        "manifest_sha256": result.manifest_sha256,
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


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (systemd, kill) stops a backup as Ctrl-C does: what was read is kept."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.command(cls=Command)
@port_option()
@terminal_options
@click.option("--to", "to", metavar="DIR|auto",
              help=N_("Backup set folder, or 'auto' for the one mounted USB stick (with --case: "
                      "default the case's backup/ folder)."))
@click.option("--case", "case_dir", type=click.Path(file_okay=False, path_type=Path),
              metavar="CASEDIR", help=N_("The repair case of this terminal: the set is linked to "
                                         "it (docs/case.md)."))
@click.option("-r", "--recipient", "recipients", multiple=True, metavar="AGE1…",
              help=N_("age recipient (public key) to encrypt to; repeat for office + escrow."))
@click.option("-R", "--recipients-file", "recipient_files", multiple=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help=N_("File of age recipients, one per line."))
@click.option("-p", "--passphrase", is_flag=True,
              help=N_("Encrypt to a passphrase instead (prompted)."))
@click.option("--resume", is_flag=True, help=N_("Continue the backup set already in the folder."))
@click.option("--segment-mib", type=click.FloatRange(1 / 64, 1024), default=8, show_default=True,
              help=N_("MiB of journal per segment (one manifest generation; pieces are 56 KiB)."))
@click.option("--config-dir", type=click.Path(file_okay=False, path_type=Path),
              help=N_("Where the kit signing key lives (default: ~/.config/posdiag)."))
@click.option("--json", "as_json", is_flag=True,
              help=N_("Print a one-line JSON summary on stdout."))
def backup(port: str, settings: TerminalSettings, to: str | None, case_dir: Path | None,
           recipients: tuple[str, ...], recipient_files: tuple[Path, ...], passphrase: bool,
           resume: bool, segment_mib: float, config_dir: Path | None, as_json: bool) -> None:
    """Back up a terminal's merchant journal, encrypted, to a folder or USB stick.

    The journal is checked record by record (no card data beyond masked PANs may
    pass), encrypted with age in pieces of at most 56 KiB, written once, read back
    past the page cache and committed by signed manifest generations. At the end the
    records are compared with the terminal's own totals. Ctrl-C keeps what was read;
    --resume continues. Exit codes: 0 done and totals agree; 1 done but totals
    disagree; 2 usage; 3 terminal; 4 medium; 130 interrupted.

    \b
    Examples:
      posdiag backup --port /dev/ttyACM0 --password 000000 --to auto -r age1... -r age1...
      posdiag backup --port sim --to ./set -r "$(posdiag keygen -o office.key)"
      posdiag backup --port tcp://10.0.0.5:20007 --to /media/pi/STICK/set --resume -R keys.txt
      posdiag backup --case CASEDIR --port /dev/ttyACM0 -r age1...
    """
    from posdiag.backup.kitkey import load_or_create_kit_key
    from posdiag.backup.media import find_backup_medium, on_medium
    from posdiag.backup.sealing import recipients_from
    from posdiag.backup.service import SetFolder, run_backup
    from posdiag.errors import CheckFailed
    from posdiag.terminals import open_terminal

    secret = None
    if passphrase:
        secret = click.prompt(_("Passphrase"), hide_input=True, confirmation_prompt=True,
                              err=True)
    parsed, labels = recipients_from(recipients, recipient_files, secret)
    if case_dir is None and to is None:
        raise click.UsageError(_("Give --to DIR|auto (or --case CASEDIR)."))
    destination: SetFolder | None = None
    if case_dir is None:
        destination = on_medium(find_backup_medium().mount_point) if to == "auto" \
            else _folder(to)
    kit_key = load_or_create_kit_key(config_dir)
    if kit_key.created:
        click.echo(_("Created the kit signing key {path}; its public key is {key}").format(
            path=kit_key.path, key=kit_key.public_key), err=True)
    display = _BackupDisplay(sys.stderr)
    if case_dir is not None:
        result = _backup_for_case(case_dir, port, settings, to, parsed, labels, kit_key, resume,
                                  int(segment_mib * 2**20), display)
    else:
        assert destination is not None
        with _sigterm_interrupts(), \
                open_terminal(port, settings=settings, fast_line=True) as terminal:
            try:
                result = run_backup(terminal, destination, parsed, kit_key,
                                    recipient_labels=labels, resume=resume,
                                    segment_bytes=int(segment_mib * 2**20),
                                    on_progress=display.journal, on_stage=display.stage)
            finally:
                display.finish()
    if as_json:
        click.echo(json.dumps(_result_json(result), sort_keys=True))
    else:
        click.echo(_("Backed up {records} records ({size} bytes) to {path}, manifest generation "
                     "{generation}.").format(records=result.records, size=result.journal_bytes,
                                             path=result.set_dir,
                                             generation=result.generation), err=True)
        for line in _totals_lines(result.totals) if result.totals else []:
            click.echo(line, err=True)
    if result.totals is not None and not result.totals.agree:
        raise CheckFailed(_("The backup is complete but the journal does not add up to the "
                            "terminal's totals; keep the set and report the difference."))


def _folder(to: str | None) -> Path:
    """--to DIR: the set folder itself (never a file)."""
    from posdiag.errors import BadInput

    assert to is not None
    if Path(to).exists() and not Path(to).is_dir():
        raise BadInput(_("--to {path} is a file; give a folder for the backup set, or auto.")
                       .format(path=to))
    return Path(to)


def _backup_for_case(case_dir: Path, port: str, settings: TerminalSettings, to: str | None,
                     recipients: Any, labels: Any, kit_key: Any, resume: bool,
                     segment_bytes: int, display: _BackupDisplay) -> BackupResult:
    """The backup as a step of the repair case (posdiag.case.backup): caution shown and
    recorded first, the set linked to the case afterwards."""
    from posdiag.case.backup import backup_for_case
    from posdiag.case.opening import actor_for
    from posdiag.case.profiles import load_kit_profile

    def show(text: str) -> None:
        click.echo(_("\nCAUTION: {text}\n").format(text=text), err=True)

    set_dir = None
    if to == "auto":
        from posdiag.backup.media import find_backup_medium

        set_dir = find_backup_medium().mount_point / f"posdiag-{case_dir.name}"
    elif to is not None:
        set_dir = _folder(to)
    from posdiag.terminals import open_terminal

    try:
        with _sigterm_interrupts(), \
                open_terminal(port, settings=settings, fast_line=True) as terminal:
            done = backup_for_case(case_dir, port, recipients, kit_key, set_dir=set_dir,
                                   recipient_labels=labels, resume=resume,
                                   segment_bytes=segment_bytes, on_progress=display.journal,
                                   on_stage=display.stage, show=show,
                                   actor=actor_for(None, load_kit_profile()),
                                   terminal=terminal)
    finally:
        display.finish()
    click.echo(_("Linked to case {case_id} ({state}).").format(
                   case_id=done.case.case.case_id, state=done.case.case.state), err=True)
    return done.result


def _report_json(report: VerifyReport) -> dict[str, Any]:
    return {
        "set_dir": str(report.set_dir), "ok": report.ok, "outcome": report.outcome,
        "generation": report.generation, "set_id": report.set_id,
        "manifest_sha256": report.manifest_sha256, "kit_keys": report.kit_keys,
        "set_key": report.set_key, "kit": report.key_label, "key_checked": report.key_checked,
        "recipients": report.recipients, "segments": report.segments,
        "ciphertext_bytes": report.ciphertext_bytes, "journal_bytes": report.journal_bytes,
        "records": report.records, "complete": report.complete, "snapshots": report.snapshots,
        "totals_agree": report.totals_agree, "problems": report.problems, "notes": report.notes,
        "wrong_identity": report.wrong_identity,
    }


_KIT_KEY_OPTIONS = [
    click.option("--kit-key", metavar="KEY",
                 help=N_("Require every generation to be signed by this kit key (minisign form).")),
    click.option("--kit-keys", "kit_keys_file", metavar="FILE",
                 type=click.Path(dir_okay=False, exists=True, path_type=Path),
                 help=N_("Register of known kit keys, one per line (KEY [name]); a set signed by "
                         "any other key is reported as signed by an unknown kit.")),
]


def _kit_key_options(command: Any) -> Any:
    for option in reversed(_KIT_KEY_OPTIONS):
        command = option(command)
    return command


def _register(path: Path | None) -> dict[str, str] | None:
    from posdiag.backup.trust import load_kit_keys

    return load_kit_keys(path) if path is not None else None


def _identities(identity_files: tuple[Path, ...], passphrase: bool) -> list[Any] | None:
    from posdiag.backup.sealing import identities_from

    if not identity_files and not passphrase:
        return None
    secret = click.prompt(_("Passphrase"), hide_input=True, err=True) if passphrase else None
    return identities_from(identity_files, secret)


def _signer_line(report: VerifyReport) -> str:
    if report.set_key is None:
        return ""
    if report.key_label and report.key_label != report.set_key:
        return _("Signed by kit {name} (key {key}).").format(name=report.key_label,
                                                             key=report.set_key)
    if report.key_checked:
        return _("Signed by kit key {key} (the expected key).").format(key=report.set_key)
    return _("Signed by kit key {key}; compare it with your register of kits, or give "
             "--kit-keys FILE.").format(key=report.set_key)


@click.command(cls=Command)
@click.argument("set_dir", type=click.Path(path_type=Path))
@click.option("-i", "--identity", "identity_files", multiple=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help=N_("age identity file: also decrypt and check every record."))
@click.option("-p", "--passphrase", is_flag=True, help=N_("Decrypt with a passphrase (prompted)."))
@_kit_key_options
@click.option("--json", "as_json", is_flag=True, help=N_("Print the report as one JSON line."))
def verify(set_dir: Path, identity_files: tuple[Path, ...], passphrase: bool,
           kit_key: str | None, kit_keys_file: Path | None, as_json: bool) -> None:
    """Check a backup set: signatures, hashes and its kit; with a key, every record too.

    Exit codes: 0 everything verifies; 1 something does not (damaged, incomplete,
    altered, or signed by another or unknown kit); 2 usage, including identities
    that cannot open the set (the set itself may be sound).

    \b
    Examples:
      posdiag verify /media/pi/STICK/posdiag-12345678
      posdiag verify ./set -i office.key --json
      posdiag verify ./set --kit-keys office-kits.txt
    """
    from posdiag.backup.verify import verify_set
    from posdiag.errors import VerificationError, WrongIdentity

    register = _register(kit_keys_file)
    identities = _identities(identity_files, passphrase)
    report = verify_set(set_dir, identities, kit_key, kit_keys=register)
    if as_json:
        click.echo(json.dumps(_report_json(report), sort_keys=True))
    else:
        _print_report(report)
    if report.problems or report.generation is None:
        raise VerificationError(_("The backup set {path} does not verify ({count} problem(s)); "
                                  "do not rely on it.").format(path=set_dir,
                                                               count=len(report.problems)))
    if report.wrong_identity:
        raise WrongIdentity(report.wrong_identity)


def _print_report(report: VerifyReport) -> None:
    if report.generation is not None:
        decrypted = (_(", {count} records decrypted and checked").format(count=report.records)
                     if report.records is not None else "")
        held = (_("; snapshots: {kinds}").format(kinds=", ".join(report.snapshots))
                if report.snapshots else "")
        incomplete = "" if report.complete else _(" (INCOMPLETE)")
        click.echo(_("Generation {generation}: {segments} segments, {size} journal bytes"
                     "{incomplete}{decrypted}{held}.").format(
            generation=report.generation, segments=report.segments, size=report.journal_bytes,
            incomplete=incomplete, decrypted=decrypted, held=held))
        click.echo(_signer_line(report))
        if report.totals_agree is not None:
            click.echo(_("Totals agree with the terminal.") if report.totals_agree
                       else _("Totals DISAGREE with the terminal."))
    from posdiag.display import untrusted  # notes and problems quote names on the stick

    for note in report.notes:
        click.echo(_("note: {text}").format(text=untrusted(note)))
    for problem in report.problems:
        click.echo(_("PROBLEM: {text}").format(text=untrusted(problem)))


_COLUMNS = ("seq", "time", "type", "result", "amount", "currency", "brand", "pan", "receipt",
            "trace", "auth", "tid")


@click.command(cls=Command)
@click.argument("set_dir", type=click.Path(path_type=Path))
@click.option("-i", "--identity", "identity_files", multiple=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help=N_("age identity file to decrypt with."))
@click.option("-p", "--passphrase", is_flag=True, help=N_("Decrypt with a passphrase (prompted)."))
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "jsonl"]),
              default="table", show_default=True,
              help=N_("jsonl = one journal record per line (JSON Lines); json = one JSON array."))
@click.option("--part", type=click.Choice(["journal", "identity", "totals", "log"]),
              default="journal", show_default=True,
              help=N_("What to show: the transactions, or a snapshot as stored (JSON or log "
                      "text)."))
@_kit_key_options
def inspect(set_dir: Path, identity_files: tuple[Path, ...], passphrase: bool, fmt: str,
            part: str, kit_key: str | None, kit_keys_file: Path | None) -> None:
    """List the transactions held in a backup set (masked card numbers only).

    The set is verified first, as `posdiag verify` does without a key; a set with a
    problem is not shown (an incomplete one is, with a warning). With --part
    identity|totals|log it prints that snapshot instead: the terminal's identity and
    configuration printout, its own totals, or its application log. Exit codes: 0 ok;
    1 the set does not verify; 2 usage, including identities that cannot open it.

    \b
    Examples:
      posdiag inspect ./set -i office.key
      posdiag inspect ./set -i office.key --format csv > journal.csv
      posdiag inspect ./set -i office.key --format jsonl | jq .amount
      posdiag inspect ./set -i office.key --part totals --kit-keys office-kits.txt
    """
    from posdiag.backup.inspect import open_set
    from posdiag.backup.sealing import identities_from

    register = _register(kit_keys_file)
    secret = click.prompt(_("Passphrase"), hide_input=True, err=True) if passphrase else None
    identities = identities_from(identity_files, secret)
    opened = open_set(set_dir, kit_key=kit_key, kit_keys=register)
    if not opened.complete:
        click.echo(_("warning: this backup set is incomplete (generation {generation}); it "
                     "shows what was committed before the backup stopped.").format(
            generation=opened.generation), err=True)
    out = sys.stdout
    if part != "journal":
        from posdiag.backup.snapshots import LogMasker
        from posdiag.display import untrusted

        masker = LogMasker()  # masked when written; once more here, whole lines at a time
        for chunk in opened.snapshot(part, identities):
            out.write(untrusted(_shown(masker.feed(chunk)), keep_newlines=True))
        out.write(untrusted(_shown(masker.finish()), keep_newlines=True))
        return
    count = _write_records(out, fmt, opened.records(identities))
    if fmt == "table":
        click.echo(_("{count} records, manifest generation {generation}.").format(
            count=count, generation=opened.generation), err=True)


def _shown(data: bytes) -> str:
    """Snapshot bytes as text for the screen: bytes that are not UTF-8 shown as \\xNN."""
    return data.decode("utf-8", "backslashreplace")


def _write_records(out: TextIO, fmt: str, records: Iterator[Any]) -> int:
    """Write the records in ``fmt``; returns how many there were. Every line is PAN-masked
    once more (defence in depth), as a whole: digits of neighbouring columns may join."""
    from posdiag.backup.reconcile import format_amount
    from posdiag.cards import mask_text
    from posdiag.i18n_width import clip, display_width
    from posdiag.journal import encode_record

    count = 0
    if fmt == "jsonl":
        for record in records:
            out.write(mask_text(encode_record(record).decode("utf-8")))
            count += 1
        return count
    if fmt == "json":  # one array, still streamed: a record at a time, constant memory
        out.write("[")
        for count, record in enumerate(records, start=1):
            out.write(("," if count > 1 else "") + "\n" +
                      mask_text(encode_record(record).decode("utf-8").rstrip("\n")))
        out.write("\n]\n")
        return count
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(_COLUMNS)
        for record in records:
            writer.writerow([mask_text(str(getattr(record, c)))
                             if getattr(record, c) is not None else "" for c in _COLUMNS])
            count += 1
        return count
    # Streamed, so the widths are fixed; measured in cells, so a Chinese header or brand
    # name does not push the columns after it out of line.
    headers = [_(name) for name, _width, _align in _TABLE_COLUMNS]
    widths = [max(width, display_width(header))
              for header, (_name, width, _align) in zip(headers, _TABLE_COLUMNS, strict=True)]
    out.write(_table_line(headers, widths) + "\n")
    for r in records:
        out.write(mask_text(_table_line(
            [str(r.seq), str(r.time), str(r.type), str(r.result), format_amount(r.amount),
             clip(r.brand or "-", 12, ellipsis=""), r.pan or "-", str(r.receipt)],
            widths)) + "\n")
        count += 1
    return count


# The journal table of `posdiag inspect`: header, width in cells, alignment.
_TABLE_COLUMNS = ((N_("seq"), 7, "right"), (N_("time"), 19, "left"), (N_("type"), 8, "left"),
                  (N_("rc"), 3, "right"), (N_("amount"), 12, "right"),
                  (N_("brand"), 12, "left"), (N_("pan"), 19, "left"),
                  (N_("receipt"), 7, "right"))


def _table_line(cells: list[str], widths: list[int]) -> str:
    from posdiag.i18n_width import pad

    return " ".join(pad(cell, width, align) for cell, width, (_name, _width, align)
                    in zip(cells, widths, _TABLE_COLUMNS, strict=True))
