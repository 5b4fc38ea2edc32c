"""Colour-difference chroma key for green and blue screens, in linear light.

Under the compositing model ``plate = alpha * fg + (1 - alpha) * screen`` the colour difference
``d`` (:func:`~workbench.matte.screen.colour_difference`) mixes linearly, so with the screen's
own difference ``d_s`` at that pixel (from the screen field, which follows uneven light)
``alpha = 1 - d / d_s`` for any foreground whose own difference is 0 or below. Two more
signals, each also 0 on the bare screen whatever its light, catch the subjects that colour
difference misses: darker than the screen in its channel (``shade``), and off the screen's hue
(``hue``). Both mix linearly too, so each is divided by its local maximum (the subject's own
value a few pixels in) to read as alpha; the matte is the largest of the three. Levels
(``clip_black``, ``clip_white``) then clean the screen and fill the foreground. The foreground
is unmixed by subtracting the screen where it shows: ``fg_premultiplied = plate - (1 - alpha)
* screen``, unclamped.
"""

from __future__ import annotations

import torch

from workbench.checks import check_image
from workbench.errors import ParameterError
from workbench.matte._filters import box_mean, gaussian, max_filter
from workbench.matte.screen import SCREENS, colour_difference

__all__ = ["chroma_alpha", "levels", "projected_alpha", "unmix_screen"]


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


def _edge_normalised(signal: torch.Tensor, solid: float, radius: int = 3) -> torch.Tensor:
    """Alpha from a signal that mixes as alpha does (``signal(plate) = alpha * signal(fg)``).

    1 from ``solid`` up (the subject, however its neighbours compare); below, the signal over
    its local maximum (the subject's own value a few pixels inside the edge) or ``solid``.
    """
    peak = max_filter(signal, radius)
    return torch.where(signal >= solid, 1.0, (signal / peak.clamp_min(solid)).clamp(0.0, 1.0))


def chroma_alpha(
    plate: torch.Tensor,
    screen_field: torch.Tensor,
    screen: str,
    balance: float = 0.5,
    clip_black: float = 0.0,
    clip_white: float = 1.0,
    shade: float = 0.0,
    hue: float = 0.0,
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
    shade
        Weight (0..1) of a second signal, ``1 - P_s / S_s``: a subject darker than the screen
        in the screen's own channel (a dark blue shirt on blue) is kept. 0 turns it off.
    hue
        Gain (>= 0) of a third signal: how far the pixel's other channels leave the screen's
        hue at the pixel's own screen level, ``|P_a - S_a P_s / S_s| / S_s``; it keeps a
        screen-coloured subject whose hue differs (yellow-green leaves on green). 0: off.

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
    alpha = levels(torch.nan_to_num(1.0 - d / d_s, nan=1.0), clip_black, clip_white)
    if shade > 0 or hue > 0:
        s, a, b = SCREENS[screen]
        s_s = screen_field[:, s:s + 1].clamp_min(1e-6)
        # On a 3x3 mean: the screen's weak channels are mostly noise, which |.| would raise.
        sm = box_mean(torch.nan_to_num(plate), 1)
        r = sm[:, s:s + 1] / s_s  # the pixel's screen channel, 1 on the bare screen
        extra = torch.zeros_like(alpha)
        if shade > 0:
            extra = torch.maximum(extra, shade * torch.relu(1.0 - r))
        if hue > 0:
            dev = torch.maximum((sm[:, a:a + 1] - screen_field[:, a:a + 1] * r).abs(),
                                (sm[:, b:b + 1] - screen_field[:, b:b + 1] * r).abs()) / s_s
            extra = torch.maximum(extra, _edge_normalised(dev, 1.0 / hue))
        alpha = torch.maximum(alpha, levels(extra, clip_black, clip_white))
    return alpha


def unmix_screen(
    plate: torch.Tensor, alpha: torch.Tensor, screen_field: torch.Tensor
) -> torch.Tensor:
    """The premultiplied foreground ``plate - (1 - alpha) * screen_field``, not clamped.

    Shape
    -----
    ``plate``, ``screen_field``: ``(B, 3, H, W)``; ``alpha``: ``(B, 1, H, W)`` → ``(B, 3, H, W)``
    """
    return torch.addcmul(plate, alpha - 1.0, screen_field)


def projected_alpha(
    plate: torch.Tensor,
    alpha: torch.Tensor,
    screen_field: torch.Tensor,
    radius: float = 4.0,
    core: float = 0.98,
) -> torch.Tensor:
    """Re-measure a key's soft pixels by projecting onto the line from screen to foreground.

    Under ``plate = alpha * fg + (1 - alpha) * screen``, ``alpha = <plate - screen, fg - screen>
    / |fg - screen|^2`` exactly. The foreground colour ``fg`` at an edge is estimated from the
    solid subject nearby (pixels with ``alpha >= core``, spread by normalised convolution over
    ``radius`` pixels), the screen from the screen field. Pixels with no solid subject near, or
    whose ``fg`` is within a quarter of the screen's own brightness of the screen colour, keep
    ``alpha``; so do the solid subject, the bare screen (alpha 0) and pixels not within ``radius``
    of both (the inside of a translucent subject is not an edge).

    Shape
    -----
    ``plate``, ``screen_field``: ``(B, 3, H, W)``; ``alpha``: ``(B, 1, H, W)`` → ``(B, 1, H, W)``
    """
    solid = (alpha >= core).to(plate.dtype)
    p = torch.nan_to_num(plate)
    both = gaussian(torch.cat([p * solid, solid], dim=1), float(radius))
    fg = both[:, :3] / both[:, 3:].clamp_min(1e-6)
    v = fg - screen_field
    norm2 = v.square().sum(dim=1, keepdim=True)
    proj = ((p - screen_field) * v).sum(dim=1, keepdim=True) / norm2.clamp_min(1e-12)
    s2 = screen_field.square().sum(dim=1, keepdim=True)
    # Only the edge: pixels near both the solid subject and the bare screen.
    r = max(1, round(radius))
    near_screen = max_filter((alpha <= 0).to(plate.dtype), r) > 0
    near_solid = max_filter(solid, r) > 0
    usable = ((both[:, 3:] > 0.05) & (norm2 > s2 / 16.0) & (alpha > 0) & (alpha < core)
              & near_screen & near_solid)
    return torch.where(usable, proj.clamp(0.0, 1.0), alpha)
