"""Training data for the look: before/after pairs reduced to one mean pair per colour bin.

A look is a function of the pixel's colour, so where a pixel sits in the frame does not matter:
100 proxy frames (15 M pixel pairs) collapse into a few tens of thousands of colour bins, each
holding the mean ungraded colour, the mean graded colour and how many pixels fell in it. The
trainer then sees every colour the dailies hold in every step, deterministically, in milliseconds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from workbench.checks import check_image
from workbench.errors import MediaError, ShapeError

__all__ = ["ColourPairs", "bin_pairs", "coarsen_colours", "pairs_sha256"]


@dataclass(frozen=True)
class ColourPairs:
    """Mean before/after colours per occupied bin, normalised to the look's domain.

    Attributes
    ----------
    before, after : torch.Tensor
        ``(M, 3)`` float32, normalised (the domain maps to [0, 1]).
    count : torch.Tensor
        ``(M,)`` float64 pixels per bin.
    pixels : int
        Pixel pairs read.
    """

    before: torch.Tensor
    after: torch.Tensor
    count: torch.Tensor
    pixels: int


def _check_pair(before: torch.Tensor, after: torch.Tensor, i: int) -> None:
    check_image(before, f"look pair {i} before")
    check_image(after, f"look pair {i} after")
    if before.shape != after.shape:
        raise ShapeError(f"look pair {i}: before is {tuple(before.shape)}, after is "
                         f"{tuple(after.shape)}")
    for name, img in (("before", before), ("after", after)):
        if not bool(torch.isfinite(img).all()):
            raise MediaError(f"look pair {i} {name}: NaN or Inf in the pixels")


def bin_pairs(before: Sequence[torch.Tensor], after: Sequence[torch.Tensor],
              domain: tuple[float, float], bins: int = 64) -> ColourPairs:
    """Average ``after`` over bins of the ``before`` colour.

    Parameters
    ----------
    before, after
        Pairs of ``(B, 3, H, W)`` images in the look's encoded space, same shape per pair.
    domain
        ``(lo, hi)`` of the encoded values that map to [0, 1].
    bins
        Bins per channel over the domain (values outside it fall in the edge bins, their means
        kept as they are).

    Raises
    ------
    ShapeError
        If a pair differs in shape or is not ``(B, 3, H, W)``.
    MediaError
        If a pair holds NaN or Inf.
    """
    if len(before) != len(after) or not before:
        raise ShapeError(f"look: need the same, non-zero number of before and after images, "
                         f"got {len(before)} and {len(after)}")
    lo, hi = domain
    size = bins ** 3
    count = np.zeros(size)
    sums = np.zeros((6, size))
    pixels = 0
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        _check_pair(b, a, i)
        x = ((b.detach().double() - lo) / (hi - lo)).permute(1, 0, 2, 3).reshape(3, -1).numpy()
        y = ((a.detach().double() - lo) / (hi - lo)).permute(1, 0, 2, 3).reshape(3, -1).numpy()
        q = np.clip(np.rint(x * (bins - 1)), 0, bins - 1).astype(np.int64)
        key = (q[2] * bins + q[1]) * bins + q[0]
        count += np.bincount(key, minlength=size)
        for c in range(3):
            sums[c] += np.bincount(key, weights=x[c], minlength=size)
            sums[3 + c] += np.bincount(key, weights=y[c], minlength=size)
        pixels += x.shape[1]
    used = count > 0
    means = sums[:, used] / count[used]
    return ColourPairs(
        before=torch.from_numpy(means[:3].T.astype(np.float32)).contiguous(),
        after=torch.from_numpy(means[3:].T.astype(np.float32)).contiguous(),
        count=torch.from_numpy(count[used]),
        pixels=pixels,
    )


def coarsen_colours(pairs: ColourPairs, bins: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The before colours of ``pairs`` merged into ``bins`` per channel: a compact sample.

    Returns
    -------
    tuple[torch.Tensor, torch.Tensor]
        ``(M, 3)`` float32 mean before colour per coarse bin (normalised like ``pairs``) and
        ``(M,)`` float64 pixels in it.
    """
    x = pairs.before.double().numpy()
    count = pairs.count.numpy()
    q = np.clip(np.rint(x * (bins - 1)), 0, bins - 1).astype(np.int64)
    key = (q[:, 2] * bins + q[:, 1]) * bins + q[:, 0]
    size = bins ** 3
    merged = np.bincount(key, weights=count, minlength=size)
    sums = np.stack([np.bincount(key, weights=count * x[:, c], minlength=size)
                     for c in range(3)])
    used = merged > 0
    means = (sums[:, used] / merged[used]).T
    return (torch.from_numpy(means.astype(np.float32)).contiguous(),
            torch.from_numpy(merged[used]))


def pairs_sha256(before: Sequence[torch.Tensor], after: Sequence[torch.Tensor]) -> str:
    """SHA-256 over the pairs' shapes and float32 pixels, in order: what the look was taught."""
    h = hashlib.sha256()
    for b, a in zip(before, after, strict=True):
        for img in (b, a):
            arr = img.detach().to("cpu", torch.float32).contiguous().numpy()
            h.update(str(arr.shape).encode())
            h.update(arr.tobytes())
    return h.hexdigest()
