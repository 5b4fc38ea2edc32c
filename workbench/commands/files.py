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


_WRITERS = {".exr": "write_exr", ".png": "write_png16", ".tif": "write_tiff16",
            ".tiff": "write_tiff16", ".jpg": "write_jpeg", ".jpeg": "write_jpeg",
            ".dpx": "write_dpx10"}


def _check_writable(path: Path) -> None:
    from workbench.errors import ParameterError

    if path.suffix.lower() not in _WRITERS:
        raise ParameterError(f"{path.name}: cannot write {path.suffix or 'a file without suffix'}"
                             f"; use one of {', '.join(_WRITERS)} (or .mov for a movie source)")


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

    _check_writable(path)
    writer = _WRITERS[path.suffix.lower()]
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
