"""Movies in and out with PyAV: probe, decode to RGB frames, encode ProRes 422 HQ deliveries.

Sources are opened read-only (``av.open(..., mode="r")``). Decoded frames are converted to RGB
with the stream's own YUV matrix and range; an untagged stream is read as BT.709 limited range
(what the dailies here are), never left to swscale's BT.601 default. Frames come back as 8-bit
(``rgb24``) or, for 10/12-bit sources, 16-bit (``rgb48le``) RGB.

8-bit sources are converted by swscale, which is exact there. Above 8 bits swscale's Y'CbCr <->
RGB is not (10-bit limited-range white, code 940, decodes to 65283 of 65535 and RGB 1.0 encodes
to code 943), so planar 9..16-bit Y'CbCr is converted here in numpy with the equations of
ITU-R BT.709 / BT.601 / BT.2020 (:func:`_ycbcr_to_rgb`, :func:`_to_yuv422p10`). Chroma is taken
as co-sited with the even luma columns (the 4:2:2 siting of BT.709/ProRes and the "left" 4:2:0
siting of MPEG-2/H.264/HEVC, where it sits vertically midway between two luma rows); decoding
interpolates it linearly to full resolution, encoding filters it with ``[1, 2, 1] / 4`` centred
on each kept (even) column.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
import cv2
import numpy as np
from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc, Interpolation

from workbench.checks import check_finite
from workbench.errors import MediaError, ParameterError, ShapeError
from workbench.io.atomic import atomic_path

__all__ = ["MovieInfo", "probe_movie", "read_movie_frames", "write_prores"]

# FFmpeg's names (av_color_*_name) for the enum values PyAV reports as ints; 2 = unspecified.
_PRIMARIES = {
    1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "film",
    9: "bt2020", 10: "smpte428", 11: "smpte431", 12: "smpte432", 22: "ebu3213",
}  # fmt: skip
_TRC = {
    1: "bt709", 4: "gamma22", 5: "gamma28", 6: "smpte170m", 7: "smpte240m", 8: "linear",
    9: "log100", 10: "log316", 11: "iec61966-2-4", 12: "bt1361e", 13: "iec61966-2-1",
    14: "bt2020-10", 15: "bt2020-12", 16: "smpte2084", 17: "smpte428", 18: "arib-std-b67",
}  # fmt: skip
_SPACES = {
    0: "gbr", 1: "bt709", 4: "fcc", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "ycgco",
    9: "bt2020nc", 10: "bt2020c", 11: "smpte2085", 12: "chroma-derived-nc",
    13: "chroma-derived-c", 14: "ictcp",
}  # fmt: skip
_RANGES = {1: "tv", 2: "pc"}

# Tagged matrix -> the swscale matrix used to decode it. Untagged or unknown -> BT.709.
_SWS_MATRIX = {
    1: Colorspace.ITU709, 4: Colorspace.FCC, 5: Colorspace.ITU601, 6: Colorspace.ITU601,
    7: Colorspace.SMPTE240M, 9: Colorspace.BT2020, 10: Colorspace.BT2020,
}  # fmt: skip

# Tagged matrix -> (Kr, Kb) of E'Y = Kr*R' + (1 - Kr - Kb)*G' + Kb*B', for the numpy conversion of
# >8-bit frames; the same choices as _SWS_MATRIX (bt2020c, constant luminance, read as bt2020nc).
_BT709_KR_KB = (0.2126, 0.0722)
_KR_KB = {
    1: _BT709_KR_KB, 4: (0.30, 0.11), 5: (0.299, 0.114), 6: (0.299, 0.114),
    7: (0.212, 0.087), 9: (0.2627, 0.0593), 10: (0.2627, 0.0593),
}  # fmt: skip

# Containers whose index (sample table) gives an exact frame count even when the media data is
# cut short: trusting it is what lets a truncated file be detected.
_INDEXED_FORMATS = ("mov", "mp4")

# A ``start`` further in than this seeks to the keyframe at or before it instead of decoding
# from frame 0 (about two seconds of 24p: below it, seeking saves little).
_SEEK_MIN_START = 48

# Output depths of :func:`read_movie_frames` and the swscale formats that give them.
_DEPTH_FORMATS = {8: "rgb24", 16: "rgb48le"}

_TIMECODE = re.compile(r"^\d{2}:\d{2}:\d{2}[:;]\d{2}$")


@dataclass(frozen=True)
class MovieInfo:
    """What :func:`probe_movie` learns about a movie's first video stream.

    Attributes
    ----------
    path : Path
        The file probed.
    width, height : int
        Coded picture size in pixels.
    fps : Fraction
        Frame rate (average rate of the stream), e.g. ``Fraction(24000, 1001)``.
    frame_count : int
        Exact number of frames: from the sample table for MOV/MP4, otherwise counted by demuxing.
    timecode : str or None
        Start timecode ``"HH:MM:SS:FF"`` from the stream, a timecode track or the container.
    codec : str
        Decoder name, e.g. ``"h264"``, ``"prores"``.
    pix_fmt : str
        Decoded pixel format, e.g. ``"yuv420p"``, ``"yuv422p10le"``.
    color_primaries, color_trc, colorspace, color_range : str or None
        FFmpeg's names of the tags (``"bt709"``, ``"tv"``...); ``None`` where untagged.
    duration_s : float
        ``frame_count / fps`` in seconds.
    bits_per_component : int
        Bit depth of the decoded pixel format's first component: 8 for ``yuv420p``, 10 for
        ``yuv422p10le``. Decode sources above 8 with ``read_movie_frames(..., depth=16)``.
    """

    path: Path
    width: int
    height: int
    fps: Fraction
    frame_count: int
    timecode: str | None
    codec: str
    pix_fmt: str
    color_primaries: str | None
    color_trc: str | None
    colorspace: str | None
    color_range: str | None
    duration_s: float
    bits_per_component: int = 8


def _bits_per_component(pix_fmt: str | None) -> int:
    """Bit depth of ``pix_fmt``'s first component (8 where the format is unknown)."""
    if not pix_fmt:
        return 8
    try:
        return int(av.VideoFormat(pix_fmt).components[0].bits)
    except (ValueError, IndexError, av.FFmpegError):
        return 8


