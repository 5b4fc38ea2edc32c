"""Frames of a catalogued clip or shot, in the clip's own encoding or in the working space."""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np
import torch

from workbench.checks import check_finite
from workbench.color import to_working
from workbench.io import list_sequence, probe_movie, read_image, read_movie_frames
from workbench.title.records import Clip, Shot

__all__ = ["read_clip_frames", "read_shot_frames", "shot_working_frames"]


def read_clip_frames(clip: Clip, start: int = 0, stop: int | None = None, step: int = 1,
                     max_width: int | None = None, proxy: bool = False
                     ) -> Iterator[tuple[int, np.ndarray]]:
    """Frames ``start:stop:step`` (0-based clip indices) as float32 ``(H, W, 3)`` arrays.

    Values are in the clip's input encoding (``clip.input_space``), nominal range [0, 1] for
    video; float sources keep their values. NaN or Inf raise :class:`MediaError` naming the
    file and frame.

    ``proxy=False`` (renders, full-resolution views) reads a movie's own frames as float and
    keeps what video range holds outside [0, 1]: super-whites above 1, sub-blacks below 0.
    ``proxy=True`` (analysis and previews) reads the clip's proxy when it has one and it is at
    least ``max_width`` wide, else the movie, both 8-bit and clipped to [0, 1], so an analysis
    does not depend on whether the clip has a proxy.
    """
    stop = clip.frame_count if stop is None else min(stop, clip.frame_count)
    if clip.kind == "movie":
        if not proxy:
            yield from read_movie_frames(clip.path, start, stop, step, max_width, depth=32)
            return
        source = clip.path
        if clip.proxy is not None and max_width is not None:
            source = clip.proxy if probe_movie(clip.proxy).width >= max_width else clip.path
        for index, rgb in read_movie_frames(source, start, stop, step, max_width):
            yield index, rgb.astype(np.float32) / np.float32(255.0)
        return
    files = [p for _, p in list_sequence(clip.path)] if clip.kind == "sequence" else [clip.path]
    for index in range(start, stop, step):
        rgb, _ = read_image(files[index])
        check_finite(rgb, f"{files[index].name} frame {clip.first_frame + index}")
        if max_width and rgb.shape[1] > max_width:
            h = max(1, round(rgb.shape[0] * max_width / rgb.shape[1]))
            rgb = cv2.resize(rgb, (max_width, h), interpolation=cv2.INTER_AREA)
        yield index, rgb


def read_shot_frames(shot: Shot, step: int = 1, max_width: int | None = None,
                     proxy: bool = False) -> Iterator[tuple[int, np.ndarray]]:
    """The shot's frames in the clip's encoding; see :func:`read_clip_frames`."""
    yield from read_clip_frames(shot.clip, shot.start_frame, shot.end_frame, step, max_width,
                                proxy)


def shot_working_frames(shot: Shot, count: int, max_width: int | None = None
                        ) -> tuple[list[int], torch.Tensor]:
    """Up to ``count`` frames spread evenly over the shot, in the working space (ACEScg).

    Returns
    -------
    indices, frames
        Clip frame indices and a float32 ``(N, 3, H, W)`` scene-linear ACEScg tensor.
    """
    n = shot.frame_count
    wanted = sorted({shot.start_frame + round(i * (n - 1) / max(count - 1, 1))
                     for i in range(min(count, n))})
    indices, arrays = [], []
    for index, rgb in read_shot_frames(shot, 1, max_width, proxy=True):
        if index in wanted:
            indices.append(index)
            arrays.append(rgb)
        if index >= wanted[-1]:
            break
    batch = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()
    return indices, to_working(batch, shot.clip.input_space)
