"""Vibrance: saturation that favours dull colours and spares skin, in linear ACEScg.

For each pixel (all in closed form, differentiable torch)::

    Y     = ACEScg luminance (the AP1 Y row)
    sat   = clamp((max(r,g,b) - min(r,g,b)) / max(r,g,b), 0, 1)   # HSV saturation in ACEScg
    skin  = smoothstep((cos(h - 123°) - cos 30°) / (1 - cos 30°))  # 1 on the skin line
    k     = 1 + amount * (1 - sat) * (1 - skin_protection * skin)
    out   = Y + k * (rgb - Y)

``h`` is the vectorscope hue: the ACEScg pixel is taken to linear Rec.709 by a fixed 3×3
matrix (AP1 → Rec.709 with the Bradford D60 → D65 adaptation, as OCIO's ACES config does),
then to BT.709 colour differences ``Cb = (B - Y')/1.8556`` and ``Cr = (R - Y')/1.5748`` with
``Y' = 0.2126 R + 0.7152 G + 0.0722 B``; ``h`` is the angle of ``(Cb, Cr)`` counter-clockwise
from +Cb, as a vectorscope draws it. The skin-tone ("I") line is at 123°. The colour
differences are taken from linear light rather than a gamma-encoded signal so the whole thing
stays a smooth function of the pixel; the sRGB skin patch (224, 172, 140) lands at 123.2°,
and typical skin tones between 120° and 140°, inside the 30° half-width. ``cos(h - 123°)``
is computed as a dot product with the unit skin direction, never via ``atan2``, so the
gradient is finite even at grey.

Pixels with a negative component (out of the AP1 gamut) or all-negative pixels have
``sat >= 1`` and are left as they are; nothing is clamped.
"""

from __future__ import annotations

import math

import numpy as np
import param
import torch

from workbench.checks import check_image
from workbench.color.luma import REC709_LUMA
from workbench.errors import ParameterError
from workbench.ops._broadcast import as_batch
from workbench.ops.base import Operator, register_operator
from workbench.ops.saturation import ACESCG_LUMA

__all__ = [
    "ACESCG_TO_REC709",
    "SKIN_HUE_DEG",
    "SKIN_HUE_WIDTH_DEG",
    "Vibrance",
    "apply_vibrance",
    "vibrance_weights",
]

ACESCG_TO_REC709 = (
    (1.7050509927, -0.6217921207, -0.0832588720),
    (-0.1302564175, 1.1408047366, -0.0105483191),
    (-0.0240033568, -0.1289689761, 1.1529723329),
)
"""Linear AP1 (ACEScg) → linear Rec.709, Bradford-adapted D60 → D65."""

SKIN_HUE_DEG = 123.0
"""Vectorscope angle of the skin-tone (I) line, counter-clockwise from +Cb."""

SKIN_HUE_WIDTH_DEG = 30.0
"""Hues within this many degrees of the skin line are protected (fading to 0 at the edge)."""

_LUMA_709 = np.array(REC709_LUMA)


def _cbcr_rows() -> tuple[tuple[float, ...], tuple[float, ...]]:
    m = np.array(ACESCG_TO_REC709)
    y = _LUMA_709 @ m
    cb = (m[2] - y) / 1.8556
    cr = (m[0] - y) / 1.5748
    return tuple(cb.tolist()), tuple(cr.tolist())


_CB_ROW, _CR_ROW = _cbcr_rows()


def _check_unit(value: torch.Tensor, name: str) -> None:
    if not bool(((value >= 0) & (value <= 1)).all()):
        raise ParameterError(f"{name} must be in [0, 1], got {value.flatten().tolist()}")


