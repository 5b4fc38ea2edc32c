"""Temporal stability of a match: which frames to fit on, and how much a result flickers.

A shot is matched with ONE grade fitted on frames sampled across it
(:func:`sample_frame_indices` then :func:`workbench.model.matching.match_frames`), so its
parameters cannot change from frame to frame. :func:`flicker_delta_e` measures what is left:
the mean CIEDE2000 between consecutive frames over the static part of the picture
(:func:`static_mask`), where any change is the grade's (or the codec's) and not the scene's.
"""

from __future__ import annotations

import torch

from workbench.color import convert, delta_e_2000
from workbench.errors import ShapeError

__all__ = ["flicker_delta_e", "sample_frame_indices", "static_mask"]


def sample_frame_indices(frame_count: int, count: int = 8) -> list[int]:
    """Up to ``count`` frame indices spread evenly over ``0 … frame_count − 1`` (both ends)."""
    if frame_count <= 0:
        return []
    n = min(count, frame_count)
    return sorted({round(i * (frame_count - 1) / max(n - 1, 1)) for i in range(n)})


def static_mask(frames: torch.Tensor, tolerance: float = 0.02) -> torch.Tensor:
    """``(H, W)`` bool: pixels whose ACEScct value moves less than ``tolerance`` over the shot.

    ``frames`` ``(N, 3, H, W)`` linear ACEScg. Measured as each pixel's largest distance from
    its temporal median, so a person walking through marks every pixel they cross.
    """
    if frames.ndim != 4 or frames.shape[1] != 3 or frames.shape[0] < 2:
        raise ShapeError(f"static_mask: need (N>=2, 3, H, W) frames, got {tuple(frames.shape)}")
    cct = convert(frames, "ACEScg", "ACEScct")
    spread = (cct - cct.median(dim=0, keepdim=True).values).abs().amax(dim=(0, 1))
    return spread < tolerance


def flicker_delta_e(frames: torch.Tensor, mask: torch.Tensor | None = None) -> float:
    """Mean frame-to-frame ΔE2000 of ``frames`` ``(N, 3, H, W)`` ACEScg inside ``mask`` (H, W).

    Returns ``nan`` when there are fewer than two frames or the mask is empty.
    """
    if frames.ndim != 4 or frames.shape[1] != 3:
        raise ShapeError(f"flicker_delta_e: need (N, 3, H, W) frames, got {tuple(frames.shape)}")
    if frames.shape[0] < 2:
        return float("nan")
    d_e = delta_e_2000(frames[1:].contiguous(), frames[:-1].contiguous())  # (N-1, H, W)
    if mask is not None:
        if mask.shape != d_e.shape[1:]:
            raise ShapeError(f"flicker_delta_e: mask must be {tuple(d_e.shape[1:])}, "
                             f"got {tuple(mask.shape)}")
        d_e = d_e[:, mask]
    return float(d_e.double().mean()) if d_e.numel() else float("nan")
