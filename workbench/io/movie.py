"""Movies in and out with PyAV: probe, decode to RGB frames, encode ProRes 422 HQ deliveries.

Sources are opened read-only (``av.open(..., mode="r")``). Decoded frames are converted to RGB
with the stream's own YUV matrix and range; an untagged stream is read as BT.709 limited range
(what the dailies here are), never left to swscale's BT.601 default. Frames come back as 8-bit
(``rgb24``) or 16-bit (``rgb48le``) RGB clipped to the nominal range, for analysis and display,
or as float32 R'G'B' that keeps what lies outside it (``depth=32``), for renders: video-range
Y'CbCr holds super-whites (8-bit codes up to 254, above white at 235) and sub-blacks, which a
finishing system carries into the linear working space.

swscale clips and, above 8 bits, is not exact (10-bit limited-range white, code 940, decodes to
65283 of 65535 and RGB 1.0 encodes to code 943), so planar Y'CbCr is converted here in numpy
with the equations of ITU-R BT.709 / BT.601 / BT.2020 (:func:`_ycbcr_to_rgb`,
:func:`_to_yuv422p10`) for float output and for sources above 8 bits; swscale does 8-bit output
of 8-bit sources (where it is exact) and layouts the numpy path does not read. Chroma is taken
as co-sited with the even luma columns (the 4:2:2 siting of BT.709/ProRes and the "left" 4:2:0
siting of MPEG-2/H.264/HEVC, where it sits vertically midway between two luma rows); decoding
interpolates it linearly to full resolution, encoding filters it with ``[1, 2, 1] / 4`` centred
on each kept (even) column.

Frame counts are checked against the header: the sample table (MOV/MP4), the stream header
(AVI), or duration × rate (Matroska). A file whose data ends early says where
(``"clip.avi frame 16: stream ends early (header says 795 frames)"``) before any frame is read.
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
from workbench.color.luma import REC709_LUMA
from workbench.errors import MediaError, ParameterError, ShapeError
from workbench.io.atomic import atomic_path
from workbench.io.formats import format_of

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
_BT709_KR_KB = (REC709_LUMA[0], REC709_LUMA[2])
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
_DEPTHS = (8, 16, 32)  # 32: float32 R'G'B', unclipped

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
        Number of frames: from the sample table for MOV/MP4, otherwise counted by demuxing. For a
        file cut short (see ``truncated_at``) it is what the header says the file should hold.
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
    truncated_at : int or None
        For a file whose media data ends before what its header says (a copy cut short, a
        recording that stopped), the frame at which the data ends: frames from there on cannot
        be read. ``None`` for a complete file.
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
    truncated_at: int | None = None

    def ends_early(self, frame: int | None = None) -> MediaError:
        """The error for reading past the end of the data: names the file, frame and header."""
        at = self.truncated_at if frame is None else frame
        return MediaError(f"{self.path.name} frame {at}: stream ends early "
                          f"(header says {self.frame_count} frames)")


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


def _scan_packets(path: Path, fps: Fraction) -> tuple[int, int, int]:
    """Demux ``path``'s video packets: ``(frames, covered, leading)``.

    ``frames`` counts the non-empty packets (one per frame for the codecs we read). Of the intact
    ones (non-empty, not flagged corrupt), ``covered`` is how many frame durations they span from
    the first timestamp to the end of the last: more than ``frames`` where a capture dropped
    frames (webcam AVIs), fewer where the data stops short of the header. ``leading`` is how many
    frames from the first are all there, in presentation order: where a file is cut, the frames
    before it can be decoded and numbered. Without timestamps both are the intact packets
    before the first damaged one.
    """
    with _open(path) as container:
        stream = _video_stream(container, path)
        time_base = stream.time_base
        frames = intact = 0
        damaged, timed = False, True
        starts: list[Fraction] = []
        end: Fraction | None = None
        try:
            for packet in container.demux(stream):
                if not packet.size:
                    continue
                frames += 1
                damaged = damaged or packet.is_corrupt
                intact += not damaged
                ts = packet.pts if packet.pts is not None else packet.dts
                if packet.is_corrupt:
                    continue
                if ts is None or not time_base:
                    timed = False
                    continue
                starts.append(ts * time_base)
                length = packet.duration * time_base if packet.duration else 1 / fps
                end = starts[-1] + length if end is None else max(end, starts[-1] + length)
        except av.FFmpegError as exc:
            raise MediaError(f"{path.name}: not a readable movie ({_reason(exc)})") from exc
    if not timed or not starts or end is None:
        return frames, intact, intact
    first = min(starts)
    slots = sorted({round((t - first) * fps) for t in starts})
    leading = next((i for i, slot in enumerate(slots) if slot != i), len(slots))
    return frames, round((end - first) * fps), leading


def _duration_tag(metadata: dict[str, str]) -> Fraction | None:
    """Seconds from a Matroska per-track ``DURATION`` tag (``HH:MM:SS.nnnnnnnnn``), if any."""
    for key, value in metadata.items():
        if key.upper().split("-")[0] != "DURATION":
            continue
        m = re.match(r"^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$", value.strip())
        if m:
            return int(m[1]) * 3600 + int(m[2]) * 60 + Fraction(m[3])
    return None


def _header_frames(
    container: av.container.InputContainer, stream: av.VideoStream, fps: Fraction
) -> tuple[int, bool]:
    """What the header says the video holds: ``(frames, exact)``; ``(0, False)`` if nothing.

    A stored count (MOV/MP4 sample table, AVI ``strh`` length) is exact. Otherwise (Matroska,
    WebM...) it is the stream's duration × rate: the track's ``DURATION`` tag, the stream
    duration, or the container's duration when the video is its only stream.
    """
    if stream.frames > 0:
        return int(stream.frames), True
    seconds = _duration_tag(dict(stream.metadata))
    if seconds is None and stream.duration and stream.time_base:
        seconds = stream.duration * stream.time_base
    if seconds is None and container.duration and len(container.streams) == 1:
        seconds = Fraction(container.duration, av.time_base)
    return (round(seconds * fps), False) if seconds else (0, False)


def _intact_entries(stream: av.VideoStream, size: int) -> int:
    """How many of an indexed stream's packets lie wholly inside a file of ``size`` bytes."""
    return sum(1 for entry in stream.index_entries if entry.pos + entry.size <= size)


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
        header, exact = _header_frames(container, stream, fps)
        present = _intact_entries(stream, path.stat().st_size) if frames > 0 else None
        width, height = int(ctx.width), int(ctx.height)
        codec, pix_fmt = str(ctx.name), str(ctx.pix_fmt)
        bits = _bits_per_component(ctx.pix_fmt)
    truncated_at = None
    if present is not None:
        if present < frames:  # the sample table says more than the file holds
            truncated_at = min(present, _scan_packets(path, fps)[2])
    else:
        frames, covered, leading = _scan_packets(path, fps)
        # A duration-derived header is only good to a frame (rounding, a last frame's length).
        if header and covered < header - (0 if exact else 1):
            truncated_at, frames = min(leading, covered), header
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
        truncated_at=truncated_at,
    )


