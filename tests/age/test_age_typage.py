"""Hybrid post-quantum interoperability with typage (npm age-encryption), both directions.

Debian 12's `age` (1.1.1) predates hybrid recipients: it reads age1pq1… as the recipient
of a plugin named "pq" and fails looking for age-plugin-pq. typage, the TypeScript age
implementation by age's author, has them, shares no code with posdiag, and runs on
Debian's node; tests/interop/typage pins it (package-lock.json) and age.mjs drives it.
"""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from posdiag import age_files
from posdiag.cli import main
from posdiag.crypto import age

SIZES = [0, 1, age.CHUNK_SIZE - 1, age.CHUNK_SIZE, age.CHUNK_SIZE + 1, 2 * age.CHUNK_SIZE + 7]


def _run(command: list[str], *args: str | Path, stdin: bytes = b"") -> bytes:
    return subprocess.run([*command, *map(str, args)], input=stdin, capture_output=True,
                          check=True, timeout=120).stdout


def _data(size: int) -> bytes:
    return bytes((i * 7 + 3) % 251 for i in range(size))


@pytest.fixture(scope="module")
def typage_key(typage: list[str], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A hybrid identity file made by typage (test material) and typage's recipient for it."""
    identity, recipient = _run(typage, "keygen").decode().split()
    path = tmp_path_factory.mktemp("typage") / "typage.key"
    path.write_text(f"# made by typage, test material\n{identity}\n")
    return path, recipient


@pytest.fixture(scope="module")
def posdiag_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("posdiag") / "office.key"
    return path, age_files.write_identity_file(path, now=datetime.now(UTC), post_quantum=True)


def test_both_derive_the_same_recipients(typage: list[str], typage_key: tuple[Path, str],
                                         posdiag_key: tuple[Path, str]) -> None:
    (identity,) = age_files.load_identities(typage_key[0])
    assert str(identity.recipient()) == typage_key[1]
    assert _run(typage, "recipient", posdiag_key[0]).decode().strip() == posdiag_key[1]


@pytest.mark.parametrize("size", SIZES)
def test_typage_decrypts_posdiag_files(size: int, typage: list[str],
                                       typage_key: tuple[Path, str]) -> None:
    data = _data(size)
    out = io.BytesIO()
    age.encrypt_stream(io.BytesIO(data), out, [age.parse_recipient(typage_key[1])])
    assert _run(typage, "decrypt", typage_key[0], stdin=out.getvalue()) == data


@pytest.mark.parametrize("size", SIZES)
def test_posdiag_decrypts_typage_files(size: int, typage: list[str],
                                       posdiag_key: tuple[Path, str]) -> None:
    data = _data(size)
    blob = _run(typage, "encrypt", posdiag_key[1], stdin=data)
    assert b"\n-> mlkem768x25519 " in blob
    out = io.BytesIO()
    identities = age_files.load_identities(posdiag_key[0])
    assert age.decrypt_stream(io.BytesIO(blob), out, identities) == size
    assert out.getvalue() == data


def test_two_hybrid_recipients_both_ways(typage: list[str], typage_key: tuple[Path, str],
                                         posdiag_key: tuple[Path, str]) -> None:
    data = _data(3 * age.CHUNK_SIZE + 5)
    out = io.BytesIO()
    recipients = [age.parse_recipient(posdiag_key[1]), age.parse_recipient(typage_key[1])]
    with age.age_writer(out, recipients) as writer:
        for start in range(0, len(data), 1000):
            writer.write(data[start : start + 1000])
    assert _run(typage, "decrypt", typage_key[0], stdin=out.getvalue()) == data
    blob = _run(typage, "encrypt", posdiag_key[1], typage_key[1], stdin=data)
    reader = age.open_decrypting(io.BytesIO(blob), age_files.load_identities(posdiag_key[0]))
    assert reader.stanza_types == ("mlkem768x25519", "mlkem768x25519")
    assert reader.read() == data


def test_a_typage_file_mixing_hybrid_and_classic_opens_with_the_classic_key(
        typage: list[str], posdiag_key: tuple[Path, str], tmp_path: Path) -> None:
    """typage 0.3.1 lets a sender mix (posdiag and age refuse to); decrypting is allowed."""
    classic = age.X25519Identity.generate()
    blob = _run(typage, "encrypt", posdiag_key[1], str(classic.recipient()), stdin=b"both")
    out = io.BytesIO()
    age.decrypt_stream(io.BytesIO(blob), out, [classic])
    assert out.getvalue() == b"both"


def test_cli_round_trip_with_typage(typage: list[str], tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """`posdiag keygen --pq` works with typage, and `posdiag decrypt` reads typage's output."""
    key = tmp_path / "office.key"
    with pytest.raises(SystemExit) as done:
        main(["keygen", "--pq", "-o", str(key)])
    assert done.value.code == 0
    recipient = capsys.readouterr().out.strip()
    src = tmp_path / "journal.age"
    src.write_bytes(_run(typage, "encrypt", recipient, stdin=b"journal\n"))
    out = tmp_path / "journal.txt"
    with pytest.raises(SystemExit) as done:
        main(["decrypt", str(src), "-i", str(key), "-o", str(out)])
    assert done.value.code == 0
    assert out.read_bytes() == b"journal\n"


def test_debian_age_does_not_know_hybrid_recipients(posdiag_key: tuple[Path, str],
                                                    age_tool: tuple[str, str]) -> None:
    """Why typage: the age in Debian 12 (1.1.1) has no hybrid type (docs/age.md says so)."""
    tool = age_tool[0]
    version = _run([tool], "--version").decode().strip()
    if not version.startswith(("v1.1.", "1.1.", "v1.0.", "1.0.")):
        pytest.skip(f"age {version} may know hybrid recipients")
    result = subprocess.run([tool, "-r", posdiag_key[1]], input=b"x", capture_output=True,
                            timeout=60, cwd="/")
    assert result.returncode != 0 and b"plugin" in result.stderr
