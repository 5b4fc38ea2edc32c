"""What the commands assume about files they are handed: encodings by suffix, still writers.

One rule for every command: EXR is scene-linear (ACEScg unless the user says otherwise),
movies are Rec.709 (BT.1886), other stills (PNG, TIFF, JPEG, DPX) are sRGB-encoded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["MOVIE_SUFFIXES", "Frame", "file_encoding", "still_writer"]

MOVIE_SUFFIXES = (".mov", ".mp4", ".m4v", ".mxf", ".mkv", ".avi")

Frame = Any  # numpy (H, W, 3) float32; numpy is imported lazily


def file_encoding(path: Path, exr_space: str = "ACEScg") -> str:
    """The colour encoding a file's values are taken to be in, from its suffix."""
    suffix = path.suffix.lower()
    if suffix == ".exr":
        return exr_space
    return "Rec.709" if suffix in MOVIE_SUFFIXES else "sRGB"


def _exr_writer(half: bool) -> Callable[[Path, Frame], Path]:
    from workbench.io import write_exr

    def write(path: Path, rgb: Frame) -> Path:
        import numpy as np

        fits = float(np.abs(rgb).max(initial=0.0)) <= 65504.0
        return write_exr(path, rgb, half=half and fits)

    return write


def still_writer(path: Path, half: bool) -> Callable[[Path, Frame], Path]:
    """The writer for a still at ``path``, by suffix; EXR in half float when ``half`` and it fits.

    Raises :class:`ParameterError` naming the file for a suffix no writer takes.
    """
    from workbench import io
    from workbench.errors import ParameterError

    writers: dict[str, Callable[[Path, Frame], Path]] = {
        ".exr": _exr_writer(half), ".png": io.write_png16, ".tif": io.write_tiff16,
        ".tiff": io.write_tiff16, ".jpg": io.write_jpeg, ".jpeg": io.write_jpeg,
        ".dpx": io.write_dpx10,
    }
    writer = writers.get(path.suffix.lower())
    if writer is None:
        raise ParameterError(f"{path.name}: cannot write {path.suffix or 'a file without suffix'}"
                             f"; use one of {', '.join(writers)} (or .mov for a movie source)")
    return writer
