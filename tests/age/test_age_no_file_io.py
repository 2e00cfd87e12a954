"""posdiag.crypto is byte-in, byte-out (design.md; issue 17): no module under it opens,
creates, renames or deletes files, reads stdin, or reaches a device or the network. Key files
and output paths are posdiag.age_files. This guard reads the source, so it fails the moment
such a call comes back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CRYPTO = Path(__file__).resolve().parents[2] / "posdiag" / "crypto"
FORBIDDEN_MODULES = {"pathlib", "tempfile", "shutil", "sys", "io", "subprocess", "socket",
                     "serial", "usb", "posdiag.link", "posdiag.age_files", "posdiag.backup"}
FORBIDDEN_CALLS = {"open", "read_text", "write_text", "read_bytes", "write_bytes", "fdopen",
                   "replace", "rename", "unlink", "remove", "fsync", "mkdir", "makedirs",
                   "mkstemp", "listdir", "scandir", "iterdir", "input"}
SOURCES = sorted(CRYPTO.rglob("*.py"))


def _problems(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            names = []
        found += [f"imports {name}" for name in names
                  if any(name == m or name.startswith(m + ".") for m in FORBIDDEN_MODULES)]
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else \
                func.attr if isinstance(func, ast.Attribute) else None
            # str.replace is pure; os.replace and Path.replace are not: only flag the latter.
            if name == "replace" and not (isinstance(func, ast.Attribute)
                                          and isinstance(func.value, ast.Name)
                                          and func.value.id == "os"):
                continue
            if name in FORBIDDEN_CALLS:
                found.append(f"calls {name}() at line {node.lineno}")
    return found


def test_the_guard_sees_what_it_forbids() -> None:
    assert _problems("from pathlib import Path\nPath('k').read_text()\n") == [
        "imports pathlib", "calls read_text() at line 2"]
    assert _problems("import os\nos.replace('a', 'b')\nwith open('x') as f: pass\n") == [
        "calls replace() at line 2", "calls open() at line 3"]
    assert _problems("text = 'a'.replace('a', 'b')\nimport os\nos.urandom(16)\n") == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(CRYPTO)))
def test_crypto_module_does_no_file_or_device_io(path: Path) -> None:
    assert _problems(path.read_text(encoding="utf-8")) == []
