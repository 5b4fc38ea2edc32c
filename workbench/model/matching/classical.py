"""The classical match methods, registered in :data:`~workbench.model.matching.MATCH_METHODS`.

Each estimates a colour transfer from pixels (:mod:`workbench.model.matching.transfer`):

``von-kries``
    Per-cone gains fitted as robust log-quantile shifts, in the cone space (Bradford, CAT02,
    CAT16, HPE, Sharp or the camera-like ACEScg primaries) that leaves the least mismatch: the
    physics of a light, white-balance or exposure change. Most accurate in
    ``benchmarks/bench_match.py`` and so what ``"auto"`` uses without a trained title model.
``mkl``
    Pitié & Kokaram's linear Monge–Kantorovich map in ACEScct.
``reinhard``
    Reinhard et al.'s per-axis mean/std transfer in lαβ axes of ACEScct.
``histogram``
    Per-channel quantile matching in log Bradford LMS (monotone curves, not sliced OT).
``views``
    Across camera angles: the change of light fitted on the pixels that show the same
    surface in both views (:mod:`workbench.model.matching.correspond`: SIFT + RANSAC
    homography, dense flow with a forward-backward check): a contrast about 18 % grey (an
    ACEScct slope or a power in linear light, whichever fits closer), then a 3×3 on linear
    light; as editable operators (Contrast, Matrix3x3) when the ACEScct slope fits;
    ``von-kries`` when the views share too little.
``mean-std``
    The first classical matcher (:func:`~workbench.model.matching.stats.fit_mean_std_cdl`):
    exactly one ASC CDL, so its grade leaves as a plain ``.cc``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from workbench.color.encodings import AP1_TO_XYZ
from workbench.model.matching.correspond import fit_light
from workbench.model.matching.registry import MatchInputs, PixelMap, register_method
from workbench.model.matching.stats import (
    acescct_to_pixels,
    fit_mean_std_cdl,
    pixels_to_acescct,
    shot_stats,
)
from workbench.model.matching.transfer import (
    BRADFORD,
    fit_mkl,
    fit_quantile,
    fit_reinhard,
    fit_von_kries,
)
from workbench.ops import CDL, Pipeline

__all__ = ["LIGHT_CURVES", "MEAN_STD_VERSION"]

# Contrast models ``views`` tries (:class:`~workbench.model.matching.correspond.LightFit`):
# the ACEScct slope (exact as operators) and a power in linear light; the closer fit is kept.
LIGHT_CURVES = ("ACEScct", "power")

MEAN_STD_VERSION = "classical-match/2 (mean-std CDL in ACEScct, shared contrast)"

_CONE = BRADFORD @ torch.tensor(AP1_TO_XYZ, dtype=torch.float64)
_CONE_INV = torch.linalg.inv(_CONE)


def _log_cone(lin: torch.Tensor) -> torch.Tensor:
    """Bradford LMS of linear ACEScg, ACEScct-encoded per cone (log2 above the toe)."""
    return pixels_to_acescct((lin.double() @ _CONE.T).float())


def _from_log_cone(enc: torch.Tensor) -> torch.Tensor:
    return (acescct_to_pixels(enc).double() @ _CONE_INV.T).float()


def _in_space(fit: Callable[..., Any], encode: Callable[[torch.Tensor], torch.Tensor],
              decode: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[MatchInputs], PixelMap]:
    """A method from a ``fit_*`` applied to pixels in another encoding."""
    def method(inputs: MatchInputs) -> PixelMap:
        t = fit(encode(inputs.shot_pixels), encode(inputs.reference_pixels))
        return lambda lin: decode(t(encode(lin)).float())
    return method


def _von_kries(inputs: MatchInputs) -> PixelMap:
    t = fit_von_kries(inputs.shot_pixels, inputs.reference_pixels)
    return lambda lin: t(lin).float()


def _views(inputs: MatchInputs) -> PixelMap | Pipeline:
    if inputs.pairs is None:
        return _von_kries(inputs)
    # Fitted on every pair, the tiles its residual is measured on included: ten parameters
    # on thousands of pairs gain nothing measurable from that, while a fit on half the tiles
    # was measurably noisier (its contrast off by 0.02 on leuven, 0.2 ΔE2000 more).
    pairs = inputs.pairs
    return fit_light(pairs.shot, pairs.reference, pairs.weight, curves=LIGHT_CURVES).as_match()


def _mean_std(inputs: MatchInputs) -> Pipeline:
    values = fit_mean_std_cdl(shot_stats(inputs.shot), shot_stats(inputs.reference))
    return Pipeline([CDL.from_values(values)])


register_method("von-kries", _von_kries,
                description="per-cone gains in the best-fitting cone space (light, white "
                            "balance, exposure)")
register_method("views", _views,
                description="change of light fitted on the pixels both views show "
                            "(SIFT + RANSAC homography, flow check); von Kries when none")
register_method("mkl", _in_space(fit_mkl, pixels_to_acescct, acescct_to_pixels),
                description="linear Monge-Kantorovich map in ACEScct (Pitie & Kokaram 2007)")
register_method("reinhard", _in_space(fit_reinhard, pixels_to_acescct,
                                      acescct_to_pixels),
                description="mean/std per lab-opponent axis in ACEScct (Reinhard et al. 2001)")
register_method("histogram", _in_space(fit_quantile, _log_cone, _from_log_cone),
                description="per-channel quantile matching in log Bradford LMS")
register_method("mean-std", _mean_std, version=MEAN_STD_VERSION,
                description="mean/std CDL in ACEScct, shared contrast")
