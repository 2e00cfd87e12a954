"""Interoperability with the reference `age` tool (FiloSottile/age 1.1), both directions.

posdiag shares no code with age, so agreement here checks both the format and
our reading of the spec. Passphrase (scrypt) interop with the CLI is not tested:
`age -p` reads the passphrase only from a terminal. The scrypt code is covered
by the CCTV scrypt vectors instead.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import pytest

from posdiag import age_files
from posdiag.cli import main
from posdiag.crypto import age

SIZES = [0, 1, age.CHUNK_SIZE - 1, age.CHUNK_SIZE, age.CHUNK_SIZE + 1, 2 * age.CHUNK_SIZE + 7]


def _run(*args: str | Path, stdin: bytes = b"") -> bytes:
    return subprocess.run([str(a) for a in args], input=stdin, capture_output=True,
                          check=True, timeout=60).stdout


Tools = tuple[str, str]
Keys = dict[str, Any]


@pytest.fixture
def keys(tmp_path: Path, age_tool: Tools) -> Keys:
    """Two identities made by age-keygen (test material only), with their recipients."""
    _, keygen = age_tool
    out: Keys = {}
    for name in ("office", "escrow"):
        path = tmp_path / f"{name}.key"
        _run(keygen, "-o", path)
        out[name] = path
        out[f"{name}_recipient"] = _run(keygen, "-y", path).decode().strip()
    return out


def _data(size: int) -> bytes:
    return bytes((i * 7 + 3) % 251 for i in range(size))


def test_age_keygen_identities_load_and_give_the_same_recipient(keys: Keys) -> None:
    (identity,) = age_files.load_identities(keys["office"])
    assert str(identity.recipient()) == keys["office_recipient"]


@pytest.mark.parametrize("size", SIZES)
def test_age_decrypts_posdiag_files(size: int, keys: Keys, age_tool: Tools,
                                    tmp_path: Path) -> None:
    data = _data(size)
    enc = tmp_path / "out.age"
    with enc.open("wb") as dst:
        age.encrypt_stream(io.BytesIO(data), dst, [age.parse_recipient(keys["office_recipient"])])
    assert _run(age_tool[0], "-d", "-i", keys["office"], enc) == data


def test_age_decrypts_posdiag_armored_multi_recipient_file(keys: Keys, age_tool: Tools,
                                                           tmp_path: Path) -> None:
    data = _data(3 * age.CHUNK_SIZE + 5)
    recipients = age_files.load_recipients(_recipients_file(tmp_path, keys))
    enc = tmp_path / "out.age"
    with enc.open("wb") as dst, age.age_writer(dst, recipients, armor=True) as writer:
        for start in range(0, len(data), 1000):
            writer.write(data[start : start + 1000])
    assert enc.read_bytes().startswith(b"-----BEGIN AGE ENCRYPTED FILE-----\n")
    for who in ("office", "escrow"):
        assert _run(age_tool[0], "-d", "-i", keys[who], enc) == data


def _recipients_file(tmp_path: Path, keys: Keys) -> Path:
    path = tmp_path / "recipients.txt"
    path.write_text(f"# office\n{keys['office_recipient']}\n\n# escrow\n"
                    f"{keys['escrow_recipient']}\n")
    return path


@pytest.mark.parametrize("size", SIZES)
def test_posdiag_decrypts_age_files(size: int, keys: Keys, age_tool: Tools) -> None:
    data = _data(size)
    blob = _run(age_tool[0], "-e", "-r", keys["office_recipient"], stdin=data)
    out = io.BytesIO()
    identities = age_files.load_identities(keys["office"])
    assert age.decrypt_stream(io.BytesIO(blob), out, identities) == size
    assert out.getvalue() == data


def test_posdiag_decrypts_age_armored_multi_recipient_file(keys: Keys, age_tool: Tools,
                                                           tmp_path: Path) -> None:
    data = _data(age.CHUNK_SIZE * 2)
    blob = _run(age_tool[0], "-e", "-a", "-R", _recipients_file(tmp_path, keys), stdin=data)
    assert blob.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----")
    reader = age.open_decrypting(io.BytesIO(blob), age_files.load_identities(keys["escrow"]))
    assert reader.stanza_types == ("X25519", "X25519")
    assert reader.read() == data


def test_cli_round_trip_with_age(keys: Keys, age_tool: Tools, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    """posdiag keygen's identity file works with age, and posdiag decrypt reads age's output."""
    key = tmp_path / "posdiag.key"
    with pytest.raises(SystemExit) as done:
        main(["keygen", "-o", str(key)])
    assert done.value.code == 0
    recipient = capsys.readouterr().out.strip()
    assert _run(age_tool[1], "-y", key).decode().strip() == recipient

    src = tmp_path / "journal.age"
    src.write_bytes(_run(age_tool[0], "-e", "-a", "-r", recipient, stdin=b"journal\n"))
    out = tmp_path / "journal.txt"
    with pytest.raises(SystemExit) as done:
        main(["decrypt", str(src), "-i", str(key), "-o", str(out)])
    assert done.value.code == 0
    assert out.read_bytes() == b"journal\n"
