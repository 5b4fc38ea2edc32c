"""Difference key: what differs from a clean plate of the same locked-off shot.

The distance between plate and clean plate (Euclidean in linear RGB, after a small blur that
keeps sensor noise from speckling the matte) is mapped to alpha by a smooth ramp between
``low`` (below: background) and ``high`` (above: foreground). Suited to a static camera; see
:mod:`workbench.matte.cleanplate` for building the clean plate from the shot itself.
"""

from __future__ import annotations

import torch

from workbench.checks import check_image
from workbench.errors import ParameterError, ShapeError
from workbench.ops.windows.shapes import smoothstep

__all__ = ["difference_alpha"]


def difference_alpha(
    plate: torch.Tensor,
    clean_plate: torch.Tensor,
    low: float = 0.02,
    high: float = 0.08,
    denoise: float = 1.0,
) -> torch.Tensor:
    """Alpha from the distance of ``plate`` to ``clean_plate``.

    Parameters
    ----------
    plate, clean_plate
        Linear RGB, the same height and width; ``clean_plate`` may be one frame for the batch.
    low, high
        Distances (linear units) mapped to alpha 0 and 1, ``0 <= low < high``.
    denoise
        Gaussian blur (pixels, >= 0) of the difference before measuring it.

    Returns
    -------
    torch.Tensor
        Alpha in [0, 1]; 1 where the plate differs (the subject), 0 where it matches.

    Shape
    -----
    ``plate``: ``(B, 3, H, W)``; ``clean_plate``: ``(B|1, 3, H, W)`` → ``(B, 1, H, W)``
    """
    check_image(plate, "difference_alpha plate")
    check_image(clean_plate, "difference_alpha clean plate")
    if (clean_plate.shape[-2:] != plate.shape[-2:]
            or clean_plate.shape[0] not in (1, plate.shape[0])):
        raise ShapeError(f"clean plate: expected shape (1|{plate.shape[0]},3,"
                         f"{plate.shape[-2]},{plate.shape[-1]}), got {tuple(clean_plate.shape)}")
    if not 0.0 <= low < high:
        raise ParameterError(f"difference key: 0 <= low < high required, got {low}, {high}")
    diff = plate - clean_plate.to(plate.dtype)
    if denoise > 0:
        from workbench.ops.lens.blur import gaussian_blur

        diff = gaussian_blur(diff, torch.tensor([float(denoise)], dtype=plate.dtype))
    dist = torch.nan_to_num(diff.square().sum(dim=1, keepdim=True).sqrt(), nan=high)
    return smoothstep(((dist - low) / (high - low)).clamp(0.0, 1.0))
