"""Shadows and highlights: a gain in stops through a soft luminance matte around 18 % grey.

:class:`ShadowsHighlights` multiplies linear light by ``2 ** (stops * matte)`` as
:class:`~workbench.ops.windows.Relight` does, with the matte measured on ACEScg luminance in
stops instead of drawn on screen.
"""

from __future__ import annotations

import param
import torch

from workbench.checks import check_image
from workbench.ops._broadcast import as_batch, check_range
from workbench.ops.base import Operator, register_operator
from workbench.ops.saturation import ACESCG_LUMA
from workbench.ops.windows.shapes import smoothstep

__all__ = [
    "MID_GREY",
    "ShadowsHighlights",
    "apply_shadows_highlights",
    "luminance_zone_mattes",
]

MID_GREY = 0.18
"""Scene-linear 18 % grey: 0 stops for :func:`apply_shadows_highlights` pivots."""


def _luminance(img: torch.Tensor) -> torch.Tensor:
    w = torch.tensor(ACESCG_LUMA, dtype=img.dtype, device=img.device).reshape(1, 3, 1, 1)
    return (img * w).sum(dim=1, keepdim=True)


def luminance_zone_mattes(
    img: torch.Tensor,
    shadow_pivot: float | torch.Tensor = -2.5,
    highlight_pivot: float | torch.Tensor = 2.5,
    shadow_width: float | torch.Tensor = 2.0,
    highlight_width: float | torch.Tensor = 2.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Soft shadow and highlight mattes from ACEScg luminance in stops around 18 % grey.

    With ``L = log2(max(Y, 2**-40) / 0.18)`` (``Y`` the ACEScg luminance; zero and negative
    luminance count as deepest shadow), the shadow matte is ``1 - smoothstep((L - shadow_pivot)
    / shadow_width + 1/2)`` and the highlight matte ``smoothstep((L - highlight_pivot) /
    highlight_width + 1/2)``: each is 0.5 at its pivot and ramps over its width (stops).

    Shape
    -----
    ``(B, 3, H, W)`` → two ``(B, 1, H, W)`` mattes in [0, 1] (NaN where the pixel is NaN)
    """
    check_image(img, "luminance_zone_mattes input")
    y = _luminance(img)
    stops = torch.log2(y.clamp_min(2.0 ** -40) / MID_GREY)
    sp = as_batch(shadow_pivot, img, "ShadowsHighlights.shadow_pivot")
    hp = as_batch(highlight_pivot, img, "ShadowsHighlights.highlight_pivot")
    sw = as_batch(shadow_width, img, "ShadowsHighlights.softness")
    hw = as_batch(highlight_width, img, "ShadowsHighlights.softness")
    for t, name in ((sp, "shadow_pivot"), (hp, "highlight_pivot")):
        check_range(t, f"ShadowsHighlights.{name}", None, None)
    for t in (sw, hw):
        check_range(t, "ShadowsHighlights.softness", 1e-6, None)
    shadows = 1.0 - smoothstep((stops - sp) / sw + 0.5)
    highlights = smoothstep((stops - hp) / hw + 0.5)
    return shadows, highlights


def apply_shadows_highlights(
    img: torch.Tensor,
    shadows: float | torch.Tensor = 0.0,
    highlights: float | torch.Tensor = 0.0,
    shadow_pivot: float | torch.Tensor = -2.5,
    highlight_pivot: float | torch.Tensor = 2.5,
    softness: float | torch.Tensor = 2.0,
) -> torch.Tensor:
    """Lift (or sink) the shadows and pull (or push) the highlights, in stops, in linear light.

    ``out = img * 2 ** (shadows * Ms + highlights * Mh)`` with the mattes of
    :func:`luminance_zone_mattes`. All three channels get the same gain, so chromaticity is
    kept. So that the tone curve never turns back on itself, each ramp is at least
    ``3 * |stops|`` wide: the width used is ``max(softness, 3 * |shadows|)`` (and likewise for
    the highlights), which keeps ``d log(out) / d log(in) >= 0`` even when both ramps overlap.

    Parameters
    ----------
    img
        Scene-linear image (ACEScg), any range; nothing is clamped.
    shadows, highlights
        Gain in stops for the dark and bright ends; floats or ``(B,)`` tensors.
    shadow_pivot, highlight_pivot
        Where each matte is 0.5, in stops relative to 0.18.
    softness
        Width of each ramp in stops (> 0).

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> img = torch.tensor([0.001, 0.18, 20.0]).reshape(1, 1, 1, 3).expand(1, 3, 1, 3)
    >>> out = apply_shadows_highlights(img, shadows=1.0, highlights=-1.0)
    >>> [round(v, 4) for v in (out / img)[0, 0, 0].tolist()]
    [2.0, 1.0, 0.5]
    """
    check_image(img, "apply_shadows_highlights input")
    s = as_batch(shadows, img, "ShadowsHighlights.shadows")
    h = as_batch(highlights, img, "ShadowsHighlights.highlights")
    w = as_batch(softness, img, "ShadowsHighlights.softness")
    check_range(s, "ShadowsHighlights.shadows", None, None)
    check_range(h, "ShadowsHighlights.highlights", None, None)
    check_range(w, "ShadowsHighlights.softness", 1e-6, None)
    ms, mh = luminance_zone_mattes(img, shadow_pivot, highlight_pivot,
                                   torch.maximum(w, 3.0 * s.abs()).reshape(-1),
                                   torch.maximum(w, 3.0 * h.abs()).reshape(-1))
    return img * torch.exp2(s * ms + h * mh)


@register_operator
class ShadowsHighlights(Operator):
    """Shadows and highlights in stops, through a soft luminance matte in linear ACEScg."""

    space = "ACEScg"
    # Per-pixel in its maths (a luminance matte), but never checked through a baked LUT:
    # kept off the LUT paths until a bake test says how close it comes.
    per_pixel = False

    shadows = param.Number(0.0, bounds=(-4.0, 4.0), softbounds=(-2.0, 2.0), step=0.05,
                           label="Shadows (stops)",
                           doc="Gain for the shadows in stops; + lifts, - sinks them.")
    highlights = param.Number(0.0, bounds=(-4.0, 4.0), softbounds=(-2.0, 2.0), step=0.05,
                              label="Highlights (stops)",
                              doc="Gain for the highlights in stops; - pulls them down.")
    shadow_pivot = param.Number(-2.5, bounds=(-16.0, 16.0), softbounds=(-8.0, 0.0), step=0.1,
                                label="Shadow pivot (stops)",
                                doc="Where the shadow matte is half on, in stops from 0.18.")
    highlight_pivot = param.Number(2.5, bounds=(-16.0, 16.0), softbounds=(0.0, 8.0), step=0.1,
                                   label="Highlight pivot (stops)",
                                   doc="Where the highlight matte is half on, in stops "
                                       "from 0.18.")
    softness = param.Number(2.0, bounds=(0.1, 16.0), softbounds=(0.5, 6.0), step=0.1,
                            label="Softness (stops)",
                            doc="Width of each matte's ramp in stops (widened to 3x the gain "
                                "so tones never reverse).")

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return apply_shadows_highlights(
            img, self.shadows * self.strength, self.highlights * self.strength,
            self.shadow_pivot, self.highlight_pivot, self.softness,
        )
