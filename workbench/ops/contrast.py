"""Contrast around a pivot in ACEScct (log), as a grading panel's contrast and pivot knobs work.

``out = pivot + contrast * (x - pivot)``. In log this is a power curve in linear light
around the pivot's linear value, so it keeps grey where it is and never clips.

References
----------
OpenColorIO ``GradingPrimaryTransform``, ``GRADING_LOG`` style: its contrast is the same line
with the pivot given as ``2 * pivot - 1``.
"""

from __future__ import annotations

import param
import torch

from workbench.checks import check_image
from workbench.ops._broadcast import as_batch
from workbench.ops.base import Operator, register_operator

__all__ = ["ACESCCT_MID_GREY", "Contrast", "apply_contrast"]

ACESCCT_MID_GREY = 0.4135884
"""ACEScct code value of scene-linear 0.18 (18 % grey), the default pivot."""


def apply_contrast(
    img: torch.Tensor,
    contrast: float | torch.Tensor,
    pivot: float | torch.Tensor = ACESCCT_MID_GREY,
) -> torch.Tensor:
    """Scale ``img`` away from (``contrast > 1``) or toward (``< 1``) ``pivot``.

    Parameters
    ----------
    img
        Image in ACEScct (log), any range; nothing is clamped.
    contrast
        A float or a ``(B,)`` tensor; 1 is none, 0 flattens everything to the pivot.
    pivot
        ACEScct value that stays put; a float or a ``(B,)`` tensor. Default: 18 % grey.

    Returns
    -------
    torch.Tensor
        ``pivot + contrast * (img - pivot)``, in ACEScct.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> img = torch.tensor([0.2, 0.4, 0.6]).reshape(1, 3, 1, 1)
    >>> [round(v, 4) for v in apply_contrast(img, 2.0, pivot=0.4).flatten().tolist()]
    [0.0, 0.4, 0.8]
    """
    check_image(img, "apply_contrast input")
    c = as_batch(contrast, img, "Contrast.contrast")
    p = as_batch(pivot, img, "Contrast.pivot")
    # Written as c*x + (1-c)*pivot: the same line, bit-exact identity at contrast 1.
    return c * img + (1.0 - c) * p


@register_operator
class Contrast(Operator):
    """Contrast around a pivot, in the ACEScct grading space."""

    space = "ACEScct"
    per_pixel = True

    contrast = param.Number(1.0, bounds=(0.0, 4.0), softbounds=(0.5, 2.0), step=0.01,
                            label="Contrast", doc="Slope around the pivot in ACEScct (1 = none).")
    pivot = param.Number(ACESCCT_MID_GREY, bounds=(-0.5, 1.5), softbounds=(0.2, 0.7),
                         step=0.001, label="Pivot",
                         doc="ACEScct value contrast turns around (0.4136 = 18 % grey).")

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return apply_contrast(img, 1.0 + self.strength * (self.contrast - 1.0), self.pivot)
