"""Lighting of a shot: exposure, contrast, key-to-fill, the light's colour and saturation.

``exposure``: log2 of the log-average luminance (Reinhard's key) over 18 % grey, in stops
(black pixels below 2^-12 left out). ``contrast``: log2 luminance between the 10th and 90th
percentiles, in stops. ``key_to_fill``: the larger of the left/right and top/bottom differences
of median log2 luminance between the frame's halves, in stops (a frame-wide proxy: no face or
subject detection; flat light reads near 0). ``cct``/``duv``: the illuminant estimated by
shades-of-grey (Finlayson & Trezzi 2004, p = 6) on mid-tone pixels, ACEScg → XYZ → CIE 1960 uv
→ CCT and Duv by Ohno (2013). ACEScg's white is ACES white (≈ 6000 K), so a neutrally balanced
plate reads ≈ 6000 K; a grey card under a 3200 K light reads ≈ 3200 K. ``saturation``: median
Oklab chroma over lightness, after the illuminant estimate is divided out (von Kries), so a
white-balance change does not read as saturation.

References
----------
E. Reinhard et al., "Photographic tone reproduction for digital images", SIGGRAPH 2002.
G. Finlayson, E. Trezzi, "Shades of Gray and Colour Constancy", CIC 2004.
Y. Ohno, "Practical Use and Calculation of CCT and Duv", LEUKOS 10(1), 2014.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from workbench.model.profiles.colour import (
    LOG_FLOOR,
    LUMA,
    MID_GREY,
    acescg_to_oklab,
    acescg_to_xyz,
    luminance,
    xy_to_cct_duv,
)

__all__ = [
    "BLACK",
    "QUANTILES",
    "SHADES_OF_GREY_P",
    "Lighting",
    "estimate_illuminant",
    "key_to_fill",
    "measure_lighting",
    "white_balanced_saturation",
]

BLACK = 2.0 ** -12              # luminance left out of the log-average (black, not picture)
QUANTILES = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
SHADES_OF_GREY_P = 6.0


@dataclass(frozen=True)
class Lighting:
    """Exposure and contrast (stops), key-to-fill (stops), illuminant CCT (K), Duv, saturation."""

    exposure: float
    contrast: float
    key_to_fill: float
    key_side: str
    cct: float
    duv: float
    saturation: float
    log2_quantiles: tuple[float, ...]   # log2 luminance at QUANTILES
    illuminant_rgb: tuple[float, float, float]   # ACEScg, normalised to luminance 1


def estimate_illuminant(rgb: np.ndarray, p: float = SHADES_OF_GREY_P) -> np.ndarray:
    """The light's colour from pixels ``rgb`` (P,3) ACEScg by shades-of-grey on mid-tones.

    Pixels in the darkest 5 % (noise) and brightest 2 % (clipped speculars) of luminance are
    left out. Returns ACEScg ``(3,)`` scaled to luminance 1.
    """
    rgb = np.maximum(np.asarray(rgb, dtype=np.float64), 0.0)
    y = rgb @ LUMA
    lo, hi = np.quantile(y, [0.05, 0.98]) if y.size else (0.0, 0.0)
    mid = rgb[(y >= lo) & (y <= hi) & (y > 0)]
    if mid.shape[0] < 16:
        return np.ones(3)
    scale = mid.max()
    est = np.power(np.mean(np.power(mid / scale, p), axis=0), 1 / p) * scale
    est = np.maximum(est, 1e-9)
    return est / float(est @ LUMA)


def key_to_fill(frames: np.ndarray) -> tuple[float, str]:
    """Largest half-frame difference of median log2 luminance (stops) and the brighter side.

    ``frames`` are ``(N, 3, H, W)`` ACEScg.
    """
    logy = np.log2(np.maximum(luminance(frames), LOG_FLOOR))
    h, w = logy.shape[1:]
    sides = {
        "left": np.median(logy[:, :, : w // 2]) - np.median(logy[:, :, w - w // 2:]),
        "top": np.median(logy[:, : h // 2]) - np.median(logy[:, h - h // 2:]),
    }
    axis = max(sides, key=lambda k: abs(sides[k]))
    value = float(sides[axis])
    bright = axis if value >= 0 else {"left": "right", "top": "bottom"}[axis]
    return abs(value), bright


def white_balanced_saturation(px: np.ndarray, illum: np.ndarray) -> float:
    """Median Oklab chroma / lightness of the mid-tones of ``px`` (P,3) balanced by ``illum``."""
    balanced = np.maximum(px, 0.0) / illum
    lab = acescg_to_oklab(balanced[:: max(1, balanced.shape[0] // 30_000)])
    keep = lab[:, 0] > 0.25
    if keep.sum() < 16:
        return 0.0
    chroma = np.hypot(lab[keep, 1], lab[keep, 2])
    return float(np.median(chroma / lab[keep, 0]))


def measure_lighting(frames: np.ndarray, px: np.ndarray) -> Lighting:
    """The lighting of ``frames`` ``(N, 3, H, W)`` and their sampled pixels ``px`` (P,3), ACEScg."""
    y = np.maximum(px @ LUMA, LOG_FLOOR)
    logy = np.log2(y)
    quant = np.quantile(logy, QUANTILES)
    lit = logy[logy > math.log2(BLACK)]   # true blacks would pin the average to the floor
    exposure = float((np.mean(lit) if lit.size else math.log2(LOG_FLOOR)) - math.log2(MID_GREY))
    contrast = float(quant[QUANTILES.index(0.9)] - quant[QUANTILES.index(0.1)])
    key, side = key_to_fill(frames)
    illum = estimate_illuminant(px)
    xyz = acescg_to_xyz(illum)
    cct, duv = xy_to_cct_duv(xyz[:2] / xyz.sum())
    return Lighting(exposure, contrast, key, side, cct, duv,
                    white_balanced_saturation(px, illum),
                    tuple(float(q) for q in quant),
                    tuple(float(v) for v in illum))  # type: ignore[arg-type]
