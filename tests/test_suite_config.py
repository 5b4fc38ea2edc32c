"""The suite itself: what a plain ``pytest`` collects, and how tests find ../shared/data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from testkit import SHARED_DATA, shared_path

ROOT = Path(__file__).resolve().parents[1]


def test_plain_pytest_collects_the_docstring_examples_and_every_folder() -> None:
    """``pytest`` with no arguments collects tests/, notebooks/ and workbench/'s doctests."""
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p",
                          "no:randomly", "-p", "no:cacheprovider"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    items = run.stdout.splitlines()
    assert "workbench/schema.py::workbench.schema" in items
    assert any(i.startswith("tests/test_suite_config.py::") for i in items)
    assert any(i.startswith("notebooks/") and ".ipynb::" in i for i in items)


def test_shared_data_is_found_and_a_missing_file_is_named(shared_data: Path) -> None:
    assert shared_data == SHARED_DATA and (shared_data / "MANIFEST.md").is_file()
    assert shared_path("photo", "skimage_coffee.png") == shared_data / "photo" / \
        "skimage_coffee.png"
    with pytest.raises(FileNotFoundError, match=r"photo/no_such\.png: missing; .*\.\./shared/data"):
        shared_path("photo", "no_such.png")
