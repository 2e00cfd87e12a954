"""Shared fixtures for the age tests: the `age` command-line tool as an independent oracle."""

from __future__ import annotations

import os
import shutil

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
