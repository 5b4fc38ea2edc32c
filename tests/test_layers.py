"""The package's layers hold: imports only go down, and no module imports itself in a circle.

Read from the source with ``ast`` (every import, including the ones inside functions that keep
start-up fast), so a lazy import that goes up a layer counts as much as one at the top.
The layers, lowest first, are DESIGN.md's: errors/checks; color, io; ops; interchange, title;
model; matte; render, export, report; batch, ui, dashboard; commands, cli, demo.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import workbench

PACKAGE = Path(workbench.__file__).parent

RANK = {
    "errors": 0, "checks": 0, "schema": 0, "_colour": 0, "_lazy": 0,
    "color": 1, "io": 1,
    "ops": 2,
    "interchange": 3, "title": 3,
    "model": 4,
    "matte": 5,
    "render": 6, "export": 6, "report": 6,
    "batch": 7, "ui": 7, "dashboard": 7,
    "commands": 8, "cli": 8, "demo": 8,
    "workbench": 9,
}

# Directions ruled out even between layers the ranking would allow (same rank or an
# explicitly named boundary).
FORBIDDEN = {
    "ops": {"interchange", "title", "model", "io", "ui"},
    "color": {"ops"},
    "io": {"ops", "title"},
    "interchange": {"title", "model"},
    "title": {"model"},
    "render": {"model"},
    "model": {"ui", "commands", "cli"},
    "matte": {"ui"},
    "batch": {"ui"},
    "dashboard": {"ui"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The workbench modules ``name`` imports anywhere in its file (a submodule where named)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "workbench")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "workbench":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
    return {t for t in found if t in known}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "workbench"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_every_module_has_a_layer():
    unknown = sorted({_layer(m) for m in _modules()} - set(RANK))
    assert not unknown, f"give these a layer in RANK (and DESIGN.md): {unknown}"


def test_no_import_cycles():
    cycles = _cycles(_graph())
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_imports_only_go_down():
    breaks = []
    for module, targets in sorted(_graph().items()):
        for target in sorted(targets):
            src, dst = _layer(module), _layer(target)
            if RANK[dst] > RANK[src] or dst in FORBIDDEN.get(src, ()):
                breaks.append(f"{module} -> {target}")
    assert not breaks, "layer breaks:\n" + "\n".join(breaks)


@pytest.mark.parametrize("source, expected", [
    ("from workbench.title import Title\n", "workbench.title"),
    ("from . import cube\n", "workbench.interchange.cube"),
    ("def f():\n    from ..model import framing\n", "workbench.model.framing"),
])
def test_the_reader_sees_every_kind_of_import(tmp_path, source, expected):
    path = tmp_path / "probe.py"
    path.write_text(source, encoding="utf-8")
    known = set(_modules())
    # Read as if it stood at workbench/interchange/probe.py.
    assert _imports("workbench.interchange.probe", path, known) == {expected}
