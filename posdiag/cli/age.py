"""`posdiag keygen` and `posdiag decrypt`: age identities and age v1 files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from posdiag.cli.help import Command
from posdiag.i18n import N_, _

# Help texts are made at import time, after the CLI chose the language (posdiag.cli.main).
KEYGEN_HELP = N_("""Create an age identity: X25519, or hybrid post-quantum with --pq.

Without -o the identity file is printed. With -o it is written to a new file
(never overwritten) and only the public recipient (age1… or age1pq1…) is
printed, for use with `posdiag backup -r`. Office keys should be hybrid: backups
are kept for years, and X25519 alone may fall to a future quantum computer.

\b
Examples:
  posdiag keygen --pq -o office.key
  posdiag backup --port sim --to /media/stick -r "$(posdiag keygen --pq -o office.key)"
""")

DECRYPT_HELP = N_("""Decrypt any age v1 file (binary or armored) with an identity or a passphrase.

With -o nothing appears at OUTPUT unless the whole file verified. To standard
output, chunks are written as each one verifies, as the age tool does.

\b
Examples:
  posdiag decrypt journal-0001.age -i office.key -o journal-0001.bin
  posdiag decrypt notes.age -p > notes.txt
""")


@click.command(help=KEYGEN_HELP, cls=Command)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help=N_("Write the identity to this new file (mode 0600) and print its "
                      "recipient."))
@click.option("--pq", "post_quantum", is_flag=True,
              help=N_("Make a hybrid post-quantum identity (ML-KEM-768 + X25519, age1pq1…), "
                      "recommended for office keys; needs cryptography 48 or newer."))
def keygen(output: Path | None, post_quantum: bool) -> None:
    from posdiag.age_files import write_identity_file
    from posdiag.crypto.age.keys import format_identity_file, generate_identity

    now = datetime.now(UTC).replace(microsecond=0)
    if output is None:
        identity, recipient = generate_identity(post_quantum)
        click.echo(format_identity_file(identity, recipient, now=now), nl=False)
        return
    click.echo(write_identity_file(output, now=now, post_quantum=post_quantum))


@click.command(help=DECRYPT_HELP, cls=Command)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("-i", "--identity", "identity_files", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help=N_("Identity file (AGE-SECRET-KEY-1… or AGE-SECRET-KEY-PQ-1…); may be "
                      "repeated."))
@click.option("-p", "--passphrase", is_flag=True,
              help=N_("Ask for the passphrase of a passphrase-encrypted file."))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help=N_("Write the plaintext here, only after the whole file verified "
                      "(default: standard output)."))
def decrypt(file: Path, identity_files: tuple[Path, ...], passphrase: bool,
            output: Path | None) -> None:
    from posdiag.age_files import decrypt_file, load_identities
    from posdiag.crypto.age import Identity, ScryptIdentity
    from posdiag.errors import UsageError

    if not identity_files and not passphrase:
        raise UsageError(_("No key given; add -i IDENTITY_FILE or -p for a passphrase file."))
    identities: list[Identity] = [i for path in identity_files for i in load_identities(path)]
    if passphrase:
        secret = click.prompt(_("Passphrase"), hide_input=True, err=True)
        identities.append(ScryptIdentity(secret.encode("utf-8")))
    size = decrypt_file(file, output, identities)
    if output is not None:
        click.echo(_("Decrypted {size} bytes to {path}.").format(size=size, path=output),
                   err=True)
