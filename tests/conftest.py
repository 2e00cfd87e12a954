"""Shared by every test folder: tests/support holds helpers more than one folder uses
(document_checks: PDF text, QR codes, headless Chromium)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "support"))


@pytest.fixture(autouse=True)
def _language_of_each_test_is_its_own():
    """A command run with --lang sets the language of the process (as `posdiag` does once per
    run); the next test starts in the language it started with, whatever the last one ran."""
    from posdiag.i18n import current_language, set_language

    before = current_language()
    yield
    set_language(before)
