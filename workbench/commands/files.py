"""What the commands assume about files they are handed: encodings, still writers.

One rule for every command and for ingest (:func:`workbench.io.default_encoding`): EXR is
scene-linear (ACEScg unless the user says otherwise), movies are Rec.709 (BT.1886), other
stills (PNG, TIFF, JPEG, DPX) are sRGB-encoded; a folder or ``plate.####.exr`` is what its
frames are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["Frame", "file_encoding", "still_writer", "write_still"]

Frame = Any  # numpy (H, W, 3) float32; numpy is imported lazily


def file_encoding(path: Path, exr_space: str = "ACEScg") -> str:
    """The colour encoding a still, movie, sequence pattern or sequence folder holds.

    Decided from the frames' files (a folder by its first frame), never from the folder's
    name; see :func:`workbench.io.default_encoding`.
    """
    from workbench.io import default_encoding  # lazy: ``workbench --help`` stays instant

    return default_encoding(path, exr_space)


def _check_writable(path: Path) -> str:
    """The name of the :mod:`workbench.io` writer of the still ``path``, by its format."""
    from workbench.errors import ParameterError
    from workbench.io.formats import format_of, writable_suffixes

    fmt = format_of(path)
    if fmt is None or fmt.kind != "still" or fmt.writer is None:
        movies = " ".join(writable_suffixes("movie"))
        raise ParameterError(f"{path.name}: cannot write {path.suffix or 'a file without suffix'}"
                             f"; use one of {', '.join(writable_suffixes('still'))} "
                             f"(or {movies} for a movie source)")
    return fmt.writer


def write_still(path: Path, rgb: Frame, *, half: bool, carry: Sequence[Any] = (),
                metadata: Mapping[str, str] | None = None) -> Path:
    """Write ``rgb`` ``(H, W, 3)`` float32 to the still ``path``, by suffix.

    The values must already be in ``file_encoding(path)``. EXR is half float when ``half``
    and the values fit, and takes ``carry`` (typed header attributes of the source frame,
    :func:`workbench.io.carried_attributes`) and ``metadata`` (``workbench:*`` notes) in its
    header; the display formats are written as they are (PNG tagged sRGB).
    """
    import numpy as np

    from workbench import io

    writer = _check_writable(path)
    if writer == "write_exr":
        fits = float(np.abs(rgb).max(initial=0.0)) <= 65504.0
        return io.write_exr(path, rgb, metadata, half=half and fits, carry=carry)
    write: Callable[[Path, Frame], Path] = getattr(io, writer)
    return write(path, rgb)


def still_writer(path: Path, half: bool) -> Callable[[Path, Frame], Path]:
    """The writer for a still at ``path``, by suffix; EXR in half float when ``half`` and it fits.

    Raises :class:`ParameterError` naming the file for a suffix no writer takes.
    """
    _check_writable(path)
    return lambda target, rgb: write_still(target, rgb, half=half)
