"""Exposure in photographic stops, in scene-linear light."""

from __future__ import annotations

import param
import torch

from workbench.checks import check_image
from workbench.ops._broadcast import as_batch
from workbench.ops.base import Operator, register_operator

__all__ = ["Exposure", "apply_exposure"]


def apply_exposure(img: torch.Tensor, stops: float | torch.Tensor) -> torch.Tensor:
    """Scale scene-linear ``img`` by ``2 ** stops``, as opening the iris would.

    Parameters
    ----------
    img
        Scene-linear image (ACEScg), any range; nothing is clamped.
    stops
        A float or a ``(B,)`` tensor; +1 doubles the light.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> apply_exposure(torch.full((1, 3, 1, 1), 0.18), 1.0).flatten().tolist()
    [0.36000001430511475, 0.36000001430511475, 0.36000001430511475]
    """
    check_image(img, "apply_exposure input")
    return img * torch.exp2(as_batch(stops, img, "Exposure.stops"))


@register_operator
class Exposure(Operator):
    """Exposure change in stops, applied in the scene-linear working space."""

    space = "ACEScg"
    per_pixel = True

    stops = param.Number(0.0, bounds=(-10.0, 10.0), softbounds=(-3.0, 3.0), step=0.05,
                         label="Exposure (stops)", doc="+1 doubles the light, -1 halves it.")

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return apply_exposure(img, self.stops * self.strength)
