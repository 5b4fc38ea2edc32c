"""The lighting part of a proposal: the global grade, then the light's shape where it differs."""

from __future__ import annotations

import torch

from workbench.model.lighting.fit import LightingFit, fit_light_shape, refine_with_cdl
from workbench.model.lighting.samples import ViewPair, view_pair
from workbench.ops import CDL, Pipeline

__all__ = ["MAX_LEFT_STOPS", "MIN_SHAPE_STOPS", "add_lighting", "fit_lighting"]

MIN_SHAPE_STOPS = 0.08   # a proposal gains lighting operators only past this light error drop
MAX_LEFT_STOPS = 0.2     # ... and only when they leave less than this: the same surfaces, lit


def fit_lighting(shot: torch.Tensor, anchor: torch.Tensor, grade: Pipeline | None = None,
                 area: tuple[slice, slice] | None = None) -> LightingFit:
    """Lighting operators for what ``grade`` leaves of the difference in the light's shape.

    When ``grade`` ends in a :class:`~workbench.ops.CDL`, that CDL is refitted together with
    the lighting (:func:`~workbench.model.lighting.fit.refine_with_cdl`): a CDL fitted to a shot
    lit from one side bends its contrast to average the lamp out. The result's ``grade`` is
    the grade to use before the lighting operators.

    Parameters
    ----------
    shot, anchor
        ``(N, 3, H, W)`` linear ACEScg frames (the middle frame of each is compared).
    grade
        The shot's global grade (applied first); ``None`` for none.
    area
        Rows and columns of the picture, bars excluded.

    Returns
    -------
    LightingFit
        Empty (no operators) when the two do not show the same view, so no pixel can be
        compared with the same surface, or when the shape already matches.
    """
    grade = grade if grade is not None else Pipeline()
    key = shot[shot.shape[0] // 2:shot.shape[0] // 2 + 1]
    pair = view_pair(key, anchor, area)
    if pair is None:
        return LightingFit(grade=grade)
    ops = list(grade)
    cdl = ops[-1] if ops and isinstance(ops[-1], CDL) and ops[-1].strength == 1.0 else None
    prefix = Pipeline(ops[:-1] if cdl is not None else ops)
    with torch.no_grad():
        before_cdl = prefix.apply(pair.shot) if len(prefix) else pair.shot
        graded = Pipeline([cdl]).apply(before_cdl) if cdl is not None else before_cdl
    fit = fit_light_shape(ViewPair(graded, pair.anchor, pair.valid))
    fit.grade = grade
    if not fit.operators or cdl is None:
        return fit
    new_cdl, fit = refine_with_cdl(before_cdl, pair, cdl, fit)
    fit.grade = Pipeline([*prefix, new_cdl])
    return fit


def add_lighting(grade: Pipeline, shot: torch.Tensor, anchor: torch.Tensor,
                 area: tuple[slice, slice] | None = None) -> tuple[Pipeline, str]:
    """``grade`` then fitted lighting operators, and a phrase for the proposal's summary.

    A trailing CDL of ``grade`` is refitted with the lighting (see :func:`fit_lighting`).

    Each operator keeps its own parameters and follows the proposal's strength (0 is the
    identity). Unchanged, with ``""``, when the light's shape already matches, the views differ,
    the operators would explain less than :data:`MIN_SHAPE_STOPS` of it, or leave more than
    :data:`MAX_LEFT_STOPS` (what is left is not light: people moved, or another set-up).
    """
    fit = fit_lighting(shot, anchor, grade, area)
    if (not fit.operators or fit.grade is None or fit.before - fit.after < MIN_SHAPE_STOPS
            or fit.after > MAX_LEFT_STOPS):
        return grade, ""
    return Pipeline([*fit.grade, *fit.operators]), "; " + fit.describe()
