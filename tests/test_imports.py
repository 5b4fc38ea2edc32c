"""Each subpackage and top-level module imports first, in a fresh interpreter: no import cycles.

Which module a user imports first decides the order the rest load in; a cycle that works one way
round fails the other (``workbench.title`` first once failed this way).
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import workbench

TOP_LEVEL = sorted(f"workbench.{m.name}" for m in pkgutil.iter_modules(workbench.__path__)
                   if not m.name.startswith("_"))
ENTRY_POINTS = [*TOP_LEVEL, "workbench.ops.lut", "workbench.interchange.cube"]


def test_every_entry_point_imports_first():
    procs = {m: subprocess.Popen([sys.executable, "-c", f"import {m}"], stderr=subprocess.PIPE,
                                 text=True) for m in ENTRY_POINTS}
    failures = []
    for module, proc in procs.items():
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            failures.append(f"{module}: {err.strip().splitlines()[-1]}")
    assert not failures, "\n".join(failures)
    assert "workbench.title" in ENTRY_POINTS and "workbench.cli" in ENTRY_POINTS


def _imports_of(path: Path, name: str, modules: set[str]) -> set[str]:
    """Workbench modules ``path`` imports anywhere (top level, functions, not TYPE_CHECKING)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = (".".join(package[:len(package) - child.level + 1]
                                 + ([child.module] if child.module else []))
                        if child.level else str(child.module))
                found.add(base)
                found.update(f"{base}.{a.name}" for a in child.names)
            else:
                visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return (found & modules) - {name}


def test_no_import_cycle_inside_workbench_model():
    """No module of workbench.model imports itself back, even through a lazy import.

    The matching methods, learned matcher, title model and propose once formed a ring
    (match -> methods -> matcher -> title_model -> methods) held together by a module
    ``__getattr__`` and a stub replaced on import.
    """
    root = Path(workbench.__file__).parent
    paths = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        paths[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {m: _imports_of(p, m, set(paths)) for m, p in paths.items()}
    model = sorted(m for m in graph if m.startswith("workbench.model."))
    cycles = []
    for start in model:
        seen, stack = set(), [(start, [start])]
        while stack:
            node, trail = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    cycles.append(" -> ".join([*trail, start]))
                elif nxt not in seen and nxt.startswith("workbench.model"):
                    seen.add(nxt)
                    stack.append((nxt, [*trail, nxt]))
    assert len(graph) > 50 and "workbench.model.propose" in graph
    assert not cycles, "\n".join(sorted(set(cycles))[:5])
