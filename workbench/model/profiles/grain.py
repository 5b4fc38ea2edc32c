"""The grain of a shot: noise σ in ACEScct code values, overall and per luminance band.

Immerkær's (1996) noise estimate on ACEScct luma (a log encoding, so an exposure change does
not change it), per luminance band, with edges (top 20 % gradient) excluded.

References
----------
J. Immerkær, "Fast Noise Variance Estimation", CVIU 64(2), 1996.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from workbench.model.profiles.colour import LOG_FLOOR, MID_GREY, luminance

__all__ = ["GRAIN_BANDS", "MIN_BAND_PIXELS", "Grain", "measure_grain"]

# Grain bands: edges in stops relative to 18 % grey (luminance), six bands.
GRAIN_BANDS = (-math.inf, -4.0, -2.5, -1.0, 0.5, 2.0, math.inf)
MIN_BAND_PIXELS = 200
_IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)


@dataclass(frozen=True)
class Grain:
    """Noise σ in ACEScct code values: overall and per luminance band (``None``: too few)."""

    level: float
    bands: tuple[float | None, ...]
    band_edges: tuple[float, ...] = GRAIN_BANDS[1:-1]


def _flat_residuals(f: np.ndarray, inside: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """|Immerkær filter| of ACEScct luma ``f`` (H, W), and where it is flat (no edge, no border).

    With ``inside`` (H, W) bool, only those pixels count, for the edge threshold too.
    """
    r = np.abs(cv2.filter2D(f, cv2.CV_32F, _IMMERKAER, borderType=cv2.BORDER_REFLECT))
    gx = cv2.Sobel(f, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(f, cv2.CV_32F, 0, 1, ksize=3)
    grad = np.hypot(gx, gy)
    if inside is not None:
        if not inside.any():
            return r, inside.copy()
        keep = (grad <= np.quantile(grad[inside], 0.8)) & inside
    else:
        keep = grad <= np.quantile(grad, 0.8)
    keep[:1], keep[-1:], keep[:, :1], keep[:, -1:] = False, False, False, False
    return r, keep


def measure_grain(frames: np.ndarray, luma_cct: np.ndarray,
                  inside: np.ndarray | None = None) -> Grain:
    """Immerkær noise σ (ACEScct) per luminance band, edges excluded.

    ``frames`` are ``(N, 3, H, W)`` ACEScg, ``luma_cct`` their ACEScct luma ``(N, H, W)``;
    ``inside`` ``(N, H, W)`` bool, when given, restricts the measure to those pixels (an
    element's matte).
    """
    stops = np.log2(np.maximum(luminance(frames), LOG_FLOOR) / MID_GREY)
    resid, band_of = [], []
    for i, (f, s) in enumerate(zip(luma_cct, stops, strict=True)):
        r, keep = _flat_residuals(f, None if inside is None else inside[i])
        resid.append(r[keep])
        band_of.append(np.digitize(s[keep], GRAIN_BANDS[1:-1]))
    r_all, b_all = np.concatenate(resid), np.concatenate(band_of)
    factor = math.sqrt(math.pi / 2) / 6   # mean |filter output| → σ for white noise
    level = float(np.mean(r_all) * factor) if r_all.size else 0.0
    bands = tuple(float(np.mean(r_all[b_all == i]) * factor)
                  if np.count_nonzero(b_all == i) >= MIN_BAND_PIXELS else None
                  for i in range(len(GRAIN_BANDS) - 1))
    return Grain(level, bands)
