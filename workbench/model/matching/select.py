"""Choosing among fitted matches by a held-out residual, and confidence from that residual.

A match is only as good as what it predicts on pixels it was not fitted on. When the views
share surfaces (:mod:`.correspond`), that is the mean ΔE2000 between the graded shot and the
reference on the shared pixels of the odd tiles: the error a person would see there. A
method fitted on the shared pixels (``views``, the fit through the title's frames) is scored
as refitted on the even tiles alone, so no candidate is scored on pixels it was fitted on;
a more flexible candidate is kept only when it beats a simpler one by more than the tiles'
scatter (:func:`choose`). When the views share no surface, only distributions can be compared: the
log2-quantile mismatch of the graded shot against the reference, which says less (a method
that forces the statistics to match scores well whether or not it is right), so it yields
lower confidence.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from workbench.model.matching.correspond import held_out_residual, held_out_tile_errors
from workbench.model.matching.registry import Choice, MatchInputs, PixelMap
from workbench.model.matching.transfer import LINEAR_FLOOR, _log_quantile_mismatch
from workbench.ops import Pipeline

__all__ = [
    "NO_VIEWS_CEILING",
    "PARSIMONY",
    "RESIDUAL_SCALE",
    "choose",
    "confidence_from_residual",
    "pixel_map_of",
    "residual",
]

RESIDUAL_SCALE = 2.5     # ΔE2000 held out at which confidence is one half
NO_VIEWS_CEILING = 0.5   # the most confidence a match without shared surfaces can have
# Log2-quantile mismatch at which that confidence halves: on the sample title, a matched
# shot of the same scene leaves 0.15-0.6, the title card against the stage 0.9.
MISMATCH_SCALE = 0.5
# The order in which candidates are preferred (see choose): first those fitted on other
# evidence than the shared pixels, which the held-out residual tests as it would any unseen
# data (von Kries, exactly the model of a change of light, on the frames' distributions; the
# network, trained on the title's dailies), then those fitted on the shared pixels, fewest
# parameters first ("views": a contrast and a 3x3; "title frames": two such fits chained).
# Even refitted on half the tiles, these share the pairs' misregistration and whatever differs
# between the two moments, which a flexible fit absorbs and the residual then rewards. Names
# not listed come after them, in the order given.
PARSIMONY = ("von-kries", "network", "views", "title frames")


def pixel_map_of(fitted: Any) -> PixelMap:
    """A method's result (``PixelMap`` or :class:`~workbench.ops.Pipeline`) as a pixel map."""
    if not isinstance(fitted, Pipeline):
        return fitted

    def apply(lin: torch.Tensor) -> torch.Tensor:
        img = lin.float().T.reshape(1, 3, -1, 1).contiguous()
        return fitted.apply(img).reshape(3, -1).T
    return apply


def residual(pixel_map: PixelMap, inputs: MatchInputs) -> tuple[float, str]:
    """How far ``pixel_map`` misses, and in what unit.

    ΔE2000 on held-out shared pixels, or the log2-quantile mismatch of the graded shot's
    pixels (odd rows of the sample) when the views share none.
    """
    if inputs.pairs is not None:
        return held_out_residual(pixel_map, inputs.pairs), "ΔE2000"
    shot, ref = inputs.shot_pixels[1::2][:65536], inputs.reference_pixels[1::2][:65536]
    mapped = torch.nan_to_num(pixel_map(shot).double(), nan=LINEAR_FLOOR)
    return _log_quantile_mismatch(mapped, ref.double()), "log2 quantile mismatch"


def confidence_from_residual(value: float, measure: str) -> float:
    """Confidence in [0, 1]: higher means a smaller expected error.

    ``1 / (1 + (r / RESIDUAL_SCALE)²)`` for a held-out ΔE2000 ``r``; without shared pixels,
    at most :data:`NO_VIEWS_CEILING`, halving at a mismatch of :data:`MISMATCH_SCALE`.
    """
    if not math.isfinite(value):  # nothing measured
        return 0.0
    if measure == "ΔE2000":
        return 1.0 / (1.0 + (value / RESIDUAL_SCALE) ** 2)
    return NO_VIEWS_CEILING / (1.0 + (value / MISMATCH_SCALE) ** 2)


def choose(inputs: MatchInputs, candidates: dict[str, Any],
           held_out: dict[str, Any] | None = None) -> Choice:
    """The simplest candidate whose held-out residual the best one does not clearly beat.

    ``candidates`` maps names to fitted results (``PixelMap`` or ``Pipeline``); ``None``
    entries are skipped. ``held_out`` maps a name to the same method refitted on the fitting
    half of the shared pixels only (:func:`~workbench.model.matching.correspond.split`): what
    its residual is measured with, so a method fitted on the shared pixels is scored on tiles
    it never saw, as one fitted on other evidence is.

    On shared pixels the choice follows the one-standard-error rule (Breiman et al. 1984):
    the best candidate by residual is found, then the first of :data:`PARSIMONY` whose
    tile-by-tile excess over it is within one standard error of that excess is kept. Pixel
    pairs from two moments or two views carry misalignment and what really differs between
    them, which a flexible fit partly explains and a held-out residual partly rewards: an
    advantage within the tiles' scatter is not evidence. Without shared pixels, the least
    mismatch wins (ties go to the first listed).
    """
    held_out = held_out or {}
    scored = {name: held_out.get(name, fitted) for name, fitted in candidates.items()
              if fitted is not None}
    scores: dict[str, float] = {}
    measure = "ΔE2000"
    for name, fitted in scored.items():
        scores[name], measure = residual(pixel_map_of(fitted), inputs)
    best = min(scores, key=lambda n: (scores[n], list(scores).index(n)))
    if inputs.pairs is not None and math.isfinite(scores[best]):
        best = _simplest_within_one_se(inputs, scored, best)
    return Choice(candidates[best], best, scores[best], scores, measure)


def _simplest_within_one_se(inputs: MatchInputs, scored: dict[str, Any], best: str) -> str:
    """The first of :data:`PARSIMONY` (then the rest) not clearly worse than ``best``."""
    assert inputs.pairs is not None
    errors = {name: held_out_tile_errors(pixel_map_of(f), inputs.pairs)
              for name, f in scored.items()}
    order = sorted(scored, key=lambda n: (PARSIMONY.index(n) if n in PARSIMONY
                                          else len(PARSIMONY) + list(scored).index(n)))
    for name in order:
        if name == best:
            return best
        excess = errors[name] - errors[best]
        if excess.numel() < 2:
            continue
        if float(excess.mean()) <= float(excess.std()) / math.sqrt(excess.numel()):
            return name
    return best
