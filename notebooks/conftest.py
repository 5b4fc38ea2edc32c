"""nbval runs these notebooks in the test suite: their outputs go to one temp dir per session.

Outside the tests the notebooks write to ``notebooks-out/`` beside themselves (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_OUT = "WORKBENCH_NOTEBOOKS_OUT"
_made = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """Point the notebooks' output at a fresh temp dir, unless the caller chose one."""
    if _OUT not in os.environ:  # kernels inherit it: notebooks 01-05 share one sample title
        os.environ[_OUT] = tempfile.mkdtemp(prefix="workbench-notebooks-")
        config.stash[_made] = os.environ[_OUT]


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the temp dir made for this session."""
    made = config.stash.get(_made, None)
    if made:
        shutil.rmtree(made, ignore_errors=True)
        del os.environ[_OUT]

