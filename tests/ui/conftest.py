"""Fixtures shared by the app's tests: a tiny proposed title, and the app on a copy of it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.model import propose
from workbench.title import Title, ingest
from workbench.ui import Workbench


@pytest.fixture(scope="module")
def title_path(tiny_dailies: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """street.mov (two shots) and face.mov (one), ingested and proposed."""
    root = tmp_path_factory.mktemp("ui-title") / "title"
    with Title.create(root, name="Tiny") as title:
        ingest(title, [tiny_dailies / "street.mov", tiny_dailies / "face.mov"], progress=False)
        propose(title, progress=False)
    return root


@pytest.fixture
def app(title_path: Path, tmp_path: Path) -> Iterator[Workbench]:
    copy = tmp_path / "title"
    shutil.copytree(title_path, copy)
    wb = Workbench(copy, threaded=False)
    yield wb
    wb.close()
