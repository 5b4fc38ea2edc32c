"""VFX integration: make an element (a render with alpha, a piece of another plate) sit in a plate.

:func:`fit_integration` measures, on the element inside its matte and on the plate, everything
that gives an element away, and returns an :class:`IntegrationFit` of plain numbers (and a
match grade); :func:`apply_integration` repeats it exactly on any frame; :func:`integrate` does
both, composites the element over the plate and reports the statistics before and after
(:class:`~workbench.matte.element_stats.IntegrationReport`). In order:

1. **colour and levels**: the title model's shot match
   (:func:`workbench.model.matching.match_frames`) from the element's pixels where its matte is
   at least half (the matte restricts what is measured) to the plate;
2. **blur or sharpness**: the element is blurred (Gaussian) or sharpened (unsharp mask) until
   its detail ratio (:func:`~workbench.matte.background.detail_ratio`, grain-insensitive
   form) is the plate's;
3. **vignette and lens distortion** of the plate, given as numbers (``Vignette`` stops and
   Brown–Conrady ``k1, k2`` as :mod:`workbench.ops.lens` takes them; neither is measurable from
   one plate without a chart), applied at the element's place in the frame;
4. **grain**: the plate's grain per luminance band added to the element
   (:mod:`workbench.matte.grain_match`), last, as the film grain is over everything.

The element is straight (unpremultiplied) colour with its alpha; it and the plate are
scene-linear ACEScg of the same size. Nothing is clamped, nothing generated: the result is the
element's pixels, transformed, over the plate's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch

from workbench.checks import check_finite, check_image
from workbench.errors import ParameterError, ShapeError
from workbench.matte.background import (
    area_scaled,
    detail_ratio,
    grade_summary,
    pixels_where,
)
from workbench.matte.composite import check_alpha, over, premultiply, unpremultiply
from workbench.matte.element_stats import (
    SHARPNESS_BASE,
    IntegrationReport,
    element_stats,
)
from workbench.matte.grain_match import GrainFit, apply_grain, fit_grain, inner_mask
from workbench.ops.lens import apply_lens_distortion, apply_sharpen, apply_vignette, gaussian_blur

if TYPE_CHECKING:
    from workbench.model.matching import LearnedMatcher, MatchGrade
    from workbench.ops import Pipeline

__all__ = [
    "Integration",
    "IntegrationFit",
    "apply_integration",
    "fit_integration",
    "integrate",
]

_PROXY = 1024            # longest side sharpness is matched at
_MATCH_PROXY = 256       # longest side colour is matched at (statistics only)
_MIN_PIXELS = 256        # element pixels needed to match its colour
_SHARPEN_RADIUS = 1.0    # proxy pixels
_MAX_BLUR = 16.0         # proxy pixels
_MAX_SHARPEN = 1.0      # sharpening amplifies what the element holds: kept gentle


@dataclass(frozen=True)
class IntegrationFit:
    """What :func:`fit_integration` found: a render repeats exactly from these.

    ``grade``: the colour match (``None``: not matched); ``blur``: Gaussian sigma and
    ``sharpen``: unsharp amount (radius ``sharpen_radius``), full-resolution pixels, at most one
    non-zero; ``vignette``: stops in the corners; ``distortion``: ``(k1, k2)``; ``grain``: the
    grain added (``None``: none).
    """

    grade: MatchGrade | Pipeline | None = None
    blur: float = 0.0
    sharpen: float = 0.0
    sharpen_radius: float = _SHARPEN_RADIUS
    vignette: float = 0.0
    distortion: tuple[float, float] = (0.0, 0.0)
    grain: GrainFit | None = None

    def summary(self) -> str:
        """One line for a proposal and the report."""
        parts = [grade_summary(self.grade) if self.grade is not None else "colour not matched"]
        if self.blur:
            parts.append(f"blurred by sigma {self.blur:.2f} px")
        elif self.sharpen:
            parts.append(f"sharpened by {self.sharpen:.2f}")
        if self.vignette:
            parts.append(f"vignette {self.vignette:+.2f} stops")
        if any(self.distortion):
            parts.append(f"distortion k1 {self.distortion[0]:g}, k2 {self.distortion[1]:g}")
        parts.append("grain matched per band" if self.grain is not None else "no grain")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready numbers (the grade is stored apart, as a pipeline)."""
        return {"match": None if self.grade is None else getattr(self.grade, "method", "stored"),
                "blur": self.blur, "sharpen": self.sharpen,
                "sharpen_radius": self.sharpen_radius, "vignette": self.vignette,
                "distortion": list(self.distortion),
                "grain": None if self.grain is None else self.grain.to_dict()}


