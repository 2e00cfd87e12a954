"""docs/design.md's layers, checked on the source: data flows top to bottom and never back up.

    cli/       parses, calls one service, prints: no driver machinery, no link
    services   backup, plan, report, case, kit: orchestrate drivers and storage
    drivers/   know no service, no screen and no emulator
    link       byte pipes: know no driver, no service, no emulator
    crypto     pure functions: no file, socket or device I/O (randomness from os.urandom only)

and no two modules need each other to be imported (no import cycle at import time).
The emulator's own rules (codecs shared, never the ECR-side machinery; floors) are in
test_zvt_emulator_imports.py; printers and card readers in tests/usb/test_layering.py.
Each rule's checker is shown to catch a planted violation, so no rule passes by being blind.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from source_imports import (
    cycles,
    import_time_modules,
    imported_modules,
    module_name,
    offenders,
    sources,
)

SERVICES = ("posdiag.backup", "posdiag.plan", "posdiag.report", "posdiag.case",
            "posdiag.documents", "posdiag.kit", "posdiag.cli", "posdiag.terminals",
            "posdiag.simulation")
# What the CLI may take from a driver: decoders of recorded bytes (`posdiag zvt decode`,
# `zvt analyse`), which open nothing. Terminals, printers and readers are opened by services.
CLI_DRIVER_DECODERS = ("posdiag.drivers.zvt.analyser", "posdiag.drivers.zvt.capture",
                       "posdiag.drivers.zvt.charsets")
IO_MODULES = ("io", "pathlib", "socket", "shutil", "tempfile", "subprocess", "sqlite3", "mmap",
              "select", "selectors", "fcntl", "serial", "usb", "asyncio", "urllib", "http")
CRYPTO_MAY_USE_FROM_OS = {"urandom"}


def io_in_crypto(path: Path) -> list[str]:
    """I/O a crypto module does: I/O modules, posdiag's pipes and services, open(), and any
    use of os but os.urandom."""
    found = offenders([path], (*IO_MODULES, "posdiag.link", "posdiag.drivers",
                               "posdiag.emulator", "posdiag.devices", *SERVICES))
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "open":
            found.append(f"{module_name(path)}:{node.lineno} calls open()")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "os" and node.attr not in CRYPTO_MAY_USE_FROM_OS:
            found.append(f"{module_name(path)}:{node.lineno} uses os.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os" \
                and {a.name for a in node.names} - CRYPTO_MAY_USE_FROM_OS:
            found.append(f"{module_name(path)}:{node.lineno} imports from os")
    return found


def cli_driver_machinery(files: list[Path]) -> list[str]:
    return [f"{module_name(path)} imports {name}"
            for path in files for name in sorted(imported_modules(path))
            if name == "posdiag.link" or name.startswith("posdiag.link.")
            or (name.startswith("posdiag.drivers.")
                and name.count(".") > 2  # "from posdiag.drivers.zvt import x" names x too
                and not name.startswith(CLI_DRIVER_DECODERS))]


def import_graph(files: list[Path]) -> dict[str, set[str]]:
    names = {module_name(path): path for path in files}
    return {name: import_time_modules(path, names) - {name} for name, path in names.items()}


def test_no_driver_imports_a_service_or_the_emulator() -> None:
    assert offenders(sources("drivers"), (*SERVICES, "posdiag.emulator")) == []


def test_the_link_layer_knows_no_driver_service_or_emulator() -> None:
    assert offenders(sources("posdiag/link"),
                     ("posdiag.drivers", "posdiag.emulator", *SERVICES)) == []


def test_crypto_does_no_io() -> None:
    assert [line for path in sources("posdiag/crypto") for line in io_in_crypto(path)] == []


def test_the_cli_takes_only_decoders_from_drivers_and_nothing_from_the_link() -> None:
    assert cli_driver_machinery(sources("posdiag/cli")) == []


def test_no_two_modules_need_each_other_to_be_imported() -> None:
    assert cycles(import_graph(sources("posdiag", "drivers"))) == []


# The checkers see what they are for.

@pytest.mark.parametrize("source", [
    "from pathlib import Path\n",
    "import socket\n",
    "def f(name):\n    return open(name, 'rb').read()\n",
    "import os\nos.listdir('.')\n",
    "from os import read\n",
    "from posdiag.link.ports import parse_port\n",
])
def test_the_crypto_checker_sees_io(tmp_path: Path, source: str) -> None:
    planted = tmp_path / "leaky.py"
    planted.write_text(source)
    assert io_in_crypto(planted) != []


def test_the_crypto_checker_lets_randomness_through(tmp_path: Path) -> None:
    planted = tmp_path / "nonce.py"
    planted.write_text("import os\nNONCE = os.urandom(16)\n")
    assert io_in_crypto(planted) == []


def test_the_cli_checker_sees_a_transport_and_a_pipe(tmp_path: Path) -> None:
    planted = tmp_path / "bad_cli.py"
    planted.write_text("from posdiag.drivers.zvt.transport import SerialTransport\n"
                       "from posdiag.drivers.zvt import analyser\n"
                       "from posdiag.link.ports import parse_port\n")
    assert cli_driver_machinery([planted]) == [
        "bad_cli imports posdiag.drivers.zvt.transport",
        "bad_cli imports posdiag.drivers.zvt.transport.SerialTransport",
        "bad_cli imports posdiag.link.ports",
        "bad_cli imports posdiag.link.ports.parse_port",
    ]


def test_the_cycle_finder_sees_a_cycle_and_ignores_deferred_imports(tmp_path: Path) -> None:
    a = tmp_path / "a.py"
    b = tmp_path / "b.py"
    a.write_text("from posdiag.b import thing\n")
    b.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                 "    from posdiag.a import other\n"
                 "def later():\n    from posdiag.a import other\n")
    known = {"posdiag.a", "posdiag.b"}
    graph = {"posdiag.a": import_time_modules(a, known),
             "posdiag.b": import_time_modules(b, known)}
    assert cycles(graph) == []
    b.write_text("import posdiag.a\n")
    graph["posdiag.b"] = import_time_modules(b, known)
    assert cycles(graph) == [["posdiag.a", "posdiag.b"]]
