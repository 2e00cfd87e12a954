"""Shared fixtures for the age tests: the `age` tool and typage as independent oracles."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def age_tool() -> tuple[str, str]:
    """Paths of `age` and `age-keygen`; a missing tool fails under CI and skips locally."""
    age, keygen = shutil.which("age"), shutil.which("age-keygen")
    if age is None or keygen is None:
        message = "the age CLI (age, age-keygen) is not installed; apt-get install age"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return age, keygen


TYPAGE_DIR = Path(__file__).resolve().parents[1] / "interop" / "typage"
NODE_NEEDED = (20, 19)


@pytest.fixture(scope="session")
def typage() -> list[str]:
    """The command that runs typage (npm age-encryption) through tests/interop/typage/age.mjs.

    Needs node and `npm ci` in that folder (.ci/run does both); missing, it fails under CI
    and skips locally.
    """
    node = shutil.which("node")
    installed = (TYPAGE_DIR / "node_modules" / "age-encryption" / "package.json").is_file()
    message = None
    if node is None or not installed:
        message = ("typage is not installed; apt-get install nodejs npm, then run `npm ci` in "
                   f"{TYPAGE_DIR}")
    else:
        version = subprocess.run([node, "--version"], capture_output=True, text=True,
                                 timeout=60).stdout.strip()
        major, minor = (int(part) for part in version.lstrip("v").split(".")[:2])
        if (major, minor) < NODE_NEEDED:
            # typage's noble libraries say node >= 20.19 (Debian 12's own nodejs is 18).
            message = (f"typage needs node >= {NODE_NEEDED[0]}.{NODE_NEEDED[1]}, this is "
                       f"{version}; install node 20 (Debian 13, or NodeSource on Debian 12)")
    if message is not None:
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    assert node is not None
    return [node, str(TYPAGE_DIR / "age.mjs")]
