"""Choosing a look's training settings on the pairs alone: leave one hue sector out.

With a handful of before/after pairs, the settings that extrapolate best (how freely the hue
terms bend, how long the global map learns alone, how much rare colours weigh) cannot be read
off the training error. Images graded later show colours the pairs barely hold, most often
whole hues (a green field in a title taught on skin and brick), so :func:`choose_settings`
validates on exactly that: the training colours are cut into hue sectors, each candidate is
fitted on every sector but one and scored on the one left out (95th percentile of CIEDE2000 over
its pixels, the tail that shows a look going wrong on colours it was not shown), and the
candidate with the lowest mean over the folds is kept if it clearly beats the defaults.
Near-neutral colours (no reliable hue) stay in every fold. Only the pairs it is given are ever
looked at: images scored later play no part.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from workbench.color import delta_e_2000
from workbench.errors import ParameterError
from workbench.model.look.fit import fit_binned
from workbench.model.look.settings import LookSettings, look_domain
from workbench.model.look_data import ColourPairs, bin_pairs
from workbench.model.look_net import opponent_hue

__all__ = ["CANDIDATES", "MARGIN", "Validation", "choose_settings", "hue_folds"]

#: Settings tried by default: three strengths of the hue terms' smoothness (the defaults' 1e-3,
#: then freer) under two schedules (Adam's defaults, with the residual LUT joining after 15 % of
#: the steps; or the curves, matrix and hue terms alone for half the steps at a higher rate).
#: Which wins depends on the look: a hue-selective grade wants free, well-converged hue terms;
#: a creative cube, smooth ones and the residual LUT.
CANDIDATES: tuple[dict[str, float | int], ...] = tuple(
    {**({"hue_smooth": smooth} if smooth != 1e-3 else {}), **schedule}
    for schedule in ({}, {"global_first": 0.5, "lr": 0.03})
    for smooth in (1e-3, 1e-4, 1e-5)
)

MARGIN = 0.1
"""Share by which a candidate must beat the first one's score to be chosen instead."""

CHROMA_MIN = 0.05
"""Normalised opponent chroma below which a colour has no reliable hue (kept in every fold)."""


@dataclass(frozen=True)
class Validation:
    """The chosen settings; each candidate's mean held-out p95 ΔE2000 and its folds' (in order).

    ``folds`` is the number of hue sectors held out in turn; ``chosen`` the index of the
    candidate kept.
    """

    settings: LookSettings
    scores: list[float]
    candidates: list[dict[str, float | int]]
    folds: int
    fold_scores: list[list[float]]
    chosen: int


def hue_folds(data: ColourPairs, sectors: int = 4, min_share: float = 0.02) -> list[torch.Tensor]:
    """``(M,)`` boolean masks of the bins each fold holds out: one hue sector's chromatic bins.

    Sectors are ``360 / sectors`` degrees of the before colour's hue, starting at cyan (-180°);
    a sector holding under ``min_share`` of the chromatic pixels makes no fold (too few to
    score).
    """
    chroma, hue = opponent_hue(data.before)
    chromatic = chroma > CHROMA_MIN
    sector = ((hue + math.pi) / (2 * math.pi) * sectors).long().clamp(0, sectors - 1)
    total = float(data.count[chromatic].sum())
    folds = []
    for k in range(sectors):
        held = chromatic & (sector == k)
        if total > 0 and float(data.count[held].sum()) >= min_share * total:
            folds.append(held)
    return folds


def _subset(data: ColourPairs, keep: torch.Tensor) -> ColourPairs:
    return ColourPairs(before=data.before[keep], after=data.after[keep],
                       count=data.count[keep], pixels=int(data.count[keep].sum()))


def _weighted_p95(values: torch.Tensor, weights: torch.Tensor) -> float:
    order = values.argsort()
    cum = weights[order].cumsum(0)
    i = int(torch.searchsorted(cum, 0.95 * cum[-1]).clamp(max=values.numel() - 1))
    return float(values[order][i])


def choose_settings(before: Sequence[torch.Tensor], after: Sequence[torch.Tensor], *,
                    space: str, base: LookSettings | None = None,
                    candidates: Sequence[dict[str, float | int]] = CANDIDATES,
                    seed: int = 0, steps: int | None = None, sectors: int = 4,
                    bins: int = 32, margin: float = MARGIN) -> Validation:
    """The candidate settings that best predict each hue sector of the pairs from the others.

    ``before``/``after`` as :func:`~workbench.model.look.fit_look` takes them; ``candidates``
    are changes to ``base`` (default :class:`LookSettings`); ``steps`` overrides every fold's
    step count and ``bins`` its colour bins per channel (coarser is quicker; the chosen
    settings keep their own). The first candidate (by default :class:`LookSettings` itself)
    is kept unless another's score is lower by at least ``margin`` of it: with a few folds,
    a few percent is noise, and a wrong switch costs more on unseen images than it gains.
    Raises :class:`ParameterError` when the pairs hold colour in fewer than two hue sectors
    (nothing to validate on).
    """
    domain = look_domain(space)
    if not candidates:
        raise ParameterError("choose_settings: no candidate settings to choose from")
    data = bin_pairs(before, after, domain, bins)
    folds = hue_folds(data, sectors)
    if len(folds) < 2:
        raise ParameterError(f"choose_settings: the pairs hold colour in {len(folds)} of "
                             f"{sectors} hue sectors; two or more are needed to validate")
    base = base or LookSettings()
    lo, hi = domain
    scores, fold_scores = [], []
    for change in candidates:
        settings = dataclasses.replace(base, **change)  # type: ignore[arg-type]
        fold_settings = dataclasses.replace(settings, bins=bins,
                                            steps=steps if steps else settings.steps)
        folds_p95 = []
        for held in folds:
            model = fit_binned(_subset(data, ~held), space=space, seed=seed,
                               settings=fold_settings)
            x = data.before[held] * (hi - lo) + lo
            with torch.no_grad():
                pred = model._look_rgb(x)
            truth = data.after[held] * (hi - lo) + lo
            d_e = delta_e_2000(pred.t().reshape(1, 3, -1, 1).contiguous(),
                               truth.t().reshape(1, 3, -1, 1).contiguous(), space).flatten()
            folds_p95.append(_weighted_p95(d_e.double(), data.count[held]))
        scores.append(sum(folds_p95) / len(folds_p95))
        fold_scores.append(folds_p95)
    best = min(range(len(scores)), key=scores.__getitem__)
    if scores[best] > (1 - margin) * scores[0]:
        best = 0  # within the folds' noise of the first candidate: keep it
    return Validation(dataclasses.replace(base, **candidates[best]),  # type: ignore[arg-type]
                      scores, list(candidates), len(folds), fold_scores, best)
