"""Dailies in and renders out: movies (PyAV), stills and sequences (OpenImageIO), proxies.

Everything here opens sources read-only and writes through :func:`atomic_path`, so a failed
write never leaves a partial file. Errors are :class:`~workbench.errors.MediaError` naming the
file (and frame), e.g. ``"bikes.mp4 frame 130: stream ends early (header says 250 frames)"``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports
from workbench.io.atomic import atomic_path, atomic_write_bytes, atomic_write_text
from workbench.io.formats import (
    FORMATS,
    IMAGE_SUFFIXES,
    MOVIE_SUFFIXES,
    STILL_SUFFIXES,
    MediaFormat,
    format_of,
    media_format,
)

if TYPE_CHECKING:
    from workbench.io.header import HeaderAttribute, ImageInfo, carried_attributes
    from workbench.io.image_read import read_image
    from workbench.io.image_write import (
        EXR_CHROMATICITIES,
        PNG_ENCODINGS,
        write_dpx10,
        write_exr,
        write_jpeg,
        write_png8,
        write_png16,
        write_tiff16,
    )
    from workbench.io.movie import read_movie_frames
    from workbench.io.probe import MovieInfo, probe_movie
    from workbench.io.prores import write_prores
    from workbench.io.proxy import make_proxy, proxy_path, proxy_size
    from workbench.io.sequence import list_sequence
    from workbench.io.sources import default_encoding, frame_file, is_pattern

# OpenImageIO, PyAV and OpenCV load on first use: a title's settings write through atomic_path,
# and reading commands (status, log) never touch pixels.
__getattr__, __dir__ = lazy_exports(__name__, {
    "header": ("HeaderAttribute", "ImageInfo", "carried_attributes"),
    "image_read": ("read_image",),
    "image_write": ("EXR_CHROMATICITIES", "PNG_ENCODINGS", "write_dpx10", "write_exr",
                    "write_jpeg", "write_png8", "write_png16", "write_tiff16"),
    "movie": ("read_movie_frames",),
    "probe": ("MovieInfo", "probe_movie"),
    "prores": ("write_prores",),
    "proxy": ("make_proxy", "proxy_path", "proxy_size"),
    "sequence": ("list_sequence",),
    "sources": ("default_encoding", "frame_file", "is_pattern"),
})

__all__ = [
    "EXR_CHROMATICITIES",
    "FORMATS",
    "IMAGE_SUFFIXES",
    "MOVIE_SUFFIXES",
    "PNG_ENCODINGS",
    "STILL_SUFFIXES",
    "HeaderAttribute",
    "ImageInfo",
    "MediaFormat",
    "MovieInfo",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "carried_attributes",
    "default_encoding",
    "format_of",
    "frame_file",
    "is_pattern",
    "list_sequence",
    "make_proxy",
    "media_format",
    "probe_movie",
    "proxy_path",
    "proxy_size",
    "read_image",
    "read_movie_frames",
    "write_dpx10",
    "write_exr",
    "write_jpeg",
    "write_png8",
    "write_png16",
    "write_prores",
    "write_tiff16",
]
