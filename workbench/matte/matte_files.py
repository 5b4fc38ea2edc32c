"""Mattes on disk: one channel at the plate's size; 16-bit PNG for display, EXR alpha for linear.

A matte written here is one channel only: a 16-bit greyscale PNG (or TIFF) whose 0..65535 is
alpha 0..1, or an OpenEXR with a single half-float ``A`` channel holding alpha as it is (linear,
unclamped by the writer; a key gives [0, 1]). Writes are atomic (:mod:`workbench.io.atomic`).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import OpenImageIO as oiio

from workbench.checks import check_finite
from workbench.errors import MediaError, ParameterError, ShapeError
from workbench.io._oiio import oneline, write_pixels

__all__ = ["MATTE_SUFFIXES", "read_matte", "write_matte"]

MATTE_SUFFIXES = (".png", ".tif", ".tiff", ".exr")


def write_matte(path: str | os.PathLike[str], alpha: np.ndarray) -> Path:
    """Write ``alpha`` ``(H, W)`` float as a one-channel matte, by suffix, atomically.

    ``.png``/``.tif``: 16-bit unsigned, ``round(clip(alpha, 0, 1) * 65535)``. ``.exr``: half
    float channel ``A``, values as given. NaN/Inf raise :class:`MediaError` naming the file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in MATTE_SUFFIXES:
        raise ParameterError(f"{path.name}: a matte is written as {', '.join(MATTE_SUFFIXES)}, "
                             f"got {path.suffix or 'no suffix'!r}")
    a = np.asarray(alpha)
    if a.ndim != 2 or not np.issubdtype(a.dtype, np.floating):
        raise ShapeError(f"{path.name}: a matte is a float (H, W) array, got {a.shape} {a.dtype}")
    check_finite(a, path.name)
    if suffix == ".exr":
        spec = oiio.ImageSpec(a.shape[1], a.shape[0], 1, "half")
        spec.channelnames = ("A",)
        spec.alpha_channel = 0
        spec.attribute("compression", "zip")
        pixels = np.ascontiguousarray(a, dtype=np.float16)[..., None]
    else:
        spec = oiio.ImageSpec(a.shape[1], a.shape[0], 1, "uint16")
        spec.channelnames = ("Y",)
        spec.attribute("oiio:ColorSpace", "linear")
        pixels = np.round(np.clip(a, 0.0, 1.0) * 65535.0).astype(np.uint16)[..., None]
    write_pixels(path, pixels, spec)
    return path


def read_matte(path: str | os.PathLike[str]) -> np.ndarray:
    """Read a one-channel matte as float32 ``(H, W)`` (integer files scaled to [0, 1]).

    A file with one channel, or with an alpha channel (its alpha is taken), is a matte;
    anything else raises :class:`MediaError` naming the file and what it holds.
    """
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"{path.name}: does not exist")
    buf = oiio.ImageBuf(str(path))
    if buf.has_error:
        raise MediaError(f"{path.name}: unreadable ({oneline(buf.geterror())})")
    spec = buf.spec()
    if spec.nchannels == 1:
        channel = 0
    elif spec.alpha_channel >= 0:
        channel = spec.alpha_channel
    else:
        raise MediaError(f"{path.name}: a matte has one channel (or an alpha), got "
                         f"{spec.nchannels} ({', '.join(spec.channelnames)})")
    pixels = buf.get_pixels(oiio.FLOAT)
    if pixels is None or buf.has_error:
        raise MediaError(f"{path.name}: truncated or unreadable ({oneline(buf.geterror())})")
    return np.ascontiguousarray(pixels.reshape(spec.height, spec.width, -1)[..., channel])
