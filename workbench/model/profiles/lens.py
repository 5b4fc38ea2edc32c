"""The lens as seen in a shot: vignetting and sharpness (distortion is not measurable).

``vignetting``: log2 of the corners' over the centre's mean luminance (median over frames), in
stops; content-dependent, so it is meaningful compared across a scene. ``sharpness``: the
Laplacian's spread over the luminance spread, both on ACEScct luma at the analysis size.
``distortion`` is ``None``: it is not measurable without a chart or straight lines known to be
straight.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from workbench.model.profiles.colour import LOG_FLOOR, luminance

__all__ = ["Lens", "measure_lens", "sharpness", "vignetting"]


@dataclass(frozen=True)
class Lens:
    """Vignetting (stops, corners relative to centre), sharpness, distortion (not measured)."""

    vignetting: float
    sharpness: float
    distortion: float | None = None


def vignetting(frames: np.ndarray) -> float:
    """Median over ``(N, 3, H, W)`` ACEScg frames of log2 corners / centre luminance (stops)."""
    y = np.maximum(luminance(frames), LOG_FLOOR)
    h, w = y.shape[1:]
    ch, cw = max(h // 8, 1), max(w // 8, 1)
    corners = np.concatenate([y[:, :ch, :cw], y[:, :ch, -cw:], y[:, -ch:, :cw],
                              y[:, -ch:, -cw:]], axis=2).mean(axis=(1, 2))
    centre = y[:, 3 * h // 8: 5 * h // 8 + 1, 3 * w // 8: 5 * w // 8 + 1].mean(axis=(1, 2))
    return float(np.median(np.log2(np.maximum(corners, LOG_FLOOR)
                                   / np.maximum(centre, LOG_FLOOR))))


def sharpness(luma_cct: np.ndarray) -> float:
    """Median over ``(N, H, W)`` ACEScct luma frames of Laplacian σ over luma σ."""
    sharp = [float(np.std(cv2.Laplacian(f, cv2.CV_32F, ksize=3)) / max(float(f.std()), 1e-4))
             for f in luma_cct]
    return float(np.median(sharp))


def measure_lens(frames: np.ndarray, luma_cct: np.ndarray) -> Lens:
    """The lens of ``frames`` ``(N, 3, H, W)`` ACEScg, with their ACEScct luma ``(N, H, W)``."""
    return Lens(vignetting(frames), sharpness(luma_cct), None)
