"""Plans run end to end against the emulated terminal over a real pty (sim ports)."""

import textwrap

import pytest

from posdiag.backup.kitkey import load_or_create_kit_key


@pytest.fixture(scope="session")
def kit_key(tmp_path_factory):
    return load_or_create_kit_key(tmp_path_factory.mktemp("kit"))


@pytest.fixture
def write_plan(tmp_path):
    """write_plan(toml_text, name="plan.toml") -> path of the plan file."""

    def write(text, name="plan.toml"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    return write


@pytest.fixture
def run(tmp_path, kit_key):
    """run(port, plan_path, **run_test options) -> TestRun with record and JUnit in tmp_path."""
    from posdiag.plan.service import run_test

    def go(port, plan, **options):
        options.setdefault("record_dir", tmp_path / "records")
        options.setdefault("junit", tmp_path / "junit.xml")
        return run_test(port, plan, kit_key=kit_key, **options)

    return go
