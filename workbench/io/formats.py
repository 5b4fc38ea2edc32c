"""The media formats the workbench reads and writes: one registry every command asks.

Each :class:`MediaFormat` names its suffixes, its kind (a movie, or a still that may also be a
frame of a numbered sequence), the colour encoding its values are taken to hold when nobody
says, and the names of its reader and writer in :mod:`workbench.io`. Nothing here imports
OpenImageIO or PyAV: the command line asks it before any pixel is read.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from workbench.errors import MediaError

__all__ = [
    "FORMATS",
    "IMAGE_SUFFIXES",
    "MOVIE_SUFFIXES",
    "SCENE_LINEAR",
    "STILL_SUFFIXES",
    "MediaFormat",
    "format_of",
    "media_format",
    "writable_suffixes",
]

SCENE_LINEAR = "scene-linear"
"""Encoding placeholder: the title's scene-linear space (ACEScg unless the user says)."""


@dataclass(frozen=True)
class MediaFormat:
    """One file format: how it is recognised, what it holds, and what reads and writes it.

    Attributes
    ----------
    name
        The format's usual name (``"OpenEXR"``, ``"QuickTime"``).
    suffixes
        Lower-case suffixes with the dot, the first being the one written.
    kind
        ``"movie"`` (PyAV) or ``"still"`` (OpenImageIO; a still may be a sequence frame).
    encoding
        The colour encoding assumed when nobody says: :data:`SCENE_LINEAR`, ``"sRGB"`` or
        ``"Rec.709"`` (a name of :data:`workbench.color.COLOUR_SPACES`).
    reader, writer
        Names of the functions in :mod:`workbench.io` that read and write it; ``writer`` is
        ``None`` for a format the workbench only reads.
    """

    name: str
    suffixes: tuple[str, ...]
    kind: Literal["movie", "still"]
    encoding: str
    reader: str
    writer: str | None

    @property
    def sequence_frame(self) -> bool:
        """Whether files of this format can be the frames of a numbered sequence."""
        return self.kind == "still"

    @property
    def scene_linear(self) -> bool:
        """Whether its values are scene-linear light (EXR), not display-encoded."""
        return self.encoding == SCENE_LINEAR

    def read_function(self) -> Callable[..., Any]:
        """The reader, imported on first use (:func:`workbench.io.read_image` for stills)."""
        return getattr(importlib.import_module("workbench.io"), self.reader)

    def write_function(self) -> Callable[..., Any]:
        """The writer, imported on first use; raises :class:`MediaError` for a read-only format."""
        if self.writer is None:
            raise MediaError(f"{self.name} ({', '.join(self.suffixes)}) is read, not written; "
                             f"writable: {', '.join(writable_suffixes())}")
        return getattr(importlib.import_module("workbench.io"), self.writer)


_MOVIE_READER = "read_movie_frames"
_STILL_READER = "read_image"

FORMATS: tuple[MediaFormat, ...] = (
    MediaFormat("OpenEXR", (".exr",), "still", SCENE_LINEAR, _STILL_READER, "write_exr"),
    MediaFormat("DPX", (".dpx",), "still", "sRGB", _STILL_READER, "write_dpx10"),
    MediaFormat("TIFF", (".tif", ".tiff"), "still", "sRGB", _STILL_READER, "write_tiff16"),
    MediaFormat("PNG", (".png",), "still", "sRGB", _STILL_READER, "write_png16"),
    MediaFormat("JPEG", (".jpg", ".jpeg"), "still", "sRGB", _STILL_READER, "write_jpeg"),
    MediaFormat("QuickTime", (".mov",), "movie", "Rec.709", _MOVIE_READER, "write_prores"),
    MediaFormat("MPEG-4", (".mp4", ".m4v"), "movie", "Rec.709", _MOVIE_READER, None),
    MediaFormat("MXF", (".mxf",), "movie", "Rec.709", _MOVIE_READER, None),
    MediaFormat("Matroska", (".mkv",), "movie", "Rec.709", _MOVIE_READER, None),
    MediaFormat("AVI", (".avi",), "movie", "Rec.709", _MOVIE_READER, None),
)
"""Every format the workbench knows, stills first."""

_BY_SUFFIX = {suffix: fmt for fmt in FORMATS for suffix in fmt.suffixes}

MOVIE_SUFFIXES: tuple[str, ...] = tuple(s for f in FORMATS if f.kind == "movie" for s in f.suffixes)
"""Suffixes of movie files (read with PyAV)."""
STILL_SUFFIXES: tuple[str, ...] = tuple(s for f in FORMATS if f.kind == "still" for s in f.suffixes)
"""Suffixes of stills and sequence frames (read with OpenImageIO)."""
IMAGE_SUFFIXES = STILL_SUFFIXES
"""Former name of :data:`STILL_SUFFIXES`."""


def writable_suffixes(kind: Literal["movie", "still"] | None = None) -> tuple[str, ...]:
    """Suffixes the workbench writes, of one ``kind`` or all."""
    return tuple(s for f in FORMATS if f.writer and kind in (None, f.kind) for s in f.suffixes)


def format_of(path: str | os.PathLike[str]) -> MediaFormat | None:
    """The format of ``path`` by its suffix (any letter case), or ``None`` when unknown."""
    return _BY_SUFFIX.get(Path(path).suffix.lower())


def media_format(path: str | os.PathLike[str], role: str = "source") -> MediaFormat:
    """The format of ``path``, or a :class:`MediaError` naming it and the known suffixes.

    Examples
    --------
    >>> media_format("A001C003.MOV").kind, media_format("plate.1001.dpx").encoding
    ('movie', 'sRGB')
    """
    fmt = format_of(path)
    if fmt is None:
        suffix = Path(path).suffix or "no suffix"
        raise MediaError(f"{Path(path).name}: {role} has an unsupported file type ({suffix}); "
                         f"movies {' '.join(MOVIE_SUFFIXES)}, stills {' '.join(STILL_SUFFIXES)}")
    return fmt
