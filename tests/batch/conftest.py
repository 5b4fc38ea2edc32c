"""A small real title for the batch tests: the tiny dailies, proposed, two shots accepted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from batchkit import make_title


@pytest.fixture(scope="module")
def batch_title(tiny_dailies: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A module's title; tests that change it take :func:`fresh_title` instead."""
    return make_title(tmp_path_factory.mktemp("batch"), tiny_dailies)


@pytest.fixture
def fresh_title(batch_title: Path, tmp_path: Path) -> Path:
    """A per-test copy of the module's title (the sources stay where the catalog says)."""
    shutil.copytree(batch_title, tmp_path / "title")
    return tmp_path / "title"
