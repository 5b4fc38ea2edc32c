"""Background replacement: a new background brought to the plate's focus and light.

The plate's foreground is then composited over it. Estimation is separate from application:
:func:`fit_background` measures the plate (how soft its background is, its light and look)
and returns a :class:`BackgroundFit` of plain numbers and a match grade;
:func:`apply_background_fit` repeats exactly what was fitted on any frame of the background;
:func:`replace_background` does both and composites (:func:`workbench.matte.composite.composite`).

- **Defocus**: the plate's background softness is its *detail ratio* (:func:`detail_ratio`):
  the energy of the finest band of its log luminance (``x - G1 x``) over the next band
  (``G1 x - G3 x``), where the plate is background. Blurring lowers it monotonically, so the
  Gaussian sigma that gives the new background the same ratio on the same pixels is found by
  bisection (on a proxy of at most 512 pixels, scaled back). A new background already softer
  than the plate is left as it is: nothing is sharpened.
- **Light and look**: the title model's shot match
  (:func:`workbench.model.matching.match_frames`, ``"auto"`` by default: the title's learned
  matcher when one is given, else von Kries) fitted from the new background to the plate's
  own background pixels, so it takes on the scene's white balance, exposure and grade.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F

from workbench.checks import check_finite, check_image
from workbench.errors import ParameterError, ShapeError
from workbench.matte.composite import CLEAR_LEVEL, check_alpha, composite
from workbench.ops.lens import gaussian_blur
from workbench.ops.saturation import ACESCG_LUMA

if TYPE_CHECKING:
    from workbench.model.matching import LearnedMatcher, MatchGrade
    from workbench.ops import Pipeline

__all__ = [
    "MAX_DEFOCUS",
    "BackgroundFit",
    "BackgroundResult",
    "apply_background_fit",
    "area_scaled",
    "detail_ratio",
    "estimate_defocus",
    "fit_background",
    "grade_summary",
    "pixels_where",
    "replace_background",
]

MAX_DEFOCUS = 64.0
"""Largest background blur (Gaussian sigma, full-resolution pixels) the fit will choose."""
_PROXY = 512          # longest side the defocus is measured at
_MATCH_PROXY = 256    # longest side the light is matched at (colour statistics only)
_MIN_SIGMA = 0.25     # proxy pixels: the search range of the defocus
_MAX_PROXY_SIGMA = 16.0
_MIN_PIXELS = 1024    # plate background pixels needed to measure anything
_LOG_FLOOR = 2.0 ** -14


@dataclass(frozen=True)
class BackgroundFit:
    """What :func:`fit_background` measured: plain numbers that a render repeats exactly.

    ``defocus`` is the Gaussian sigma (full-resolution pixels) the new background is blurred
    by; ``grade`` the shot match from the new background to the plate's background (``None``:
    not matched); ``plate_detail`` and ``background_detail`` the detail ratios measured (the
    plate's target, the new background's before blurring).
    """

    defocus: float = 0.0
    grade: MatchGrade | Pipeline | None = None
    plate_detail: float | None = None
    background_detail: float | None = None

    def summary(self) -> str:
        """One line for a proposal and the report."""
        parts = [f"background blurred by sigma {self.defocus:.2f} px" if self.defocus
                 else "background not blurred"]
        if self.plate_detail is not None and self.background_detail is not None:
            parts.append(f"detail ratio {self.background_detail:.3f} -> plate "
                         f"{self.plate_detail:.3f}")
        parts.append(grade_summary(self.grade) if self.grade is not None
                     else "light not matched")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready numbers (the grade is stored apart, as a pipeline)."""
        return {"defocus": self.defocus, "plate_detail": self.plate_detail,
                "background_detail": self.background_detail,
                "match": None if self.grade is None else getattr(self.grade, "method", "stored")}


def grade_summary(grade: MatchGrade | Pipeline) -> str:
    """A match grade's one-sentence summary; a grade read back from a proposal has none."""
    return str(getattr(grade, "summary", "") or "colour matched (stored grade)")


@dataclass(frozen=True)
class BackgroundResult:
    """A background replacement: the composite, the matched background, the fit behind them.

    ``image`` and ``background`` are ``(B, 3, H, W)`` scene-linear ACEScg.
    """

    image: torch.Tensor
    background: torch.Tensor
    fit: BackgroundFit


def _log_luma(img: torch.Tensor) -> torch.Tensor:
    luma = torch.tensor(ACESCG_LUMA, dtype=img.dtype, device=img.device).reshape(1, 3, 1, 1)
    return torch.log2((img * luma).sum(dim=1, keepdim=True).clamp_min(_LOG_FLOOR))


