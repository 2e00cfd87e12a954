"""The case folder on disk: numbered, signed, write-once revisions in a hash chain.

    <case id>/
      case-0001.json           revision 1 (the case as opened)
      case-0001.json.minisig   its signature by the kit key (minisign, as manifests)
      case-0002.json           revision 2: the whole case again, plus what changed, naming
      case-0002.json.minisig   the SHA-256 of case-0001.json
      attachments/<sha256>.<ext>
      records/                 test records of the replacement (posdiag test --case)
      backup/                  the backup set, when posdiag backup --case was given no --to

Every change is a new revision file; none is ever rewritten (FAT renames are not crash-safe,
and a rewrite could erase history). Each revision holds the whole case, so the newest alone
answers "what is the state" (case list reads only that), while the chain — each revision
signed, naming its predecessor's hash, its actions extending the predecessor's — shows that
no earlier revision was changed or removed from the middle. ``load_case`` checks all of it.

A revision whose write was cut short (no signature, or unreadable) is *torn*: the case stands
at the revision before it, and the next revision names it in ``skipped``. A complete revision
whose signature fails was altered: the case cannot be changed until someone looks at it.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posdiag.case.carddata import file_may_hold_card_data, holds_card_data, scrub
from posdiag.case.codec import from_json, to_json
from posdiag.case.model import CASE_FORMAT, CASE_VERSION, Case, Revision
from posdiag.case.states import is_step
from posdiag.errors import (
    CaseAltered,
    CaseNotFound,
    MediaError,
    MediaFull,
    MediaReadOnly,
    NotACase,
    UsageError,
    VerificationError,
)
from posdiag.i18n import _

if TYPE_CHECKING:
    from posdiag.backup.kitkey import KitKey

SIGNATURE_SUFFIX = ".minisig"
ATTACHMENTS_DIR = "attachments"
RECORDS_DIR = "records"
BACKUP_DIR = "backup"
_REVISION = re.compile(r"^case-(\d{4,6})\.json$")
MAX_REVISION_BYTES = 4 << 20  # a case is a few KiB; a huge file is not one of ours


def revision_name(number: int) -> str:
    return f"case-{number:04d}.json"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class RevisionCheck:
    number: int
    name: str
    sha256: str | None  # of the file as read
    revision: Revision | None  # parsed and signature good
    problem: str | None  # None: this revision verifies on its own
    torn: bool = False  # an interrupted write (no signature, unreadable), not an alteration

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class CaseFile:
    """A case folder, read and verified: every revision, the chain, the files it names."""

    path: Path
    checks: tuple[RevisionCheck, ...]
    head: RevisionCheck | None  # the newest revision that verifies with an unbroken chain
    problems: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems and self.head is not None

    @property
    def revision(self) -> Revision:
        if self.head is None or self.head.revision is None:
            raise CaseAltered(_("No revision of the case {path} verifies; it cannot be read "
                                "or changed.").format(path=self.path))
        return self.head.revision

    @property
    def case(self) -> Case:
        return self.revision.case

    def action_revisions(self) -> tuple[int, ...]:
        """The revision each action of the case first appears in, in the order of the
        actions: the history counts in revisions, as the case file does (an action number is
        not a revision number — one revision may add several actions)."""
        head = self.head
        if head is None or head.revision is None:
            return ()
        found: list[int] = []
        for check in self.checks:
            if check.number > head.number or check.revision is None:
                continue
            count = len(check.revision.case.actions)
            found += [check.number] * max(0, count - len(found))
        return tuple(found)

    def require_unaltered(self) -> None:
        """Refuse to build on a case whose history does not verify."""
        if self.problems:
            raise CaseAltered(_("The case file in {path} does not verify ({problem}); it is not "
                                "changed until someone has examined it — see `posdiag case "
                                "show {path}`.").format(path=self.path, problem=self.problems[0]))


# --- reading -------------------------------------------------------------------------------


def revision_numbers(path: Path) -> list[tuple[int, str]]:
    """(number, file name) of every revision file in the folder, ascending."""
    try:
        names = os.listdir(path)
    except FileNotFoundError:
        raise CaseNotFound(_("There is no case folder {path}; give the folder `posdiag case "
                             "open` made (`posdiag case list` finds them).").format(
                                 path=path)) from None
    except NotADirectoryError:
        raise NotACase(_("{path} is a file, not a case folder; give the folder `posdiag case "
                         "open` made.").format(path=path)) from None
    except OSError as err:
        raise MediaError(_("Cannot read the case folder {path} ({error}); check the medium.")
                         .format(path=path, error=err.strerror)) from err
    found = sorted((int(m.group(1)), name) for name in names if (m := _REVISION.match(name)))
    return found


def read_revision(path: Path, number: int, name: str,
                  public_key: str | None = None) -> RevisionCheck:
    """One revision file, parsed and its signature checked (not its place in the chain)."""
    from posdiag.backup.manifest import verify_manifest_signature

    file = path / name
    try:
        with open(file, "rb") as source:
            data = source.read(MAX_REVISION_BYTES + 1)
    except OSError as err:
        return RevisionCheck(number, name, None, None, _("{name} cannot be read ({error})")
                             .format(name=name, error=err.strerror), torn=True)
    digest = hashlib.sha256(data).hexdigest()
    if len(data) > MAX_REVISION_BYTES:
        return RevisionCheck(number, name, digest, None, _("{name} is far too large for a case "
                                                           "revision").format(name=name))
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return RevisionCheck(number, name, digest, None, _(
            "{name} is not complete JSON (an interrupted write, or damaged)").format(name=name),
            torn=True)
    if not isinstance(doc, dict) or doc.get("format") != CASE_FORMAT:
        return RevisionCheck(number, name, digest, None, _("{name} is not a posdiag case file")
                             .format(name=name))
    if doc.get("version") != CASE_VERSION:
        return RevisionCheck(number, name, digest, None, _(
            "{name} has case format version {version}; this posdiag reads version {known}, "
            "update posdiag").format(name=name, version=doc.get("version"), known=CASE_VERSION))
    try:
        revision = from_json(Revision, doc, name)
    except ValueError as err:
        return RevisionCheck(number, name, digest, None, _("{name} is damaged ({error})")
                             .format(name=name, error=err))
    if revision.revision != number:
        return RevisionCheck(number, name, digest, None, _(
            "{name} says it is revision {said} (renamed or copied)").format(
                name=name, said=revision.revision))
    signature = path / (name + SIGNATURE_SUFFIX)
    try:
        signature_bytes = signature.read_bytes()
    except FileNotFoundError:
        return RevisionCheck(number, name, digest, None, _(
            "{name} has no signature (an interrupted write, or the file was put there by hand)")
            .format(name=name), torn=True)
    except OSError as err:
        return RevisionCheck(number, name, digest, None, _("{name}: the signature cannot be "
                                                           "read ({error})").format(
                                                               name=name, error=err.strerror))
    if public_key is not None and revision.kit_key != public_key:
        return RevisionCheck(number, name, digest, None, _(
            "{name} was signed by kit key {key}, not the one required").format(
                name=name, key=revision.kit_key))
    try:
        verify_manifest_signature(data, signature_bytes, revision.kit_key, name)
    except VerificationError:
        return RevisionCheck(number, name, digest, None, _(
            "{name} does not match its signature: it was edited or damaged after it was "
            "written").format(name=name))
    if file_may_hold_card_data(data) and holds_card_data(doc):
        return RevisionCheck(number, name, digest, None, _("{name} holds a card number")
                             .format(name=name))
    return RevisionCheck(number, name, digest, revision, None)


def load_case(path: str | Path, *, public_key: str | None = None,
              check_files: bool = True) -> CaseFile:
    """Read and verify a case folder. Missing or foreign folders raise; everything else that
    does not hold becomes a problem in the result (so ``case show`` can say what is wrong)."""
    path = Path(path)
    numbered = revision_numbers(path)
    if not numbered:
        raise NotACase(_("{path} is not a case folder: it holds no case-0001.json. Give the "
                         "folder `posdiag case open` made.").format(path=path))
    checks = [read_revision(path, number, name, public_key) for number, name in numbered]
    first = checks[0]
    if (first.number == 1 and first.problem and not first.torn and first.sha256 is not None
            and _foreign(path / first.name)):
        raise NotACase(_("{path} holds another tool's files, not a posdiag case; give the "
                         "folder `posdiag case open` made.").format(path=path))
    problems: list[str] = []
    notes: list[str] = []
    head = _walk_chain(checks, problems, notes)
    if head is not None and head.revision is not None and check_files:
        problems.extend(_file_problems(path, head.revision.case))
    return CaseFile(path, tuple(checks), head, tuple(problems), tuple(notes))


def _foreign(file: Path) -> bool:
    try:
        doc = json.loads(file.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return True
    return not (isinstance(doc, dict) and doc.get("format") == CASE_FORMAT)


def _walk_chain(checks: list[RevisionCheck], problems: list[str],
                notes: list[str]) -> RevisionCheck | None:
    """The newest revision reachable through good links from revision 1; problems on the way."""
    head: RevisionCheck | None = None
    pending: list[RevisionCheck] = []  # bad revisions since head
    for expected, check in enumerate(checks, start=1):
        if check.number != expected:
            problems.append(_("revision {n} is missing (the files jump from {before} to "
                              "{after})").format(n=expected, before=expected - 1,
                                                 after=check.number))
            break
        if not check.ok:
            pending.append(check)
            continue
        assert check.revision is not None
        revision = check.revision
        superseded = all(b.torn and b.name in revision.skipped for b in pending)
        for bad in pending:
            if bad.torn and bad.name in revision.skipped:
                notes.append(_("{name} was not completely written and is superseded by {by}")
                             .format(name=bad.name, by=check.name))
            else:
                problems.append(str(bad.problem))
        pending = []
        if not superseded:
            break
        if revision.previous_sha256 != (head.sha256 if head is not None else ""):
            problems.append(_("{name} does not follow the revision before it (the hash chain is "
                              "broken: a revision was replaced or removed)").format(
                                  name=check.name))
            break
        continuity = _continuity(head.revision if head else None, revision)
        if continuity:
            problems.append(_("{name}: {problem}").format(name=check.name, problem=continuity))
            break
        head = check
    for bad in pending:
        if bad.torn and bad is checks[-1]:
            notes.append(_("{name} was not completely written; the case stands at the revision "
                           "before it").format(name=bad.name))
        else:
            problems.append(str(bad.problem))
    if head is None and not problems:
        problems.append(_("no revision of the case verifies"))
    return head


def _continuity(before: Revision | None, after: Revision) -> str | None:
    """What breaks the story from one revision to the next, or None."""
    case = after.case
    actions = case.actions
    if before is None:
        if after.previous_sha256:
            return _("the first revision names a predecessor")
        old_actions: tuple[Any, ...] = ()
        state = ""
    else:
        if case.case_id != before.case.case_id or after.case_id != before.case_id:
            return _("the case ID changed")
        if case.opened != before.case.opened:
            return _("the opening time changed")
        old_actions = before.case.actions
        state = before.case.state
        if to_json(actions[:len(old_actions)]) != to_json(old_actions):
            return _("an earlier action was changed or removed")
    if after.case_id != case.case_id:
        return _("the envelope and the content name different cases")
    for number, action in enumerate(actions[len(old_actions):], start=len(old_actions) + 1):
        if action.number != number:
            return _("action {n} is numbered {got}").format(n=number, got=action.number)
        if action.state_after:
            if action.state_before != state:
                return _("action {n} starts from {claimed}, but the case was {state}").format(
                    n=number, claimed=action.state_before, state=state or "-")
            legal = (state == "" and action.state_after == "open") or is_step(
                state, action.state_after)
            if not legal and not (action.forced and action.reason):
                return _("action {n} moves the case from {before} to {after} without --force "
                         "and a reason").format(n=number, before=state, after=action.state_after)
            state = action.state_after
    if not actions:
        return _("the case has no actions")
    if case.state != state:
        return _("the case says it is {state}, its actions lead to {actual}").format(
            state=case.state, actual=state)
    return None


def _file_problems(path: Path, case: Case) -> list[str]:
    """Attachments and test records the case names must be there, unchanged."""
    problems = []
    named = [(a.file, a.sha256) for a in case.attachments]
    named += [(r.record.file, r.record.sha256) for r in case.replacements]
    for relative, digest in named:
        file = resolve(path, relative)
        try:
            found = sha256_file(file)
        except OSError:
            problems.append(_("{file}, named by the case, is missing").format(file=relative))
            continue
        if found != digest:
            problems.append(_("{file} does not match the SHA-256 the case holds (altered or "
                              "replaced)").format(file=relative))
    return problems


def resolve(case_dir: Path, reference: str) -> Path:
    """A path the case holds: relative to the case folder, or absolute."""
    candidate = Path(reference)
    return candidate if candidate.is_absolute() else case_dir / candidate


def reference(case_dir: Path, file: Path) -> str:
    """How the case names a file: relative when inside the case folder, else absolute."""
    try:
        return file.resolve().relative_to(case_dir.resolve()).as_posix()
    except ValueError:
        return str(file.resolve())


# --- writing -------------------------------------------------------------------------------


def write_revision(current: CaseFile | Path, case: Case, kit_key: KitKey, *,
                   now: Callable[[], str] = utc_now, host: str | None = None) -> CaseFile:
    """Append the case as a new signed revision; the case file as it is afterwards."""
    from posdiag.backup.manifest import sign_manifest

    if isinstance(current, CaseFile):
        folder, head = current.path, current.head
        current.require_unaltered()
        taken = [c.number for c in current.checks]
        skipped = tuple(c.name for c in current.checks
                        if head is None or c.number > head.number)
    else:
        folder, head, taken, skipped = current, None, [], ()
    number = max(taken, default=0) + 1
    revision = Revision(
        case_id=case.case_id, revision=number, written=now(),
        kit_key=kit_key.public_key, host=host or socket.gethostname(),
        case=case, previous_sha256=(head.sha256 or "") if head else "", skipped=skipped)
    doc = scrub(to_json(revision))
    data = (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    comment = f"posdiag case {case.case_id} revision {number} state {case.state}"
    signature = sign_manifest(data, kit_key.private_key, comment)
    name = revision_name(number)
    _write_once(folder / name, data)
    _write_once(folder / (name + SIGNATURE_SUFFIX), signature)
    _sync_dir(folder)
    if not isinstance(current, CaseFile):
        return load_case(folder)
    # What was just written, as it is on disk (masked), without reading the chain again.
    written = RevisionCheck(number, name, hashlib.sha256(data).hexdigest(),
                            from_json(Revision, doc, name), None)
    notes = tuple(_("{name} was not completely written and is superseded by {by}").format(
        name=torn, by=name) for torn in skipped)
    return CaseFile(folder, (*current.checks, written), written, (), notes)


def _write_once(path: Path, data: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise UsageError(_("The case changed while this command ran ({name} appeared); run the "
                           "command again.").format(name=path.name)) from None
    except OSError as err:
        raise case_media_error(err, path) from err
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except OSError as err:
        raise case_media_error(err, path) from err


def _sync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # not every file system syncs folders (FAT on some kernels); the files are synced
    finally:
        os.close(fd)


def case_media_error(err: OSError, path: Path) -> MediaError:
    if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return MediaFull(_("The medium is full while writing {path}; free space and run the "
                           "command again.").format(path=path))
    if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return MediaReadOnly(_("Writing {path} was refused (read-only medium or no "
                               "permission); fix that and run the command again.").format(
                                   path=path))
    return MediaError(_("Writing {path} failed ({error}); check the medium and run the command "
                        "again.").format(path=path, error=err.strerror or err))
