"""Each subpackage and top-level module imports first, in a fresh interpreter: no import cycles.

Which module a user imports first decides the order the rest load in; a cycle that works one way
round fails the other (``workbench.title`` first once failed this way).
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

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
