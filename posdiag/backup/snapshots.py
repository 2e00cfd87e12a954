"""Snapshot segments: the terminal's identity and configuration, its totals, its log.

Each is its own age file in the set (docs/backup-set.md §Snapshots). The contents are
encoded here by pure functions - canonical JSON for identity and totals, the log's own
bytes with every card number masked - and parsed back for ``verify -i`` and ``inspect``.
``read_*`` functions are the only part that talks to the terminal.

Card data: the configuration printout and the log are free text from the terminal, so
every card number in them (any spelling posdiag.cards recognises: grouped, non-ASCII
digits, glued to other digits) is masked to first 6 / last 4 before it is encrypted, and
each whole JSON document passes ``mask_data`` (every field, whatever its name); the kit
never stores more of a PAN than a receipt shows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from posdiag.backup.reconcile import totals_to_json
from posdiag.cards import mask_data, mask_text, trailing_run_start
from posdiag.devices import (
    FILE_APPLICATION_LOG,
    FileBlock,
    PrintedReceipt,
    TerminalIdentity,
    Totals,
)
from posdiag.errors import TerminalRefused, VerificationError
from posdiag.i18n import _

IDENTITY_FORMAT = "posdiag-terminal-identity"
TOTALS_FORMAT = "posdiag-terminal-totals"
SNAPSHOT_VERSION = 1
# A log line longer than this is flushed in pieces (keeping a trailing digit run whole, so a
# card number is never cut in two and missed by the mask).
MAX_LOG_LINE = 64 * 1024


def _canonical(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(
        "ascii") + b"\n"


def _masked_canonical(obj: dict[str, Any]) -> bytes:
    """The canonical bytes of a snapshot after every field went through the PAN guard."""
    masked: dict[str, Any] = mask_data(obj)
    return _canonical(masked)


def identity_to_json(identity: TerminalIdentity) -> dict[str, Any]:
    masked: dict[str, Any] = mask_data(asdict(identity))
    return masked


def encode_identity(identity: TerminalIdentity, receipts: list[PrintedReceipt],
                    note: str | None = None) -> bytes:
    """identity.age plaintext: the identity record and the configuration printout, masked."""
    return _masked_canonical({
        "format": IDENTITY_FORMAT, "version": SNAPSHOT_VERSION,
        "identity": identity_to_json(identity),
        "system_configuration": [{"kind": r.kind, "text": mask_text(r.text)} for r in receipts],
        "note": note,
    })


def encode_totals(totals: Totals) -> bytes:
    """totals.age plaintext: the terminal's turnover totals (06 10) as it reported them."""
    return _masked_canonical({"format": TOTALS_FORMAT, "version": SNAPSHOT_VERSION,
                              "totals": totals_to_json(totals)})


def parse_snapshot_json(data: bytes, expected_format: str, name: str) -> dict[str, Any]:
    """A decrypted identity/totals snapshot; VerificationError if it is not one."""
    try:
        obj = json.loads(data.decode("ascii"))
        if not isinstance(obj, dict) or obj.get("format") != expected_format:
            raise ValueError(_("not a {expected_format} document").format(
                                 expected_format=expected_format))
        if obj.get("version") != SNAPSHOT_VERSION:
            raise ValueError(_("version {obj!r}").format(obj=obj.get('version')))
    except (UnicodeDecodeError, ValueError) as err:
        raise VerificationError(_("{name} does not hold a {expected_format} snapshot "
                                  "({err}); it is damaged or was not written by "
                                  "posdiag.").format(
                                    name=name, expected_format=expected_format, err=err)) from err
    if _canonical(obj) != data:
        raise VerificationError(_("{name} is not in canonical form; it was altered.").format(
                                    name=name))
    return obj


class LogMasker:
    """Bytes of a log in, the same bytes out with card numbers masked, line by line.

    Lines are decoded as UTF-8 with ``surrogateescape``, so any byte that is not UTF-8
    comes back out exactly as it went in, while full-width and other non-ASCII digits of a
    UTF-8 log are recognised as digits. A masked digit becomes one ``*``.
    """

    def __init__(self) -> None:
        self._pending = b""
        self.lines = 0

    def feed(self, data: bytes) -> bytes:
        self._pending += data
        cut = self._pending.rfind(b"\n") + 1
        if cut == 0 and len(self._pending) > MAX_LOG_LINE:
            # Keep a trailing run (digits and separators) whole for the next piece.
            text = self._pending.decode("utf-8", "surrogateescape")
            start = len(text[:trailing_run_start(text)].encode("utf-8", "surrogateescape"))
            cut = start if len(self._pending) - start <= MAX_LOG_LINE else len(self._pending)
        done, self._pending = self._pending[:cut], self._pending[cut:]
        self.lines += done.count(b"\n")
        return _mask_bytes(done)

    def finish(self) -> bytes:
        rest, self._pending = self._pending, b""
        if rest:
            self.lines += 1
        return _mask_bytes(rest)


def _mask_bytes(data: bytes) -> bytes:
    if not data:
        return b""
    return mask_text(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")


@dataclass(frozen=True, slots=True)
class ConfigurationReading:
    receipts: list[PrintedReceipt]
    note: str | None  # why there is no printout, if there is none


def read_configuration(terminal: object) -> ConfigurationReading:
    """The system-configuration printout, if the driver can ask for one (ZVT 06 1A/06 D1)."""
    print_config: Callable[[], list[PrintedReceipt]] | None = getattr(
        terminal, "print_system_configuration", None)
    if print_config is None:
        return ConfigurationReading([], "the terminal's driver cannot print its configuration")
    try:
        return ConfigurationReading(list(print_config()), None)
    except TerminalRefused as err:  # e.g. its printer is out of paper: the backup goes on
        return ConfigurationReading([], f"the terminal refused the printout: {err}")


def read_log_blocks(terminal: Any) -> Iterator[FileBlock]:
    """Blocks of the terminal's application log (file 02) in order; none if it has none.

    A terminal without the file refuses the Read File: that is an empty log, not an error.
    """
    try:
        yield from terminal.read_file(FILE_APPLICATION_LOG, 0)
    except TerminalRefused:
        return
