"""Input checks shared by every module; each raises a :mod:`workbench.errors` error naming where."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from workbench.errors import MediaError, ShapeError

if TYPE_CHECKING:
    import numpy as np
    import torch

__all__ = ["check_finite", "check_image", "check_same_size"]


def check_image(img: torch.Tensor, where: str = "image", channels: int = 3) -> None:
    """Raise :class:`ShapeError` unless ``img`` is a float ``(B, channels, H, W)`` tensor."""
    import torch  # here, so that reading commands (status, log) never load torch

    if not isinstance(img, torch.Tensor):
        raise ShapeError(f"{where}: expected a torch.Tensor, got {type(img).__name__}")
    if img.ndim != 4 or img.shape[1] != channels:
        raise ShapeError(f"{where}: expected shape (B,{channels},H,W), got {tuple(img.shape)}")
    if not img.is_floating_point():
        raise ShapeError(f"{where}: expected a float tensor, got {img.dtype}")


def check_finite(pixels: np.ndarray | torch.Tensor, where: str) -> None:
    """Raise :class:`MediaError` naming ``where`` if ``pixels`` hold NaN or Inf.

    ``where`` should name the file and frame, e.g. ``"A001.mov frame 12"``.
    """
    import numpy as np  # here, like torch: reading commands (status, log) load neither

    loaded = sys.modules.get("torch")  # torch not loaded: pixels cannot be a tensor
    if loaded is not None and isinstance(pixels, loaded.Tensor):
        nan = int(loaded.isnan(pixels).sum())
        inf = int(loaded.isinf(pixels).sum())
    else:
        nan = int(np.isnan(pixels).sum())
        inf = int(np.isinf(pixels).sum())
    if nan or inf:
        parts = [f"NaN in {nan} values" if nan else "", f"Inf in {inf} values" if inf else ""]
        raise MediaError(f"{where}: " + ", ".join(p for p in parts if p))


def check_same_size(sizes: Sequence[tuple[int, int]], names: Sequence[str]) -> None:
    """Raise :class:`ShapeError` unless every ``(width, height)`` in ``sizes`` is the same."""
    if not sizes:
        return
    first = sizes[0]
    for size, name in zip(sizes, names, strict=True):
        if size != first:
            raise ShapeError(
                f"{name}: size {size[0]}x{size[1]} does not match {names[0]} "
                f"({first[0]}x{first[1]})"
            )