def vibrance_weights(img: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The two per-pixel weights vibrance uses: ``(1 - sat, skin)``, each ``(B, 1, H, W)``.

    ``1 - sat`` is 1 for grey and 0 for fully saturated (or out-of-gamut) colours; ``skin`` is 1
    on the skin-tone line and 0 more than :data:`SKIN_HUE_WIDTH_DEG` away from it.

    Shape
    -----
    ``(B, 3, H, W)`` → two ``(B, 1, H, W)`` tensors
    """
    check_image(img, "vibrance_weights input")
    hi = img.amax(dim=1, keepdim=True)
    lo = img.amin(dim=1, keepdim=True)
    sat = ((hi - lo) / hi.clamp(min=1e-6)).clamp(0.0, 1.0)

    def row(values: tuple[float, ...]) -> torch.Tensor:
        return torch.tensor(values, dtype=img.dtype, device=img.device).reshape(1, 3, 1, 1)

    cb = (img * row(_CB_ROW)).sum(dim=1, keepdim=True)
    cr = (img * row(_CR_ROW)).sum(dim=1, keepdim=True)
    angle = math.radians(SKIN_HUE_DEG)
    chroma = torch.sqrt(cb * cb + cr * cr + 1e-12)
    cos_delta = (cb * math.cos(angle) + cr * math.sin(angle)) / chroma
    edge = math.cos(math.radians(SKIN_HUE_WIDTH_DEG))
    t = ((cos_delta - edge) / (1.0 - edge)).clamp(0.0, 1.0)
    skin = t * t * (3.0 - 2.0 * t)
    return 1.0 - sat, skin


def apply_vibrance(
    img: torch.Tensor,
    amount: float | torch.Tensor,
    skin_protection: float | torch.Tensor = 0.5,
) -> torch.Tensor:
    """Raise (``amount > 0``) or lower (``< 0``) the saturation of the less saturated colours.

    ``out = Y + (1 + amount * (1 - sat) * (1 - skin_protection * skin)) * (rgb - Y)``; see the
    module docstring for ``sat`` and ``skin``.

    Parameters
    ----------
    img
        Scene-linear image (ACEScg), any range; nothing is clamped.
    amount
        A float or a ``(B,)`` tensor; 0 is none, 1 doubles the chroma of a near-grey pixel,
        -1 takes near-grey pixels to grey.
    skin_protection
        A float or a ``(B,)`` tensor in [0, 1]: how much of the change skin tones are spared
        (1: all of it on the skin line).

    Returns
    -------
    torch.Tensor
        The image in ACEScg; luminance is preserved.

    Raises
    ------
    ParameterError
        If ``skin_protection`` is outside [0, 1].

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> grey = torch.full((1, 3, 1, 1), 0.18)
    >>> torch.equal(apply_vibrance(grey, 1.0), grey)
    True
    """
    check_image(img, "apply_vibrance input")
    a = as_batch(amount, img, "Vibrance.amount")
    p = as_batch(skin_protection, img, "Vibrance.skin_protection")
    _check_unit(p, "Vibrance.skin_protection")
    dull, skin = vibrance_weights(img)
    w = torch.tensor(ACESCG_LUMA, dtype=img.dtype, device=img.device).reshape(1, 3, 1, 1)
    luma = (img * w).sum(dim=1, keepdim=True)
    k = 1.0 + a * dull * (1.0 - p * skin)
    return luma + k * (img - luma)


@register_operator
class Vibrance(Operator):
    """Vibrance in linear ACEScg: boosts dull colours most and spares skin tones."""

    space = "ACEScg"
    per_pixel = True

    amount = param.Number(0.0, bounds=(-1.0, 2.0), softbounds=(-1.0, 1.0), step=0.01,
                          label="Vibrance",
                          doc="Chroma boost for dull colours (0 = none, 1 = double near grey).")
    skin_protection = param.Number(0.5, bounds=(0.0, 1.0), softbounds=(0.0, 1.0), step=0.01,
                                   label="Skin protection",
                                   doc="How much skin tones are spared (0 = not, 1 = fully).")

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return apply_vibrance(img, self.amount * self.strength, self.skin_protection)
