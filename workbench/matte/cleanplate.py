"""A clean plate from the shot itself: the per-pixel temporal median of a locked-off shot.

People and cars that pass leave no trace in the median as long as each pixel shows the
background in more than half the frames sampled; the frames are sampled evenly across the shot
so a slow walker does not stand in the same place in most of them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from workbench.errors import MediaError, ShapeError

__all__ = ["median_clean_plate", "movie_clean_plate"]


def median_clean_plate(frames: torch.Tensor) -> torch.Tensor:
    """The per-pixel, per-channel median of ``frames`` (any encoding; NaN pixels are skipped).

    Shape
    -----
    ``(N, 3, H, W)`` → ``(1, 3, H, W)``
    """
    if frames.ndim != 4 or frames.shape[0] < 1:
        raise ShapeError(
            f"median_clean_plate: expected (N,C,H,W) frames, got {tuple(frames.shape)}"
        )
    return torch.nanmedian(frames, dim=0, keepdim=True).values


def movie_clean_plate(
    path: str | os.PathLike[str],
    samples: int = 31,
    max_width: int | None = None,
    progress: bool = True,
    stop: int | None = None,
) -> torch.Tensor:
    """The median clean plate of a movie, from ``samples`` frames spread evenly across it.

    ``stop`` limits the frames to ``0..stop-1`` (the part of a long take that is locked off);
    ``max_width`` reads a downscaled copy (area filter).

    Returns the plate in the movie's own encoding (Rec.709 display values in [0, 1]) so the
    caller converts it with the frames it keys.

    Shape
    -----
    → ``(1, 3, H, W)`` float32
    """
    from workbench.io import probe_movie, read_movie_frames

    path = Path(path)
    if samples < 1:
        raise MediaError(f"{path.name}: clean plate needs at least one frame, got {samples}")
    count = probe_movie(path).frame_count
    if stop is not None:
        count = max(1, min(count, stop))
    wanted = sorted({round(i * (count - 1) / max(1, samples - 1)) for i in range(samples)})
    frames = []
    bar = tqdm(total=len(wanted), desc=f"clean plate {path.name}", disable=not progress)
    keep = set(wanted)
    for index, rgb in read_movie_frames(path, stop=wanted[-1] + 1, max_width=max_width):
        if index in keep:
            frames.append(torch.from_numpy(rgb.astype(np.float32) / 255.0).permute(2, 0, 1))
            bar.update(1)
    bar.close()
    if not frames:
        raise MediaError(f"{path.name}: no frames read for the clean plate")
    return median_clean_plate(torch.stack(frames))
