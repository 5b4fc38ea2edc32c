"""Turn scalar or per-sample parameters into tensors that broadcast over ``(B, C, H, W)``."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from workbench.errors import ParameterError, ShapeError

__all__ = ["as_batch", "as_batch_rgb", "check_range"]


def as_batch(value: float | torch.Tensor, img: torch.Tensor, name: str) -> torch.Tensor:
    """Return ``value`` as a ``(B, 1, 1, 1)`` or ``(1, 1, 1, 1)`` tensor on ``img``'s device.

    ``value`` is a float or a ``(B,)`` tensor, one value per image in the batch.
    """
    t = torch.as_tensor(value, dtype=img.dtype, device=img.device)
    if t.ndim == 0:
        return t.reshape(1, 1, 1, 1)
    if t.ndim == 1 and t.shape[0] in (1, img.shape[0]):
        return t.reshape(-1, 1, 1, 1)
    raise ShapeError(
        f"{name}: expected a float or a ({img.shape[0]},) tensor, got {tuple(t.shape)}"
    )


def as_batch_rgb(
    value: float | Sequence[float] | torch.Tensor, img: torch.Tensor, name: str
) -> torch.Tensor:
    """Return a per-channel ``value`` as a ``(B, 3, 1, 1)``-broadcastable tensor.

    Accepts a float (all channels), an ``(r, g, b)`` triple, a ``(B,)`` tensor or a ``(B, 3)``
    tensor.
    """
    t = torch.as_tensor(value, dtype=img.dtype, device=img.device)
    if t.ndim == 0:
        return t.reshape(1, 1, 1, 1)
    if t.ndim == 1 and t.shape[0] == 3:
        return t.reshape(1, 3, 1, 1)
    if t.ndim == 1 and t.shape[0] == img.shape[0]:
        return t.reshape(-1, 1, 1, 1)
    if t.ndim == 2 and t.shape[1] == 3 and t.shape[0] in (1, img.shape[0]):
        return t.reshape(-1, 3, 1, 1)
    raise ShapeError(
        f"{name}: expected a float, (r, g, b), ({img.shape[0]},) or ({img.shape[0]}, 3), "
        f"got {tuple(t.shape)}"
    )


def check_range(t: torch.Tensor, name: str, lo: float | None, hi: float | None) -> None:
    """Raise :class:`ParameterError` naming ``name`` unless every value is finite and in range."""
    ok = torch.isfinite(t)
    if lo is not None:
        ok = ok & (t >= lo)
    if hi is not None:
        ok = ok & (t <= hi)
    if not bool(ok.all()):
        where = (f"in [{lo:g}, {hi:g}]" if lo is not None and hi is not None
                 else f">= {lo:g}" if lo is not None else f"<= {hi:g}" if hi is not None
                 else "finite")
        raise ParameterError(f"{name} must be {where}, got {t.flatten().tolist()}")