def detail_ratio(img: torch.Tensor, mask: torch.Tensor | None = None,
                 base: float = 0.0) -> float:
    """How sharp ``img`` is: finest-band over next-band energy of its log luminance.

    ``mean |x - G1 x| / mean |G1 x - G3 x|`` with ``x = log2(Y)`` and ``Gs`` a Gaussian blur
    of sigma ``s`` pixels, over the pixels where ``mask`` (``(B|1, 1, H, W)`` bool) is set.
    Independent of exposure (a log) and of contrast (a ratio); lower is softer. ``base > 0``
    blurs ``x`` by that sigma first, so that grain (pixel-sized) weighs less than the lens.

    Shape
    -----
    ``img`` ``(B, 3, H, W)`` scene-linear ACEScg → a float (``nan`` with no pixel to measure)
    """
    x = _log_luma(img)
    if base > 0:
        x = gaussian_blur(x, torch.tensor([float(base)], dtype=x.dtype))
    g1 = gaussian_blur(x, torch.tensor([1.0], dtype=x.dtype))
    g3 = gaussian_blur(x, torch.tensor([3.0], dtype=x.dtype))
    fine, mid = (x - g1).abs(), (g1 - g3).abs()
    if mask is not None:
        m = mask.expand_as(fine)
        fine, mid = fine[m], mid[m]
    if fine.numel() == 0:
        return math.nan
    return float(fine.mean() / mid.mean().clamp_min(1e-12))


def area_scaled(img: torch.Tensor, scale: float) -> torch.Tensor:
    """``img`` ``(B, C, H, W)`` resized by ``scale`` (area average; at least 1 pixel a side).

    The proxy that fits measure on (any colour space: an average is taken, nothing else).
    """
    if scale == 1.0:
        return img
    size = (max(1, round(img.shape[-2] * scale)), max(1, round(img.shape[-1] * scale)))
    return F.interpolate(img, size=size, mode="area")


def _clear_region(alpha: torch.Tensor, margin: float) -> torch.Tensor:
    """Where the plate is background, ``margin`` pixels away from any foreground (bool)."""
    fg = (alpha > CLEAR_LEVEL).to(torch.float32)
    if margin > 0:
        fg = gaussian_blur(fg, torch.tensor([margin], dtype=fg.dtype))
    return fg <= 1e-3


def estimate_defocus(plate: torch.Tensor, alpha: torch.Tensor, background: torch.Tensor
                     ) -> tuple[float, float | None, float | None]:
    """The Gaussian sigma that makes ``background`` as soft as the plate's own background.

    The sigma is in full-resolution pixels. Returns ``(sigma, plate_ratio,
    background_ratio)``; ``(0, None, None)`` when the plate shows too little background
    (under 1024 proxy pixels) to measure.
    """
    scale = min(1.0, _PROXY / max(plate.shape[-2:]))
    p = area_scaled(plate[:1].float(), scale)
    b = area_scaled(background[:1].float(), scale)
    a = area_scaled(alpha[:1].float(), scale)
    clear = _clear_region(a, 2.0)
    if int(clear.sum()) < _MIN_PIXELS:
        return 0.0, None, None
    target = detail_ratio(p, clear)
    start = detail_ratio(b, clear)
    if not (math.isfinite(target) and math.isfinite(start)) or start <= target:
        return 0.0, target, start

    def ratio(sigma: float) -> float:
        return detail_ratio(gaussian_blur(b, torch.tensor([sigma])), clear)

    lo, hi = _MIN_SIGMA, min(MAX_DEFOCUS * scale, _MAX_PROXY_SIGMA)
    at_lo = ratio(lo)
    if at_lo <= target:  # between no blur and the smallest: interpolate
        sigma = lo * (start - target) / max(start - at_lo, 1e-12)
        return round(sigma / scale, 3), target, start
    if ratio(hi) > target:
        return round(hi / scale, 3), target, start
    for _ in range(9):  # bisection on log sigma: blurs stay small until they must not
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if ratio(mid) > target else (lo, mid)
    return round(math.sqrt(lo * hi) / scale, 3), target, start


