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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import cast

import numpy as np
import OpenImageIO as oiio

from workbench.checks import check_finite
from workbench.errors import MediaError, ParameterError, ShapeError
from workbench.io.atomic import atomic_path

__all__ = [
    "EXR_CHROMATICITIES",
    "PNG_ENCODINGS",
    "HeaderAttribute",
    "ImageInfo",
    "carried_attributes",
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
class HeaderAttribute:
    """One header attribute as OpenImageIO read it, typed, so it can be written again.

    Attributes
    ----------
    name : str
        OpenImageIO's name (``"smpte:TimeCode"``, ``"FramesPerSecond"``, ``"chromaticities"``).
    type : str
        OpenImageIO's type description (``"timecode"``, ``"rational"``, ``"float[8]"``...).
    value : object
        The value as OpenImageIO's Python binding gives it.
    """

    name: str
    type: str
    value: object


# Attributes that describe which colours the values mean; carried only while they stay true.
_COLOUR_ATTRIBUTES = frozenset({"chromaticities", "whiteLuminance", "adoptedNeutral", "CICP",
                                "ICCProfile", "oiio:ColorSpace", "oiio:Gamma",
                                "acesImageContainerFlag", "Exif:ColorSpace"})
# Namespaces that describe how a file of one format is stored (its layout, its compression or
# a format's own colour fields), not the picture: never carried to another file.
_STORAGE_NAMESPACES = ("oiio:", "openexr:", "png:", "dpx:", "tiff:", "jpeg:", "ICCProfile:")
_STORAGE_ATTRIBUTES = frozenset({"compression", "Compression", "planarconfig", "Orientation",
                                 "XResolution", "YResolution", "ResolutionUnit"})


def carried_attributes(info: ImageInfo, *, colour: bool) -> tuple[HeaderAttribute, ...]:
    """The attributes of ``info`` worth carrying to a file made from it.

    Timecode, frame rate, owner, comments, capture date, camera and lens notes, custom
    attributes and so on are kept; how the source file was stored (compression, line order,
    a format's own fields) is not. ``colour=False`` also drops the attributes that say what
    the values mean (``chromaticities``, ICC profile, CICP...): pass it when the values were
    converted to another encoding, so the new file does not claim the old one.
    """
    return tuple(a for a in info.attributes
                 if a.name not in _STORAGE_ATTRIBUTES
                 and not a.name.startswith(_STORAGE_NAMESPACES)
                 and (colour or a.name not in _COLOUR_ATTRIBUTES))


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
    attributes : tuple of HeaderAttribute
        The same attributes typed as read, for :func:`carried_attributes` and ``write_exr``.
    """

    path: Path
    width: int
    height: int
    channels: int
    format: str
    bits_per_sample: int
    file_format: str
    metadata: dict[str, str] = field(default_factory=dict)
    attributes: tuple[HeaderAttribute, ...] = ()


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
    attributes = []
    for attrib in spec.extra_attribs:
        if attrib.name == "oiio:BitsPerSample":
            continue
        attributes.append(HeaderAttribute(str(attrib.name), str(attrib.type), attrib.value))
        kind = attrib.type
        if kind.basetype in (oiio.UINT8, oiio.INT8) and kind.arraylen > 16:
            metadata[attrib.name] = f"<{kind.arraylen} bytes>"  # ICC profiles, EXIF blobs
        elif str(kind) == "timecode":
            bits, _user = cast(tuple[int, int], attrib.value)  # time and flags, user bits
            metadata[attrib.name] = _smpte_timecode_str(int(bits))
        elif str(kind) == "rational":  # OIIO formats it as people write it: "24000/1001"
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
        attributes=tuple(attributes),
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


def _smpte_timecode_str(bits: int) -> str:
    """``HH:MM:SS:FF`` from SMPTE 12M packed BCD, ``;`` before the frames for drop frame.

    OpenImageIO's own string drops the drop-frame flag, which would turn a 29.97 DF source
    into non-drop timecode downstream.
    """
    def bcd(v: int) -> int:
        return (v >> 4) * 10 + (v & 0x0F)

    h, m, s = (bcd((bits >> shift) & mask) for shift, mask in ((24, 0x3F), (16, 0x7F), (8, 0x7F)))
    return f"{h:02d}:{m:02d}:{s:02d}{';' if bits & 0x40 else ':'}{bcd(bits & 0x3F):02d}"


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
    _write(path, pixels, spec)
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
