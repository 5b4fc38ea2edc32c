"""Fixtures of the dashboard tests: the sample title (built once) and writable copies of it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # dashkit.py, shared with benchmarks/

from dashkit import make_sample_title


@pytest.fixture(scope="session")
def sample_title(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample title, proposed and with a small title model; tests must not change it."""
    return make_sample_title(tmp_path_factory.mktemp("dash"))


@pytest.fixture
def title_copy(sample_title: Path, tmp_path: Path) -> Path:
    """A copy of the sample title this test may decide on (the sources stay shared)."""
    out = tmp_path / "title"
    shutil.copytree(sample_title, out)
    return out
