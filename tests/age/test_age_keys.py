"""age keys: Bech32 (BIP 173 vectors), recipient/identity strings and key files."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posdiag import age_files
from posdiag.age_files import write_identity_file
from posdiag.crypto import age
from posdiag.crypto.age import bech32
from posdiag.crypto.age.keys import format_identity_file
from posdiag.errors import BadInput

# Test material only: the X25519 identity of the CCTV vectors (tests/vectors/age/x25519).
CCTV_IDENTITY = "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0"

# BIP 173, "Test vectors": valid Bech32 strings (checksum only; the data is arbitrary).
BIP173_VALID = [
    "A12UEL5L",
    "a12uel5l",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
]
# BIP 173 invalid strings: HRP char out of range, no separator, empty HRP, bad data
# char, checksum too short, checksum computed over the upper-case HRP, mixed case.
BIP173_INVALID = [
    "\x201nwldj5",
    "pzry9x0s0muk",
    "1pzry9x0s0muk",
    "x1b4n0q5v",
    "li1dgmt3",
    "de1lg7wt\xff",
    "A1G7SGD8",
    "10a06t8",
    "1qzzfhee",
    "A12uEL5L",
]


@pytest.mark.parametrize("text", BIP173_VALID)
def test_bip173_valid_checksums(text: str) -> None:
    hrp, _ = bech32.decode(text)
    assert hrp == text[: text.rfind("1")]


@pytest.mark.parametrize("text", BIP173_INVALID)
def test_bip173_invalid_strings(text: str) -> None:
    with pytest.raises(BadInput):
        bech32.decode(text)


@given(st.binary(min_size=0, max_size=80))
def test_bech32_round_trip(data: bytes) -> None:
    assert bech32.decode(bech32.encode("age", data)) == ("age", data)


def test_cctv_identity_parses_and_re_encodes() -> None:
    identity = age.parse_identity(CCTV_IDENTITY)
    assert str(identity) == CCTV_IDENTITY
    recipient = str(identity.recipient())
    assert recipient.startswith("age1")
    assert str(age.parse_recipient(recipient)) == recipient


def test_generated_pair_matches() -> None:
    identity, recipient = age.generate_identity()
    assert identity.startswith("AGE-SECRET-KEY-1") and identity == identity.upper()
    assert str(age.parse_identity(identity).recipient()) == recipient


@pytest.mark.parametrize("text", [
    CCTV_IDENTITY.lower(),                  # identities are upper case only
    CCTV_IDENTITY[:-1] + "Q",              # checksum broken
    CCTV_IDENTITY[:20] + CCTV_IDENTITY[21:],  # a character lost
    "age1" + "q" * 58,                     # a recipient, not an identity
    "",
])
def test_bad_identities(text: str) -> None:
    with pytest.raises(BadInput):
        age.parse_identity(text)


def test_bad_recipients() -> None:
    good = str(age.parse_identity(CCTV_IDENTITY).recipient())
    for text in [good.upper(), good[:-1] + ("q" if good[-1] != "q" else "p"), good[:-2],
                 CCTV_IDENTITY, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI", "age1", "",
                 bech32.encode("age", bytes(31))]:
        with pytest.raises(BadInput):
            age.parse_recipient(text)


def test_key_files(tmp_path: Path) -> None:
    a, ra = age.generate_identity()
    b, rb = age.generate_identity()
    ids = tmp_path / "ids.txt"
    ids.write_text(f"# office key\n\n{a}\n  # escrow\n{b}\n")
    assert [str(i) for i in age_files.load_identities(ids)] == [a, b]
    recs = tmp_path / "recipients.txt"
    recs.write_text(f"# two recipients\n{ra}\n\n{rb}\n")
    assert [str(r) for r in age_files.load_recipients(recs)] == [ra, rb]
    recs.write_text(f"{ra}\nnot-a-key\n")
    with pytest.raises(BadInput, match="line 2"):
        age_files.load_recipients(recs)
    (tmp_path / "empty.txt").write_text("# nothing\n")
    with pytest.raises(BadInput):
        age_files.load_identities(tmp_path / "empty.txt")
    with pytest.raises(BadInput):
        age_files.load_identities(tmp_path / "missing.txt")


def test_identity_file_format_is_age_keygens() -> None:
    text = format_identity_file("AGE-SECRET-KEY-1X", "age1x",
                                now=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert text == ("# created: 2026-01-02T03:04:05Z\n# public key: age1x\n"
                    "AGE-SECRET-KEY-1X\n")


def test_write_identity_file_is_private_and_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "office.key"
    recipient = write_identity_file(path, now=datetime.now(UTC))
    assert os.stat(path).st_mode & 0o777 == 0o600
    (identity,) = age_files.load_identities(path)
    assert str(identity.recipient()) == recipient
    before = path.read_bytes()
    with pytest.raises(BadInput, match="already exists"):
        write_identity_file(path, now=datetime.now(UTC))
    assert path.read_bytes() == before
