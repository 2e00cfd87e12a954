"""`posdiag demo` (what `make demo` runs): the story shows its documents and proves its verdict."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_writes_the_request_form_and_the_certificate_and_names_them(posdiag, tmp_path):
    ran = posdiag("demo", "--dir", tmp_path / "demo", "--journal", "5")
    assert ran.code == 0, ran.err
    found = re.findall(r"^(Request form|Certificate):\s+(\S+)$", ran.out, re.M)
    assert {kind for kind, _path in found} == {"Request form", "Certificate"}, ran.out
    for _kind, path in found:
        assert Path(path).is_file() and Path(path).stat().st_size > 1000, path
    suffixes = {Path(path).suffix for _kind, path in found}
    assert ".html" in suffixes
    assert ".pdf" in suffixes or "No PDF documents:" in ran.out


def test_the_verdict_comes_after_the_results_that_prove_it(posdiag, tmp_path):
    ran = posdiag("demo", "--dir", tmp_path / "demo", "--journal", "5")
    assert ran.code == 0, ran.err
    assert "accepted" not in ran.err.lower().split("acceptance test")[-1]  # not before the table
    assert "manifest-" in ran.err and "generation 3" not in ran.err  # as on the stick
    table = ran.out.index("Result: PASS")
    verdict = ran.out.index("Replacement accepted")
    assert table < verdict


def test_make_demo_installs_quietly_with_the_documents_extra():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    demo_install = re.search(r"^\$\(VENV\)/\.installed:.*?\n((?:\t.*\n)+)", makefile, re.M)
    assert demo_install, makefile
    assert "pip install --quiet --quiet -e '.[documents]'" in demo_install.group(1)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = "MIT"' in pyproject  # a licence table made setuptools warn at length
