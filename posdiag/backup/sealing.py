"""The one place the backup encrypts and decrypts: age v1 through posdiag.crypto.age.

Kept apart so the storage logic never depends on how age is implemented, and
so the kit's rule is visible in one file: it encrypts to public recipients
only; decrypting needs an identity the kit does not hold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from posdiag.errors import BadInput
from posdiag.i18n import _

if TYPE_CHECKING:
    from posdiag.crypto.age import DecryptingReader, EncryptingWriter, Identity, Recipient


def encrypting(dst: BinaryIO, recipients: Sequence[Recipient]) -> EncryptingWriter:
    """A context-managed writer that age-encrypts into ``dst`` (finalised on clean exit only)."""
    from posdiag.crypto.age import age_writer

    return age_writer(dst, recipients)


def decrypting(src: BinaryIO, identities: Sequence[Identity]) -> DecryptingReader:
    """A reader of the authenticated plaintext of the age file ``src``."""
    from posdiag.crypto.age import open_decrypting

    return open_decrypting(src, identities)


def recipients_from(texts: Sequence[str] = (), files: Sequence[Path] = (),
                    passphrase: str | None = None) -> tuple[list[Recipient], list[str]]:
    """Parsed recipients and their labels for the manifest ("age1…" or "scrypt")."""
    from posdiag.age_files import load_recipients
    from posdiag.crypto.age import ScryptRecipient, check_recipients, parse_recipient

    recipients: list[Recipient] = [_recipient(text.strip(), parse_recipient) for text in texts]
    for path in files:
        recipients.extend(load_recipients(path))
    if recipients:
        check_recipients(recipients)  # e.g. age1pq1… and age1… mixed: refused before any I/O
    labels = [str(r) for r in recipients]
    if passphrase is not None:
        if recipients:
            raise BadInput(_("A passphrase cannot be combined with -r/-R recipients "
                             "(age allows a passphrase only on its own); use one or "
                             "the other."))
        recipients = [ScryptRecipient(passphrase.encode("utf-8"))]
        labels = ["scrypt"]
    if not recipients:
        raise BadInput(_("No recipient given; pass -r age1… (the office key), -R "
                         "FILE or --passphrase."))
    return recipients, labels


def _recipient(text: str, parse: Callable[[str], Recipient]) -> Recipient:
    from posdiag.crypto.age import PostQuantumUnavailable

    try:
        return parse(text)
    except PostQuantumUnavailable:
        raise  # a valid age1pq1… key this installation cannot use: that sentence says why
    except BadInput as err:
        # Echo only the start: a secret key pasted by mistake must not land in a terminal log.
        shown = text[:8] + "…" if len(text) > 8 else text
        if text.upper().startswith("AGE-SECRET-KEY-"):
            raise BadInput(_("-r was given a secret key (AGE-SECRET-KEY-…), which "
                             "must never be on the kit; pass the office key's public "
                             "age1… recipient.")) from err
        why = str(err).rstrip(".")
        raise BadInput(_("The recipient {shown!r} is not an age recipient ({why}); "
                         "pass the office key's age1… line as printed by 'posdiag "
                         "keygen'.").format(shown=shown, why=why)) from err


def identities_from(files: Sequence[Path] = (), passphrase: str | None = None) -> list[Identity]:
    from posdiag.age_files import load_identities
    from posdiag.crypto.age import ScryptIdentity

    identities: list[Identity] = []
    for path in files:
        identities.extend(load_identities(path))
    if passphrase is not None:
        identities.append(ScryptIdentity(passphrase.encode("utf-8")))
    if not identities:
        raise BadInput(_("No identity given; pass -i IDENTITY-FILE or --passphrase."))
    return identities


def is_passphrase(recipients: Sequence[Recipient]) -> bool:
    """Whether a set is encrypted to a passphrase (then it gets its own key: set_key())."""
    from posdiag.crypto.age import ScryptRecipient

    return len(recipients) == 1 and isinstance(recipients[0], ScryptRecipient)


def new_set_key() -> tuple[bytes, Recipient]:
    """A fresh X25519 key for a passphrase set: (its secret as identity-file bytes, recipient).

    The secret is encrypted to the passphrase (one scrypt) into set-key.age; every other
    file of the set is encrypted to the recipient, which costs no scrypt at all."""
    from posdiag.crypto.age import generate_identity, parse_recipient

    secret, public = generate_identity()
    return (f"# posdiag backup set key: decrypt this set's files with it\n{secret}\n"
            .encode("ascii"), parse_recipient(public))


def passphrase_identity(recipient: Recipient) -> Identity:
    """The identity that opens what ``recipient`` (a passphrase) encrypted: the same words."""
    from posdiag.crypto.age import ScryptIdentity, ScryptRecipient

    assert isinstance(recipient, ScryptRecipient)
    return ScryptIdentity(recipient.passphrase)


def set_key_identity(plaintext: bytes) -> Identity:
    """The identity in a decrypted set-key.age; BadInput if it holds none."""
    from posdiag.crypto.age import parse_identity

    lines = [line.strip() for line in plaintext.decode("ascii", "replace").splitlines()]
    keys = [line for line in lines if line and not line.startswith("#")]
    if len(keys) != 1:
        raise BadInput(_("The set key file does not hold one age identity."))
    return parse_identity(keys[0])


def parse_set_recipient(text: str) -> Recipient:
    """The recipient of a passphrase set's own key, as its manifest names it."""
    from posdiag.crypto.age import parse_recipient

    return parse_recipient(text)
