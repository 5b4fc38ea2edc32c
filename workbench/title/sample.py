"""The bundled sample title's dailies: where they are installed, and a read-only copy of them.

The footage (three real clips), its ALE and its NOTICE ship inside the package, in
``workbench/sample/``. The demo, the notebooks' sample title and the tests all start from it.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

__all__ = ["SAMPLE_ALE", "SAMPLE_CLIPS", "copy_sample_dailies", "sample_dir"]

SAMPLE_CLIPS = ("bikes.mp4", "livesession.mp4", "carphone.mp4")
SAMPLE_ALE = "sample.ale"


def sample_dir() -> Path:
    """Where the bundled sample title's footage lives (inside the installed package)."""
    return Path(str(resources.files("workbench").joinpath("sample")))


def copy_sample_dailies(dailies: Path, extra: tuple[str, ...] = ()) -> list[Path]:
    """Copy the sample clips, the ALE and ``extra`` files into ``dailies``, read-only.

    A file already there is kept (a title made from it refers to it); the copies are the
    title's sources, so they are made read-only like camera originals.

    Returns
    -------
    list[Path]
        The clips in ``dailies``, in :data:`SAMPLE_CLIPS` order.
    """
    dailies.mkdir(parents=True, exist_ok=True)
    src = sample_dir()
    for name in (*SAMPLE_CLIPS, SAMPLE_ALE, *extra):
        if not (dailies / name).exists():
            shutil.copyfile(src / name, dailies / name)
            (dailies / name).chmod(0o444)
    return [dailies / name for name in SAMPLE_CLIPS]
