"""Still writers with OpenImageIO: OpenEXR for scene-referred data, PNG, JPEG, TIFF and DPX.

EXR keeps values as they are (never clamped); the display and log formats clip to [0, 1] and
round. Every write goes through :func:`~workbench.io.atomic.atomic_path`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np
import OpenImageIO as oiio

from workbench.checks import check_finite
from workbench.errors import ParameterError, ShapeError
from workbench.io._oiio import write_pixels
from workbench.io.header import HeaderAttribute, smpte_timecode_bits

__all__ = [
    "EXR_CHROMATICITIES",
    "PNG_ENCODINGS",
    "write_dpx10",
    "write_exr",
    "write_jpeg",
    "write_png8",
    "write_png16",
    "write_tiff16",
]

_HALF_MAX = 65504.0
_EXR_COMPRESSIONS = ("none", "rle", "zips", "zip", "piz", "pxr24", "b44", "b44a", "dwaa", "dwab")


def _check_rgb(rgb: np.ndarray, where: str) -> np.ndarray:
    """Return ``rgb`` as C-contiguous float32 ``(H, W, 3)`` or raise naming ``where``."""
    arr = np.asarray(rgb)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ShapeError(f"{where}: expected shape (H, W, 3), got {arr.shape}")
    if not np.issubdtype(arr.dtype, np.floating):
        raise ShapeError(f"{where}: expected float pixels, got {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    check_finite(arr, where)
    return arr


def _quantise(rgb: np.ndarray, where: str, dtype: type[np.unsignedinteger]) -> np.ndarray:
    """Clip display RGB to [0, 1] and round to the full range of an unsigned integer type."""
    arr = _check_rgb(rgb, where)
    top = float(np.iinfo(dtype).max)
    return np.round(np.clip(arr, 0.0, 1.0) * top).astype(dtype)


def write_exr(
    path: str | os.PathLike[str],
    rgb: np.ndarray,
    metadata: Mapping[str, str | int | float] | None = None,
    half: bool = True,
    compression: str = "zip",
    timecode: str | None = None,
    fps: Fraction | None = None,
    chromaticities: tuple[float, ...] | None = None,
    carry: Sequence[HeaderAttribute] = (),
) -> Path:
    """Write scene-referred RGB to OpenEXR, unclamped, atomically.

    Parameters
    ----------
    path
        Destination ``.exr``.
    rgb
        Shape ``(H, W, 3)``, float, any encoding (usually scene-linear); negative and above-1
        values are kept as they are. NaN/Inf raise.
    metadata
        Header attributes, all stored as strings (``{"workbench:shot": "A001", ...}``); they
        come back in ``read_image(path)[1].metadata`` as ``str(value)``.
    half
        ``True`` for 16-bit half float (values must fit ±65504), ``False`` for 32-bit float.
    compression
        An OpenEXR compression: ``"zip"``, ``"piz"``, ``"dwaa"``, ``"none"``...
    timecode, fps
        The frame's SMPTE timecode (``"01:00:00:14"``, ``;`` for drop frame) and rate, written
        as the standard ``timeCode`` and ``framesPerSecond`` header attributes that Nuke,
        Resolve and conform tools read.
    chromaticities
        CIE xy of the red, green and blue primaries and the white (8 numbers), the standard
        ``chromaticities`` attribute that tells Nuke and Resolve which RGB the pixels are in.
    carry
        Typed attributes of a source frame (see :func:`carried_attributes`), written first;
        ``metadata``, ``timecode``, ``fps`` and ``chromaticities`` override them.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ShapeError
        ``rgb`` is not a float ``(H, W, 3)`` array.
    MediaError
        NaN/Inf pixels, or OpenImageIO fails to write.
    ParameterError
        Unknown compression, or values beyond the half range with ``half=True``.
    """
    path = Path(path)
    arr = _check_rgb(rgb, path.name)
    if compression not in _EXR_COMPRESSIONS:
        raise ParameterError(
            f"{path.name}: compression must be one of {', '.join(_EXR_COMPRESSIONS)}, "
            f"got {compression!r}"
        )
    peak = float(np.abs(arr).max())
    if half and peak > _HALF_MAX:
        raise ParameterError(
            f"{path.name}: |value| up to {peak:g} exceeds half float's {_HALF_MAX:g}; "
            "write with half=False"
        )
    spec = oiio.ImageSpec(arr.shape[1], arr.shape[0], 3, "half" if half else "float")
    spec.channelnames = ("R", "G", "B")
    for attrib in carry:
        spec.attribute(attrib.name, oiio.TypeDesc(attrib.type), attrib.value)
    spec.attribute("compression", compression)
    for key, value in (metadata or {}).items():
        spec.attribute(str(key), str(value))
    _tag_exr(spec, path.name, timecode, fps, chromaticities)
    pixels = arr.astype(np.float16) if half else arr
    write_pixels(path, pixels, spec)
    return path


def _tag_exr(
    spec: oiio.ImageSpec,
    where: str,
    timecode: str | None,
    fps: Fraction | None,
    chromaticities: tuple[float, ...] | None,
) -> None:
    """Set the standard ``timeCode``, ``framesPerSecond`` and ``chromaticities`` given."""
    if timecode is not None:
        spec.attribute("smpte:TimeCode", oiio.TypeDesc("timecode"),
                       (smpte_timecode_bits(timecode, where), 0))
    if fps is not None:
        spec.attribute("FramesPerSecond", oiio.TypeDesc("rational"),
                       (fps.numerator, fps.denominator))
    if chromaticities is not None:
        if len(chromaticities) != 8:
            raise ParameterError(f"{where}: chromaticities needs 8 numbers (R, G, B, white "
                                 f"xy), got {len(chromaticities)}")
        spec.attribute("chromaticities", oiio.TypeDesc("float[8]"), tuple(chromaticities))


# The EXR ``chromaticities`` (CIE xy of R, G, B and white) of the linear encodings by name.
EXR_CHROMATICITIES: dict[str, tuple[float, ...]] = {
    "ACEScg": (0.713, 0.293, 0.165, 0.830, 0.128, 0.044, 0.32168, 0.33767),
    "ACES2065-1": (0.7347, 0.2653, 0.0, 1.0, 0.0001, -0.077, 0.32168, 0.33767),
    "Linear Rec.709": (0.64, 0.33, 0.30, 0.60, 0.15, 0.06, 0.3127, 0.3290),
    "Linear Rec.2020": (0.708, 0.292, 0.170, 0.797, 0.131, 0.046, 0.3127, 0.3290),
}

# What a PNG says about its values: OpenImageIO's colour-space name (which decides the sRGB
# or gAMA chunk it writes) and the cICP chunk (ITU-T H.273 primaries, transfer, matrix, full
# range). BT.1886 is a 2.4 power, so the gAMA 1/2.4 OpenImageIO writes with it agrees with cICP.
PNG_ENCODINGS: dict[str, tuple[str, tuple[int, int, int, int] | None]] = {
    "sRGB": ("srgb_rec709_display", None),
    "Rec.709": ("g24_rec709_display", (1, 1, 0, 1)),
    "Rec.2100-PQ": ("pq_rec2020_display", (9, 16, 0, 1)),
    "Rec.2100-HLG": ("hlg_rec2020_display", (9, 18, 0, 1)),
}


def _png(path: Path, rgb: np.ndarray, encoding: str, dtype: type[np.unsignedinteger]) -> Path:
    """Quantise and write a PNG tagged as holding ``encoding`` values."""
    if encoding not in PNG_ENCODINGS:
        raise ParameterError(f"{path.name}: cannot tag a PNG as {encoding!r}; PNG encodings: "
                             f"{', '.join(PNG_ENCODINGS)}")
    pixels = _quantise(rgb, path.name, dtype)
    colour_space, cicp = PNG_ENCODINGS[encoding]
    spec = oiio.ImageSpec(pixels.shape[1], pixels.shape[0], 3,
                          "uint16" if dtype is np.uint16 else "uint8")
    spec.attribute("oiio:ColorSpace", colour_space)
    if cicp is not None:
        spec.attribute("CICP", oiio.TypeDesc("int[4]"), cicp)
    write_pixels(path, pixels, spec)
    return path


def write_png16(path: str | os.PathLike[str], rgb: np.ndarray, encoding: str = "sRGB") -> Path:
    """Write display-encoded RGB in [0, 1] as a 16-bit PNG (clipped, rounded), atomically.

    ``rgb`` is float ``(H, W, 3)``; values outside [0, 1] are clipped (a display-referred file).
    ``encoding`` names what the values are, and the file is tagged so: ``"sRGB"`` (sRGB
    chunk), ``"Rec.709"`` (BT.1886: cICP 1/1/0/full), or a key of :data:`PNG_ENCODINGS`.
    Returns ``path``.
    """
    return _png(Path(path), rgb, encoding, np.uint16)


def write_png8(path: str | os.PathLike[str], rgb: np.ndarray, encoding: str = "sRGB") -> Path:
    """Write display-encoded RGB in [0, 1] as an 8-bit PNG thumbnail (clipped), atomically.

    ``rgb`` is float ``(H, W, 3)``, tagged as ``encoding`` (see :func:`write_png16`).
    Returns ``path``.
    """
    return _png(Path(path), rgb, encoding, np.uint8)


def write_jpeg(path: str | os.PathLike[str], rgb: np.ndarray, quality: int = 90) -> Path:
    """Write display-encoded RGB in [0, 1] as an 8-bit JPEG thumbnail (clipped), atomically.

    ``rgb`` is float ``(H, W, 3)``; ``quality`` in 1..100. Returns ``path``.
    """
    path = Path(path)
    if not 1 <= quality <= 100:
        raise ParameterError(f"{path.name}: quality must be in 1..100, got {quality}")
    spec = oiio.ImageSpec(np.shape(rgb)[1], np.shape(rgb)[0], 3, "uint8")
    spec.attribute("Compression", f"jpeg:{int(quality)}")
    write_pixels(path, _quantise(rgb, path.name, np.uint8), spec)
    return path


def write_tiff16(path: str | os.PathLike[str], rgb: np.ndarray) -> Path:
    """Write RGB in [0, 1] as a 16-bit TIFF (clipped, rounded, zip compressed), atomically.

    ``rgb`` is float ``(H, W, 3)``. Returns ``path``.
    """
    path = Path(path)
    spec = oiio.ImageSpec(np.shape(rgb)[1], np.shape(rgb)[0], 3, "uint16")
    spec.attribute("compression", "zip")
    write_pixels(path, _quantise(rgb, path.name, np.uint16), spec)
    return path


def write_dpx10(path: str | os.PathLike[str], rgb: np.ndarray) -> Path:
    """Write RGB in [0, 1] as a 10-bit DPX (code values 0-1023, clipped), atomically.

    ``rgb`` is float ``(H, W, 3)``, already in the encoding the DPX should hold (e.g. a log
    curve); no transfer function is applied here. Returns ``path``.
    """
    path = Path(path)
    arr = _check_rgb(rgb, path.name)
    codes = np.round(np.clip(arr, 0.0, 1.0) * 1023.0).astype(np.uint32)
    # OpenImageIO takes uint16 and keeps the top 10 bits: replicate bits so 1023 -> 65535.
    pixels = ((codes << 6) | (codes >> 4)).astype(np.uint16)
    spec = oiio.ImageSpec(arr.shape[1], arr.shape[0], 3, "uint16")
    spec.attribute("oiio:BitsPerSample", 10)
    write_pixels(path, pixels, spec)
    return path
