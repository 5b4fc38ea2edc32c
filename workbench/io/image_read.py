"""Still images with OpenImageIO: EXR, DPX, TIFF, PNG, JPEG read as float32 RGB.

Reads return values as stored (integer formats normalised to [0, 1], float formats untouched:
never clamped). The OpenImageIO wheel can hand back a truncated file as a partial image;
:func:`read_image` checks the reader's error state and raises instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import OpenImageIO as oiio

from workbench.errors import MediaError
from workbench.io._oiio import oneline
from workbench.io.header import ImageInfo, read_header

__all__ = ["read_image"]


def _rgb_indices(names: tuple[str, ...]) -> list[int]:
    """Pick the channels that make RGB: named R, G, B, else the first three, else grey."""
    upper = [n.upper() for n in names]
    if all(c in upper for c in "RGB"):
        return [upper.index(c) for c in "RGB"]
    if len(names) >= 3:
        return [0, 1, 2]
    return [0, 0, 0]


def read_image(path: str | os.PathLike[str]) -> tuple[np.ndarray, ImageInfo]:
    """Read the first subimage of a still as float32 RGB, values as stored.

    Parameters
    ----------
    path
        Any format the OpenImageIO wheel reads (EXR, DPX, TIFF, PNG, JPEG...). Opened read-only.

    Returns
    -------
    rgb : np.ndarray
        Shape ``(H, W, 3)``, float32. Integer files are normalised to [0, 1] (``uint8 / 255``,
        ``uint16 / 65535``, 10-bit DPX as OpenImageIO scales it); float and half files are
        returned untouched, negative and above-1 values included. Alpha is dropped (colour is
        read unpremultiplied where the format stores it so); grey is repeated to three
        channels. The encoding is whatever the file holds (see
        ``info.metadata["oiio:ColorSpace"]`` when present).
    info : ImageInfo
        Size, stored type, file format and metadata.

    Raises
    ------
    MediaError
        ``"<file>: does not exist"`` or ``"<file>: truncated or unreadable image (<reason>)"``.
    """
    path = Path(path)
    if not path.exists():
        raise MediaError(f"{path.name}: does not exist")
    pixels, spec, file_format = _read_pixels(path)
    rgb = np.ascontiguousarray(pixels[..., _rgb_indices(tuple(spec.channelnames))])
    metadata, attributes = read_header(spec)
    info = ImageInfo(
        path=path,
        width=int(spec.width),
        height=int(spec.height),
        channels=int(spec.nchannels),
        format=str(spec.format),
        bits_per_sample=int(spec.get_int_attribute("oiio:BitsPerSample", 0))
        or 8 * spec.format.size(),
        file_format=file_format,
        metadata=metadata,
        attributes=attributes,
    )
    return rgb, info


def _read_pixels(path: Path) -> tuple[np.ndarray, oiio.ImageSpec, str]:
    """Every channel of the first subimage as float32 ``(H, W, C)``, its spec and format name.

    Raises :class:`MediaError` when OpenImageIO cannot open the file, reports an error, or
    hands back fewer samples than the header promises (a truncated file).
    """
    config = oiio.ImageSpec()
    config.attribute("oiio:UnassociatedAlpha", 1)  # PNG/TIFF colour as stored, not premultiplied
    inp = oiio.ImageInput.open(str(path), config)
    if inp is None:
        reason = oiio.geterror() or "unknown format"
        raise MediaError(f"{path.name}: truncated or unreadable image ({oneline(reason)})")
    try:
        spec = inp.spec()
        pixels = inp.read_image(0, 0, 0, spec.nchannels, "float")
        reason = inp.geterror() or oiio.geterror()
        expected = (spec.height, spec.width, spec.nchannels)
        got = None if pixels is None else tuple(pixels.shape)
        if pixels is None or reason or got != expected:
            if not reason:
                reason = f"expected {expected} samples, got {got}"
            raise MediaError(f"{path.name}: truncated or unreadable image ({oneline(reason)})")
        file_format = str(inp.format_name())
    finally:
        inp.close()
    return np.asarray(pixels, dtype=np.float32).reshape(expected), spec, file_format
