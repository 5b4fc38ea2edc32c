"""Shot statistics in ACEScct, the mean/std CDL fitted from them, and how two shots differ.

The first proposal method (match method ``"mean-std"``). Per channel, the shot's mean
and spread in ACEScct are moved onto the anchor's (Reinhard et al. 2001's transfer, done per
channel in a log space). In ACEScct that is exactly an ASC CDL slope and offset, so the
proposal leaves the workbench as a plain ``.cc`` that any grading system applies identically.

References
----------
E. Reinhard, M. Ashikhmin, B. Gooch, P. Shirley, "Color Transfer between Images",
IEEE Computer Graphics and Applications 21(5), 2001.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from workbench.color import convert
from workbench.color.encodings import ACESCCT_UNITS_PER_STOP
from workbench.model.framing import ActiveArea
from workbench.ops import CDL, CDLValues
from workbench.ops.saturation import ACESCG_LUMA

__all__ = [
    "ShotStats",
    "acescct_to_pixels",
    "chroma_overlap",
    "describe_difference",
    "fit_mean_std_cdl",
    "match_cdl",
    "pixels_to_acescct",
    "shot_stats",
]

SLOPE_LIMITS = (2 / 3, 3 / 2)   # the shared contrast slope
CHANNEL_SLOPE_SPREAD = 0.1      # how far one channel's slope may leave the shared one


@dataclass(frozen=True)
class ShotStats:
    """Colour statistics of a shot's sampled frames in ACEScct."""

    mean: np.ndarray  # (3,)
    std: np.ndarray   # (3,)
    pixels_cct: torch.Tensor  # (N, 3) a subsample of pixels, for overlap measures


def shot_stats(frames_working: torch.Tensor, area: ActiveArea | None = None,
               max_pixels: int = 20000) -> ShotStats:
    """Statistics of ``frames_working`` (N,3,H,W) ACEScg inside ``area``, measured in ACEScct."""
    if area is not None:
        frames_working = area.crop(frames_working).contiguous()
    cct = convert(frames_working, "ACEScg", "ACEScct")
    pixels = cct.permute(0, 2, 3, 1).reshape(-1, 3)
    if pixels.shape[0] > max_pixels:
        step = pixels.shape[0] // max_pixels
        pixels = pixels[::step][:max_pixels]
    return ShotStats(cct.mean(dim=(0, 2, 3)).double().numpy(),
                     cct.std(dim=(0, 2, 3)).double().numpy(), pixels)


def fit_mean_std_cdl(shot: ShotStats, anchor: ShotStats) -> CDLValues:
    """CDL slope and offset (in ACEScct) that give ``shot`` the anchor's mean and spread.

    The spread is matched mostly through one contrast slope shared by the channels (on luma),
    with each channel allowed only ±``CHANNEL_SLOPE_SPREAD`` around it: per-channel contrast
    is where a match between different framings goes wrong (a red-lit stage would be
    "corrected" to neon), while per-channel offsets, which carry white balance and exposure,
    are free.
    """
    luma = np.asarray(ACESCG_LUMA)
    contrast = np.clip((anchor.std @ luma) / max(shot.std @ luma, 1e-6), *SLOPE_LIMITS)
    per_channel = anchor.std / np.maximum(shot.std, 1e-6) / contrast
    slope = contrast * np.clip(per_channel, 1 - CHANNEL_SLOPE_SPREAD, 1 + CHANNEL_SLOPE_SPREAD)
    offset = np.clip(anchor.mean - slope * shot.mean, -1.0, 1.0)
    return CDLValues(slope=tuple(float(v) for v in slope),  # type: ignore[arg-type]
                     offset=tuple(float(v) for v in offset))  # type: ignore[arg-type]


def match_cdl(shot: ShotStats, anchor: ShotStats) -> CDL:
    """The :class:`CDL` operator of :func:`fit_mean_std_cdl` bringing ``shot`` to ``anchor``.

    Statistics only; for every method and a full grade (CDL + LUT) use
    :func:`workbench.model.matching.match_frames`.
    """
    return CDL.from_values(fit_mean_std_cdl(shot, anchor))


def chroma_overlap(a_cct: torch.Tensor, b_cct: torch.Tensor, bins: int = 24) -> float:
    """Overlap in [0, 1] of two pixel sets' chroma histograms (ACEScct R−G, B−G).

    Near 1 when the shot, once matched, spans the colours the anchor does; low when the two
    show different things (a title card against a stage), where a match is a guess.
    """
    def hist(p: torch.Tensor) -> torch.Tensor:
        c = torch.stack([p[:, 0] - p[:, 1], p[:, 2] - p[:, 1]], dim=1).clamp(-0.3, 0.3)
        idx = ((c + 0.3) / 0.6 * (bins - 1)).round().long()
        h = torch.bincount(idx[:, 0] * bins + idx[:, 1], minlength=bins * bins).double()
        return h / h.sum()

    return float(torch.minimum(hist(a_cct), hist(b_cct)).sum())


def describe_difference(shot: ShotStats, anchor: ShotStats, anchor_name: str) -> str:
    """A sentence a person reads: how the shot differs from the anchor before matching."""
    luma = np.asarray(ACESCG_LUMA)
    stops = float(((shot.mean - anchor.mean) @ luma) / ACESCCT_UNITS_PER_STOP)
    warm = float(((shot.mean[0] - shot.mean[2]) - (anchor.mean[0] - anchor.mean[2]))
                 / ACESCCT_UNITS_PER_STOP)
    contrast = float((shot.std @ luma) / max(anchor.std @ luma, 1e-6))
    parts = []
    if abs(stops) >= 0.1:
        parts.append(f"{abs(stops):.1f} stop {'brighter' if stops > 0 else 'darker'}")
    if abs(warm) >= 0.1:
        parts.append(f"{'warmer' if warm > 0 else 'cooler'} by {abs(warm):.1f} stop red/blue")
    if abs(contrast - 1) >= 0.1:
        parts.append(f"{'more' if contrast > 1 else 'less'} contrast (x{contrast:.2f})")
    if not parts:
        return f"already matches anchor {anchor_name}"
    return f"{', '.join(parts)} than anchor {anchor_name}"


def pixels_to_acescct(lin: torch.Tensor) -> torch.Tensor:
    """ACEScct of linear ACEScg pixels ``(P, 3)`` (float32 through OCIO, as the pipeline does)."""
    return convert(lin.float().T.reshape(1, 3, -1, 1), "ACEScg", "ACEScct").reshape(3, -1).T


def acescct_to_pixels(cct: torch.Tensor) -> torch.Tensor:
    """Linear ACEScg of ACEScct pixels ``(P, 3)``."""
    return convert(cct.float().T.reshape(1, 3, -1, 1), "ACEScct", "ACEScg").reshape(3, -1).T
