"""Saturation around the working space's own luminance, in scene-linear light."""

from __future__ import annotations

import param
import torch

from workbench.checks import check_image
from workbench.color.encodings import AP1_TO_XYZ
from workbench.ops._broadcast import as_batch
from workbench.ops.base import Operator, register_operator

__all__ = ["ACESCG_LUMA", "Saturation", "apply_saturation"]

# Y row of the AP1 (ACEScg) RGB→XYZ matrix (SMPTE ST 2065-1 / S-2014-004).
ACESCG_LUMA = AP1_TO_XYZ[1]


def apply_saturation(
    img: torch.Tensor,
    saturation: float | torch.Tensor,
    luma_weights: tuple[float, float, float] = ACESCG_LUMA,
) -> torch.Tensor:
    """Scale chroma around luminance: ``Y + saturation * (rgb - Y)``.

    Parameters
    ----------
    img
        Scene-linear image (ACEScg by default weights), any range; nothing is clamped.
    saturation
        A float or a ``(B,)`` tensor; 0 gives grey, 1 leaves the image as it is.
    luma_weights
        The working space's luminance weights.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``
    """
    check_image(img, "apply_saturation input")
    w = torch.tensor(luma_weights, dtype=img.dtype, device=img.device).reshape(1, 3, 1, 1)
    luma = (img * w).sum(dim=1, keepdim=True)
    return luma + as_batch(saturation, img, "Saturation.saturation") * (img - luma)


@register_operator
class Saturation(Operator):
    """Saturation in linear ACEScg; luminance is preserved."""

    space = "ACEScg"
    per_pixel = True

    saturation = param.Number(1.0, bounds=(0.0, 4.0), softbounds=(0.0, 2.0), step=0.01,
                              label="Saturation", doc="0 is grey, 1 unchanged, 2 doubled chroma.")

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return apply_saturation(img, 1.0 + self.strength * (self.saturation - 1.0))
