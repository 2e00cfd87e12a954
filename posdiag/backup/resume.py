"""May this kit continue the set in this folder, and from where? (reads only)

``--resume`` continues a set only when everything in it is this kit's own, sound
work for this terminal. It refuses, each with its own sentence (exit 2):

* a set signed by another kit key (a foreign set: another kit must finish it);
* a set whose generations show tampering: a generation by another key, a broken
  chain, rollback evidence, or a complete, signed generation whose files are gone
  or altered (only torn manifests - an interrupted write - are tolerated);
* a set that does not say which terminal it belongs to (its identity was removed),
  or says another one.

Then ``sealed_pieces`` finds the pieces a killed run sealed after the committed
generation and reads each back, so the resumed run continues from the last of them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from posdiag.backup.kitkey import KitKey
from posdiag.backup.manifest import PassphraseKey, clean_terminal_text, sha256_hex
from posdiag.backup.medium import Medium, read_bounded
from posdiag.backup.pieces import SEAL_CAP, Piece, Seal, decode_seal
from posdiag.backup.plan import BackupPlan, adoptable
from posdiag.backup.scan import SetScan
from posdiag.backup.sealing import decrypting, set_key_identity
from posdiag.backup.writer import hash_file
from posdiag.devices import TerminalIdentity
from posdiag.errors import UsageError, VerificationError
from posdiag.i18n import _

if TYPE_CHECKING:
    from posdiag.crypto.age import Identity

IDENTITY_KEYS = ("serial_number", "terminal_id")


def check_resumable(scan: SetScan, kit_key: KitKey, identity: TerminalIdentity,
                    recipients: Sequence[str] = ()) -> None:
    """UsageError unless this kit may continue the scanned set for this terminal, encrypting
    to the same ``recipients`` (labels) as the set so far."""
    where = scan.set_dir
    if scan.set_key is not None and scan.set_key != kit_key.public_key:
        raise UsageError(_("The backup set in {path} was written by another kit (key {theirs}); "
                           "this kit's key is {ours}. Finish it on that kit, or back up into a "
                           "new folder.").format(path=where, theirs=scan.set_key,
                                                 ours=kit_key.public_key))
    altered = [f"{g.name}: {g.problem}" for g in scan.generations
               if (g.manifest is not None or g.foreign) and g.problem is not None]
    problems = [*scan.trust_problems, *altered]
    if problems:
        raise UsageError(_("The backup set in {path} shows damage or tampering ({problem}); it "
                           "cannot be continued: keep it as evidence and back up into a new "
                           "folder.").format(path=where, problem=problems[0]))
    committed = scan.committed
    if committed is None or committed.manifest is None:
        return
    labels = committed.manifest.recipients
    if recipients and sorted(recipients) != sorted(labels):
        # Pieces encrypted to other keys than the rest would leave a set no one key opens.
        raise UsageError(_("The backup set in {path} is encrypted to {theirs}; give the same "
                           "recipients (-r/-R) or passphrase to continue it.").format(
            path=where, theirs=", ".join(_("a passphrase") if r == "scrypt" else r
                                         for r in labels)))
    terminal = committed.manifest.terminal
    named = {key: terminal.get(key) for key in IDENTITY_KEYS if terminal.get(key)}
    if not named:
        raise UsageError(_("The backup set in {path} does not say which terminal it belongs to "
                           "(its identity was removed); it cannot be continued: back up into a "
                           "new folder.").format(path=where))
    compared = False
    for key, theirs in named.items():
        ours = getattr(identity, key)
        if isinstance(ours, str):
            # The manifest holds the identity as terminal_fields stores it (PAN-masked, no
            # control characters): compare in that form, or a serial number that reads as a
            # card number would never match its own set.
            ours = clean_terminal_text(ours)
        if ours:
            compared = True
            if theirs != ours:
                raise UsageError(_("This backup set belongs to the terminal with {key} {theirs}, "
                                   "not {ours}; choose another folder to back up this "
                                   "terminal.").format(key=key, theirs=theirs, ours=ours))
    if not compared:
        raise UsageError(_("The terminal does not report its serial number or terminal ID, so it "
                           "cannot be matched with the backup set in {path}; back up into a new "
                           "folder.").format(path=where))


def sealed_pieces(scan: SetScan, plan: BackupPlan, kit_key: KitKey,
                  medium: Medium) -> list[Piece]:
    """The pieces sealed after the committed generation that continue it, each read back.

    A seal that is not this kit's, not on the committed generation, out of line, or whose
    piece does not read back exactly as sealed ends the chain there (not an error: those
    pieces are read from the terminal again).
    """
    seals: list[Seal] = []
    prefix = f"journal-{plan.next_index:06d}-"
    for name in scan.seal_names:
        if not name.lower().startswith(prefix):
            continue
        try:
            data = read_bounded(medium, scan.set_dir / name, SEAL_CAP)
            seals.append(decode_seal(data, name, kit_key.public_key))
        except VerificationError:  # torn, foreign or altered: not ours to continue from
            continue
    adopted = []
    present = {name.lower(): name for name in scan.files}
    for piece in adoptable(plan, seals, kit_key.public_key):
        real = present.get(piece.file.name.lower())
        if real is None:
            break
        path: Path = scan.set_dir / real
        try:
            found = hash_file(medium, path, limit=piece.file.size)
        except VerificationError:
            break
        if found != piece.file:
            break
        adopted.append(piece)
    return adopted


def unlock_set_key(medium: Medium, set_dir: Path, key: PassphraseKey,
                   passphrase: Identity) -> None:
    """UsageError unless the passphrase given opens the set's own key (one scrypt)."""
    from posdiag.crypto.age import NoIdentityMatch

    path = set_dir / key.file.name
    data = read_bounded(medium, path, min(key.file.size, 64 * 1024))
    if sha256_hex(data) != key.file.sha256:
        raise UsageError(_("{path} does not match its SHA-256; the set cannot be continued: "
                           "back up into a new folder.").format(path=path))
    try:
        set_key_identity(decrypting(io.BytesIO(data), [passphrase]).read())
    except NoIdentityMatch as err:
        raise UsageError(_("The passphrase does not open the backup set in {path}; give the "
                           "passphrase it was started with.").format(path=set_dir)) from err