@dataclass(frozen=True)
class Integration:
    """An integration: the element over the plate, and what went into it.

    ``image`` ``(B, 3, H, W)`` is the composite; ``element`` (straight colour) and ``alpha``
    the element as integrated; ``report`` the statistics before and after (``None`` when not
    asked for).
    """

    image: torch.Tensor
    element: torch.Tensor
    alpha: torch.Tensor
    fit: IntegrationFit
    report: IntegrationReport | None = field(default=None)


def _check_inputs(element: torch.Tensor, alpha: torch.Tensor, plate: torch.Tensor) -> None:
    check_image(element, "integrate element")
    check_finite(element, "integrate element")
    check_alpha(alpha, element, "integrate element matte")
    check_image(plate, "integrate plate")
    check_finite(plate, "integrate plate")
    if tuple(plate.shape[2:]) != tuple(element.shape[2:]):
        raise ShapeError(f"integrate: element {tuple(element.shape[2:])} does not match the "
                         f"plate {tuple(plate.shape[2:])}; place it on a plate-sized frame")


def _log_bisect(measure: Any, target: float, lo: float, hi: float, rising: bool) -> float:
    """The value in ``[lo, hi]`` (log scale) where ``measure`` crosses ``target``."""
    for _ in range(9):
        mid = math.sqrt(lo * hi)
        above = measure(mid) > target
        lo, hi = (mid, hi) if above != rising else (lo, mid)
    return math.sqrt(lo * hi)


def _fit_sharpness(element: torch.Tensor, alpha: torch.Tensor, plate: torch.Tensor
                   ) -> tuple[float, float, float]:
    """``(blur sigma, sharpen amount, sharpen radius)``, full-resolution, matching the plate."""
    scale = min(1.0, _PROXY / max(plate.shape[-2:]))
    el = area_scaled(element[:1].float(), scale)
    inside = inner_mask(area_scaled(alpha[:1].float(), scale), level=0.99, margin=3)
    if int(inside.sum()) < _MIN_PIXELS:
        return 0.0, 0.0, _SHARPEN_RADIUS / scale
    target = detail_ratio(area_scaled(plate[:1].float(), scale), None, base=SHARPNESS_BASE)
    now = detail_ratio(el, inside, base=SHARPNESS_BASE)
    if not (math.isfinite(target) and math.isfinite(now)) or abs(now - target) <= 0.02 * target:
        return 0.0, 0.0, _SHARPEN_RADIUS / scale

    def blurred(sigma: float) -> float:
        return detail_ratio(gaussian_blur(el, torch.tensor([sigma])), inside,
                            base=SHARPNESS_BASE)

    def sharpened(amount: float) -> float:
        return detail_ratio(apply_sharpen(el, amount, _SHARPEN_RADIUS), inside,
                            base=SHARPNESS_BASE)

    radius = _SHARPEN_RADIUS / scale
    if now > target:
        if blurred(_MAX_BLUR) > target:
            return _MAX_BLUR / scale, 0.0, radius
        return round(_log_bisect(blurred, target, 0.1, _MAX_BLUR, False) / scale, 3), 0.0, radius
    if sharpened(_MAX_SHARPEN) < target:
        return 0.0, _MAX_SHARPEN, radius
    return 0.0, round(_log_bisect(sharpened, target, 0.01, _MAX_SHARPEN, True), 3), radius


