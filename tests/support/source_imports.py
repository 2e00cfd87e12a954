"""What a source file imports, read from its syntax tree: the layering tests' one reader.

drivers/ installs as posdiag.drivers (setuptools package-dir), so its files are named that way.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def module_name(path: Path) -> str:
    """posdiag/backup/media.py -> posdiag.backup.media; drivers/zvt/bmp.py ->
    posdiag.drivers.zvt.bmp; a package's __init__ is the package."""
    if not path.is_relative_to(ROOT):
        return path.stem  # a file a test planted elsewhere
    if path.is_relative_to(ROOT / "drivers"):
        parts = ("posdiag", "drivers", *path.relative_to(ROOT / "drivers").with_suffix("").parts)
    else:
        parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(p for p in parts if p != "__init__")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports anywhere in it, inside functions and under TYPE_CHECKING
    too (absolute names; ``from a import b`` gives both a and a.b)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def import_time_modules(path: Path, known: Iterable[str]) -> set[str]:
    """The modules of ``known`` a file imports when it is imported itself: its top-level
    imports (also inside a top-level try or if), not those in functions or under
    TYPE_CHECKING. ``from package import module`` counts as the module, not the package."""
    known = set(known)
    found: set[str] = set()
    for statement in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(statement, ast.If) and "TYPE_CHECKING" in ast.unparse(statement.test):
            continue
        nodes = ast.walk(statement) if isinstance(statement, ast.If | ast.Try) else [statement]
        for node in nodes:
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                submodules = [f"{node.module}.{alias.name}" for alias in node.names]
                names = [name for name in submodules if name in known] or [node.module]
            for name in names:
                while name and name not in known:
                    name = name.rpartition(".")[0]
                if name:
                    found.add(name)
    return found


def sources(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def offenders(files: Iterable[Path], forbidden: tuple[str, ...]) -> list[str]:
    """"file imports module" for every import of a module that starts with a forbidden name
    (a name matches itself and its submodules)."""
    return [f"{module_name(path)} imports {name}"
            for path in files for name in sorted(imported_modules(path))
            if any(name == bad or name.startswith(bad + ".") for bad in forbidden)]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)
