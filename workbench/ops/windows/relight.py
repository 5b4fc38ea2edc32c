"""Relighting through a power window: a gain in linear light, as a lamp would add.

:class:`Relight` multiplies linear light by ``2 ** (stops * window)`` — the light of a lamp
adds in proportion to what is there, so a gain in linear light is how a lamp would brighten a
face.
"""

from __future__ import annotations

from typing import Any

import param
import torch

from workbench.checks import check_image
from workbench.errors import ShapeError
from workbench.ops._broadcast import as_batch, check_range
from workbench.ops.base import Operator, register_operator
from workbench.ops.windows.shapes import ellipse_window

__all__ = ["Relight", "apply_relight", "apply_window_gain"]


def apply_window_gain(
    img: torch.Tensor, stops: float | torch.Tensor, matte: torch.Tensor,
) -> torch.Tensor:
    """Multiply scene-linear ``img`` by ``2 ** (stops * matte)``: a soft, local exposure.

    Where the matte is 0 the pixel is returned bit for bit; where it is 1 it gets ``stops``.
    Nothing is clamped.

    Shape
    -----
    ``img`` ``(B, 3, H, W)``, ``matte`` ``(B, 1, H, W)`` or ``(1, 1, H, W)`` → ``(B, 3, H, W)``
    """
    check_image(img, "apply_window_gain input")
    check_image(matte, "apply_window_gain matte", channels=1)
    s = as_batch(stops, img, "Relight.stops")
    return img * torch.exp2(s * matte.to(img.dtype))


def apply_relight(
    img: torch.Tensor,
    stops: float | torch.Tensor,
    centre_x: float | torch.Tensor = 0.5,
    centre_y: float | torch.Tensor = 0.5,
    radius: float | torch.Tensor = 0.25,
    falloff: float | torch.Tensor = 0.25,
    transform: torch.Tensor | None = None,
) -> torch.Tensor:
    """Brighten or darken a round area as a lamp would: ``img * 2 ** (stops * window)``.

    ``window`` is :func:`ellipse_window` with ``size=radius`` and ``feather=falloff`` (picture
    heights): ``stops`` in full inside ``radius``, fading to none at ``radius + falloff``.
    A directional relight is :func:`apply_window_gain` with a :func:`gradient_window`.

    Parameters
    ----------
    img
        Scene-linear image (ACEScg), any range; nothing is clamped.
    stops
        Float or ``(B,)`` tensor; +1 doubles the light at the centre.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> img = torch.full((1, 3, 5, 5), 0.18)
    >>> out = apply_relight(img, 1.0, radius=0.1, falloff=0.1)
    >>> float(out[0, 0, 2, 2]), float(out[0, 0, 0, 0])
    (0.36000001430511475, 0.18000000715255737)
    """
    check_image(img, "apply_relight input")
    b = img.shape[0]
    for value, name, lo in ((centre_x, "centre_x", None), (centre_y, "centre_y", None),
                            (radius, "radius", 0.0), (falloff, "falloff", 0.0)):
        check_range(as_batch(value, img, f"Relight.{name}"), f"Relight.{name}", lo, None)
    matte = ellipse_window(
        img.shape[2], img.shape[3],
        centre_x=_per_sample(centre_x, img, "Relight.centre_x"),
        centre_y=_per_sample(centre_y, img, "Relight.centre_y"),
        size=_per_sample(radius, img, "Relight.radius"),
        feather=_per_sample(falloff, img, "Relight.falloff"),
        transform=transform,
    )
    if matte.shape[0] not in (1, b):
        raise ShapeError(f"apply_relight: window batch {matte.shape[0]} does not match {b}")
    return img * torch.exp2(as_batch(stops, img, "Relight.stops") * matte)


def _per_sample(value: Any, img: torch.Tensor, name: str) -> Any:
    """Check a per-sample parameter against ``img``'s batch and put it on its dtype."""
    return as_batch(value, img, name).reshape(-1)


@register_operator
class Relight(Operator):
    """A soft round lamp in linear light: ``stops`` at the centre, fading over ``falloff``."""

    space = "ACEScg"
    per_pixel = False  # looks at its position or its neighbours

    centre_x = param.Number(0.5, bounds=(-1.0, 2.0), softbounds=(0.0, 1.0), step=0.005,
                            label="Centre X", doc="Centre, as a fraction of the frame width.")
    centre_y = param.Number(0.5, bounds=(-1.0, 2.0), softbounds=(0.0, 1.0), step=0.005,
                            label="Centre Y", doc="Centre, as a fraction of the frame height.")
    radius = param.Number(0.25, bounds=(0.001, 4.0), softbounds=(0.02, 1.0), step=0.005,
                          label="Radius",
                          doc="Radius of the fully lit core, in picture heights.")
    falloff = param.Number(0.25, bounds=(0.0, 4.0), softbounds=(0.0, 1.0), step=0.005,
                           label="Falloff",
                           doc="Width of the soft edge beyond the radius, in picture heights.")
    stops = param.Number(0.0, bounds=(-4.0, 4.0), softbounds=(-2.0, 2.0), step=0.05,
                         label="Light (stops)",
                         doc="Gain at the centre in stops; +1 doubles the light there.")

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return apply_relight(img, self.stops * self.strength, self.centre_x, self.centre_y,
                             self.radius, self.falloff)
