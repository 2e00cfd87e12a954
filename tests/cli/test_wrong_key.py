"""A wrong key is said first, and nothing is claimed about what it could not read."""

from __future__ import annotations

import json

from posdiag.crypto.age import generate_identity


def test_verify_with_a_key_that_opens_nothing_says_so_and_claims_nothing(posdiag, tmp_path):
    _secret, recipient = generate_identity()
    other = tmp_path / "other.key"
    other.write_text(f"# test identity (test material)\n{generate_identity()[0]}\n")
    assert posdiag("backup", "--port", "sim:journal=5", "--to", tmp_path / "set", "-r",
                   recipient).code == 0
    ran = posdiag("verify", tmp_path / "set", "-i", other)
    assert ran.code == 2
    assert ran.err.startswith("posdiag: None of the given identities can open this set")
    assert recipient in ran.err
    assert ran.out == ""  # no "Totals agree", no record count: the contents were not read
    as_json = json.loads(posdiag("verify", tmp_path / "set", "-i", other, "--json").out)
    assert as_json["outcome"] == "wrong-identity" and as_json["records"] is None
