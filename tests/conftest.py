"""Shared by every test folder: tests/support holds helpers more than one folder uses
(document_checks: PDF text, QR codes, headless Chromium)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "support"))
