"""The properties continuity compares, measured on profiles: :data:`CHECKS` and the reference.

Each :class:`Check` measures a signed difference between an item's profile and a
:class:`Reference` (an anchor's profile or a group's consensus), has an absolute, perceptual
threshold below which nobody would call it a mismatch, and says the difference in words
(:mod:`~workbench.model.continuity.reasons`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from workbench.model.continuity.reasons import (
    amount_duv,
    amount_mired,
    amount_motion,
    amount_percent,
    amount_ratio,
    amount_stops,
    say_clip_level,
    say_clip_tint,
    say_clip_white_balance,
    say_exposure,
    say_framing,
    say_motion,
    say_ratio,
    say_tint,
    say_white_balance,
)
from workbench.model.profiles import QUANTILES, ShotProfile

__all__ = [
    "CHECKS",
    "Check",
    "Reference",
    "consensus",
    "log_ratio",
    "reference_of",
]

_MID = [i for i, q in enumerate(QUANTILES) if 0.1 <= q <= 0.9]


@dataclass(frozen=True)
class Reference:
    """What an item is compared with: an anchor's profile values or a group consensus."""

    name: str                       # "anchor street_001" or "the consensus of scene 1"
    quantiles: np.ndarray           # log2 luminance at QUANTILES
    values: dict[str, float]        # mired, duv, saturation, grain, aspect, fill, shakiness


def _values(p: ShotProfile) -> dict[str, float]:
    out = {"mired": 1e6 / max(p.lighting.cct, 1.0), "duv": p.lighting.duv,
           "saturation": p.lighting.saturation, "grain": p.grain.level,
           "aspect": p.aspect, "fill": p.fill}
    if p.motion is not None:
        out["shakiness"] = p.motion.shakiness
    return out


def reference_of(profile: ShotProfile, name: str) -> Reference:
    """One item's profile as the reference (a named anchor)."""
    return Reference(name, np.asarray(profile.lighting.log2_quantiles), _values(profile))


def consensus(profiles: Sequence[ShotProfile], name: str) -> Reference:
    """The per-property median of ``profiles`` as the reference."""
    q = np.median(np.stack([p.lighting.log2_quantiles for p in profiles]), axis=0)
    vals = [_values(p) for p in profiles]
    keys = {k for v in vals for k in v}
    return Reference(name, q, {k: float(np.median([v[k] for v in vals if k in v]))
                               for k in keys})


def _spread(q: np.ndarray) -> float:
    return float(q[QUANTILES.index(0.9)] - q[QUANTILES.index(0.1)])


def log_ratio(a: float, b: float, floor: float) -> float:
    """``log2(a / b)``, both floored at ``floor``."""
    return math.log2(max(a, floor) / max(b, floor))


def _exposure(p: ShotProfile, r: Reference) -> float | None:
    """Stops: the median shift of the 10th–90th log2 luminance percentiles."""
    return float(np.median(np.asarray(p.lighting.log2_quantiles)[_MID] - r.quantiles[_MID]))


def _white_balance(p: ShotProfile, r: Reference) -> float | None:
    """Mired (positive: warmer, a lower colour temperature)."""
    return 1e6 / max(p.lighting.cct, 1.0) - r.values["mired"]


def _tint(p: ShotProfile, r: Reference) -> float | None:
    """Duv (positive: greener, above the Planckian locus)."""
    return p.lighting.duv - r.values["duv"]


def _contrast(p: ShotProfile, r: Reference) -> float | None:
    """log2 of the ratio of 10th–90th percentile spreads (a CDL-slope-like ratio)."""
    return log_ratio(_spread(np.asarray(p.lighting.log2_quantiles)), _spread(r.quantiles), 0.25)


def _saturation(p: ShotProfile, r: Reference) -> float | None:
    """log2 ratio of white-balanced Oklab chroma/lightness."""
    return log_ratio(p.lighting.saturation, r.values["saturation"], 0.01)


def _grain(p: ShotProfile, r: Reference) -> float | None:
    """log2 ratio of noise σ (ACEScct)."""
    return log_ratio(p.grain.level, r.values["grain"], 2e-4)


def _framing(p: ShotProfile, r: Reference) -> float | None:
    """Relative difference of the active area's aspect ratio."""
    return p.aspect / r.values["aspect"] - 1


def _from_frames(p: ShotProfile, r: Reference) -> float | None:
    """Measured on frames, not profiles (:mod:`~workbench.model.continuity.highlights`)."""
    return None


def _motion(p: ShotProfile, r: Reference) -> float | None:
    """Shakiness difference in widths per frame; only where both have motion."""
    if p.motion is None or "shakiness" not in r.values:
        return None
    return p.motion.shakiness - r.values["shakiness"]


@dataclass(frozen=True)
class Check:
    """One property compared: signed difference, absolute threshold and how to say it."""

    name: str
    measure: Callable[[ShotProfile, Reference], float | None]
    threshold: float
    say: Callable[[ShotProfile, float], str]
    amount: Callable[[float], str]   # a size in this check's unit, for limits: "0.33 stop"
    relative: bool = True    # also require Z × the group's spread


CHECKS: dict[str, Check] = {c.name: c for c in [
    Check("exposure", _exposure, 1 / 3, say_exposure, amount_stops),
    Check("white balance", _white_balance, 12.0, say_white_balance, amount_mired),
    # 0.002 Duv: a 4 % drop of green in linear light (Duv ≈ -0.0035) is a visible
    # green–magenta mismatch between shots cut together, under the old 0.005 it passed.
    Check("tint", _tint, 0.002, say_tint, amount_duv),
    Check("contrast", _contrast, math.log2(1.15), say_ratio("more contrast", "less contrast",
                                                            "contrast"), amount_ratio),
    Check("saturation", _saturation, math.log2(1.25), say_ratio("more saturated",
                                                               "less saturated",
                                                               "saturation"), amount_ratio),
    Check("grain", _grain, 0.6, say_ratio("more grain", "less grain", "grain"), amount_ratio),
    Check("framing", _framing, 0.10, say_framing, amount_percent),
    Check("motion", _motion, 0.02, say_motion, amount_motion),
    # Clipped highlights: the same white in every item, whatever it shows; same limits as
    # exposure, white balance and tint.
    Check("clip level", _from_frames, 1 / 3, say_clip_level, amount_stops),
    Check("clip white balance", _from_frames, 12.0, say_clip_white_balance, amount_mired),
    Check("clip tint", _from_frames, 0.002, say_clip_tint, amount_duv),
]}
