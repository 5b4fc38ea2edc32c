"""Helpers test modules import by name (``from testkit import sha256``).

Not in ``conftest.py``: several folders have their own ``conftest`` module, and which one
``import conftest`` finds depends on the order pytest loaded them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

#: Real footage and photos beside the clone, ``../shared/data`` (listed in its MANIFEST.md).
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_path(*parts: str) -> Path:
    """A file or folder in ``../shared/data`` that exists, for module level and parametrisation.

    Tests take the ``shared_data`` fixture instead. A missing one fails loudly, never skips:
    the suite always runs on this data, so its absence is a broken checkout.

    Raises
    ------
    FileNotFoundError
        The path is missing; the message names it.
    """
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"{path}: missing; the tests read real footage and photos from "
                                f"../shared/data beside the clone (see its MANIFEST.md)")
    return path


def sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, hex: to show a source was not written to."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    """One torch thread for the module, restored after it: on a shared 2-core machine two
    threads mostly wait for each other. A module opts in with ``from testkit import one_thread``.
    """
    import torch  # here, so modules that never touch torch do not pay for importing it

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def letterboxed_title(root: Path, last_frame: int = 365, grade: Any = None,
                      strength: float = 1.0) -> tuple[Path, dict[str, int]]:
    """A title at ``root / "title"`` of the sample's letterboxed live session (176x144 ProRes at
    ``root / "live.mov"``, frames 340 to ``last_frame``), its one shot accepted with ``grade``
    (a :class:`~workbench.ops.Pipeline`) at ``strength``.

    Returns the movie and the picture area propose found. The default grade is a strong lift
    (offset 0.1), which would raise the bars a lot where they were not kept as shot.
    """
    from fractions import Fraction

    import numpy as np

    from workbench.io import read_movie_frames, write_prores
    from workbench.model import propose
    from workbench.model.propose import MODEL_VERSION
    from workbench.ops import CDL, Pipeline
    from workbench.title import Title, add_proposal, decide, ingest
    from workbench.title.sample import sample_dir

    frames = [f.astype(np.float32) / 255 for _, f in
              read_movie_frames(sample_dir() / "livesession.mp4", 340, last_frame)]
    movie = root / "live.mov"
    write_prores(movie, frames, Fraction(24))
    if grade is None:
        grade = Pipeline([CDL(offset_r=0.1, offset_g=0.1, offset_b=0.1)])
    with Title.create(root / "title") as title:
        ingest(title, [movie], progress=False)
        shot = title.shot("live_001")
        area = propose(title, progress=False)[0].active_area
        assert area is not None and area["top"] > 10 and area["bottom"] < 134  # letterboxed
        add_proposal(title, shot, grade, model_version=MODEL_VERSION, strength=strength,
                     confidence=1.0, summary="test: a letterboxed grade", active_area=area)
        decide(title, shot, "accept")
    return movie, area
