"""The layering of design.md for the ZVT driver and the emulator, checked on the source (ast).

* The emulator shares the drivers' codecs, never their transports, dialogs or commands.
* A driver knows no emulator.
* The emulator's modules stand on floors: no import cycle among them, counting imports
  inside functions and under TYPE_CHECKING too.
* Plan steps reach devices through driver interfaces, never emulator objects.
"""

from __future__ import annotations

import pytest
from source_imports import ROOT, imported_modules, module_name

EMULATOR = ROOT / "posdiag" / "emulator"
ZVT_DRIVER = ROOT / "drivers" / "zvt"
# The ECR side of the ZVT driver: what the emulator must not use.
DRIVER_MACHINERY = {"transport", "dialog", "terminal", "books", "payments", "receipts",
                    "linespeed"}


def test_the_emulator_uses_no_driver_transport_dialog_or_command_code():
    offending = {}
    for path in EMULATOR.rglob("*.py"):
        bad = {m for m in imported_modules(path)
               if m.startswith("posdiag.drivers.zvt.")
               and m.split(".")[3] in DRIVER_MACHINERY}
        if bad:
            offending[module_name(path)] = sorted(bad)
    assert offending == {}


def test_plan_steps_use_no_emulator_objects():
    steps = ROOT / "posdiag" / "plan" / "steps"
    offending = {}
    for path in sorted(steps.glob("*.py")):
        name = path.name
        text = path.read_text(encoding="utf-8")
        bad = sorted(m for m in imported_modules(path) if "emulator" in m)
        if bad or ".emulator" in text:
            offending[name] = bad or ["reads ctx.bench.emulator"]
    assert offending == {}


def emulator_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in EMULATOR.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in imported_modules(path):
            # "from posdiag.emulator import lines" names the module lines
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and imported != "posdiag.emulator":
                targets.add(imported)
        graph[name] = targets
    return graph


def test_the_emulator_modules_import_downwards_only():
    graph = emulator_graph()
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target):], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == []


@pytest.mark.parametrize("module", ["core", "session", "transport", "lines"])
def test_the_lower_floors_know_nothing_of_the_handlers_or_the_serving(module):
    graph = emulator_graph()
    above = {"posdiag.emulator.terminal", "posdiag.emulator.handlers",
             "posdiag.emulator.handlers_admin", "posdiag.emulator.handlers_books",
             "posdiag.emulator.handlers_payment", "posdiag.emulator.tcp_server"}
    assert not graph[f"posdiag.emulator.{module}"] & above
