"""Camera motion of a shot: global translation between successive frames.

Phase correlation (``cv2.phaseCorrelate`` with a Hanning window), divided by the frame gap and
the width: mean speed, the direction the picture moves (degrees, 0 = right, 90 = down) and
shakiness (spread of the per-pair velocity around its mean). ``None`` for a single frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["Motion", "global_motion"]


@dataclass(frozen=True)
class Motion:
    """Global motion: speed and shakiness in widths per frame, direction in degrees."""

    speed: float
    direction: float
    shakiness: float
    pairs: int


def global_motion(luma: np.ndarray, gaps: Sequence[int] | None = None) -> Motion | None:
    """Phase-correlation motion of ``luma`` ``(N, H, W)`` frames; ``None`` when N < 2.

    ``gaps`` are the frame-index steps between successive frames (1 each by default), so
    frames sampled across a shot give per-frame speeds.
    """
    n, h, w = luma.shape
    if n < 2:
        return None
    gaps = list(gaps) if gaps is not None else [1] * (n - 1)
    window = cv2.createHanningWindow((w, h), cv2.CV_64F)
    vel = []
    for i in range(n - 1):
        (dx, dy), _ = cv2.phaseCorrelate(luma[i].astype(np.float64),
                                         luma[i + 1].astype(np.float64), window)
        vel.append((dx / max(gaps[i], 1) / w, dy / max(gaps[i], 1) / w))
    v = np.asarray(vel)
    mean = v.mean(axis=0)
    speed = float(np.mean(np.hypot(v[:, 0], v[:, 1])))
    direction = float(np.degrees(np.arctan2(mean[1], mean[0])) % 360)
    shakiness = float(np.sqrt(((v - mean) ** 2).sum(axis=1).mean())) if n > 2 else 0.0
    return Motion(speed, direction, shakiness, n - 1)
