"""`posdiag test --only/--from`: what a rerun asks for is what the steps that run need."""

from __future__ import annotations

import re


def test_rerunning_one_step_does_not_ask_for_the_old_terminal(posdiag, tmp_path):
    """README: `posdiag test --port … --plan acceptance --only pin-entry` after a slip."""
    ran = posdiag("test", "--port", "sim", "--plan", "acceptance", "--only", "pin-entry",
                  "--record", tmp_path / "records")
    assert ran.code == 0, ran.err
    assert "identity-match compares" not in ran.err
    assert re.search(r"pin-entry\s+pin-entry\s+PASS", ran.out)


def test_a_rerun_from_a_step_before_identity_match_still_asks_for_it(posdiag, tmp_path):
    ran = posdiag("test", "--port", "sim", "--plan", "acceptance", "--from",
                  "arrival-inspection", "--record", tmp_path / "records")
    assert ran.code == 2
    assert "identity-match compares with the terminal being replaced" in ran.err
    assert not (tmp_path / "records").exists()  # nothing was touched


def test_a_rerun_from_a_step_after_identity_match_runs(posdiag, tmp_path):
    ran = posdiag("test", "--port", "sim", "--plan", "acceptance", "--from", "payment",
                  "--record", tmp_path / "records")
    assert ran.code == 0, ran.err


def test_a_reversal_alone_is_refused_before_the_terminal_is_touched(posdiag, tmp_path):
    """The reversal reverses its own run's payment: without it, it could only fail."""
    ran = posdiag("test", "--port", "sim", "--plan", "acceptance", "--only", "reversal",
                  "--record", tmp_path / "records")
    assert ran.code == 2
    assert "--from payment" in ran.err
    assert not (tmp_path / "records").exists()
