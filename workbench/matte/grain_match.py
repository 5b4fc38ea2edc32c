"""Grain matching: give a clean element the plate's grain, band by band of luminance.

The plate's grain is measured as the title's profiles measure it
(:func:`workbench.model.profiles.grain.measure_grain`: Immerkær's noise σ on ACEScct luma, per
luminance band, edges excluded); the element's the same way inside its matte. Grain adds in
power, so each band gets white Gaussian grain of σ ``sqrt(plate² - element²)`` in ACEScct
(monochrome: the same value on the three channels moves ACEScct luma by exactly that much on
the log segment). Because the estimator is not exactly additive (the edge threshold moves,
bands fill differently), the fit measures the grained element and corrects each band's σ a
few times, as a compositor does with a grain tool's sliders. A band where the element is
already noisier than the plate gets none: grain is only ever added, never taken away.

Estimation (:func:`fit_grain`) is separate from application (:func:`apply_grain`): a fit is a
tuple of numbers and a seed, and the same fit, seed and frame give the same grain.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from workbench.checks import check_image
from workbench.color.encodings import acescct_to_lin_torch, lin_to_acescct_torch
from workbench.errors import ParameterError
from workbench.model.profiles.colour import acescct_luma
from workbench.model.profiles.grain import GRAIN_BANDS, Grain, measure_grain
from workbench.ops.lens.grain import film_grain_noise
from workbench.ops.saturation import ACESCG_LUMA

__all__ = ["GrainFit", "apply_grain", "band_power", "describe_bands", "fit_grain", "grain_of",
           "inner_mask"]

_ITERATIONS = 4
_MID_GREY = 0.18
_LOG_FLOOR = 2.0 ** -14


@dataclass(frozen=True)
class GrainFit:
    """Grain to add, and its seed.

    ``sigma`` is in ACEScct code values, one per luminance band of
    :data:`~workbench.model.profiles.grain.GRAIN_BANDS`.
    """

    sigma: tuple[float, ...]
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"sigma": list(self.sigma), "seed": self.seed}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GrainFit:
        """Inverse of :meth:`to_dict`."""
        return cls(tuple(float(s) for s in data["sigma"]), int(data["seed"]))


def inner_mask(alpha: torch.Tensor, level: float = 0.999, margin: int = 2) -> torch.Tensor:
    """Where ``alpha`` ``(B, 1, H, W)`` is solid, ``margin`` pixels in from its edges (bool)."""
    solid = (alpha >= level).float()
    if margin > 0:
        k = 2 * margin + 1
        solid = -torch.nn.functional.max_pool2d(-solid, k, stride=1, padding=margin)
    return solid > 0.5


def grain_of(img: torch.Tensor, inside: torch.Tensor | None = None) -> Grain:
    """The grain of ``img`` ``(B, 3, H, W)`` ACEScg, per band, optionally inside a mask.

    ``inside`` is ``(B|1, 1, H, W)`` bool (e.g. :func:`inner_mask` of an element's matte).
    """
    frames = img.detach().float().cpu().numpy()
    mask = None
    if inside is not None:
        mask = inside.expand(img.shape[0], 1, *img.shape[2:])[:, 0].cpu().numpy()
    return measure_grain(frames, acescct_luma(frames), mask)


def band_power(grain: Grain) -> tuple[float | None, ...]:
    """Noise power (σ², ACEScct code values squared) per band; ``None`` where unmeasured."""
    return tuple(None if s is None else s * s for s in grain.bands)


def _fill_bands(bands: Sequence[float | None]) -> tuple[float, ...] | None:
    """Each unmeasured band takes its nearest measured neighbour's value; none measured: None."""
    known = [i for i, s in enumerate(bands) if s is not None]
    if not known:
        return None
    return tuple(float(bands[min(known, key=lambda k: abs(k - i))] or 0.0)
                 for i in range(len(bands)))


def _band_index(img: torch.Tensor) -> torch.Tensor:
    """The grain band of each pixel ``(B, 1, H, W)`` (long), by its luminance in stops."""
    luma = torch.tensor(ACESCG_LUMA, dtype=img.dtype, device=img.device).reshape(1, 3, 1, 1)
    y = (img * luma).sum(dim=1, keepdim=True)
    stops = torch.log2(y.clamp_min(_LOG_FLOOR) / _MID_GREY)
    edges = torch.tensor(GRAIN_BANDS[1:-1], dtype=img.dtype, device=img.device)
    return torch.bucketize(stops, edges, right=True)


def apply_grain(img: torch.Tensor, fit: GrainFit, frames: Sequence[int] | None = None,
                strength: float = 1.0) -> torch.Tensor:
    """Add the fitted grain to ``img`` ``(B, 3, H, W)`` ACEScg: monochrome, in ACEScct.

    Each pixel gets ``strength * sigma[band] * n`` added to its three ACEScct values, with
    ``n`` white Gaussian noise seeded by ``(fit.seed, frame)`` as
    :func:`~workbench.ops.lens.film_grain_noise` seeds it, and ``band`` the pixel's
    luminance band. Nothing is clamped; ``strength=0`` (or all σ 0) returns ``img`` unchanged.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``
    """
    check_image(img, "apply_grain input")
    if not 0.0 <= strength <= 1.0:
        raise ParameterError(f"apply_grain.strength must be in [0, 1], got {strength:g}")
    if strength == 0.0 or not any(fit.sigma):
        return img.clone()
    sigma = torch.tensor(fit.sigma, dtype=img.dtype, device=img.device)
    per_pixel = sigma[_band_index(img)] * strength
    cct = lin_to_acescct_torch(img)
    noise = film_grain_noise(img, 0.0, fit.seed, frames)[:, :1]  # white, as FilmGrain seeds it
    grained = cct + per_pixel * noise
    return acescct_to_lin_torch(grained)


def fit_grain(element: torch.Tensor, alpha: torch.Tensor, plate: torch.Tensor | Grain, *,
              seed: int = 0) -> tuple[GrainFit | None, Grain, Grain]:
    """The grain that brings ``element`` (inside its matte) to the plate's, per band.

    Parameters
    ----------
    element
        ACEScg ``(B, 3, H, W)``, straight colour (its first frame is measured).
    alpha
        Its matte ``(B|1, 1, H, W)``; grain is measured where it is solid (:func:`inner_mask`).
    plate
        ACEScg ``(N, 3, H', W')`` frames of the plate, or its grain already measured.
    seed
        The grain's seed.

    Returns
    -------
    tuple
        ``(fit, plate_grain, element_grain)``: ``fit`` is ``None`` when the plate has no band
        measured (nothing to match); the two :class:`Grain` measures are before grain.
    """
    target_grain = plate if isinstance(plate, Grain) else grain_of(plate)
    el = element[:1]
    inside = inner_mask(alpha[:1].to(el.dtype))
    before = grain_of(el, inside)
    target = _fill_bands(target_grain.bands)
    if target is None:
        return None, target_grain, before
    have = [s or 0.0 for s in before.bands]
    add = [math.sqrt(max(t * t - h * h, 0.0)) for t, h in zip(target, have, strict=True)]
    for _ in range(_ITERATIONS):
        fit = GrainFit(tuple(add), seed)
        got = grain_of(apply_grain(el, fit), inside).bands
        done = True
        for i, (t, g) in enumerate(zip(target, got, strict=True)):
            if g is None or (add[i] == 0.0 and (before.bands[i] or 0.0) >= t):
                continue
            if abs(g * g - t * t) > 0.02 * t * t:
                done = False
            add[i] = math.sqrt(max(add[i] ** 2 + t * t - g * g, 0.0))
        if done:
            break
    return GrainFit(tuple(round(a, 7) for a in add), seed), target_grain, before


def describe_bands(powers: Sequence[float | None]) -> str:
    """Band powers as a short text, e.g. ``"1.2e-05 3.4e-05 - ..."``."""
    return " ".join("-" if p is None else f"{p:.2e}" for p in powers)

