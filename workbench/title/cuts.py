"""Cut detection: split a multi-shot movie into shots by colour-histogram change.

A cut is a frame whose 512-bin RGB histogram differs from the previous frame's by a total
variation that is both large in absolute terms and a clear peak over its neighbours, so that
fast camera moves and flicker, which change the histogram steadily, are not taken for cuts.
"""

from __future__ import annotations

import numpy as np

__all__ = ["detect_cuts", "frame_histogram", "histogram_distances", "shots_from_cuts"]

MIN_DISTANCE = 0.15      # total variation below this is never a cut
PEAK_RATIO = 2.5         # a cut stands this many times above its neighbours' median...
PEAK_MARGIN = 0.05       # ...plus this margin
NEIGHBOURS = 6           # frames each side that define "its neighbours"


def frame_histogram(rgb8: np.ndarray) -> np.ndarray:
    """Normalised 8×8×8 RGB histogram of a uint8 ``(H, W, 3)`` frame, shape ``(512,)``."""
    q = (rgb8 // 32).reshape(-1, 3).astype(np.int32)
    idx = q[:, 0] * 64 + q[:, 1] * 8 + q[:, 2]
    return np.bincount(idx, minlength=512).astype(np.float64) / len(idx)


def histogram_distances(histograms: np.ndarray) -> np.ndarray:
    """Total variation between consecutive histograms; ``(N, 512)`` → ``(N-1,)`` in [0, 1]."""
    return 0.5 * np.abs(np.diff(histograms, axis=0)).sum(axis=1)


def detect_cuts(histograms: np.ndarray) -> list[int]:
    """Frame indices that start a new shot (never 0), from per-frame histograms ``(N, 512)``."""
    d = histogram_distances(histograms)
    cuts = []
    for i, value in enumerate(d):
        around = np.concatenate([d[max(0, i - NEIGHBOURS):i], d[i + 1:i + 1 + NEIGHBOURS]])
        level = float(np.median(around)) if around.size else 0.0
        if value > MIN_DISTANCE and value > PEAK_RATIO * level + PEAK_MARGIN:
            cuts.append(i + 1)
    return cuts


def shots_from_cuts(cuts: list[int], frame_count: int, min_length: int) -> list[tuple[int, int]]:
    """``[start, end)`` ranges between cuts; a run shorter than ``min_length`` joins its successor.

    Very short runs are flashes, fades or title-card dissolves rather than shots.
    """
    bounds = [0, *sorted(c for c in cuts if 0 < c < frame_count), frame_count]
    ranges: list[tuple[int, int]] = []
    start = 0
    for end in bounds[1:]:
        if end - start >= min_length or end == frame_count:
            ranges.append((start, end))
            start = end
    if len(ranges) > 1 and ranges[-1][1] - ranges[-1][0] < min_length:
        last = ranges.pop()
        ranges[-1] = (ranges[-1][0], last[1])
    return ranges
