"""Colour-difference chroma key for green and blue screens, in linear light.

Under the compositing model ``plate = alpha * fg + (1 - alpha) * screen`` the colour difference
``d`` (:func:`~workbench.matte.screen.colour_difference`) mixes linearly, so with the screen's
own difference ``d_s`` at that pixel (from the screen field, which follows uneven light)
``alpha = 1 - d / d_s`` for any foreground whose own difference is 0 or below. Levels
(``clip_black``, ``clip_white``) then clean the screen and fill the foreground. The foreground
is unmixed by subtracting the screen where it shows: ``fg_premultiplied = plate - (1 - alpha)
* screen``, unclamped.
"""

from __future__ import annotations

import torch

from workbench.checks import check_image
from workbench.errors import ParameterError
from workbench.matte.screen import colour_difference

__all__ = ["chroma_alpha", "levels", "unmix_screen"]


def levels(alpha: torch.Tensor, clip_black: float = 0.0, clip_white: float = 1.0) -> torch.Tensor:
    """Stretch ``alpha`` so ``clip_black`` → 0 and ``clip_white`` → 1, clamped to [0, 1].

    Shape
    -----
    ``(B, 1, H, W)`` → ``(B, 1, H, W)``
    """
    if not 0.0 <= clip_black < clip_white <= 1.0:
        raise ParameterError(
            f"clip_black and clip_white must satisfy 0 <= clip_black < clip_white <= 1, "
            f"got {clip_black} and {clip_white}"
        )
    return ((alpha - clip_black) / (clip_white - clip_black)).clamp(0.0, 1.0)


def chroma_alpha(
    plate: torch.Tensor,
    screen_field: torch.Tensor,
    screen: str,
    balance: float = 0.5,
    clip_black: float = 0.0,
    clip_white: float = 1.0,
) -> torch.Tensor:
    """The colour-difference matte of ``plate`` against ``screen_field``.

    Parameters
    ----------
    plate
        Linear RGB plate (ACEScg or any linear RGB); any range.
    screen_field
        The bare screen's colour at each pixel (:func:`~workbench.matte.screen.
        estimate_screen_field`), same shape as ``plate``.
    screen
        ``"green"`` or ``"blue"``.
    balance
        Weight of red against the third channel in the colour difference (0..1).
    clip_black, clip_white
        Levels on the raw matte (see :func:`levels`).

    Returns
    -------
    torch.Tensor
        Alpha in [0, 1]: 1 is foreground, 0 is screen. NaN pixels give 1 (kept, not keyed).

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 1, H, W)``
    """
    check_image(plate, "chroma_alpha plate")
    d = colour_difference(plate, screen, balance)
    d_s = colour_difference(screen_field, screen, balance).clamp_min(1e-6)
    raw = torch.nan_to_num(1.0 - d / d_s, nan=1.0)
    return levels(raw, clip_black, clip_white)


def unmix_screen(
    plate: torch.Tensor, alpha: torch.Tensor, screen_field: torch.Tensor
) -> torch.Tensor:
    """The premultiplied foreground ``plate - (1 - alpha) * screen_field``, not clamped.

    Shape
    -----
    ``plate``, ``screen_field``: ``(B, 3, H, W)``; ``alpha``: ``(B, 1, H, W)`` → ``(B, 3, H, W)``
    """
    return plate - (1.0 - alpha) * screen_field
