"""Fixtures for the real-browser tests: a JupyterLab on a temp copy of notebooks/, and chromium."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # labserver.py, shared with benchmarks/

from labserver import LabServer, chromium_page, lab_server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabServer, Path]]:
    """JupyterLab serving a temp copy of notebooks/; yields the server and the notebooks' OUT."""
    base = tmp_path_factory.mktemp("lab")
    root, out = base / "notebooks", base / "out"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns(
        "notebooks-out", ".ipynb_checkpoints", "__pycache__", "conftest.py"))
    with lab_server(root, base / "state", env={"WORKBENCH_NOTEBOOKS_OUT": str(out)}) as server:
        yield server, out


@pytest.fixture
def page() -> Iterator[Any]:
    """A chromium page (headless, 1400x1000)."""
    with chromium_page() as p:
        yield p


@pytest.fixture
def artifacts() -> Path:
    """tests/artifacts/ (git-ignored): screenshots to look at after a run."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
