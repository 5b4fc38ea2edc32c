"""Still images and image sequences with OpenImageIO: EXR, DPX, TIFF, PNG, JPEG.

Reads return float32 RGB with values as stored (integer formats normalised to [0, 1], float
formats untouched: never clamped). Every write goes through
:func:`~workbench.io.atomic.atomic_path`.
The OpenImageIO wheel can hand back a truncated file as a partial image; :func:`read_image`
checks the reader's error state and raises instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import OpenImageIO as oiio

from workbench.checks import check_finite
from workbench.errors import MediaError, ParameterError, ShapeError
from workbench.io.atomic import atomic_path

__all__ = [
    "ImageInfo",
    "list_sequence",
    "read_image",
    "write_dpx10",
    "write_exr",
    "write_jpeg",
    "write_png8",
    "write_png16",
    "write_tiff16",
]

_HALF_MAX = 65504.0
_EXR_COMPRESSIONS = ("none", "rle", "zips", "zip", "piz", "pxr24", "b44", "b44a", "dwaa", "dwab")


@dataclass(frozen=True)
class ImageInfo:
    """What :func:`read_image` found in a file.

    Attributes
    ----------
    path : Path
        The file read.
    width, height, channels : int
        Size and channel count as stored (before dropping alpha or expanding grey).
    format : str
        Stored sample type as OpenImageIO names it: ``"uint8"``, ``"uint16"``, ``"half"``,
        ``"float"``...
    bits_per_sample : int
        Bits per sample as stored (e.g. 10 for a 10-bit DPX held as ``uint16``).
    file_format : str
        OpenImageIO's format name: ``"openexr"``, ``"png"``, ``"dpx"``, ``"tiff"``, ``"jpeg"``.
    metadata : dict[str, str]
        Every other attribute, as strings (e.g. ``"oiio:ColorSpace"``, ``"workbench:shot"``);
        arrays are space-separated, binary blobs (ICC profiles) become ``"<N bytes>"``.
    """

    path: Path
    width: int
    height: int
    channels: int
    format: str
    bits_per_sample: int
    file_format: str
    metadata: dict[str, str] = field(default_factory=dict)


def _attr_str(value: object) -> str:
    """Render an attribute value (scalar, tuple or array) as a string."""
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, tuple | list):
        return " ".join(_attr_str(v) for v in value)
    return str(value)


def _oneline(message: str) -> str:
    """Join a multi-line library error into one line (errors print on one line)."""
    return "; ".join(line.strip() for line in message.splitlines() if line.strip())


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
    config = oiio.ImageSpec()
    config.attribute("oiio:UnassociatedAlpha", 1)  # PNG/TIFF colour as stored, not premultiplied
    inp = oiio.ImageInput.open(str(path), config)
    if inp is None:
        reason = oiio.geterror() or "unknown format"
        raise MediaError(f"{path.name}: truncated or unreadable image ({_oneline(reason)})")
    try:
        spec = inp.spec()
        pixels = inp.read_image(0, 0, 0, spec.nchannels, "float")
        reason = inp.geterror() or oiio.geterror()
        expected = (spec.height, spec.width, spec.nchannels)
        got = None if pixels is None else tuple(pixels.shape)
        if pixels is None or reason or got != expected:
            if not reason:
                reason = f"expected {expected} samples, got {got}"
            raise MediaError(f"{path.name}: truncated or unreadable image ({_oneline(reason)})")
        file_format = str(inp.format_name())
    finally:
        inp.close()
    pixels = np.asarray(pixels, dtype=np.float32).reshape(expected)
    rgb = np.ascontiguousarray(pixels[..., _rgb_indices(tuple(spec.channelnames))])
    fmt = str(spec.format)
    bits = int(spec.get_int_attribute("oiio:BitsPerSample", 0)) or 8 * spec.format.size()
    metadata = {}
    for attrib in spec.extra_attribs:
        if attrib.name == "oiio:BitsPerSample":
            continue
        kind = attrib.type
        if kind.basetype in (oiio.UINT8, oiio.INT8) and kind.arraylen > 16:
            metadata[attrib.name] = f"<{kind.arraylen} bytes>"  # ICC profiles, EXIF blobs
        elif str(kind) in ("timecode", "rational"):  # OIIO formats these as people write them
            metadata[attrib.name] = spec.get_string_attribute(attrib.name)
        else:
            metadata[attrib.name] = _attr_str(attrib.value)
    info = ImageInfo(
        path=path,
        width=int(spec.width),
        height=int(spec.height),
        channels=int(spec.nchannels),
        format=fmt,
        bits_per_sample=bits,
        file_format=file_format,
        metadata=metadata,
    )
    return rgb, info


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


def _write(
    path: Path,
    pixels: np.ndarray,
    spec: oiio.ImageSpec,
) -> None:
    """Write ``pixels`` (already in the spec's type) to ``path`` atomically with OpenImageIO."""
    with atomic_path(path) as tmp:
        out = oiio.ImageOutput.create(str(tmp))
        if out is None:
            raise MediaError(
                f"{path.name}: no writer for this format ({_oneline(oiio.geterror())})"
            )
        if not out.open(str(tmp), spec):
            raise MediaError(f"{path.name}: cannot write ({_oneline(out.geterror())})")
        ok = out.write_image(pixels)
        ok = out.close() and ok
        if not ok:
            raise MediaError(
                f"{path.name}: write failed ({_oneline(out.geterror() or oiio.geterror())})"
            )


def _quantise(rgb: np.ndarray, where: str, dtype: type[np.unsignedinteger]) -> np.ndarray:
    """Clip display RGB to [0, 1] and round to the full range of an unsigned integer type."""
    arr = _check_rgb(rgb, where)
    top = float(np.iinfo(dtype).max)
    return np.round(np.clip(arr, 0.0, 1.0) * top).astype(dtype)


def _smpte_timecode_bits(timecode: str, where: str) -> int:
    """SMPTE 12M packed BCD of ``HH:MM:SS:FF`` (drop-frame flag set for ``;``)."""
    parts = timecode.replace(";", ":").split(":")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        raise ParameterError(f"{where}: timecode must be HH:MM:SS:FF, got {timecode!r}")
    h, m, s, f = (int(p) for p in parts)

    def bcd(v: int) -> int:
        return ((v // 10) << 4) | (v % 10)

    drop = 0x40 if ";" in timecode else 0
    return (bcd(h) << 24) | (bcd(m) << 16) | (bcd(s) << 8) | bcd(f) | drop


def write_exr(
    path: str | os.PathLike[str],
    rgb: np.ndarray,
    metadata: Mapping[str, str | int | float] | None = None,
    half: bool = True,
    compression: str = "zip",
    timecode: str | None = None,
    fps: Fraction | None = None,
    chromaticities: tuple[float, ...] | None = None,
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
    spec.attribute("compression", compression)
    for key, value in (metadata or {}).items():
        spec.attribute(str(key), str(value))
    if timecode is not None:
        spec.attribute("smpte:TimeCode", oiio.TypeDesc("timecode"),
                       (_smpte_timecode_bits(timecode, path.name), 0))
    if fps is not None:
        spec.attribute("FramesPerSecond", oiio.TypeDesc("rational"),
                       (fps.numerator, fps.denominator))
    if chromaticities is not None:
        if len(chromaticities) != 8:
            raise ParameterError(f"{path.name}: chromaticities needs 8 numbers (R, G, B, white "
                                 f"xy), got {len(chromaticities)}")
        spec.attribute("chromaticities", oiio.TypeDesc("float[8]"), tuple(chromaticities))
    pixels = arr.astype(np.float16) if half else arr
    _write(path, pixels, spec)
    return path


def write_png16(path: str | os.PathLike[str], rgb: np.ndarray) -> Path:
    """Write display-encoded RGB in [0, 1] as a 16-bit PNG (clipped, rounded), atomically.

    ``rgb`` is float ``(H, W, 3)``; values outside [0, 1] are clipped (a display-referred file).
    Returns ``path``.
    """
    path = Path(path)
    spec = oiio.ImageSpec(np.shape(rgb)[1], np.shape(rgb)[0], 3, "uint16")
    _write(path, _quantise(rgb, path.name, np.uint16), spec)
    return path


def write_png8(path: str | os.PathLike[str], rgb: np.ndarray) -> Path:
    """Write display-encoded RGB in [0, 1] as an 8-bit PNG thumbnail (clipped), atomically.

    ``rgb`` is float ``(H, W, 3)``. Returns ``path``.
    """
    path = Path(path)
    spec = oiio.ImageSpec(np.shape(rgb)[1], np.shape(rgb)[0], 3, "uint8")
    _write(path, _quantise(rgb, path.name, np.uint8), spec)
    return path


def write_jpeg(path: str | os.PathLike[str], rgb: np.ndarray, quality: int = 90) -> Path:
    """Write display-encoded RGB in [0, 1] as an 8-bit JPEG thumbnail (clipped), atomically.

    ``rgb`` is float ``(H, W, 3)``; ``quality`` in 1..100. Returns ``path``.
    """
    path = Path(path)
    if not 1 <= quality <= 100:
        raise ParameterError(f"{path.name}: quality must be in 1..100, got {quality}")
    spec = oiio.ImageSpec(np.shape(rgb)[1], np.shape(rgb)[0], 3, "uint8")
    spec.attribute("Compression", f"jpeg:{int(quality)}")
    _write(path, _quantise(rgb, path.name, np.uint8), spec)
    return path


def write_tiff16(path: str | os.PathLike[str], rgb: np.ndarray) -> Path:
    """Write RGB in [0, 1] as a 16-bit TIFF (clipped, rounded, zip compressed), atomically.

    ``rgb`` is float ``(H, W, 3)``. Returns ``path``.
    """
    path = Path(path)
    spec = oiio.ImageSpec(np.shape(rgb)[1], np.shape(rgb)[0], 3, "uint16")
    spec.attribute("compression", "zip")
    _write(path, _quantise(rgb, path.name, np.uint16), spec)
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
    _write(path, pixels, spec)
    return path


_HASHES = re.compile(r"#+")
_PRINTF = re.compile(r"%(0?)(\d*)d")
_LAST_NUMBER = re.compile(r"^(.*?)(\d+)(\D*)$")


def _pattern_regex(name: str) -> re.Pattern[str] | None:
    """Turn ``shot.####.exr`` / ``shot.%04d.exr`` / ``shot.#.exr`` into a regex, or None."""
    hashes = list(_HASHES.finditer(name))
    printf = list(_PRINTF.finditer(name))
    if len(hashes) + len(printf) != 1:
        return None
    m = (hashes or printf)[0]
    if hashes:
        width = len(m.group(0))
        digits = r"\d+" if width == 1 else rf"\d{{{width},}}"
    else:
        width = int(m.group(2) or 0)
        digits = rf"\d{{{width},}}" if width > 1 else r"\d+"
    before, after = name[: m.start()], name[m.end() :]
    return re.compile(f"^{re.escape(before)}({digits}){re.escape(after)}$")


def _collect(directory: Path, regex: re.Pattern[str], label: str) -> list[tuple[int, Path]]:
    frames: dict[int, Path] = {}
    for entry in directory.iterdir():
        m = regex.match(entry.name)
        if m and entry.is_file():
            number = int(m.group(1))
            if number in frames:
                raise MediaError(
                    f"{label}: frame {number} appears twice ({frames[number].name}, {entry.name})"
                )
            frames[number] = entry
    if not frames:
        raise MediaError(f"{label}: no frames found")
    numbers = sorted(frames)
    missing = sorted(set(range(numbers[0], numbers[-1] + 1)) - set(numbers))
    if missing:
        raise MediaError(
            f"{label}: frame {missing[0]} is missing ({len(missing)} missing between "
            f"{numbers[0]} and {numbers[-1]})"
        )
    return [(n, frames[n]) for n in numbers]


def list_sequence(path_or_pattern: str | os.PathLike[str]) -> list[tuple[int, Path]]:
    """List a numbered image sequence as sorted ``(frame_number, path)`` pairs.

    Parameters
    ----------
    path_or_pattern
        ``shot.####.exr`` (exactly that padding, or wider for larger numbers), ``shot.%04d.exr``,
        ``shot.#.exr`` / ``shot.%d.exr`` (any padding), one existing frame such as
        ``shot.0001.exr`` (its sequence), or a directory holding exactly one numbered sequence.

    Returns
    -------
    list of (int, Path)
        Every frame from the first to the last number, in order.

    Raises
    ------
    MediaError
        No frames, a gap (naming the first missing frame), a frame number present twice, or a
        directory with several sequences.
    """
    target = Path(path_or_pattern)
    if target.is_dir():
        groups: dict[tuple[str, str], int] = {}
        for entry in target.iterdir():
            m = _LAST_NUMBER.match(entry.name)
            if m and entry.is_file() and not entry.name.startswith("."):
                key = (m.group(1), m.group(3))
                groups[key] = groups.get(key, 0) + 1
        if not groups:
            raise MediaError(f"{target.name}: no numbered frames in directory")
        if len(groups) > 1:
            names = ", ".join(f"{a}#{b}" for a, b in sorted(groups))
            raise MediaError(f"{target.name}: several sequences in directory ({names})")
        (before, after), _ = groups.popitem()
        regex = re.compile(f"^{re.escape(before)}(\\d+){re.escape(after)}$")
        return _collect(target, regex, f"{target.name}/{before}#{after}")
    directory = target.parent
    pattern = _pattern_regex(target.name)
    if pattern is not None:
        regex = pattern
    else:
        m = _LAST_NUMBER.match(target.name)
        if not (target.is_file() and m):
            raise MediaError(
                f"{target.name}: not a sequence pattern (use name.####.ext, name.%04d.ext, "
                "name.#.ext or a directory)"
            )
        regex = re.compile(f"^{re.escape(m.group(1))}(\\d+){re.escape(m.group(3))}$")
    if not directory.is_dir():
        raise MediaError(f"{target.name}: directory {directory} does not exist")
    return _collect(directory, regex, target.name)
