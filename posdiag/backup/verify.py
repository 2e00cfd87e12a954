"""`posdiag verify`: a backup set's verdict, from its scan and (with a key) its contents.

Three stages, each its own module: scan.py reads every generation without a key
(signatures, hashes, kit-key pin, register, chain, rollback evidence), then this
module turns the scan into a report (the committed generation, incomplete sets,
superseded damage, unnamed files), then contents.py decrypts and compares every
record and snapshot when identities are given. Anything that does not hold is a
problem (exit 1); identities that open nothing are their own outcome (exit 2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from posdiag.backup.contents import check_journal, check_snapshot, opening_identities
from posdiag.backup.layout import (
    PASSPHRASE_KEY_NAME,
    README_NAME,
    README_TEXT,
    SIGNATURE_SUFFIX,
    SNAPSHOT_PATTERN,
    parse_index_name,
    parse_manifest_name,
    parse_piece_name,
    parse_seal_name,
)
from posdiag.backup.medium import Medium, media_error, read_bounded
from posdiag.backup.scan import FileChecks, SetScan, scan_set
from posdiag.errors import MediaError, UsageError, VerificationError, WrongIdentity
from posdiag.i18n import _, ngettext

if TYPE_CHECKING:
    from posdiag.crypto.age import Identity

__all__ = ["VerifyReport", "find_sets", "scan_set", "verify_set"]

OUTCOME_OK = "ok"
OUTCOME_PROBLEMS = "problems"
OUTCOME_WRONG_IDENTITY = "wrong-identity"


@dataclass
class VerifyReport:
    set_dir: Path
    generation: int | None = None  # newest generation that verifies
    set_id: str | None = None
    manifest_sha256: str | None = None  # of that generation's manifest file
    kit_keys: list[str] = field(default_factory=list)
    set_key: str | None = None  # the key of the set's first generation, every generation's key
    key_label: str | None = None  # its name in the register given with --kit-keys
    key_checked: bool = False  # compared with --kit-key or a register
    recipients: list[str] = field(default_factory=list)
    segments: int = 0
    ciphertext_bytes: int = 0
    journal_bytes: int = 0
    records: int | None = None  # counted by decryption (None without identities)
    complete: bool = False
    snapshots: list[str] = field(default_factory=list)  # kinds held by the newest good generation
    totals_agree: bool | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    wrong_identity: str | None = None  # why the identities given open nothing, if they do not
    damaged: bool = False  # damage or tampering (SetScan.damage): evidence, never continued

    @property
    def ok(self) -> bool:
        return not self.problems and self.generation is not None and self.wrong_identity is None

    @property
    def outcome(self) -> str:
        if self.problems or self.generation is None:
            return OUTCOME_PROBLEMS
        return OUTCOME_WRONG_IDENTITY if self.wrong_identity else OUTCOME_OK

    @property
    def only_incomplete(self) -> bool:
        """Sound but unfinished: the one problem is that the journal is not all there."""
        return self.generation is not None and not self.complete and len(self.problems) == 1

    @property
    def advice(self) -> str:
        """What to do with a set that does not verify: the advice `backup` will accept.

        ``--resume`` only for a sound, unfinished set (backup refuses to continue a damaged
        one); anything else is kept as it is, as evidence, and the terminal backed up anew."""
        if self.ok or (self.wrong_identity and not self.problems):
            return ""
        if self.only_incomplete and not self.damaged:
            return _("it is not finished: run the same backup again with --resume (the same "
                     "terminal, kit and recipients) to finish it")
        return _("do not rely on it; keep it as it is, as evidence, and back up the terminal "
                 "into a new folder")


def verify_set(set_dir: Path, identities: Sequence[Identity] | None = None,
               kit_key: str | None = None, medium: Medium | None = None, *,
               kit_keys: Mapping[str, str] | None = None) -> VerifyReport:
    """Check a backup set; with ``identities`` decrypt and check every record and snapshot.

    ``kit_key`` requires every generation to be signed by that key; ``kit_keys`` is a
    register of known kit keys (key -> label). UsageError when ``set_dir`` is not a set
    folder (missing, a file, or a folder holding sets).
    """
    medium = medium or Medium()
    require_set_folder(set_dir, medium)
    scan = scan_set(set_dir, medium, kit_key, kit_keys=kit_keys)
    report = report_scan(scan, medium, key_checked=kit_key is not None or kit_keys is not None)
    committed = scan.committed
    if identities is None or committed is None or committed.manifest is None:
        return report
    checks = FileChecks(medium, set_dir, scan.files)
    manifest = committed.manifest
    try:
        try:
            identities = opening_identities(checks, medium, manifest, identities)
        except VerificationError as err:
            report.problems.append(str(err))
            return report
        report.records = check_journal(checks, medium, manifest, identities, report.problems)
        for snapshot in manifest.snapshots:
            problem = check_snapshot(checks, medium, manifest, snapshot, identities)
            if problem:
                report.problems.append(f"{snapshot.file.name}: {problem}")
    except WrongIdentity as err:
        report.records = None
        report.wrong_identity = str(err)
    return report


def report_scan(scan: SetScan, medium: Medium, *, key_checked: bool) -> VerifyReport:
    """The keyless verdict: generations, trust, completeness, files named by nothing."""
    report = VerifyReport(scan.set_dir, set_key=scan.set_key, key_label=scan.key_label,
                          key_checked=key_checked, damaged=bool(scan.damage))
    if not scan.generations:
        report.problems.append(_("no manifest generation found; this is not a complete backup "
                                 "set"))
        report.problems.extend(scan.trust_problems)
        report.notes.extend(scan.notes)
        return report
    # A damaged generation a later one supersedes was an interrupted write. Another kit's
    # generation never is, whatever a later one lists.
    tolerated = {s.lower() for g in scan.generations if g.manifest and g.ok
                 for s in g.manifest.skipped}
    tolerated -= {g.name.lower() for g in scan.generations if g.foreign}
    for check in scan.generations:
        if check.ok:
            continue
        if check.name.lower() in tolerated:
            report.notes.append(_("{name}: interrupted write, superseded ({why})").format(
                name=check.name, why=check.problem))
        else:
            report.problems.append(f"{check.name}: {check.problem}")
    report.problems.extend(scan.trust_problems)
    report.notes.extend(scan.notes)
    committed = scan.committed
    if committed is None or committed.manifest is None:
        report.problems.append(_("no manifest generation verifies"))
        return report
    manifest = committed.manifest
    report.generation = committed.generation
    report.set_id = manifest.set_id
    report.manifest_sha256 = committed.sha256
    report.recipients = list(manifest.recipients)
    report.kit_keys = sorted({g.manifest.kit_key for g in scan.generations if g.manifest})
    report.segments = len(manifest.segments)
    report.journal_bytes = manifest.journal.committed
    report.complete = manifest.journal.complete
    report.snapshots = [s.kind for s in manifest.snapshots]
    if manifest.totals is not None:
        report.totals_agree = manifest.totals.get("agree") is True
    checks = FileChecks(medium, scan.set_dir, scan.files)
    report.ciphertext_bytes = sum(s.file.size for s in manifest.segments)
    if not report.complete:
        # A set that stopped part-way (link, medium or process lost) must never pass as a
        # finished backup, however sound its files are.
        report.problems.append(_unfinished(manifest.journal.committed,
                                           manifest.journal.reported_size, scan.rolled_back))
    if report.complete and not manifest.snapshots:
        report.notes.append(_("the set holds no identity, totals or log snapshot (written by an "
                              "older posdiag)"))
    if manifest.readme is not None:
        problem = checks.problem(manifest.readme)
        if problem:
            report.problems.append(problem)
    elif README_NAME.lower() not in {n.lower() for n in scan.files}:
        report.notes.append(_("{name} is missing").format(name=README_NAME))
    return report


def _unfinished(committed: int, size: int, rolled_back: bool) -> str:
    """Why the newest good generation is not the finished set, in the terms of what is there."""
    if committed < size:
        if rolled_back:
            return _("the backup is incomplete: {committed} of {size} journal bytes committed, "
                     "and newer generations were removed (see the rollback evidence)").format(
                committed=committed, size=size)
        return _("the backup is incomplete: {committed} of {size} journal bytes committed")\
            .format(committed=committed, size=size)
    if rolled_back:
        return _("the backup is incomplete: the whole journal ({size} bytes) is committed, but "
                 "the final generation (totals, log, the mark that the set is complete) was "
                 "removed (see the rollback evidence)").format(size=size)
    return _("the backup is incomplete: the whole journal ({size} bytes) is committed, but the "
             "final generation (totals, log, the mark that the set is complete) is not here: "
             "the backup stopped before writing it, or it was removed with all its files "
             "(docs/backup-set.md, Rollback)").format(size=size)


def find_sets(folder: Path, medium: Medium, limit: int = 1000) -> list[str]:
    """Names of the sub-folders of ``folder`` that hold manifest generations (one level)."""
    found = []
    for name in medium.listdir(folder)[:limit]:
        child = folder / name
        if medium.is_link(child) or not child.is_dir():
            continue
        try:
            names = medium.listdir(child)
        except OSError:
            continue
        if any(parse_manifest_name(n.lower()) is not None for n in names):
            found.append(name)
    return found


def require_set_folder(set_dir: Path, medium: Medium, command: str = "verify") -> None:
    """UsageError unless ``set_dir`` is a backup set's folder (or what is left of one).

    A folder with no file of a set in it is not a damaged set but the wrong folder: it is
    named as such, with the sets one level down when it holds some (a stick's top folder).
    ``command`` is the command to run on one of them."""
    if not set_dir.is_dir():  # missing, or a file
        raise UsageError(_("{path} is not a folder; give the backup set's folder.").format(
            path=set_dir))
    try:
        names = medium.listdir(set_dir)
    except OSError as err:
        raise media_error(err, set_dir) from err
    if any(parse_manifest_name(n.lower()) is not None for n in names):
        return
    sets = find_sets(set_dir, medium)
    if sets:
        raise UsageError(ngettext(
            "{path} is not a backup set but holds one: {names}; {command} that one.",
            "{path} is not a backup set but holds {count} of them: {names}; {command} one of "
            "them.", len(sets)).format(path=set_dir, count=len(sets),
                                       names=", ".join(sorted(sets)), command=command))
    if not any(_set_file(n.lower()) for n in names) and not _our_readme(set_dir, names, medium):
        raise UsageError(_("{path} holds no backup set (no manifest-NNNNNN.json, here or one "
                           "folder down); give the folder of a set (posdiag-…).").format(
            path=set_dir))


def _our_readme(set_dir: Path, names: list[str], medium: Medium) -> bool:
    """The folder holds the README.txt a backup writes first: a set that stopped before its
    first generation (exit 1, incomplete), not a wrong folder."""
    found = next((n for n in names if n.lower() == README_NAME.lower()), None)
    if found is None:
        return False
    try:
        head = read_bounded(medium, set_dir / found, 64 * 1024)  # setwriter.README_CAP
    except (VerificationError, MediaError):
        return False
    return head.startswith(README_TEXT.split("\n", 1)[0].encode())


def _set_file(name: str) -> bool:
    """A name only a backup set's files have: what is left of a set whose manifests are gone
    is a damaged set (exit 1), not a wrong folder."""
    return bool(parse_piece_name(name) or parse_seal_name(name) or
                parse_index_name(name) is not None or
                SNAPSHOT_PATTERN.fullmatch(name) or
                (name.endswith(SIGNATURE_SUFFIX) and
                parse_manifest_name(name.removesuffix(SIGNATURE_SUFFIX)) is not None) or
                name == PASSPHRASE_KEY_NAME)
