"""Write Apple ProRes 422 HQ deliveries with PyAV, atomically, and read each one back to check it.

Frames are display-encoded Rec.709 R'G'B' floats, converted to BT.709 limited-range
``yuv422p10le`` in numpy (:func:`workbench.io.ycbcr._to_yuv422p10`), never by swscale, which
is not exact above 8 bits.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from workbench.checks import check_finite
from workbench.errors import MediaError, ParameterError, ShapeError
from workbench.io.atomic import atomic_path
from workbench.io.formats import format_of
from workbench.io.probe import _open, probe_movie
from workbench.io.ycbcr import _tag_bt709, _to_yuv422p10

__all__ = ["write_prores"]

_TIMECODE = re.compile(r"^\d{2}:\d{2}:\d{2}[:;]\d{2}$")


def _verify_prores(tmp: Path, name: str, written: int) -> None:
    """Re-open a just-written ProRes file and check codec, profile, tags and frame count."""
    info = probe_movie(tmp)
    with _open(tmp) as container:
        profile = container.streams.video[0].codec_context.profile
    got = (info.codec, profile, info.pix_fmt, info.color_primaries, info.color_trc,
           info.colorspace, info.color_range, info.frame_count)  # fmt: skip
    want = ("prores", "HQ", "yuv422p10le", "bt709", "bt709", "bt709", "tv", written)
    if got != want:
        raise MediaError(f"{name}: written file does not verify: expected {want}, got {got}")


def _check_prores_args(path: Path, fps: Fraction, timecode: str | None) -> Fraction:
    """``fps`` as a Fraction, once the suffix, rate and timecode are valid for ProRes in a .mov."""
    name = path.name
    if (fmt := format_of(path)) is None or fmt.writer != "write_prores":
        raise ParameterError(f"{name}: ProRes is written to a .mov file, got '{path.suffix}'")
    fps = Fraction(fps)
    if fps <= 0:
        raise ParameterError(f"{name}: fps must be > 0, got {fps}")
    if timecode is not None and not _TIMECODE.match(timecode):
        raise ParameterError(f"{name}: timecode must look like 'HH:MM:SS:FF', got {timecode!r}")
    return fps


def _rgb_frame(rgb: np.ndarray, where: str) -> np.ndarray:
    """``rgb`` as an array, once it is ``(H, W, 3)``; ``where`` names the file and frame."""
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ShapeError(f"{where}: expected shape (H, W, 3), got {rgb.shape}")
    return rgb


def _add_prores_stream(
    out: av.container.OutputContainer,
    fps: Fraction,
    size: tuple[int, int],
    timecode: str | None,
    where: str,
) -> av.VideoStream:
    """Add a ProRes 422 HQ stream of ``size`` ``(width, height)``, tagged BT.709 limited range."""
    width, height = size
    if width % 2 or height % 2:
        raise ShapeError(f"{where}: ProRes 422 needs even width and height, got {width}x{height}")
    stream = out.add_stream("prores_ks", rate=fps, options={"profile": "3", "vendor": "apl0"})
    stream.width, stream.height = width, height
    stream.pix_fmt = "yuv422p10le"
    _tag_bt709(stream.codec_context)
    if timecode is not None:
        stream.metadata["timecode"] = timecode
    return stream


def _encode_frames(
    out: av.container.OutputContainer,
    frames: Iterable[np.ndarray],
    fps: Fraction,
    timecode: str | None,
    name: str,
) -> int:
    """Encode and mux ``frames`` into ``out`` (the stream is added at the first); the count."""
    stream: av.VideoStream | None = None
    size = (0, 0)
    written = 0
    for index, rgb in enumerate(frames):
        where = f"{name} frame {index}"
        rgb = _rgb_frame(rgb, where)
        height, width = rgb.shape[:2]
        if stream is None:
            stream = _add_prores_stream(out, fps, (width, height), timecode, where)
            size = (width, height)
        elif (width, height) != size:
            raise ShapeError(
                f"{where}: size {width}x{height} does not match frame 0 ({size[0]}x{size[1]})"
            )
        check_finite(rgb, where)
        frame = _to_yuv422p10(rgb)
        frame.pts = index  # in 1/fps, the encoder's time base
        for packet in stream.encode(frame):
            out.mux(packet)
        written += 1
    if stream is None:
        raise ParameterError(f"{name}: no frames to write")
    for packet in stream.encode(None):
        out.mux(packet)
    return written


def write_prores(
    path: str | os.PathLike[str],
    frames: Iterable[np.ndarray],
    fps: Fraction,
    metadata: dict[str, str] | None = None,
    timecode: str | None = None,
) -> int:
    """Write Apple ProRes 422 HQ (10-bit 4:2:2) in a QuickTime ``.mov``, atomically.

    This is a display-referred delivery file: input is clipped to [0, 1] and converted to
    ``yuv422p10le`` with the BT.709 matrix in limited (tv) range (white: Y' 940, black: 64),
    chroma co-sited with the even columns. The file
    is tagged primaries/transfer/matrix ``bt709`` and range ``tv``; the tags, codec, profile and
    frame count are read back and checked before the file takes its final name.

    Parameters
    ----------
    path
        Destination ``.mov``; its directory must exist.
    frames
        Float arrays of shape ``(H, W, 3)``, display-encoded Rec.709 (BT.1886) RGB, nominal
        range [0, 1]. ``H`` and ``W`` must be even (4:2:2) and the same for every frame.
    fps
        Frame rate, e.g. ``Fraction(24000, 1001)``.
    metadata
        Container metadata (``comment``, ``title`` or custom keys such as
        ``workbench:shot``), written with ``movflags=use_metadata_tags``.
    timecode
        Start timecode ``"HH:MM:SS:FF"`` (``;`` before frames for drop-frame), stored as a
        QuickTime timecode track and stream tag.

    Returns
    -------
    int
        Number of frames written.

    Raises
    ------
    ShapeError
        A frame is not ``(H, W, 3)``, has an odd dimension, or differs in size from the first.
    MediaError
        NaN/Inf pixels (naming the frame), or the written file fails verification.
    ParameterError
        No frames, a non-positive ``fps``, a malformed ``timecode`` or a suffix other than ``.mov``.
    """
    path = Path(path)
    fps = _check_prores_args(path, fps, timecode)
    with atomic_path(path) as tmp:
        options = {"movflags": "use_metadata_tags+write_colr"}
        with av.open(str(tmp), mode="w", format="mov", options=options) as out:
            for key, value in (metadata or {}).items():
                out.metadata[str(key)] = str(value)
            written = _encode_frames(out, frames, fps, timecode, path.name)
        _verify_prores(tmp, path.name, written)
    return written