def _reason(exc: BaseException) -> str:
    """Return FFmpeg's message for ``exc`` without the file name PyAV appends."""
    strerror = getattr(exc, "strerror", None)
    return str(strerror) if strerror else str(exc)


def _open(path: Path) -> av.container.InputContainer:
    """Open ``path`` read-only, or raise :class:`MediaError` naming it."""
    if not path.exists():
        raise MediaError(f"{path.name}: does not exist")
    try:
        return av.open(str(path), mode="r")
    except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise MediaError(f"{path.name}: not a readable movie ({_reason(exc)})") from exc


def _video_stream(container: av.container.InputContainer, path: Path) -> av.VideoStream:
    if not container.streams.video:
        raise MediaError(f"{path.name}: no video stream")
    return container.streams.video[0]


def _count_packets(path: Path) -> int:
    """Count the non-empty video packets of ``path`` (one per frame for the codecs we read)."""
    with _open(path) as container:
        stream = _video_stream(container, path)
        try:
            return sum(1 for packet in container.demux(stream) if packet.size)
        except av.FFmpegError as exc:
            raise MediaError(f"{path.name}: not a readable movie ({_reason(exc)})") from exc


def probe_movie(path: str | os.PathLike[str]) -> MovieInfo:
    """Describe the first video stream of a movie without decoding more than one frame.

    Parameters
    ----------
    path
        Any container FFmpeg reads (MOV, MP4, AVI, MKV...). Opened read-only.

    Returns
    -------
    MovieInfo
        Size, rate, exact frame count, timecode, codec and colour tags.

    Raises
    ------
    MediaError
        ``"<file>: does not exist"``, ``"<file>: not a readable movie (<reason>)"`` or
        ``"<file>: no video stream"``.
    """
    path = Path(path)
    with _open(path) as container:
        stream = _video_stream(container, path)
        ctx = stream.codec_context
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        if not rate:
            raise MediaError(f"{path.name}: not a readable movie (no frame rate)")
        fps = Fraction(rate)
        tags = [ctx.color_primaries, ctx.color_trc, ctx.colorspace, ctx.color_range]
        if any(t in (0, 2) for t in tags[:3]) or tags[3] == 0:
            # Some decoders report the tags only on frames: look at the first one.
            try:
                frame = next(container.decode(stream), None)
            except av.FFmpegError:
                frame = None
            if frame is not None:
                tags = [frame.color_primaries, frame.color_trc, frame.colorspace, frame.color_range]
        timecode = stream.metadata.get("timecode") or container.metadata.get("timecode")
        if timecode is None:
            for other in container.streams:
                if "timecode" in other.metadata:
                    timecode = other.metadata["timecode"]
                    break
        indexed = any(name in container.format.name.split(",") for name in _INDEXED_FORMATS)
        frames = int(stream.frames) if indexed else 0
        width, height = int(ctx.width), int(ctx.height)
        codec, pix_fmt = str(ctx.name), str(ctx.pix_fmt)
        bits = _bits_per_component(ctx.pix_fmt)
    if frames <= 0:
        frames = _count_packets(path)
    return MovieInfo(
        path=path,
        width=width,
        height=height,
        fps=fps,
        frame_count=frames,
        timecode=timecode,
        color_primaries=_PRIMARIES.get(int(tags[0])),
        color_trc=_TRC.get(int(tags[1])),
        colorspace=_SPACES.get(int(tags[2])),
        color_range=_RANGES.get(int(tags[3])),
        codec=codec,
        pix_fmt=pix_fmt,
        duration_s=float(frames / fps),
        bits_per_component=bits,
    )


