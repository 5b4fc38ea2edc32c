"""Probe movies with PyAV: size, rate, colour tags, timecode and a frame count checked on the data.

Sources are opened read-only (``av.open(..., mode="r")``). Frame counts are checked against the
header: the sample table (MOV/MP4), the stream header (AVI), or duration × rate (Matroska). A file
whose data ends early says where (``"clip.avi frame 16: stream ends early (header says 795
frames)"``) before any frame is read. The opening helpers here (:func:`_open`,
:func:`_video_stream`, :func:`_reason`) are shared by decoding and the ProRes writer, so every
movie error names its file the same way.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from workbench.errors import MediaError

__all__ = ["MovieInfo", "probe_movie"]

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

# Containers whose index (sample table) gives an exact frame count even when the media data is
# cut short: trusting it is what lets a truncated file be detected.
_INDEXED_FORMATS = ("mov", "mp4")


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


def _colour_tags(container: av.container.InputContainer, stream: av.VideoStream) -> list[int]:
    """The stream's primaries, transfer, matrix and range as FFmpeg's enum values.

    Some decoders report the tags only on frames: where the codec context leaves one unspecified,
    the first frame's tags are taken instead (this decodes it, moving ``container`` on).
    """
    ctx = stream.codec_context
    tags = [ctx.color_primaries, ctx.color_trc, ctx.colorspace, ctx.color_range]
    if any(t in (0, 2) for t in tags[:3]) or tags[3] == 0:
        try:
            frame = next(container.decode(stream), None)
        except av.FFmpegError:
            frame = None
        if frame is not None:
            tags = [frame.color_primaries, frame.color_trc, frame.colorspace, frame.color_range]
    return tags


def _timecode(container: av.container.InputContainer, stream: av.VideoStream) -> str | None:
    """Start timecode from the video stream, the container, or else any stream (a tmcd track)."""
    timecode = stream.metadata.get("timecode") or container.metadata.get("timecode")
    if timecode is None:
        for other in container.streams:
            if "timecode" in other.metadata:
                timecode = other.metadata["timecode"]
                break
    return timecode


def _count_frames(
    path: Path, fps: Fraction, stored: int, present: int | None, header: int, exact: bool
) -> tuple[int, int | None]:
    """The movie's frame count and where its data ends: ``(frames, truncated_at)``.

    ``stored`` is an indexed container's sample-table count (0 otherwise) and ``present`` how many
    of those packets lie wholly in the file (``None`` without a stored count); ``header, exact``
    are from :func:`_header_frames`. Without a stored count the packets are demuxed and counted.
    ``truncated_at`` is ``None`` for a complete file; for a cut one ``frames`` is what the header
    says the file should hold.
    """
    frames, truncated_at = stored, None
    if present is not None:
        if present < frames:  # the sample table says more than the file holds
            truncated_at = min(present, _scan_packets(path, fps)[2])
    else:
        frames, covered, leading = _scan_packets(path, fps)
        # A duration-derived header is only good to a frame (rounding, a last frame's length).
        if header and covered < header - (0 if exact else 1):
            truncated_at, frames = min(leading, covered), header
    return frames, truncated_at


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
        tags = _colour_tags(container, stream)
        timecode = _timecode(container, stream)
        indexed = any(name in container.format.name.split(",") for name in _INDEXED_FORMATS)
        stored = int(stream.frames) if indexed else 0
        header, exact = _header_frames(container, stream, fps)
        present = _intact_entries(stream, path.stat().st_size) if stored > 0 else None
        width, height = int(ctx.width), int(ctx.height)
        codec, pix_fmt = str(ctx.name), str(ctx.pix_fmt)
        bits = _bits_per_component(ctx.pix_fmt)
    frames, truncated_at = _count_frames(path, fps, stored, present, header, exact)
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
