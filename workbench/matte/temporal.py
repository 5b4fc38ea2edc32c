"""Temporal stability of a key on a moving shot, without optical flow.

Sensor noise and compression make a per-frame key shimmer where nothing moves. Where the plate
is still from one frame to the next (its blurred difference is below ``threshold``), the matte
is pulled toward the previous stabilised matte, a recursive average; where the plate changes
(the subject moves), the new key is taken as it is, so moving edges never lag.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from workbench.errors import ParameterError, ShapeError

__all__ = ["TemporalStabiliser", "stabilise_alpha", "still_weight"]


def still_weight(plate: torch.Tensor, previous: torch.Tensor, threshold: float = 0.02,
                 denoise: float = 2.0) -> torch.Tensor:
    """1 where ``plate`` equals ``previous`` (after a ``denoise``-pixel blur), 0 from ``threshold``.

    Shape
    -----
    ``(B, 3, H, W)`` twice → ``(B, 1, H, W)``
    """
    if plate.shape != previous.shape:
        raise ShapeError(f"still_weight: frames differ in shape, {tuple(plate.shape)} and "
                         f"{tuple(previous.shape)}")
    if threshold <= 0:
        raise ParameterError(f"temporal threshold must be > 0, got {threshold}")
    diff = plate - previous
    if denoise > 0:
        from workbench.ops.lens.blur import gaussian_blur

        diff = gaussian_blur(diff, torch.tensor([float(denoise)], dtype=plate.dtype))
    dist = torch.nan_to_num(diff.abs().amax(dim=1, keepdim=True), nan=threshold)
    return (1.0 - dist / threshold).clamp(0.0, 1.0)


def stabilise_alpha(
    alpha: torch.Tensor,
    previous_alpha: torch.Tensor,
    weight: torch.Tensor,
    amount: float = 0.8,
) -> torch.Tensor:
    """``alpha + amount * weight * (previous_alpha - alpha)``: hold still regions steady.

    ``amount`` in [0, 1); 0 returns ``alpha`` bit for bit.

    Shape
    -----
    ``(B, 1, H, W)`` each → ``(B, 1, H, W)``
    """
    if not 0.0 <= amount < 1.0:
        raise ParameterError(f"temporal amount must be in [0, 1), got {amount}")
    if amount == 0.0:
        return alpha.clone()
    return alpha + (amount * weight) * (previous_alpha - alpha)


@dataclass
class TemporalStabiliser:
    """Feed frames in order: ``stable = stabiliser(plate, alpha)``; one per shot.

    Parameters
    ----------
    amount
        How strongly still regions follow the previous frame (0..1, exclusive of 1).
    threshold
        Plate change (linear, max over channels, after a blur) above which a pixel moves.
    """

    amount: float = 0.8
    threshold: float = 0.02
    _plate: torch.Tensor | None = field(default=None, repr=False)
    _alpha: torch.Tensor | None = field(default=None, repr=False)

    def __call__(self, plate: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        """The frame's stabilised matte; ``plate`` ``(1, 3, H, W)``, ``alpha`` ``(1, 1, H, W)``."""
        if self._plate is None or self._alpha is None or self._plate.shape != plate.shape:
            out = alpha.clone()
        else:
            w = still_weight(plate, self._plate, self.threshold)
            out = stabilise_alpha(alpha, self._alpha, w, self.amount)
        self._plate, self._alpha = plate, out
        return out
