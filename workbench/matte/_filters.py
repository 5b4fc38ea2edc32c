"""Separable min/max/box filters on mattes and images: ``2k`` taps instead of ``k^2``."""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["box_mean", "max_filter", "min_filter"]


def max_filter(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Maximum over a ``(2 radius + 1)`` square, edges replicated. ``(B, C, H, W)`` → same."""
    if radius <= 0:
        return x.clone()
    k = 2 * radius + 1
    x = F.max_pool2d(F.pad(x, (radius, radius, 0, 0), mode="replicate"), (1, k), stride=1)
    return F.max_pool2d(F.pad(x, (0, 0, radius, radius), mode="replicate"), (k, 1), stride=1)


def min_filter(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Minimum over a ``(2 radius + 1)`` square, edges replicated. ``(B, C, H, W)`` → same."""
    return -max_filter(-x, radius)


def box_mean(x: torch.Tensor, radius: int = 1) -> torch.Tensor:
    """Mean over a ``(2 radius + 1)`` square, edges replicated. ``(B, C, H, W)`` → same."""
    k = 2 * radius + 1
    x = F.avg_pool2d(F.pad(x, (radius, radius, 0, 0), mode="replicate"), (1, k), stride=1)
    return F.avg_pool2d(F.pad(x, (0, 0, radius, radius), mode="replicate"), (k, 1), stride=1)