def pixels_where(img: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The pixels of ``img`` where ``mask`` is set, as one near-square frame.

    ``img`` ``(B, 3, H, W)``, ``mask`` ``(B|1, 1, H, W)`` bool → ``(1, 3, h, w)`` (what
    :func:`~workbench.model.matching.match_frames` takes; the last ``P - h*w < h`` pixels of
    the ``P`` selected are dropped). Only their statistics mean anything, not their layout.
    """
    m = mask.expand(img.shape[0], 1, *img.shape[2:])
    px = img.permute(1, 0, 2, 3)[:, m[:, 0]]
    count = px.shape[1]
    h = max(1, math.isqrt(count))
    w = count // h
    return px[:, :h * w].reshape(1, 3, h, w).contiguous()


def fit_background(plate: torch.Tensor, alpha: torch.Tensor, background: torch.Tensor, *,
                   match: str | None = "auto", defocus: bool = True,
                   title_model: LearnedMatcher | None = None) -> BackgroundFit:
    """Measure how to bring ``background`` to the plate's focus and light.

    Parameters
    ----------
    plate
        Scene-linear ACEScg ``(B, 3, H, W)`` (its first frame is measured).
    alpha
        The plate foreground's matte ``(B|1, 1, H, W)``.
    background
        Scene-linear ACEScg ``(B|1, 3, H, W)``, the plate's size.
    match
        A shot-match method (:data:`~workbench.model.matching.MATCH_METHODS` or ``"auto"``),
        fitted from the background to the plate's background pixels; ``None``: no match.
    defocus
        Estimate the blur (:func:`estimate_defocus`); False leaves it sharp.
    title_model
        The trained matcher for ``"title"``/``"auto"`` (see ``match_frames``).
    """
    check_image(plate, "fit_background plate")
    check_alpha(alpha, plate, "fit_background matte")
    check_image(background, "fit_background background")
    if tuple(background.shape[2:]) != tuple(plate.shape[2:]):
        raise ShapeError(f"fit_background: background {tuple(background.shape[2:])} does not "
                         f"match the plate {tuple(plate.shape[2:])}")
    sigma, target, start = estimate_defocus(plate, alpha, background) if defocus else \
        (0.0, None, None)
    grade = None
    if match is not None:
        from workbench.model.framing import ActiveArea
        from workbench.model.matching import match_frames
        scale = min(1.0, _MATCH_PROXY / max(plate.shape[-2:]))
        clear = _clear_region(area_scaled(alpha[:1].float(), scale), 0.0)
        ref = pixels_where(area_scaled(plate[:1].float(), scale), clear)
        if ref.shape[2] * ref.shape[3] < _MIN_PIXELS:
            raise ParameterError(f"fit_background: the plate shows only "
                                 f"{ref.shape[2] * ref.shape[3]} "
                                 "background pixels, too few to match the light to; pass "
                                 "match=None")
        full = ActiveArea(0, ref.shape[2], 0, ref.shape[3])
        small = area_scaled(background[:1].float(), scale)
        grade = match_frames(small, ref, match, title_model=title_model, ref_area=full,
                             reference_name="the plate's background")
    return BackgroundFit(sigma, grade, target, start)


def apply_background_fit(background: torch.Tensor, fit: BackgroundFit) -> torch.Tensor:
    """``background`` matched (grade) then defocused, exactly as ``fit`` says.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``
    """
    check_image(background, "apply_background_fit background")
    out = fit.grade.apply(background) if fit.grade is not None else background
    if fit.defocus > 0:
        out = gaussian_blur(out, torch.tensor([fit.defocus], dtype=out.dtype))
    return out


def replace_background(plate: torch.Tensor, alpha: torch.Tensor, background: torch.Tensor, *,
                       strength: float = 1.0, match: str | None = "auto",
                       defocus: bool = True, decontaminate_edges: bool = True,
                       light_wrap_amount: float = 0.1, light_wrap_radius: float = 8.0,
                       title_model: LearnedMatcher | None = None,
                       fit: BackgroundFit | None = None) -> BackgroundResult:
    """Replace the plate's background: fit (unless ``fit`` is given), apply, composite.

    Parameters
    ----------
    plate, alpha, background
        As :func:`fit_background`; ``background`` may be one frame for the whole batch.
    strength
        In [0, 1]; 0 returns the plate bit for bit.
    match, defocus, title_model
        See :func:`fit_background`.
    decontaminate_edges, light_wrap_amount, light_wrap_radius
        See :func:`~workbench.matte.composite.composite`.
    fit
        A fit from before (a journaled proposal): applied as it is, nothing re-measured.

    Returns
    -------
    BackgroundResult
        The composite, the matched background and the fit.
    """
    check_image(plate, "replace_background plate")
    check_finite(plate, "replace_background plate")
    check_finite(background, "replace_background background")
    if fit is None:
        fit = fit_background(plate, alpha, background, match=match, defocus=defocus,
                             title_model=title_model)
    matched = apply_background_fit(background, fit)
    image = composite(plate, alpha, matched, strength=strength,
                      decontaminate_edges=decontaminate_edges,
                      light_wrap_amount=light_wrap_amount, light_wrap_radius=light_wrap_radius)
    return BackgroundResult(image, matched, fit)
