"""Edge refinement: a guided filter that lets the plate's own edges shape the matte.

He, Sun and Tang's guided filter (ECCV 2010; the fast subsampled form, arXiv:1505.00996), as
kornia's ``guided_blur``: the matte is locally a linear function of the plate's colour, so a
blocky or noisy key takes on the fine structure (hair, leaves) of the picture. The guide is the
plate in a perceptual-ish encoding (``log2(1 + 16 x)``), so dark edges count as much as bright.
"""

from __future__ import annotations

import torch

from workbench.checks import check_image
from workbench.errors import ParameterError

__all__ = ["guided_refine"]


def guided_refine(
    alpha: torch.Tensor,
    plate: torch.Tensor,
    radius: int = 4,
    eps: float = 1e-3,
    subsample: int = 1,
) -> torch.Tensor:
    """Refine ``alpha`` with a guided filter on ``plate``.

    Parameters
    ----------
    alpha
        Matte in [0, 1].
    plate
        Linear RGB plate, the guide.
    radius
        Window radius in pixels (>= 1); the window is ``2 * radius + 1`` wide.
    eps
        Regularisation in squared guide units (> 0): larger smooths more, smaller follows the
        plate's edges more closely.
    subsample
        Fast guided filter: compute the coefficients on a frame this many times smaller (>= 1).

    Returns
    -------
    torch.Tensor
        The refined matte, clamped to [0, 1].

    Shape
    -----
    ``alpha``: ``(B, 1, H, W)``; ``plate``: ``(B, 3, H, W)`` → ``(B, 1, H, W)``
    """
    check_image(plate, "guided_refine plate")
    if radius < 1 or eps <= 0 or subsample < 1:
        raise ParameterError(
            f"guided_refine: radius >= 1, eps > 0 and subsample >= 1 required, "
            f"got {radius}, {eps}, {subsample}"
        )
    from kornia.filters import guided_blur  # lazy: kornia costs ~1.5 s to import

    guide = torch.log2(1.0 + 16.0 * torch.nan_to_num(plate).clamp_min(0.0)) / 4.0
    k = 2 * int(radius) + 1
    out = guided_blur(guide, alpha, k, eps, border_type="reflect", subsample=int(subsample))
    return out.clamp(0.0, 1.0)
