"""Natural vignetting (the cos⁴ law), added or removed in scene-linear light."""

from __future__ import annotations

import math

import param
import torch

from workbench.checks import check_image
from workbench.ops._broadcast import as_batch, check_range
from workbench.ops.base import Operator, register_operator

__all__ = ["Vignette", "apply_vignette", "vignette_gain"]


def vignette_gain(
    img: torch.Tensor,
    amount: float | torch.Tensor,
    centre_x: float | torch.Tensor = 0.5,
    centre_y: float | torch.Tensor = 0.5,
    roundness: float | torch.Tensor = 0.0,
) -> torch.Tensor:
    """The vignette's gain map ``(1 + r²) ** amount`` for ``img``'s size, ``(B, 1, H, W)``.

    ``r`` is 0 at the centre and 1 in the corners of the frame (for a centred vignette).
    ``roundness=0`` follows the frame (elliptical, 1 in all four corners); ``roundness=1`` is
    a circle of radius half the frame diagonal. ``(1 + r²) ** -2`` is the natural cos⁴ law
    ``cos⁴ θ`` with ``tan θ = r``, i.e. a lens whose corners see 45° off axis, which is
    exactly -2 stops in the corner; ``amount`` is the gain in stops in the corner, so -2 adds
    that natural vignetting and +2 removes it.
    """
    check_image(img, "vignette_gain input")
    a = as_batch(amount, img, "Vignette.amount")
    cx = as_batch(centre_x, img, "Vignette.centre_x")
    cy = as_batch(centre_y, img, "Vignette.centre_y")
    rd = as_batch(roundness, img, "Vignette.roundness")
    for t, n in ((a, "amount"), (cx, "centre_x"), (cy, "centre_y")):
        check_range(t, f"Vignette.{n}", None, None)
    check_range(rd, "Vignette.roundness", 0.0, 1.0)
    _, _, h, w = img.shape
    ys = torch.arange(h, dtype=img.dtype, device=img.device).reshape(1, 1, h, 1)
    xs = torch.arange(w, dtype=img.dtype, device=img.device).reshape(1, 1, 1, w)
    dx = xs + 0.5 - cx * w
    dy = ys + 0.5 - cy * h
    half_diag = 0.5 * math.hypot(w, h)
    sx = math.sqrt(2.0) * w / 2 + rd * (half_diag - math.sqrt(2.0) * w / 2)
    sy = math.sqrt(2.0) * h / 2 + rd * (half_diag - math.sqrt(2.0) * h / 2)
    r2 = (dx / sx) ** 2 + (dy / sy) ** 2
    return torch.exp2(a * torch.log2(1.0 + r2))


def apply_vignette(
    img: torch.Tensor,
    amount: float | torch.Tensor,
    centre_x: float | torch.Tensor = 0.5,
    centre_y: float | torch.Tensor = 0.5,
    roundness: float | torch.Tensor = 0.0,
) -> torch.Tensor:
    """Add (``amount < 0``) or remove (``amount > 0``) natural vignetting, in linear light.

    ``out = img * (1 + r²) ** amount`` (see :func:`vignette_gain`): the centre is untouched,
    the corners get ``amount`` stops. ``apply_vignette(·, -amount)`` is the inverse.

    Parameters
    ----------
    img
        Scene-linear image (ACEScg), any range; nothing is clamped.
    amount
        Gain in the corners in stops; float or ``(B,)`` tensor. -2 is the cos⁴ law at 45°.
    centre_x, centre_y
        Optical centre as fractions of width and height.
    roundness
        0: the falloff follows the frame's shape; 1: circular.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> img = torch.ones(1, 3, 3, 3)
    >>> out = apply_vignette(img, -1.0)
    >>> float(out[0, 0, 1, 1]), round(float(out[0, 0, 0, 0]), 3)
    (1.0, 0.692)
    """
    check_image(img, "apply_vignette input")
    return img * vignette_gain(img, amount, centre_x, centre_y, roundness)


@register_operator
class Vignette(Operator):
    """Natural (cos⁴-like) vignetting, added or removed, in linear ACEScg."""

    space = "ACEScg"
    per_pixel = False  # looks at its position or its neighbours

    amount = param.Number(0.0, bounds=(-4.0, 4.0), softbounds=(-2.0, 2.0), step=0.05,
                          label="Corner (stops)",
                          doc="Gain in the corners in stops: -2 adds cos⁴ vignetting, "
                              "+ removes it.")
    centre_x = param.Number(0.5, bounds=(-1.0, 2.0), softbounds=(0.0, 1.0), step=0.005,
                            label="Centre X", doc="Optical centre, as a fraction of the width.")
    centre_y = param.Number(0.5, bounds=(-1.0, 2.0), softbounds=(0.0, 1.0), step=0.005,
                            label="Centre Y", doc="Optical centre, as a fraction of the height.")
    roundness = param.Number(0.0, bounds=(0.0, 1.0), softbounds=(0.0, 1.0), step=0.01,
                             label="Roundness",
                             doc="0 follows the frame's shape, 1 is a circle.")

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return apply_vignette(img, self.amount * self.strength, self.centre_x, self.centre_y,
                              self.roundness)
