"""Movies in and out with PyAV: probe, decode to RGB frames, encode ProRes 422 HQ deliveries.

This module decodes and seeks (:func:`read_movie_frames`) and is the face of the movie modules:
:func:`probe_movie` and :class:`MovieInfo` live in :mod:`workbench.io.probe` (frame counts
checked against the header, truncation), the Y'CbCr conversions in :mod:`workbench.io.ycbcr`
and :func:`write_prores` in :mod:`workbench.io.prores`; all are importable from here.

Sources are opened read-only (``av.open(..., mode="r")``). Decoded frames are converted to RGB
with the stream's own YUV matrix and range; an untagged stream is read as BT.709 limited range
(what the dailies here are), never left to swscale's BT.601 default. Frames come back as 8-bit
(``rgb24``) or 16-bit (``rgb48le``) RGB clipped to the nominal range, for analysis and display,
or as float32 R'G'B' that keeps what lies outside it (``depth=32``), for renders: video-range
Y'CbCr holds super-whites (8-bit codes up to 254, above white at 235) and sub-blacks, which a
finishing system carries into the linear working space.

A range that reaches past where a truncated file's data ends says where
(``"clip.avi frame 16: stream ends early (header says 795 frames)"``) before any frame is read.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from workbench.errors import MediaError, ParameterError
from workbench.io.probe import MovieInfo, _open, _reason, _video_stream, probe_movie
from workbench.io.prores import write_prores
from workbench.io.ycbcr import _frame_to_rgb

__all__ = ["MovieInfo", "probe_movie", "read_movie_frames", "write_prores"]

# A ``start`` further in than this seeks to the keyframe at or before it instead of decoding
# from frame 0 (about two seconds of 24p: below it, seeking saves little).
_SEEK_MIN_START = 48

_DEPTHS = (8, 16, 32)  # output depths of read_movie_frames; 32: float32 R'G'B', unclipped


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


def _check_read_args(
    path: Path, start: int, stop: int | None, step: int, max_width: int | None, depth: int
) -> None:
    """Raise :class:`ParameterError` naming ``path`` for a range, width or depth that is invalid."""
    if start < 0 or step < 1 or (stop is not None and stop < start):
        raise ParameterError(
            f"{path.name}: frame range needs 0 <= start <= stop and step >= 1, "
            f"got start={start}, stop={stop}, step={step}"
        )
    if max_width is not None and max_width < 1:
        raise ParameterError(f"{path.name}: max_width must be >= 1, got {max_width}")
    if depth not in _DEPTHS:
        raise ParameterError(f"{path.name}: depth must be 8, 16 or 32, got {depth!r}")


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
    _check_read_args(path, start, stop, step, max_width, depth)
    info = probe_movie(path)
    end = info.frame_count if stop is None else min(stop, info.frame_count)
    if info.truncated_at is not None and end > info.truncated_at:
        raise info.ends_early()  # now, not after frames were read and written somewhere
    size = None
    if max_width is not None and max_width < info.width:
        size = (max_width, max(1, round(info.height * max_width / info.width)))
    return _decode_rgb(path, start, stop, step, size, depth, info)
