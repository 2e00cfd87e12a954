"""`posdiag keygen` and `posdiag decrypt` through the real entry point (exit codes, stderr)."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

from click.testing import CliRunner

from posdiag import age_files
from posdiag.cli import main
from posdiag.crypto import age


def run(*args: str | Path, input: bytes | str | None = None) -> tuple[int, bytes, str]:
    """(exit code, stdout bytes, stderr text) of `posdiag ARGS`."""
    with CliRunner().isolation(input=input) as (out, err, _):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as done:
            code = int(done.code or 0)
        return code, out.getvalue(), err.getvalue().decode()


def _encrypt(tmp_path: Path, data: bytes, recipients: Sequence[age.Recipient],
             armor: bool = False) -> Path:
    path = tmp_path / "journal.age"
    with path.open("wb") as dst:
        age.encrypt_stream(io.BytesIO(data), dst, recipients, armor=armor)
    return path


def test_keygen_prints_an_identity_file_without_output(tmp_path: Path) -> None:
    code, out, _ = run("keygen")
    assert code == 0
    created, public, key = out.decode().splitlines()
    assert created.startswith("# created: ") and public.startswith("# public key: age1")
    assert str(age.parse_identity(key).recipient()) == public.removeprefix("# public key: ")


def test_keygen_writes_a_private_file_and_refuses_to_overwrite(tmp_path: Path) -> None:
    key = tmp_path / "office.key"
    code, out, _ = run("keygen", "-o", key)
    assert code == 0
    assert os.stat(key).st_mode & 0o777 == 0o600
    (identity,) = age_files.load_identities(key)
    assert out.decode().strip() == str(identity.recipient())
    before = key.read_bytes()
    code, out, err = run("keygen", "-o", key)
    assert code == 2 and out == b""
    assert err.startswith("posdiag: ") and "already exists" in err
    assert key.read_bytes() == before


def test_decrypt_to_file_and_to_stdout(tmp_path: Path) -> None:
    key = tmp_path / "office.key"
    run("keygen", "-o", key)
    (identity,) = age_files.load_identities(key)
    data = os.urandom(70_000)
    src = _encrypt(tmp_path, data, [identity.recipient()], armor=True)
    out = tmp_path / "journal.bin"
    code, stdout, err = run("decrypt", src, "-i", key, "-o", out)
    assert (code, stdout) == (0, b"")
    assert "Decrypted 70000 bytes" in err
    assert out.read_bytes() == data
    code, stdout, _ = run("decrypt", src, "-i", key)
    assert (code, stdout) == (0, data)
    code, stdout, _ = run("decrypt", "-", "-i", key, input=src.read_bytes())
    assert (code, stdout) == (0, data)


def test_decrypt_leaves_nothing_at_output_when_the_file_is_damaged(tmp_path: Path) -> None:
    identity = age.X25519Identity.generate()
    key = tmp_path / "k.txt"
    key.write_text(f"{identity}\n")
    src = _encrypt(tmp_path, os.urandom(3 * age.CHUNK_SIZE), [identity.recipient()])
    blob = bytearray(src.read_bytes())
    blob[-100] ^= 0x40  # the last chunk: the first two already verified and were "released"
    src.write_bytes(bytes(blob))
    out = tmp_path / "out" / "journal.bin"
    out.parent.mkdir()
    code, _, err = run("decrypt", src, "-i", key, "-o", out)
    assert code == 1
    assert err.count("\n") == 1 and "failed authentication" in err
    assert list(out.parent.iterdir()) == []


def test_decrypt_errors_have_exit_codes(tmp_path: Path) -> None:
    identity = age.X25519Identity.generate()
    src = _encrypt(tmp_path, b"x", [identity.recipient()])
    wrong = tmp_path / "wrong.key"
    wrong.write_text(str(age.X25519Identity.generate()) + "\n")
    bad = tmp_path / "bad.key"
    bad.write_text("AGE-SECRET-KEY-1NOTAKEY\n")
    code, _, err = run("decrypt", src, "-i", wrong)
    assert code == 2 and "None of the given identities" in err
    code, _, err = run("decrypt", src, "-i", bad)
    assert code == 2 and "bad.key line 1" in err
    code, _, err = run("decrypt", src)
    assert code == 2 and "-i IDENTITY_FILE" in err
    code, _, err = run("decrypt", tmp_path / "missing.age", "-i", wrong)
    assert code == 2 and "does not exist" in err
    code, _, err = run("decrypt", src, "-i", tmp_path / "missing.key")
    assert code == 2 and "does not exist" in err


def test_decrypt_with_a_passphrase_prompt(tmp_path: Path) -> None:
    src = _encrypt(tmp_path, b"notes", [age.ScryptRecipient(b"test passphrase", 10)])
    code, stdout, _ = run("decrypt", src, "-p", input="test passphrase\n")
    assert (code, stdout) == (0, b"notes")
    code, _, err = run("decrypt", src, "-p", input="wrong\n")
    assert code == 2 and "posdiag: " in err  # a wrong passphrase: as a wrong key


def test_help_shows_examples() -> None:
    for command in ("keygen", "decrypt"):
        code, out, _ = run(command, "--help")
        assert code == 0 and b"Examples:" in out and b"posdiag " + command.encode() in out


def test_keygen_pq_makes_a_private_hybrid_identity_that_decrypts(tmp_path: Path) -> None:
    key = tmp_path / "office.key"
    code, out, _ = run("keygen", "--pq", "-o", key)
    assert code == 0
    assert os.stat(key).st_mode & 0o777 == 0o600
    recipient = out.decode().strip()
    assert recipient.startswith("age1pq1") and len(recipient) == 1959
    _, public, secret = key.read_text().splitlines()
    assert public == f"# public key: {recipient}" and secret.startswith("AGE-SECRET-KEY-PQ-1")
    data = os.urandom(3 * age.CHUNK_SIZE + 11)
    src = _encrypt(tmp_path, data, [age.parse_recipient(recipient)])
    target = tmp_path / "journal.bin"
    code, _, err = run("decrypt", src, "-i", key, "-o", target)
    assert code == 0, err
    assert target.read_bytes() == data


def test_keygen_pq_without_output_prints_the_pair() -> None:
    code, out, _ = run("keygen", "--pq")
    assert code == 0
    _, public, key = out.decode().splitlines()
    assert str(age.parse_identity(key).recipient()) == public.removeprefix("# public key: ")
    assert public.startswith("# public key: age1pq1")


def test_a_hybrid_and_a_classic_identity_file_together(tmp_path: Path) -> None:
    hybrid, classic = tmp_path / "pq.key", tmp_path / "old.key"
    run("keygen", "--pq", "-o", hybrid)
    run("keygen", "-o", classic)
    (old,) = age_files.load_identities(classic)
    src = _encrypt(tmp_path, b"old journal", [old.recipient()])
    code, stdout, err = run("decrypt", src, "-i", hybrid, "-i", classic)
    assert (code, stdout) == (0, b"old journal"), err
