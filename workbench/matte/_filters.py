"""Fast filters on mattes and images: min/max, box mean, Gaussian blur and resize.

On CPU float32 tensors each runs OpenCV on every ``(H, W)`` plane in place of torch's pooling
and convolution (several times faster at 1080p, and OpenCV releases the GIL); other devices
and dtypes use the torch form. Edges are replicated (the guided filter's box reflects, as
kornia's does). ``(B, C, H, W)`` → same, unless a size is given.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["box_mean", "gaussian", "max_filter", "min_filter", "resize", "tile_runs"]


def _cv2_ok(x: torch.Tensor) -> bool:
    return x.device.type == "cpu" and x.dtype == torch.float32 and not x.requires_grad


def _planes(x: torch.Tensor, fn: Callable[[np.ndarray, np.ndarray], Any],
            size: tuple[int, int] | None = None) -> torch.Tensor:
    """``fn(src, dst)`` on each ``(H, W)`` plane of ``x`` (a CPU float32 tensor).

    ``fn`` writes into ``dst``, the output's plane: no copy.
    """
    b, c, h, w = x.shape
    oh, ow = size if size is not None else (h, w)
    src = x.detach().contiguous().numpy().reshape(b * c, h, w)
    out = torch.empty((b, c, oh, ow), dtype=torch.float32)
    dst = out.numpy().reshape(b * c, oh, ow)
    for i in range(b * c):
        fn(src[i], dst[i])
    return out


def _cv2() -> Any:
    import cv2  # lazy: keeps the command line's start-up light

    return cv2


def max_filter(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Maximum over a ``(2 radius + 1)`` square, edges replicated. ``(B, C, H, W)`` → same."""
    if radius <= 0:
        return x.clone()
    k = 2 * radius + 1
    if _cv2_ok(x):
        cv2 = _cv2()
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
        return _planes(x, lambda p, o: cv2.dilate(p, kernel, dst=o,
                                                  borderType=cv2.BORDER_REPLICATE))
    x = F.max_pool2d(F.pad(x, (radius, radius, 0, 0), mode="replicate"), (1, k), stride=1)
    return F.max_pool2d(F.pad(x, (0, 0, radius, radius), mode="replicate"), (k, 1), stride=1)


def min_filter(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Minimum over a ``(2 radius + 1)`` square, edges replicated. ``(B, C, H, W)`` → same."""
    if radius > 0 and _cv2_ok(x):
        cv2 = _cv2()
        k = 2 * radius + 1
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
        return _planes(x, lambda p, o: cv2.erode(p, kernel, dst=o,
                                                 borderType=cv2.BORDER_REPLICATE))
    return -max_filter(-x, radius)


def box_mean(x: torch.Tensor, radius: int = 1, reflect: bool = False) -> torch.Tensor:
    """Mean over a ``(2 radius + 1)`` square. ``(B, C, H, W)`` → same.

    Edges replicated, or reflected without repeating the edge pixel when ``reflect``.
    """
    k = 2 * radius + 1
    mode = "reflect" if reflect else "replicate"
    if _cv2_ok(x):
        cv2 = _cv2()
        border = cv2.BORDER_REFLECT_101 if reflect else cv2.BORDER_REPLICATE
        return _planes(x, lambda p, o: cv2.blur(p, (k, k), dst=o, borderType=border))
    x = F.avg_pool2d(F.pad(x, (radius, radius, 0, 0), mode=mode), (1, k), stride=1)
    return F.avg_pool2d(F.pad(x, (0, 0, radius, radius), mode=mode), (k, 1), stride=1)


def gaussian(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian blur of ``sigma`` pixels, ``ceil(3 sigma)`` taps each side, edges replicated.

    The same taps as :func:`workbench.ops.lens.blur.gaussian_blur` (to float rounding).
    """
    radius = math.ceil(3.0 * float(sigma))
    if radius <= 0:
        return x.clone()
    if _cv2_ok(x):
        cv2 = _cv2()
        k = 2 * radius + 1
        return _planes(x, lambda p, o: cv2.GaussianBlur(p, (k, k), float(sigma), dst=o,
                                                        sigmaY=float(sigma),
                                                        borderType=cv2.BORDER_REPLICATE))
    from workbench.ops.lens.blur import gaussian_blur

    return gaussian_blur(x, torch.tensor([float(sigma)], dtype=x.dtype, device=x.device))


def resize(x: torch.Tensor, size: tuple[int, int], mode: str = "bilinear") -> torch.Tensor:
    """``x`` resized to ``size`` (H, W).

    ``mode``: ``"bilinear"`` (half-pixel centres), ``"area"`` (a box average when shrinking)
    or ``"nearest"``.
    """
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    h, w = size
    if _cv2_ok(x):
        cv2 = _cv2()
        interp = {"bilinear": cv2.INTER_LINEAR, "area": cv2.INTER_AREA,
                  "nearest": cv2.INTER_NEAREST}[mode]
        return _planes(x, lambda p, o: cv2.resize(p, (w, h), dst=o, interpolation=interp), (h, w))
    if mode == "bilinear":
        return F.interpolate(x, size=size, mode="bilinear", align_corners=False)
    return F.interpolate(x, size=size, mode=mode)


def tile_runs(mask: torch.Tensor, tile: int) -> list[tuple[int, int, int, int]]:
    """Boxes ``(y0, y1, x0, x1)`` covering every true pixel of an ``(H, W)`` bool ``mask``.

    The frame is cut in ``tile`` x ``tile`` tiles; in each row of tiles, neighbouring tiles
    holding a true pixel are joined into one box (few boxes, each a plain slice).
    """
    h, w = mask.shape
    ty, tx = -(-h // tile), -(-w // tile)
    padded = torch.zeros((ty * tile, tx * tile), dtype=torch.bool)
    padded[:h, :w] = mask
    tiles = padded.reshape(ty, tile, tx, tile).any(dim=3).any(dim=1).tolist()
    boxes = []
    for i, row in enumerate(tiles):
        j = 0
        while j < tx:
            if not row[j]:
                j += 1
                continue
            k = j
            while k < tx and row[k]:
                k += 1
            boxes.append((i * tile, min(h, (i + 1) * tile), j * tile, min(w, k * tile)))
            j = k
    return boxes
