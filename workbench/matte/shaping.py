"""Shaping a matte: erode (choke) and grow, soften, core and edge mattes, garbage and holdout.

A *core* matte is a hard, shrunk version of the key that fills holes inside the subject (where
the screen colour shows through a green prop or a reflection); the *edge* matte is the soft key
that carries hair and motion blur. The final matte is ``max(edge, core)``. A *garbage* matte
marks where the subject can be (everything outside it is screen, rigs and all); a *holdout*
matte marks what must stay opaque whatever the key says. Draw them with the power windows of
:mod:`workbench.ops.windows` (``ellipse_window``, ``rectangle_window``, ``gradient_window``).
All mattes are ``(B, 1, H, W)`` float in [0, 1].
"""

from __future__ import annotations

import torch

from workbench.errors import ParameterError
from workbench.matte._filters import max_filter, min_filter
from workbench.ops.base import check_matte

__all__ = [
    "apply_garbage",
    "apply_holdout",
    "combine_core_edge",
    "core_matte",
    "erode_matte",
    "soften_matte",
]


def _check_alpha(alpha: torch.Tensor, where: str) -> None:
    if alpha.ndim != 4 or alpha.shape[1] != 1 or not alpha.is_floating_point():
        raise ParameterError(f"{where}: expected a float (B,1,H,W) matte, "
                             f"got {tuple(alpha.shape)} {alpha.dtype}")


def erode_matte(alpha: torch.Tensor, pixels: int) -> torch.Tensor:
    """Shrink the opaque part of ``alpha`` by ``pixels`` (a square min filter); grow if negative.

    ``pixels = 0`` returns ``alpha`` bit for bit (a copy). Edges are replicated.

    Shape
    -----
    ``(B, 1, H, W)`` → ``(B, 1, H, W)``
    """
    _check_alpha(alpha, "erode_matte")
    r = int(pixels)
    if r == 0:
        return alpha.clone()
    return min_filter(alpha, r) if r > 0 else max_filter(alpha, -r)


def soften_matte(alpha: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian blur of ``alpha`` by ``sigma`` pixels (0: a copy); stays in [0, 1].

    Shape
    -----
    ``(B, 1, H, W)`` → ``(B, 1, H, W)``
    """
    _check_alpha(alpha, "soften_matte")
    if sigma < 0:
        raise ParameterError(f"soften sigma must be >= 0, got {sigma}")
    if sigma == 0:
        return alpha.clone()
    from workbench.ops.lens.blur import gaussian_blur

    out = gaussian_blur(alpha, torch.tensor([float(sigma)], dtype=alpha.dtype))
    return out.clamp(0.0, 1.0)


def core_matte(alpha: torch.Tensor, level: float = 0.9, shrink: int = 3) -> torch.Tensor:
    """A hard core: 1 where ``alpha >= level``, then eroded by ``shrink`` pixels.

    Shape
    -----
    ``(B, 1, H, W)`` → ``(B, 1, H, W)``, values 0 or 1
    """
    _check_alpha(alpha, "core_matte")
    if not 0.0 < level <= 1.0:
        raise ParameterError(f"core level must be in (0, 1], got {level}")
    return erode_matte((alpha >= level).to(alpha.dtype), shrink)


def combine_core_edge(edge: torch.Tensor, core: torch.Tensor) -> torch.Tensor:
    """The final matte ``max(edge, core)``.

    Shape
    -----
    ``(B, 1, H, W)`` each → ``(B, 1, H, W)``
    """
    return torch.maximum(edge, core)


def apply_garbage(alpha: torch.Tensor, garbage: torch.Tensor) -> torch.Tensor:
    """Key out everything outside the ``garbage`` matte: ``alpha * garbage``.

    ``garbage`` is 1 where the subject may be, 0 on the rigs and bare screen around it.

    Shape
    -----
    ``alpha``: ``(B, 1, H, W)``; ``garbage``: ``(B|1, 1, H, W)`` → ``(B, 1, H, W)``
    """
    check_matte(garbage, alpha.expand(-1, 3, -1, -1), "garbage")
    return alpha * garbage.to(alpha.dtype)


def apply_holdout(alpha: torch.Tensor, holdout: torch.Tensor) -> torch.Tensor:
    """Keep whatever the ``holdout`` matte covers opaque: ``max(alpha, holdout)``.

    Shape
    -----
    ``alpha``: ``(B, 1, H, W)``; ``holdout``: ``(B|1, 1, H, W)`` → ``(B, 1, H, W)``
    """
    check_matte(holdout, alpha.expand(-1, 3, -1, -1), "holdout")
    return torch.maximum(alpha, holdout.to(alpha.dtype))
