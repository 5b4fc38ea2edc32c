"""Spill suppression: take the screen's colour out of the foreground and put it back as light.

Light bounced from the screen tints the foreground. Despill limits the screen channel to a
limit built from the other two (``average``: their mean; ``limit``: the larger of them) and adds
the removed energy back equally to all three channels, scaled so the pixel's luminance is
unchanged: the spill becomes neutral light instead of a dark fringe. Linear light; nothing is
clamped (negative and above-1 values pass through).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from workbench.checks import check_image
from workbench.errors import ParameterError
from workbench.matte.screen import SCREENS
from workbench.ops._broadcast import as_batch
from workbench.ops.saturation import ACESCG_LUMA

__all__ = ["DESPILL_METHODS", "despill", "spill"]


def _average(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return 0.5 * (a + b)


def _limit(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.maximum(a, b)


DESPILL_METHODS: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "average": _average,
    "limit": _limit,
}


def spill(img: torch.Tensor, screen: str, method: str = "average") -> torch.Tensor:
    """How far the screen channel rises above the method's limit (>= 0).

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 1, H, W)``
    """
    if method not in DESPILL_METHODS:
        raise ParameterError(f"despill method must be one of {', '.join(DESPILL_METHODS)}, "
                             f"got {method!r}")
    if screen not in SCREENS:
        raise ParameterError(f"screen must be one of {', '.join(SCREENS)}, got {screen!r}")
    s, a, b = SCREENS[screen]
    if method == "average":  # one temporary, not three: this runs on full frames
        out = torch.add(img[:, a:a + 1], img[:, b:b + 1]).mul_(-0.5)
        return out.add_(img[:, s:s + 1]).clamp_min_(0.0)
    limit = DESPILL_METHODS[method](img[:, a:a + 1], img[:, b:b + 1])
    return (img[:, s:s + 1] - limit).clamp_min_(0.0)


def despill(
    img: torch.Tensor,
    screen: str,
    method: str = "average",
    strength: float | torch.Tensor = 1.0,
    luma_weights: tuple[float, float, float] = ACESCG_LUMA,
    limit: torch.Tensor | None = None,
    in_place: bool = False,
) -> torch.Tensor:
    """Remove screen spill from ``img``, preserving luminance.

    ``out = img - k * spill * e_screen + k * spill * w_screen * (1, 1, 1)`` where ``w_screen`` is
    the luminance weight of the screen channel (the weights sum to 1, so luminance is kept).

    Parameters
    ----------
    img
        Linear RGB (unpremultiplied or premultiplied: the limit scales with the pixel).
    screen
        ``"green"`` or ``"blue"``.
    method
        ``"average"`` (screen channel limited to the mean of the others; stronger) or
        ``"limit"`` (limited to the larger of them; keeps more of yellows and cyans).
    strength
        0..1, a float or ``(B,)``; 0 returns ``img`` bit for bit.
    luma_weights
        The working space's luminance weights (ACEScg by default).
    limit
        Optional ``(B|1, 1, H, W)`` most spill that may be removed at each pixel. Spill is
        screen light bounced onto the subject, so it cannot exceed a share of the screen's own
        excess; a limit keeps a green subject on green (leaves) from being turned grey.
    in_place
        Write the result into ``img`` and return it (no new frame), for an ``img`` the caller
        owns.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> px = torch.tensor([0.2, 0.5, 0.2]).reshape(1, 3, 1, 1)
    >>> despill(px, "green")[0, :, 0, 0].tolist()  # doctest: +ELLIPSIS
    [0.40..., 0.40..., 0.40...]
    """
    check_image(img, "despill input")
    k = as_batch(strength, img, "despill strength")
    if bool(((k < 0) | (k > 1)).any()):
        raise ParameterError(f"despill strength must be in [0, 1], got {strength}")
    if bool((k == 0).all()):
        return img if in_place else img.clone()
    amount = spill(img, screen, method)  # checks the names
    if limit is not None:
        amount = torch.minimum(amount, limit.to(img.dtype), out=amount)
    if not (isinstance(strength, float | int) and strength == 1):
        amount = amount.mul_(k)
    s = SCREENS[screen][0]
    out = img.add_(amount, alpha=luma_weights[s]) if in_place else \
        torch.add(img, amount, alpha=luma_weights[s])
    out[:, s:s + 1].sub_(amount)
    return out