def _warp(element: torch.Tensor, alpha: torch.Tensor, k: tuple[float, float]
          ) -> tuple[torch.Tensor, torch.Tensor]:
    """The element (straight colour) and its alpha through the lens distortion.

    Resampled premultiplied, so that edges carry no colour from outside the element.
    """
    a = alpha.to(element.dtype).expand(element.shape[0], 1, *element.shape[2:])
    premult = apply_lens_distortion(premultiply(element, a), k[0], k[1],
                                    interpolation="bilinear")
    warped_a = apply_lens_distortion(a.expand(-1, 3, -1, -1), k[0], k[1],
                                     interpolation="bilinear")[:, :1]
    return unpremultiply(premult, warped_a), warped_a


def _before_grain(element: torch.Tensor, alpha: torch.Tensor, fit: IntegrationFit
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    out = fit.grade.apply(element) if fit.grade is not None else element
    if fit.blur > 0:
        out = gaussian_blur(out, torch.tensor([fit.blur], dtype=out.dtype))
    elif fit.sharpen > 0:
        out = apply_sharpen(out, fit.sharpen, fit.sharpen_radius)
    if fit.vignette:
        out = apply_vignette(out, fit.vignette)
    if any(fit.distortion):
        return _warp(out, alpha, fit.distortion)
    return out, alpha.to(out.dtype)


def fit_integration(element: torch.Tensor, alpha: torch.Tensor, plate: torch.Tensor, *,
                    match: str | None = "auto", sharpness: bool = True, grain: bool = True,
                    vignette: float = 0.0, distortion: tuple[float, float] = (0.0, 0.0),
                    seed: int = 0, title_model: LearnedMatcher | None = None
                    ) -> IntegrationFit:
    """Measure how to make ``element`` sit in ``plate``.

    Parameters
    ----------
    element
        Scene-linear ACEScg ``(B, 3, H, W)``, straight colour (its first frame is measured).
    alpha
        The element's matte ``(B|1, 1, H, W)`` in [0, 1].
    plate
        Scene-linear ACEScg ``(B|1, 3, H, W)``, the element's size.
    match
        A shot-match method or ``"auto"`` (see ``match_frames``); ``None``: no colour match.
    sharpness, grain
        Match the plate's softness and grain.
    vignette
        The plate's vignette in stops in the corners (``Vignette.amount``, in [-4, 4]).
    distortion
        The plate's ``(k1, k2)`` (``LensDistortion``), each in [-4, 4].
    seed
        The grain's seed.
    title_model
        The trained matcher for ``"title"``/``"auto"``.
    """
    _check_inputs(element, alpha, plate)
    if not -4.0 <= vignette <= 4.0:
        raise ParameterError(f"integrate: vignette must be in [-4, 4] stops, got {vignette:g}")
    if len(distortion) != 2 or not all(-4.0 <= k <= 4.0 for k in distortion):
        raise ParameterError(f"integrate: distortion must be (k1, k2) in [-4, 4], "
                             f"got {tuple(distortion)}")
    el, a = element[:1].float(), alpha[:1].float()
    grade = None
    if match is not None:
        from workbench.model.framing import ActiveArea
        from workbench.model.matching import match_frames

        scale = min(1.0, _MATCH_PROXY / max(plate.shape[-2:]))
        px = pixels_where(area_scaled(el, scale), area_scaled(a, scale) >= 0.5)
        if px.shape[2] * px.shape[3] < _MIN_PIXELS:
            raise ParameterError(f"integrate: the element's matte covers only "
                                 f"{px.shape[2] * px.shape[3]} proxy pixels, too few to match "
                                 "its colour; pass match=None")
        grade = match_frames(px, area_scaled(plate[:1].float(), scale), match,
                             title_model=title_model,
                             shot_area=ActiveArea(0, px.shape[2], 0, px.shape[3]),
                             reference_name="the plate")
    fit = IntegrationFit(grade, vignette=float(vignette),
                         distortion=(float(distortion[0]), float(distortion[1])))
    if sharpness:
        graded = grade.apply(el) if grade is not None else el
        blur, sharpen, radius = _fit_sharpness(graded, a, plate)
        fit = IntegrationFit(grade, blur, sharpen, radius, fit.vignette, fit.distortion)
    if grain:
        ready, ready_a = _before_grain(el, a, fit)
        found, _, _ = fit_grain(ready, ready_a, plate[:1].float(), seed=seed)
        fit = IntegrationFit(fit.grade, fit.blur, fit.sharpen, fit.sharpen_radius, fit.vignette,
                             fit.distortion, found)
    return fit


def apply_integration(element: torch.Tensor, alpha: torch.Tensor, plate: torch.Tensor,
                      fit: IntegrationFit, *, strength: float = 1.0,
                      frames: Sequence[int] | None = None
                      ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Apply ``fit`` and put the element over the plate: ``(image, element, alpha)``.

    ``image`` blends from the plate (``strength`` 0, bit for bit) to the integration (1);
    ``frames`` are the frame numbers that seed the grain (default the batch position).

    Shape
    -----
    ``element`` ``(B, 3, H, W)``, ``alpha`` ``(B|1, 1, H, W)``, ``plate`` ``(B|1, 3, H, W)`` →
    ``(B, 3, H, W)``, ``(B, 3, H, W)``, ``(B, 1, H, W)``
    """
    _check_inputs(element, alpha, plate)
    if not 0.0 <= strength <= 1.0:
        raise ParameterError(f"integrate.strength must be in [0, 1], got {strength:g}")
    out, a = _before_grain(element, alpha, fit)
    if fit.grain is not None:
        out = apply_grain(out, fit.grain, frames)
    base = plate.to(out.dtype).expand(out.shape[0], -1, -1, -1)
    if strength == 0.0:
        return plate.expand_as(base).clone(), out, a
    image, _ = over(premultiply(out, a), a, base)
    return (image if strength == 1.0 else torch.lerp(base, image, float(strength))), out, a


def integrate(element: torch.Tensor, alpha: torch.Tensor, plate: torch.Tensor, *,
              strength: float = 1.0, fit: IntegrationFit | None = None, report: bool = True,
              match: str | None = "auto", sharpness: bool = True, grain: bool = True,
              vignette: float = 0.0, distortion: tuple[float, float] = (0.0, 0.0),
              seed: int = 0, title_model: LearnedMatcher | None = None,
              frames: Sequence[int] | None = None) -> Integration:
    """Fit (unless ``fit`` is given), apply, composite over the plate, and report.

    Parameters are those of :func:`fit_integration` and :func:`apply_integration`;
    ``report`` measures :class:`~workbench.matte.element_stats.IntegrationReport` (the plate,
    the element before and after, inside its solid matte).

    Example
    -------
    >>> plate = torch.rand(1, 3, 16, 16)
    >>> out = integrate(torch.rand(1, 3, 16, 16), torch.ones(1, 1, 16, 16), plate,
    ...                 strength=0.0, match=None, report=False)
    >>> torch.equal(out.image, plate)
    True
    """
    if fit is None:
        fit = fit_integration(element, alpha, plate, match=match, sharpness=sharpness,
                              grain=grain, vignette=vignette, distortion=distortion, seed=seed,
                              title_model=title_model)
    image, out, a = apply_integration(element, alpha, plate, fit, strength=strength,
                                      frames=frames)
    stats = None
    if report:
        stats = IntegrationReport(element_stats(plate),
                                  element_stats(element, inner_mask(alpha.float())),
                                  element_stats(out, inner_mask(a)))
    return Integration(image, out, a, fit, stats)
