"""The package as a user installs it: layout, entry points, light start-up."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_folder_is_listed_in_pyproject():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    found = set()
    for top, name in (("posdiag", "posdiag"), ("drivers", "posdiag.drivers"),
                      ("testplans", "posdiag.testplans")):
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top)
            found.add(".".join([name, *rel.parts]) if rel.parts else name)
    assert found == listed


def test_version_does_not_import_drivers_crypto_or_usb():
    code = (
        "import sys; from posdiag.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in sys.modules if m.startswith(('posdiag.drivers', 'posdiag.crypto',"
        " 'usb', 'cryptography', 'serial', 'posdiag.emulator', 'babel', 'jinja2', 'fpdf',"
        " 'segno', 'posdiag.documents'))]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("[]"), out.stdout


def test_python_dash_m_and_version():
    out = subprocess.run([sys.executable, "-m", "posdiag", "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.startswith("posdiag, version ")


def test_every_command_has_help_with_an_example():
    from click.testing import CliRunner

    from posdiag.cli import cli

    runner = CliRunner()
    names = cli.list_commands(None)
    assert {"info", "simulate", "zvt"} <= set(names)
    for name in names:
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Example" in result.output or "example" in result.output, name


def test_the_zvt_driver_is_registered_as_an_entry_point():
    from posdiag.registry import driver_names, load_driver

    assert "zvt" in driver_names()
    assert load_driver("zvt").__name__ == "ZvtTerminal"


def test_non_editable_install_works(tmp_path):
    """`pip install .` (not editable) gives importable posdiag.drivers.zvt from site-packages."""
    target = tmp_path / "site"
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--target", str(target), str(ROOT)],
        check=True, env=env, capture_output=True, cwd=tmp_path,
    )
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import posdiag.drivers.zvt.terminal as t;"
            " from posdiag.testcards import load_test_cards; assert 'visa' in load_test_cards();"
            " print(t.__file__)")
    out = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True,
                         text=True, check=True, cwd=tmp_path)
    assert out.stdout.strip().startswith(str(target))
    # The compiled catalogs and the document templates are in the installed package, and a
    # message translates from there.
    for language in ("en", "zh_CN"):
        assert (target / "posdiag" / "locale" / language / "LC_MESSAGES" / "posdiag.mo").is_file()
    assert (target / "posdiag" / "documents" / "templates" / "document.html.j2").is_file()
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import posdiag.i18n as i;"
            " i.set_language('zh-CN'); print(i.LOCALE_DIR); print(i._('Merchant number'))")
    out = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True,
                         text=True, check=True, cwd=tmp_path)
    locale_dir, word = out.stdout.split()
    assert locale_dir.startswith(str(target)) and word == "商户号"


def test_the_zvt_driver_implements_the_whole_terminal_interface():
    import inspect

    from posdiag.devices import Terminal
    from posdiag.registry import load_driver

    driver = load_driver("zvt")
    wanted = {name for name, _ in inspect.getmembers(Terminal, inspect.isfunction)
              if not name.startswith("_")}
    assert wanted and all(callable(getattr(driver, name, None)) for name in wanted), (
        sorted(n for n in wanted if not callable(getattr(driver, n, None))))