def _plane_samples(plane: av.video.plane.VideoPlane, dtype: type = np.uint16) -> np.ndarray:
    """A ``(height, width)`` view of a plane of 1-byte (uint8) or 2-byte (uint16) samples.

    The view is writable if the frame is.
    """
    buffer = cast(Any, plane)  # VideoPlane has the buffer protocol; its stub does not say so
    size = np.dtype(dtype).itemsize
    rows: np.ndarray = np.frombuffer(buffer, dtype, count=plane.line_size // size * plane.height)
    return rows.reshape(plane.height, -1)[:, : plane.width]


def _yuv_planes(frame: av.VideoFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The Y', Cb, Cr planes of a planar 8..16-bit Y'CbCr frame, as uint8 or uint16 views.

    Chroma planes are full size or halved (rounding up) in each direction: 4:4:4, 4:2:2, 4:2:0,
    4:4:0, with or without alpha (ignored). ``None`` for any other layout (RGB, grey, semi-planar
    ``nv12``/``p010``, big-endian, 4:1:1...), which swscale converts instead.
    """
    fmt = frame.format
    comps = fmt.components
    if (
        fmt.is_rgb
        or fmt.has_palette
        or fmt.is_big_endian
        or not fmt.is_planar
        or len(comps) < 3
        or not 8 <= comps[0].bits <= 16
        or [int(c.plane) for c in comps[:3]] != [0, 1, 2]
        or not fmt.name.startswith(("yuv", "yuva"))
    ):
        return None
    dtype = np.uint8 if comps[0].bits == 8 else np.uint16
    planes = [_plane_samples(frame.planes[index], dtype) for index in range(3)]
    w, h = frame.width, frame.height
    cw, ch = planes[1].shape[1], planes[1].shape[0]
    if cw not in (w, (w + 1) // 2) or ch not in (h, (h + 1) // 2) or planes[2].shape != (ch, cw):
        return None
    return planes[0], planes[1], planes[2]


def _upsample_chroma(c: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bring chroma ``(h, w)`` or ``(h, w, C)`` float32 to ``(height, width[, C])`` linearly.

    Horizontally, subsampled chroma is co-sited with the even luma columns (luma ``x`` reads
    chroma ``x / 2``): even columns copy it, odd ones average their two neighbours. Vertically
    (4:2:0), it sits midway between luma rows ``2j`` and ``2j + 1`` (luma ``y`` reads chroma
    ``(y - 1/2) / 2``), which get ``3/4`` of it and ``1/4`` of the chroma row above or below.
    Edges repeat the outermost sample. The weights, 0, 1/4, 1/2 and 3/4, are exact in OpenCV's
    1/32 fixed-point sample positions.
    """
    out = np.ascontiguousarray(c, dtype=np.float32)
    if out.shape[:2] == (height, width):
        return out
    sx = 0.5 if out.shape[1] != width else 1.0
    sy, oy = (0.5, -0.25) if out.shape[0] != height else (1.0, 0.0)
    to_chroma = np.array([[sx, 0.0, 0.0], [0.0, sy, oy]], np.float32)
    up = cv2.warpAffine(out, to_chroma, (width, height),
                        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                        borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(up, np.float32)


def _ycbcr_to_rgb(
    y: np.ndarray, cb: np.ndarray, cr: np.ndarray, bits: int, full: bool, kr_kb: tuple[float, float]
) -> np.ndarray:
    """R'G'B' float32 ``(H, W, 3)``, nominal [0, 1] (not clipped), from ``bits``-bit Y'CbCr codes.

    Limited range (BT.709/BT.601/BT.2020): ``Y' = (16 + 219 E'Y) * 2**(bits-8)``, ``Cb, Cr =
    (128 + 224 E'PB,PR) * 2**(bits-8)`` (10 bits: 64 + 876 E'Y, 512 + 896 E'PB). Full range
    (ITU-T H.273): ``Y' = (2**bits - 1) E'Y``, ``Cb, Cr = (2**bits - 1) E'PB,PR + 2**(bits-1)``.
    Then ``R' = E'Y + 2 (1 - Kr) E'PR``, ``B' = E'Y + 2 (1 - Kb) E'PB`` and ``G' = (E'Y - Kr R' -
    Kb B') / (1 - Kr - Kb)``. Chroma may be subsampled (see :func:`_upsample_chroma`): the colour
    differences ``R' - E'Y`` etc. are formed at chroma resolution and interpolated, which is the
    same as interpolating Cb and Cr first since both steps are linear.
    """
    if full:
        y_off, y_gain = 0.0, float(2**bits - 1)
        c_off, c_gain = float(2 ** (bits - 1)), float(2**bits - 1)
    else:
        scale = float(2 ** (bits - 8))
        y_off, y_gain = 16.0 * scale, 219.0 * scale
        c_off, c_gain = 128.0 * scale, 224.0 * scale
    kr, kb = kr_kb
    pb = (cb.astype(np.float32) - np.float32(c_off)) / np.float32(c_gain)
    pr = (cr.astype(np.float32) - np.float32(c_off)) / np.float32(c_gain)
    diff = np.empty((*pb.shape, 3), np.float32)
    diff[..., 0] = np.float32(2.0 * (1.0 - kr)) * pr
    diff[..., 2] = np.float32(2.0 * (1.0 - kb)) * pb
    diff[..., 1] = -(np.float32(kr) * diff[..., 0] + np.float32(kb) * diff[..., 2]) / np.float32(
        1.0 - kr - kb
    )
    ey = (y.astype(np.float32) - np.float32(y_off)) / np.float32(y_gain)
    rgb = _upsample_chroma(diff, y.shape[1], y.shape[0])
    rgb += ey[..., None]
    return rgb


def _frame_to_float(frame: av.VideoFrame, width: int, height: int) -> np.ndarray | None:
    """R'G'B' float32 ``(height, width, 3)`` of a planar Y'CbCr frame, unclipped; else ``None``.

    Converted in numpy from the planes with the frame's tagged matrix and range (untagged: BT.709,
    limited range; ``yuvj*`` formats: full range), so video-range super-whites decode above 1.0
    and sub-blacks below 0.0. The frame is converted at full size; a smaller ``(width, height)``
    is then an area average (``cv2.INTER_AREA``) of the R'G'B'.
    """
    planes = _yuv_planes(frame)
    if planes is None:
        return None
    y, cb, cr = planes
    h, w = y.shape
    bits = int(frame.format.components[0].bits)
    full = int(frame.color_range) == 2 or frame.format.name.startswith("yuvj")
    kr_kb = _KR_KB.get(int(frame.colorspace), _BT709_KR_KB)
    rgb = _ycbcr_to_rgb(y, cb, cr, bits, full, kr_kb)
    if (width, height) != (w, h):
        rgb = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
    return rgb


def _swscale_rgb(frame: av.VideoFrame, width: int, height: int, depth: int) -> np.ndarray:
    """RGB of ``frame`` by swscale (``rgb24``/``rgb48le``), with the frame's own matrix and range.

    Values outside the nominal range are clipped: used for 8-bit output and for layouts
    :func:`_yuv_planes` does not read.
    """
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


def _frame_to_rgb(frame: av.VideoFrame, width: int, height: int, depth: int = 8) -> np.ndarray:
    """Convert a decoded frame to ``(height, width, 3)`` RGB with its own YUV matrix.

    ``depth=8`` gives uint8 (``rgb24``), ``depth=16`` uint16 full scale 0..65535 (``rgb48le``),
    both clipped to the nominal range; ``depth=32`` float32, nominal [0, 1], not clipped. Planar
    Y'CbCr is converted in numpy (:func:`_frame_to_float`) for ``depth=32`` and above 8 bits,
    anything else by swscale.
    """
    deep = int(frame.format.components[0].bits) > 8 if frame.format.components else False
    rgb = _frame_to_float(frame, width, height) if depth == 32 or deep else None
    if depth == 32:
        if rgb is None:  # RGB, grey or semi-planar layouts, read at 16 bits
            return _swscale_rgb(frame, width, height, 16).astype(np.float32) / np.float32(65535)
        return rgb
    if rgb is None:
        return _swscale_rgb(frame, width, height, depth)
    peak, dtype = (65535.0, np.uint16) if depth == 16 else (255.0, np.uint8)
    np.clip(rgb, 0.0, 1.0, out=rgb)
    return np.rint(rgb * peak).astype(dtype)


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


def _decoded(
    container: av.container.InputContainer, stream: av.VideoStream, cut: bool
) -> Iterator[av.VideoFrame]:
    """Decode ``stream`` from where ``container`` stands, in presentation order.

    With ``cut`` (a file whose data ends before its header says) no packet from the first damaged
    one on reaches the decoder: the decoder is flushed there instead, so no frame is made from
    the partial data at the cut.
    """
    for packet in container.demux(stream):
        if cut and packet.is_corrupt:
            break
        yield from packet.decode()
    else:
        return
    yield from stream.codec_context.decode(None)


def _seek_target(base: int, time_base: Fraction, fps: Fraction, index: int) -> int:
    """The pts (in ``time_base``) at or just before frame ``index`` starts."""
    return base + math.floor(Fraction(index) / (fps * time_base))


def _seek_frames(
    container: av.container.InputContainer,
    stream: av.VideoStream,
    fps: Fraction,
    start: int,
    end: int,
    cut: bool = False,
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
        for frame in _decoded(container, stream, cut):
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

    ``rgb`` is uint8 for ``depth=8``, uint16 for ``depth=16``, float32 for ``depth=32``; see
    :func:`_frame_to_rgb`. A range reaching past where a truncated file's data ends raises
    before anything is decoded. A ``start`` past
    ``_SEEK_MIN_START`` seeks where the index allows it (see :func:`_frame_grid`); indices are
    the same as decoding from frame 0, which is the fallback.
    """
    info = info or probe_movie(path)
    end = info.frame_count if stop is None else min(stop, info.frame_count)
    cut = info.truncated_at is not None
    if info.truncated_at is not None and end > info.truncated_at:
        raise info.ends_early()
    width, height = size or (info.width, info.height)
    done = start  # frames below this are yielded (or not wanted) already
    if _SEEK_MIN_START < start < end:
        with _open(path) as container:
            stream = _video_stream(container, path)
            stream.thread_type = "AUTO"
            if _frame_grid(stream, info.fps, info.frame_count, end):
                for index, frame in _seek_frames(container, stream, info.fps, start, end, cut):
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
            for frame in _decoded(container, stream, cut):
                if index >= end:
                    break
                if index >= done and (index - start) % step == 0:
                    yield index, _frame_to_rgb(frame, width, height, depth)
                index += 1
        except av.FFmpegError as exc:
            raise MediaError(f"{path.name} frame {index}: decode failed ({_reason(exc)})") from exc
    if index < end:
        raise info.ends_early(index)


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
        8-bit output would quantise before grading. Both are clipped to the nominal range.
        32: float32 R'G'B', nominal [0, 1] and **not clipped**: the super-whites and sub-blacks
        of video-range Y'CbCr (8-bit codes 236..254 and 1..15) come out above 1.0 and below 0.0,
        as a finishing system keeps them. Use it for renders and anything scene-referred.

    Yields
    ------
    index : int
        Frame number from 0.
    rgb : np.ndarray
        Shape ``(H, W, 3)``, uint8 (``depth=8``, 0-255), uint16 (``depth=16``, 0-65535) or
        float32 (``depth=32``, nominal 0-1), display-encoded full-range RGB as the movie stores
        it.

    Raises
    ------
    MediaError
        As :func:`probe_movie`; ``"<file> frame <n>: decode failed (<ffmpeg message>)"``; or
        ``"<file> frame <n>: stream ends early (header says <N> frames)"`` for a truncated file,
        at once (before any frame is decoded) when the range reaches past where its data ends.
    ParameterError
        For a negative ``start``, ``step < 1``, ``stop < start``, ``max_width < 1`` or a
        ``depth`` other than 8, 16 or 32.
    """
    path = Path(path)
    if start < 0 or step < 1 or (stop is not None and stop < start):
        raise ParameterError(
            f"{path.name}: frame range needs 0 <= start <= stop and step >= 1, "
            f"got start={start}, stop={stop}, step={step}"
        )
    if max_width is not None and max_width < 1:
        raise ParameterError(f"{path.name}: max_width must be >= 1, got {max_width}")
    if depth not in _DEPTHS:
        raise ParameterError(f"{path.name}: depth must be 8, 16 or 32, got {depth!r}")
    info = probe_movie(path)
    end = info.frame_count if stop is None else min(stop, info.frame_count)
    if info.truncated_at is not None and end > info.truncated_at:
        raise info.ends_early()  # now, not after frames were read and written somewhere
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
    if (fmt := format_of(path)) is None or fmt.writer != "write_prores":
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
