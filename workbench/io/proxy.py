"""Small H.264 proxies of source movies, for interactive previews; cached by source hash."""

from __future__ import annotations

import os
import re
from pathlib import Path

import av
from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc, Interpolation

from workbench.errors import MediaError, ParameterError
from workbench.io.atomic import atomic_path
from workbench.io.movie import _decode_rgb, probe_movie
from workbench.io.ycbcr import _tag_bt709

__all__ = ["make_proxy", "proxy_path", "proxy_size"]

_HASH = re.compile(r"^[0-9A-Za-z_-]+$")


def proxy_path(cache_dir: str | os.PathLike[str], source_hash: str, max_width: int) -> Path:
    """Return where the proxy of a source lives: ``cache_dir/<source_hash>_w<max_width>.mp4``.

    ``source_hash`` identifies the source's content (e.g. a SHA-256 hex digest), so an edited
    source gets a new proxy and a moved one keeps its proxy.
    """
    if not _HASH.match(source_hash):
        raise ParameterError(
            f"source_hash must be letters, digits, '-' or '_', got {source_hash!r}"
        )
    if max_width < 2:
        raise ParameterError(f"max_width must be >= 2, got {max_width}")
    return Path(cache_dir) / f"{source_hash}_w{int(max_width)}.mp4"


def proxy_size(width: int, height: int, max_width: int) -> tuple[int, int]:
    """Return the even ``(width, height)`` of a proxy no wider than ``max_width``, aspect kept."""
    if max_width < 2:
        raise ParameterError(f"max_width must be >= 2, got {max_width}")
    out_w = min(width, max_width) // 2 * 2
    out_h = max(2, round(height * out_w / width / 2) * 2)
    return max(2, out_w), out_h


def make_proxy(
    source: str | os.PathLike[str], out: str | os.PathLike[str], max_width: int = 960
) -> Path:
    """Write an H.264 proxy of ``source`` at ``out``, or reuse it if it already exists.

    The proxy is libx264 ``yuv420p``, CRF 18, preset ``veryfast``, tagged BT.709 (primaries,
    transfer, matrix, tv range), no wider than ``max_width`` with even dimensions, at the
    source's frame rate and with exactly its frame count. Frames are decoded with the source's
    matrix (see :func:`~workbench.io.movie.read_movie_frames`) and re-encoded with BT.709. The
    file is written atomically (``+faststart`` MP4), so an existing ``out`` is always complete.

    Parameters
    ----------
    source
        The movie to proxy; opened read-only.
    out
        Destination ``.mp4`` (usually from :func:`proxy_path`); parent folders are created.
    max_width
        Largest proxy width in pixels.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    MediaError
        The source is missing, unreadable or truncated (naming file and frame).
    """
    source, out = Path(source), Path(out)
    if out.exists():
        return out
    info = probe_movie(source)
    if info.truncated_at is not None:
        raise info.ends_early()
    width, height = proxy_size(info.width, info.height, max_width)
    out.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with atomic_path(out) as tmp:
        with av.open(str(tmp), mode="w", format="mp4", options={"movflags": "+faststart"}) as mux:
            stream = mux.add_stream(
                "libx264", rate=info.fps, options={"crf": "18", "preset": "veryfast"}
            )
            stream.width, stream.height = width, height
            stream.pix_fmt = "yuv420p"
            _tag_bt709(stream.codec_context)
            for index, rgb in _decode_rgb(source, 0, None, 1, (width, height), info=info):
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                frame = frame.reformat(
                    format="yuv420p",
                    dst_colorspace=Colorspace.ITU709,
                    dst_color_range=ColorRange.MPEG,
                    dst_color_trc=ColorTrc.BT709,
                    dst_color_primaries=ColorPrimaries.BT709,
                    interpolation=Interpolation.BILINEAR | Interpolation.ACCURATE_RND,
                )
                frame.pts = index
                for packet in stream.encode(frame):
                    mux.mux(packet)
                written += 1
            for packet in stream.encode(None):
                mux.mux(packet)
        got = probe_movie(tmp).frame_count
        if got != info.frame_count or written != info.frame_count:
            raise MediaError(
                f"{out.name}: proxy of {source.name} has {got} frames, expected {info.frame_count}"
            )
    return out
