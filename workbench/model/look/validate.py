"""Choosing a look's training settings on the pairs alone: leave one pair out.

With a handful of before/after pairs, the settings that extrapolate best (how many hue
harmonics, how strongly they are smoothed, how much rare colours weigh) cannot be read off the
training error. :func:`choose_settings` fits each candidate on all pairs but one, scores it on
the pair left out (95th percentile of CIEDE2000, the tail that shows a look going wrong on
colours it was not shown), and keeps the candidate with the lowest mean over the folds. Only
the pairs it is given are ever looked at: images scored later play no part.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from workbench.color import delta_e_2000
from workbench.errors import ParameterError
from workbench.model.look.fit import fit_look
from workbench.model.look.settings import LookSettings

__all__ = ["CANDIDATES", "Validation", "choose_settings"]

#: Settings tried by default: the defaults, then more hue freedom with more smoothing, and
#: rarer colours weighed more (held-out images show colours the pairs barely have).
CANDIDATES: tuple[dict[str, float | int], ...] = (
    {},
    {"hue_order": 4},
    {"hue_order": 4, "hue_smooth": 1e-2},
    {"count_power": 0.0},
    {"hue_order": 4, "count_power": 0.0},
    {"hue_order": 6, "hue_smooth": 1e-2, "count_power": 0.0},
)


@dataclass(frozen=True)
class Validation:
    """The chosen settings, and each candidate's mean held-out p95 ΔE2000 (in order)."""

    settings: LookSettings
    scores: list[float]
    candidates: list[dict[str, float | int]]


def _p95(predicted: torch.Tensor, truth: torch.Tensor, space: str) -> float:
    d_e = delta_e_2000(predicted.float(), truth.float(), space).flatten().double()
    return float(torch.quantile(d_e[:: max(1, d_e.numel() // 1_000_000)], 0.95))


def choose_settings(before: Sequence[torch.Tensor], after: Sequence[torch.Tensor], *,
                    space: str, base: LookSettings | None = None,
                    candidates: Sequence[dict[str, float | int]] = CANDIDATES,
                    seed: int = 0, steps: int | None = None) -> Validation:
    """The candidate settings that best predict each pair from the others (leave one out).

    ``before``/``after`` as :func:`~workbench.model.look.fit_look` takes them, at least two
    pairs; ``candidates`` are changes to ``base`` (default :class:`LookSettings`); ``steps``
    overrides every fit's step count (quicker, for a coarse choice).
    """
    if len(before) < 2 or len(before) != len(after):
        raise ParameterError(f"choose_settings: needs two or more before/after pairs, got "
                             f"{len(before)} and {len(after)}")
    base = base or LookSettings()
    scores = []
    for change in candidates:
        settings = dataclasses.replace(base, **change)  # type: ignore[arg-type]
        folds = []
        for k in range(len(before)):
            keep = [i for i in range(len(before)) if i != k]
            model = fit_look([before[i] for i in keep], [after[i] for i in keep], space=space,
                             seed=seed, steps=steps, settings=settings, progress=False)
            folds.append(_p95(model.apply(before[k]), after[k], space))
        scores.append(sum(folds) / len(folds))
    best = min(range(len(scores)), key=scores.__getitem__)
    return Validation(dataclasses.replace(base, **candidates[best]),  # type: ignore[arg-type]
                      scores, list(candidates))
