"""Element-versus-plate statistics: levels, colour temperature, grain per band, sharpness.

What a compositor checks before signing off an integration: does the element sit at the
plate's levels, in its light's colour, with its grain and its softness. :func:`element_stats`
measures one image inside a mask; :class:`IntegrationReport` holds the plate's and the
element's before and after integration, with a readable :meth:`~IntegrationReport.summary`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from workbench.matte.background import detail_ratio
from workbench.matte.grain_match import band_power, describe_bands, grain_of
from workbench.model.profiles.colour import acescg_to_xyz, xy_to_cct_duv
from workbench.ops.saturation import ACESCG_LUMA

__all__ = ["SHARPNESS_BASE", "ElementStats", "IntegrationReport", "element_stats"]

SHARPNESS_BASE = 1.0
"""Pre-blur (sigma, pixels) of the sharpness measure, so grain weighs less than the lens."""
_MID_GREY = 0.18
_LOG_FLOOR = 2.0 ** -14


@dataclass(frozen=True)
class ElementStats:
    """One image's statistics inside a mask.

    ``levels``: 5th, 50th and 95th percentile of luminance, in stops from 18 % grey;
    ``cct``/``duv``: correlated colour temperature (kelvin) and Duv of the mean colour (the
    white the light has, grey-world), ``None`` when it is off the Planckian range;
    ``grain``: noise power (σ² in ACEScct code values) per luminance band, ``None`` where too
    few pixels; ``sharpness``: :func:`~workbench.matte.background.detail_ratio` (lower is
    softer); ``pixels``: how many were measured.
    """

    levels: tuple[float, float, float]
    cct: float | None
    duv: float | None
    grain: tuple[float | None, ...]
    sharpness: float
    pixels: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"levels": list(self.levels), "cct": self.cct, "duv": self.duv,
                "grain": list(self.grain), "sharpness": self.sharpness, "pixels": self.pixels}


def element_stats(img: torch.Tensor, mask: torch.Tensor | None = None) -> ElementStats:
    """Measure ``img`` ``(B, 3, H, W)`` scene-linear ACEScg (its first frame) inside ``mask``.

    ``mask`` is ``(B|1, 1, H, W)`` bool (default everywhere). Grain is measured where the mask
    is set and flat (:func:`~workbench.matte.grain_match.grain_of`).
    """
    one = img[:1].float()
    m = torch.ones_like(one[:, :1], dtype=torch.bool) if mask is None else mask[:1].bool()
    px = one.permute(0, 2, 3, 1)[m[:, 0]]           # (P, 3)
    luma = torch.tensor(ACESCG_LUMA, dtype=px.dtype)
    y = px @ luma
    if px.shape[0] == 0:
        nan = math.nan
        return ElementStats((nan, nan, nan), None, None, (), nan, 0)
    stops = torch.log2(y.clamp_min(_LOG_FLOOR) / _MID_GREY)
    q = torch.quantile(stops[:1_000_000], torch.tensor([0.05, 0.5, 0.95]))
    mean = px.double().mean(dim=0).numpy()
    cct: float | None = None
    duv: float | None = None
    xyz = acescg_to_xyz(mean)
    if np.all(np.isfinite(xyz)) and xyz.sum() > 0:
        xy = xyz[:2] / xyz.sum()
        try:
            c, d = xy_to_cct_duv(xy)
            if math.isfinite(c) and 1000.0 <= c <= 100_000.0:
                cct, duv = round(c, 1), round(d, 5)
        except (ValueError, ArithmeticError):  # off the locus: no temperature to give
            pass
    grain = band_power(grain_of(one, m))
    sharp = detail_ratio(one, m, base=SHARPNESS_BASE)
    return ElementStats((round(float(q[0]), 3), round(float(q[1]), 3), round(float(q[2]), 3)),
                        cct, duv, grain, round(sharp, 4), int(px.shape[0]))


@dataclass(frozen=True)
class IntegrationReport:
    """The plate's statistics and the element's before and after integration."""

    plate: ElementStats
    before: ElementStats
    after: ElementStats

    def grain_ratio(self) -> tuple[float | None, ...]:
        """Element power over plate power per band after integration (1 is a match)."""
        return tuple(None if a is None or p is None or p == 0 else round(a / p, 3)
                     for a, p in zip(self.after.grain, self.plate.grain, strict=False))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"plate": self.plate.to_dict(), "before": self.before.to_dict(),
                "after": self.after.to_dict(), "grain_ratio": list(self.grain_ratio())}

    def summary(self) -> str:
        """A small table: one row per statistic, columns plate / before / after."""
        def levels(s: ElementStats) -> str:
            return "/".join(f"{v:+.2f}" for v in s.levels)

        def temp(s: ElementStats) -> str:
            return "-" if s.cct is None else f"{s.cct:.0f} K"

        rows = [("", "plate", "element before", "element after"),
                ("levels p5/p50/p95 (stops)", levels(self.plate), levels(self.before),
                 levels(self.after)),
                ("colour temperature", temp(self.plate), temp(self.before), temp(self.after)),
                ("sharpness (detail ratio)", f"{self.plate.sharpness:.3f}",
                 f"{self.before.sharpness:.3f}", f"{self.after.sharpness:.3f}"),
                ("grain power per band", describe_bands(self.plate.grain),
                 describe_bands(self.before.grain), describe_bands(self.after.grain))]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                         for r in rows)
