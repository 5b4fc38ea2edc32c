"""What kind of source a path is, and the encoding its values are taken to hold.

One rule for ingest and every command, from :data:`workbench.io.formats.FORMATS`: EXR is
scene-linear (ACEScg unless the user says otherwise), movies are Rec.709 (BT.1886), other stills
(PNG, TIFF, JPEG, DPX) are sRGB-encoded.
It is decided from the files that hold the frames, so a folder of EXRs or ``plate.####.exr``
is EXR, never "a path without a suffix".
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from workbench.io.formats import format_of
from workbench.io.sequence import list_sequence

__all__ = ["default_encoding", "frame_file", "is_pattern"]

_PATTERN = re.compile(r"#|%0?\d*d")


def is_pattern(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a numbered sequence: ``shot.####.exr`` or ``shot.%04d.exr``."""
    return _PATTERN.search(Path(path).name) is not None


def frame_file(path: str | os.PathLike[str]) -> Path:
    """A file that stands for the source at ``path``: its kind is the source's kind.

    A folder gives its sequence's first frame (:func:`~workbench.io.list_sequence`, which
    raises :class:`~workbench.errors.MediaError` naming the folder when it holds none, or
    several); a pattern (which may not exist yet: an output) and a file give themselves.
    """
    path = Path(path)
    if path.is_dir():
        return list_sequence(path)[0][1]
    return path


def default_encoding(path: str | os.PathLike[str], exr_space: str = "ACEScg") -> str:
    """The colour encoding a source's values are taken to be in when nobody says.

    Parameters
    ----------
    path
        A movie, a still, a sequence pattern or a folder holding one numbered sequence.
    exr_space
        The scene-linear space EXR is read in (a name of :data:`workbench.color.COLOUR_SPACES`).

    Returns
    -------
    str
        ``exr_space`` for EXR, ``"Rec.709"`` for movies, ``"sRGB"`` for other images.

    Examples
    --------
    >>> default_encoding("plate.####.exr"), default_encoding("A001.mov")
    ('ACEScg', 'Rec.709')
    """
    fmt = format_of(frame_file(path))
    if fmt is None:  # an unknown still: display-referred, as most image files are
        return "sRGB"
    return exr_space if fmt.scene_linear else fmt.encoding
