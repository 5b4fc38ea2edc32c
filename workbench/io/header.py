"""What a still's header says: typed attributes, what travels to a new file, SMPTE timecode.

:class:`ImageInfo` is what :func:`~workbench.io.image_read.read_image` found in a file;
:func:`carried_attributes` picks the attributes worth writing into a file made from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np
import OpenImageIO as oiio

from workbench.errors import ParameterError

__all__ = [
    "HeaderAttribute",
    "ImageInfo",
    "carried_attributes",
    "read_header",
    "smpte_timecode_bits",
    "smpte_timecode_str",
]


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


def read_header(spec: oiio.ImageSpec) -> tuple[dict[str, str], tuple[HeaderAttribute, ...]]:
    """The attributes of ``spec`` as strings (for people) and typed (to write again).

    ``oiio:BitsPerSample`` is left out: :class:`ImageInfo` holds it as ``bits_per_sample``.
    """
    metadata: dict[str, str] = {}
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
            metadata[attrib.name] = smpte_timecode_str(int(bits))
        elif str(kind) == "rational":  # OIIO formats it as people write it: "24000/1001"
            metadata[attrib.name] = spec.get_string_attribute(attrib.name)
        else:
            metadata[attrib.name] = _attr_str(attrib.value)
    return metadata, tuple(attributes)


def smpte_timecode_bits(timecode: str, where: str) -> int:
    """SMPTE 12M packed BCD of ``HH:MM:SS:FF`` (drop-frame flag set for ``;``)."""
    parts = timecode.replace(";", ":").split(":")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        raise ParameterError(f"{where}: timecode must be HH:MM:SS:FF, got {timecode!r}")
    h, m, s, f = (int(p) for p in parts)

    def bcd(v: int) -> int:
        return ((v // 10) << 4) | (v % 10)

    drop = 0x40 if ";" in timecode else 0
    return (bcd(h) << 24) | (bcd(m) << 16) | (bcd(s) << 8) | bcd(f) | drop


def smpte_timecode_str(bits: int) -> str:
    """``HH:MM:SS:FF`` from SMPTE 12M packed BCD, ``;`` before the frames for drop frame.

    OpenImageIO's own string drops the drop-frame flag, which would turn a 29.97 DF source
    into non-drop timecode downstream.
    """
    def bcd(v: int) -> int:
        return (v >> 4) * 10 + (v & 0x0F)

    h, m, s = (bcd((bits >> shift) & mask) for shift, mask in ((24, 0x3F), (16, 0x7F), (8, 0x7F)))
    return f"{h:02d}:{m:02d}:{s:02d}{';' if bits & 0x40 else ':'}{bcd(bits & 0x3F):02d}"