def _plane_samples(plane: av.video.plane.VideoPlane) -> np.ndarray:
    """A ``(height, width)`` uint16 view of a 2-byte-per-sample plane (writable if the frame is)."""
    buffer = cast(Any, plane)  # VideoPlane has the buffer protocol; its stub does not say so
    rows = np.frombuffer(buffer, np.uint16, count=plane.line_size // 2 * plane.height)
    return rows.reshape(plane.height, -1)[:, : plane.width]


def _yuv_planes(frame: av.VideoFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The Y', Cb, Cr planes of a planar little-endian 9..16-bit Y'CbCr frame, as uint16 views.

    Chroma planes are full size or halved (rounding up) in each direction: 4:4:4, 4:2:2, 4:2:0,
    4:4:0, with or without alpha (ignored). ``None`` for any other layout (8-bit, RGB, semi-planar
    ``p010``, big-endian, 4:1:1...), which swscale converts instead.
    """
    fmt = frame.format
    comps = fmt.components
    if (
        fmt.is_rgb
        or fmt.has_palette
        or fmt.is_big_endian
        or not fmt.is_planar
        or len(comps) < 3
        or not 8 < comps[0].bits <= 16
        or [int(c.plane) for c in comps[:3]] != [0, 1, 2]
        or not fmt.name.startswith(("yuv", "yuva"))
    ):
        return None
    planes = [_plane_samples(frame.planes[index]) for index in range(3)]
    w, h = frame.width, frame.height
    cw, ch = planes[1].shape[1], planes[1].shape[0]
    if cw not in (w, (w + 1) // 2) or ch not in (h, (h + 1) // 2) or planes[2].shape != (ch, cw):
        return None
    return planes[0], planes[1], planes[2]


def _upsample_chroma(c: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bring a chroma plane to ``(height, width)`` float32 by linear interpolation.

    Horizontally, subsampled chroma is co-sited with the even luma columns: even columns copy it,
    odd ones average their two neighbours. Vertically (4:2:0), it sits midway between luma rows
    ``2j`` and ``2j + 1``, which get ``3/4`` of it and ``1/4`` of the chroma row above or below.
    Edges repeat the outermost sample.
    """
    out = c.astype(np.float32)
    if out.shape[0] != height:
        prev = np.concatenate([out[:1], out[:-1]])
        nxt = np.concatenate([out[1:], out[-1:]])
        rows = np.empty((2 * out.shape[0], out.shape[1]), np.float32)
        rows[0::2] = 0.75 * out + 0.25 * prev
        rows[1::2] = 0.75 * out + 0.25 * nxt
        out = rows[:height]
    if out.shape[1] != width:
        nxt = np.concatenate([out[:, 1:], out[:, -1:]], axis=1)
        cols = np.empty((out.shape[0], 2 * out.shape[1]), np.float32)
        cols[:, 0::2] = out
        cols[:, 1::2] = 0.5 * (out + nxt)
        out = cols[:, :width]
    return out


def _ycbcr_to_rgb(
    y: np.ndarray, cb: np.ndarray, cr: np.ndarray, bits: int, full: bool, kr_kb: tuple[float, float]
) -> np.ndarray:
    """R'G'B' float32 ``(H, W, 3)``, nominal [0, 1] (not clipped), from ``bits``-bit Y'CbCr codes.

    Limited range (BT.709/BT.601/BT.2020): ``Y' = (16 + 219 E'Y) * 2**(bits-8)``, ``Cb, Cr =
    (128 + 224 E'PB,PR) * 2**(bits-8)`` (10 bits: 64 + 876 E'Y, 512 + 896 E'PB). Full range
    (ITU-T H.273): ``Y' = (2**bits - 1) E'Y``, ``Cb, Cr = (2**bits - 1) E'PB,PR + 2**(bits-1)``.
    Chroma planes must already be full size.
    """
    if full:
        y_off, y_gain = 0.0, float(2**bits - 1)
        c_off, c_gain = float(2 ** (bits - 1)), float(2**bits - 1)
    else:
        scale = float(2 ** (bits - 8))
        y_off, y_gain = 16.0 * scale, 219.0 * scale
        c_off, c_gain = 128.0 * scale, 224.0 * scale
    kr, kb = kr_kb
    ey = (y.astype(np.float32) - y_off) / y_gain
    pb = (cb - c_off) / c_gain
    pr = (cr - c_off) / c_gain
    rgb = np.empty((*ey.shape, 3), np.float32)
    rgb[..., 0] = ey + 2.0 * (1.0 - kr) * pr
    rgb[..., 2] = ey + 2.0 * (1.0 - kb) * pb
    rgb[..., 1] = (ey - kr * rgb[..., 0] - kb * rgb[..., 2]) / (1.0 - kr - kb)
    return rgb


def _deep_frame_to_rgb(
    frame: av.VideoFrame, width: int, height: int, depth: int
) -> np.ndarray | None:
    """:func:`_frame_to_rgb` in numpy for >8-bit planar Y'CbCr; ``None`` for other formats.

    The frame is converted at full size; a smaller ``(width, height)`` is then an area average
    (``cv2.INTER_AREA``) of the RGB.
    """
    planes = _yuv_planes(frame)
    if planes is None:
        return None
    y, cb, cr = planes
    h, w = y.shape
    bits = int(frame.format.components[0].bits)
    full = int(frame.color_range) == 2
    kr_kb = _KR_KB.get(int(frame.colorspace), _BT709_KR_KB)
    cb_full, cr_full = _upsample_chroma(cb, w, h), _upsample_chroma(cr, w, h)
    rgb = _ycbcr_to_rgb(y, cb_full, cr_full, bits, full, kr_kb)
    if (width, height) != (w, h):
        rgb = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
    peak, dtype = (65535.0, np.uint16) if depth == 16 else (255.0, np.uint8)
    np.clip(rgb, 0.0, 1.0, out=rgb)
    return np.rint(rgb * peak).astype(dtype)


def _frame_to_rgb(frame: av.VideoFrame, width: int, height: int, depth: int = 8) -> np.ndarray:
    """Convert a decoded frame to ``(height, width, 3)`` RGB with its own YUV matrix.

    ``depth=8`` gives uint8 (``rgb24``), ``depth=16`` uint16 full scale 0..65535 (``rgb48le``).
    Planar Y'CbCr above 8 bits is converted in numpy (:func:`_deep_frame_to_rgb`), anything else
    by swscale.
    """
    deep = _deep_frame_to_rgb(frame, width, height, depth)
    if deep is not None:
        return deep
    fmt = frame.format
    matrix = src_range = dst_range = None
    if not (fmt.is_rgb or fmt.has_palette or fmt.name.startswith("gray")):
        matrix = _SWS_MATRIX.get(int(frame.colorspace), Colorspace.ITU709)
        full = int(frame.color_range) == 2 or fmt.name.startswith("yuvj")
        src_range = ColorRange.JPEG if full else ColorRange.MPEG
        dst_range = ColorRange.JPEG
    scaled = (width, height) != (frame.width, frame.height)
    interpolation = (Interpolation.AREA if scaled else Interpolation.BILINEAR) | (
        Interpolation.ACCURATE_RND | Interpolation.FULL_CHR_H_INT
    )
    rgb = frame.reformat(
        width=width,
        height=height,
        format=_DEPTH_FORMATS[depth],
        src_colorspace=matrix,
        src_color_range=src_range,
        dst_color_range=dst_range,
        interpolation=interpolation,
    )
    return rgb.to_ndarray()


def _frame_grid(stream: av.VideoStream, fps: Fraction, frame_count: int, end: int) -> bool:
    """Whether the container's index puts frames ``0..end`` on an exact ``1/fps`` grid.

    That is: one index entry per frame, none discarded or empty, their timestamps exactly one
    frame duration apart. Only then does a frame's pts give the same index as counting decoded
    frames from 0; variable-rate files, AVIs with dropped (empty) frames, edit lists that cut
    frames and containers without a full index (MKV cues, MPEG-TS) are decoded from frame 0.
    """
    time_base = stream.time_base
    if not time_base or not fps:
        return False
    tick = 1 / (fps * time_base)
    if tick.denominator != 1:
        return False
    entries = stream.index_entries
    if len(entries) != frame_count or frame_count == 0:
        return False
    # B-frame reordering spans a few frames; check a margin past ``end`` too.
    checked = entries[: min(frame_count, end + 16)]
    first = checked[0].timestamp
    return all(
        entry.timestamp - first == i * tick.numerator and entry.size > 0 and not entry.is_discard
        for i, entry in enumerate(checked)
    )


def _seek_target(base: int, time_base: Fraction, fps: Fraction, index: int) -> int:
    """The pts (in ``time_base``) at or just before frame ``index`` starts."""
    return base + math.floor(Fraction(index) / (fps * time_base))


def _seek_frames(
    container: av.container.InputContainer,
    stream: av.VideoStream,
    fps: Fraction,
    start: int,
    end: int,
) -> Iterator[tuple[int, av.VideoFrame]]:
    """Seek to the keyframe at or before ``start`` and yield ``(index, frame)`` for ``start..``.

    Each frame's index is ``round((pts - start_time) * time_base * fps)``. Frames before
    ``start`` are skipped. Stops early, without raising, once an index cannot be trusted (no pts,
    indices not strictly increasing, a gap, the seek landing after ``start``) or on a decode
    error: the caller then decodes from frame 0 for the frames not yielded yet.
    """
    base = stream.start_time or 0
    time_base = stream.time_base
    if time_base is None:
        return
    target = _seek_target(base, time_base, fps, start)
    expected = start
    previous: int | None = None
    try:
        container.seek(target, stream=stream, backward=True, any_frame=False)
        for frame in container.decode(stream):
            if frame.pts is None:
                return
            index = round((frame.pts - base) * time_base * fps)
            if (previous is None and index > start) or (previous is not None and index <= previous):
                return
            previous = index
            if index < start:
                continue
            if index != expected:
                return
            yield index, frame
            expected += 1
            if expected >= end:
                return
    except av.FFmpegError:
        return


def _decode_rgb(
    path: Path,
    start: int,
    stop: int | None,
    step: int,
    size: tuple[int, int] | None,
    depth: int = 8,
    info: MovieInfo | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(index, rgb)`` for frames ``start:stop:step`` at ``size`` ``(w, h)``.

    ``rgb`` is uint8 for ``depth=8``, uint16 for ``depth=16``. A ``start`` past
    ``_SEEK_MIN_START`` seeks where the index allows it (see :func:`_frame_grid`); indices are
    the same as decoding from frame 0, which is the fallback.
    """
    info = info or probe_movie(path)
    end = info.frame_count if stop is None else min(stop, info.frame_count)
    width, height = size or (info.width, info.height)
    done = start  # frames below this are yielded (or not wanted) already
    if _SEEK_MIN_START < start < end:
        with _open(path) as container:
            stream = _video_stream(container, path)
            stream.thread_type = "AUTO"
            if _frame_grid(stream, info.fps, info.frame_count, end):
                for index, frame in _seek_frames(container, stream, info.fps, start, end):
                    if (index - start) % step == 0:
                        yield index, _frame_to_rgb(frame, width, height, depth)
                    done = index + 1
        if done >= end:
            return
    index = 0
    with _open(path) as container:
        stream = _video_stream(container, path)
        stream.thread_type = "AUTO"
        try:
            for frame in container.decode(stream):
                if index >= end:
                    break
                if index >= done and (index - start) % step == 0:
                    yield index, _frame_to_rgb(frame, width, height, depth)
                index += 1
        except av.FFmpegError as exc:
            raise MediaError(f"{path.name} frame {index}: decode failed ({_reason(exc)})") from exc
    if index < end:
        raise MediaError(
            f"{path.name} frame {index}: stream ends early (expected {info.frame_count} frames)"
        )


def read_movie_frames(
    path: str | os.PathLike[str],
    start: int = 0,
    stop: int | None = None,
    step: int = 1,
    max_width: int | None = None,
    *,
    depth: int = 8,
) -> Iterator[tuple[int, np.ndarray]]:
    """Decode frames ``start:stop:step`` of a movie's first video stream, in order.

    Conversion to RGB uses the stream's tagged YUV matrix and range (untagged streams are read as
    BT.709, limited range). Indices are exact: a ``start`` beyond the first couple of seconds
    seeks to the keyframe at or before it and counts frames from their timestamps, but only where
    the container's index shows a constant frame rate with no gaps, and any doubt (missing or
    non-increasing timestamps, a seek that lands late) falls back to decoding from frame 0.

    Parameters
    ----------
    path
        The movie, opened read-only.
    start, stop, step
        Frame range as in a slice; ``stop=None`` means to the last frame, and a ``stop`` past
        the end is clipped to the frame count.
    max_width
        If given and smaller than the movie's width, frames are downscaled (area filter) to this
        width, height ``round(height * max_width / width)``: aspect ratio kept, dims may be odd.
    depth
        8 (default): uint8 RGB. 16: uint16 RGB, full scale 0..65535, for sources with
        :attr:`MovieInfo.bits_per_component` above 8 (10-bit ProRes, DNxHR, HEVC Main 10), which
        8-bit output would quantise before grading.

    Yields
    ------
    index : int
        Frame number from 0.
    rgb : np.ndarray
        Shape ``(H, W, 3)``, uint8 (``depth=8``, 0-255) or uint16 (``depth=16``, 0-65535),
        display-encoded full-range RGB as the movie stores it.

    Raises
    ------
    MediaError
        As :func:`probe_movie`; ``"<file> frame <n>: decode failed (<ffmpeg message>)"``; or
        ``"<file> frame <n>: stream ends early (expected <N> frames)"`` for a truncated file.
    ParameterError
        For a negative ``start``, ``step < 1``, ``stop < start``, ``max_width < 1`` or a
        ``depth`` other than 8 or 16.
    """
    path = Path(path)
    if start < 0 or step < 1 or (stop is not None and stop < start):
        raise ParameterError(
            f"{path.name}: frame range needs 0 <= start <= stop and step >= 1, "
            f"got start={start}, stop={stop}, step={step}"
        )
    if max_width is not None and max_width < 1:
        raise ParameterError(f"{path.name}: max_width must be >= 1, got {max_width}")
    if depth not in _DEPTH_FORMATS:
        raise ParameterError(f"{path.name}: depth must be 8 or 16, got {depth!r}")
    info = probe_movie(path)
    size = None
    if max_width is not None and max_width < info.width:
        size = (max_width, max(1, round(info.height * max_width / info.width)))
    return _decode_rgb(path, start, stop, step, size, depth, info)


def _to_yuv422p10(rgb: np.ndarray) -> av.VideoFrame:
    """Encode display RGB in [0, 1] as a BT.709 limited-range yuv422p10le frame.

    Per ITU-R BT.709: ``E'Y = 0.2126 R' + 0.7152 G' + 0.0722 B'``, ``E'PB = (B' - E'Y) / 1.8556``,
    ``E'PR = (R' - E'Y) / 1.5748``; codes ``Y' = round(64 + 876 E'Y)``, ``Cb, Cr = round(512 + 896
    E'PB,PR)``. Chroma is co-sited with the even luma columns and low-passed with ``[1, 2, 1] / 4``
    centred there (the edge column repeated) before every other column is dropped.
    """
    rgb = np.clip(np.asarray(rgb, dtype=np.float32), 0.0, 1.0)
    height, width = rgb.shape[:2]
    kr, kb = _BT709_KR_KB
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    ey = kr * r + (1.0 - kr - kb) * g + kb * b
    codes = [np.rint(64.0 + 876.0 * ey)]
    for diff, k in ((b - ey, kb), (r - ey, kr)):
        p = diff / (2.0 * (1.0 - k))
        left = np.concatenate([p[:, :1], p[:, :-1]], axis=1)
        right = np.concatenate([p[:, 1:], p[:, -1:]], axis=1)
        sub = (0.25 * left + 0.5 * p + 0.25 * right)[:, 0::2]
        codes.append(np.rint(512.0 + 896.0 * sub))
    frame = av.VideoFrame(width, height, "yuv422p10le")
    for plane, code in zip(frame.planes, codes, strict=True):
        _plane_samples(plane)[...] = np.clip(code, 0, 1023).astype(np.uint16)
    frame.colorspace = Colorspace.ITU709
    frame.color_range = ColorRange.MPEG
    frame.color_trc = ColorTrc.BT709
    frame.color_primaries = ColorPrimaries.BT709
    return frame


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
    name = path.name
    if path.suffix.lower() != ".mov":
        raise ParameterError(f"{name}: ProRes is written to a .mov file, got '{path.suffix}'")
    fps = Fraction(fps)
    if fps <= 0:
        raise ParameterError(f"{name}: fps must be > 0, got {fps}")
    if timecode is not None and not _TIMECODE.match(timecode):
        raise ParameterError(f"{name}: timecode must look like 'HH:MM:SS:FF', got {timecode!r}")
    written = 0
    with atomic_path(path) as tmp:
        options = {"movflags": "use_metadata_tags+write_colr"}
        with av.open(str(tmp), mode="w", format="mov", options=options) as out:
            for key, value in (metadata or {}).items():
                out.metadata[str(key)] = str(value)
            stream: av.VideoStream | None = None
            size = (0, 0)
            for index, rgb in enumerate(frames):
                where = f"{name} frame {index}"
                rgb = np.asarray(rgb)
                if rgb.ndim != 3 or rgb.shape[2] != 3:
                    raise ShapeError(f"{where}: expected shape (H, W, 3), got {rgb.shape}")
                height, width = rgb.shape[:2]
                if stream is None:
                    if width % 2 or height % 2:
                        raise ShapeError(
                            f"{where}: ProRes 422 needs even width and height, got {width}x{height}"
                        )
                    size = (width, height)
                    stream = out.add_stream(
                        "prores_ks", rate=fps, options={"profile": "3", "vendor": "apl0"}
                    )
                    stream.width, stream.height = width, height
                    stream.pix_fmt = "yuv422p10le"
                    ctx = stream.codec_context
                    ctx.color_primaries = ColorPrimaries.BT709
                    ctx.color_trc = ColorTrc.BT709
                    ctx.colorspace = Colorspace.ITU709
                    ctx.color_range = ColorRange.MPEG
                    if timecode is not None:
                        stream.metadata["timecode"] = timecode
                elif (width, height) != size:
                    raise ShapeError(
                        f"{where}: size {width}x{height} does not match frame 0 "
                        f"({size[0]}x{size[1]})"
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
        _verify_prores(tmp, name, written)
    return written
