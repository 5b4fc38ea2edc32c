"""Shared fixtures: a tiny real title made from the bundled sample footage."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import testkit

from workbench._colour import import_colour
from workbench.demo import sample_dir
from workbench.io import read_movie_frames, write_prores

# colour-science keeps OpenImageIO objects alive past nanobind's shutdown; importing it through
# the workbench registers the clean-up, so test runs end without a screen of "leaked" lines.
import_colour()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``: the real footage and photos beside the clone; fails if it is missing."""
    return testkit.shared_path()


@pytest.fixture(scope="session")
def tiny_dailies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two small real movies, read-only: a two-shot street edit and a face.

    ``street.mov`` is frames 16-43 of the sample's bikes.mp4 at 160x68 (a cut at its frame 14);
    ``face.mov`` is frames 0-11 of carphone.mp4. ProRes 422 HQ, written by the workbench.
    """
    root = tmp_path_factory.mktemp("dailies")
    sample = sample_dir()
    street = [f.astype("float32") / 255 for _, f in
              read_movie_frames(sample / "bikes.mp4", 16, 44, max_width=160)]
    face = [f.astype("float32") / 255 for _, f in read_movie_frames(sample / "carphone.mp4", 0, 12)]
    from fractions import Fraction

    write_prores(root / "street.mov", street, Fraction(25))
    write_prores(root / "face.mov", face, Fraction(30000, 1001))
    for f in root.iterdir():
        f.chmod(0o444)
    return root


@pytest.fixture
def dailies(tiny_dailies: Path, tmp_path: Path) -> Path:
    """A per-test copy of the tiny dailies, so no test can disturb another's sources."""
    out = tmp_path / "dailies"
    shutil.copytree(tiny_dailies, out)
    return out


@pytest.fixture
def title_dir(tmp_path: Path) -> Path:
    return tmp_path / "title"
