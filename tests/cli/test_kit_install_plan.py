"""`posdiag kit install --dry-run`: a short plan of everything the real run makes."""

from __future__ import annotations

import pytest

BIN = "/opt/posdiag/bin/posdiag"


def test_the_dry_run_is_a_plan_of_paths_one_line_each(posdiag, tmp_path):
    ran = posdiag("kit", "install", "--dry-run", "--prefix", tmp_path / "img", "--bin", BIN)
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert len(lines) <= 20, ran.out
    assert "ExecStart" not in ran.out  # no file contents without --verbose
    writes = [line for line in lines if line.startswith("would write ")]
    assert len(writes) == 6 and all(len(line) < 250 for line in lines)
    # What the real run makes besides the files: the secret, the label, the address and QR.
    assert any("would create the kit page's secret" in line and "kit-web.secret" in line
               for line in lines)
    assert any("kit-web-label.png" in line for line in lines)
    assert "would print the page's address and its QR code" in ran.out
    assert not (tmp_path / "img").exists()


def test_verbose_adds_the_contents(posdiag, tmp_path):
    ran = posdiag("kit", "install", "--dry-run", "--verbose", "--prefix", tmp_path / "img",
                  "--bin", BIN)
    assert ran.code == 0, ran.err
    assert f"ExecStart={BIN} kit run" in ran.out


@pytest.mark.parametrize("where, says", [
    ("/tmp/venv/bin/posdiag", "PrivateTmp=yes"),
    ("/var/tmp/posdiag", "PrivateTmp=yes"),
    ("/home/tech/.venv/bin/posdiag", "ProtectHome=yes"),
    ("/root/posdiag/.venv/bin/posdiag", "ProtectHome=yes"),
])
def test_a_posdiag_the_units_cannot_see_is_warned_about(posdiag, tmp_path, where, says):
    ran = posdiag("kit", "install", "--dry-run", "--prefix", tmp_path / "img", "--bin", where)
    assert ran.code == 0, ran.err
    warning = ran.out.splitlines()[0]
    assert warning.startswith("warning:") and says in warning and "could not start" in warning
    quiet = posdiag("kit", "install", "--dry-run", "--prefix", tmp_path / "img", "--bin", BIN)
    assert "warning" not in quiet.out
