"""The screen behind a key: which one (green or blue), its colour, and its light across the frame.

A real screen is never evenly lit: it falls off toward the edges, has hot spots and shadows. The
keyer therefore divides by a *screen field*, a smooth ``(B, 3, H, W)`` estimate of the colour the
bare screen has at each pixel, built at a proxy size by normalised convolution of the pixels that
are confidently screen (``blur(plate * m) / blur(m)``), and filled under the foreground from the
screen around it. Everything is linear light; nothing is clamped.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from workbench.checks import check_image
from workbench.errors import ParameterError
from workbench.matte._filters import gaussian, resize

__all__ = [
    "SCREENS",
    "colour_difference",
    "detect_screen",
    "estimate_screen_field",
    "proxy",
    "screen_field_from_colour",
]

# Screen name → (screen channel, first other, second other). The colour difference is
# ``screen - (balance * first + (1 - balance) * second)``.
SCREENS: dict[str, tuple[int, int, int]] = {"green": (1, 0, 2), "blue": (2, 0, 1)}

PROXY_WIDTH = 160  # the screen field is smooth: it is estimated on a frame this wide


def _channels(screen: str) -> tuple[int, int, int]:
    if screen not in SCREENS:
        raise ParameterError(
            f"screen must be one of {', '.join(SCREENS)}, got {screen!r}"
        )
    return SCREENS[screen]


def colour_difference(img: torch.Tensor, screen: str, balance: float = 0.5) -> torch.Tensor:
    """The colour-difference signal ``S - (balance * A + (1 - balance) * B)``.

    ``S`` is the screen's channel (G for green, B for blue), ``A`` red and ``B`` the remaining
    channel. It is linear in the pixel, so under ``plate = alpha * fg + (1 - alpha) * screen`` it
    mixes as alpha does. High on the screen, near 0 or below on neutral and warm foregrounds.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 1, H, W)``
    """
    s, a, b = _channels(screen)
    return img[:, s:s + 1] - (balance * img[:, a:a + 1] + (1.0 - balance) * img[:, b:b + 1])


def proxy(img: torch.Tensor, width: int = PROXY_WIDTH) -> torch.Tensor:
    """``img`` area-downscaled to ``width`` pixels wide (as it is if narrower)."""
    h, w = img.shape[-2:]
    if w <= width:
        return img
    # torch's area (adaptive pooling) rather than OpenCV's: the keying cases are tuned on it.
    return F.interpolate(img, size=(max(1, round(h * width / w)), width), mode="area")


def detect_screen(plate: torch.Tensor) -> list[str]:
    """``"green"`` or ``"blue"`` for each image of the batch: the stronger colour difference.

    Decided on the frame's border (the screen fills it on a keying plate, framed around the
    subject): the median green difference against the median blue one.

    Shape
    -----
    ``(B, 3, H, W)`` → ``B`` names
    """
    check_image(plate, "detect_screen plate")
    p = proxy(plate)
    h, w = p.shape[-2:]
    bh, bw = max(1, h // 8), max(1, w // 8)
    border = torch.cat([
        p[..., :bh, :].flatten(2), p[..., -bh:, :].flatten(2),
        p[..., :, :bw].flatten(2), p[..., :, -bw:].flatten(2),
    ], dim=2)[..., None]
    green = colour_difference(border, "green").flatten(1).median(dim=1).values
    blue = colour_difference(border, "blue").flatten(1).median(dim=1).values
    return ["green" if float(g) >= float(b) else "blue" for g, b in zip(green, blue, strict=True)]


def screen_field_from_colour(
    plate: torch.Tensor, colour: Sequence[float] | torch.Tensor
) -> torch.Tensor:
    """An even screen: ``colour`` (linear RGB, picked by the artist) at every pixel.

    Shape
    -----
    ``plate``: ``(B, 3, H, W)``; ``colour``: 3 values or ``(B, 3)`` → ``(B, 3, H, W)``
    """
    c = torch.as_tensor(colour, dtype=plate.dtype, device=plate.device).reshape(-1, 3, 1, 1)
    return c.expand(plate.shape[0], 3, *plate.shape[-2:]).contiguous()


def _normalised_blur(x: torch.Tensor, m: torch.Tensor, sigma: float) -> tuple[torch.Tensor,
                                                                              torch.Tensor]:
    both = gaussian(torch.cat([x * m, m], dim=1), sigma)
    return both[:, :3], both[:, 3:]


def estimate_screen_field(
    plate: torch.Tensor,
    screen: str,
    smoothness: float = 0.1,
    balance: float = 0.5,
    confidence: float = 0.75,
    alpha: torch.Tensor | None = None,
) -> torch.Tensor:
    """A smooth estimate of the bare screen's colour at each pixel of ``plate``.

    Screen pixels are those whose colour-difference ratio ``d / S`` (independent of how bright
    the screen is lit there) reaches ``confidence`` times the frame's 90th percentile, or, when
    an ``alpha`` from a first key is given, where it is below 0.05. Their colours are spread by
    normalised convolution with a Gaussian of ``smoothness`` picture heights; where no screen
    is near (under a large foreground) the median screen colour of the frame fills in.

    Parameters
    ----------
    plate
        Linear RGB plate.
    screen
        ``"green"`` or ``"blue"``.
    smoothness
        Scale of the screen's light variation, in picture heights (> 0): small follows uneven
        light closely, large assumes an even screen.
    balance, confidence
        As in :func:`colour_difference`; the share of the 90th percentile ratio that counts as
        screen (0..1).
    alpha
        Optional ``(B, 1, H, W)`` matte of a first key, which selects the screen better.

    Returns
    -------
    torch.Tensor
        ``(B, 3, H, W)`` linear RGB, finite, the screen channel above 0.
    """
    check_image(plate, "estimate_screen_field plate")
    if not smoothness > 0:
        raise ParameterError(f"screen smoothness must be > 0, got {smoothness}")
    s_idx, _, _ = _channels(screen)
    h, w = plate.shape[-2:]
    p = proxy(plate)
    d = colour_difference(p, screen, balance)
    ratio = d / p[:, s_idx:s_idx + 1].clamp_min(1e-6)
    if alpha is not None:
        m = (proxy(alpha) < 0.05).to(p.dtype)
    else:
        q = torch.quantile(ratio.flatten(1), 0.9, dim=1).reshape(-1, 1, 1, 1)
        cand = (ratio >= confidence * q) & (d > 0)
        # A dark screen-coloured subject (a blue shirt) passes the ratio test: screen light
        # varies by well under 2x across a frame, so anything half as bright is not screen.
        level = torch.stack([
            torch.nan_to_num(p[i, s_idx][cand[i, 0]].median(), nan=0.0)
            for i in range(p.shape[0])
        ]).reshape(-1, 1, 1, 1)
        m = (cand & (p[:, s_idx:s_idx + 1] >= 0.5 * level)).to(p.dtype)
    m = m * torch.isfinite(p).all(dim=1, keepdim=True)
    p = torch.nan_to_num(p)
    # The median screen colour stands in where no screen pixel is near.
    counts = m.flatten(1).sum(dim=1)
    fallback = []
    for i in range(p.shape[0]):
        sel = p[i].flatten(1)[:, m[i, 0].flatten() > 0]
        fallback.append(sel.median(dim=1).values if counts[i] > 0 else p[i].flatten(1).amax(1))
    median = torch.stack(fallback).reshape(-1, 3, 1, 1)
    sigma = max(0.5, smoothness * p.shape[-2])
    num, den = _normalised_blur(p, m, sigma)
    weight = 1e-3
    field = (num + weight * median) / (den + weight)
    field[:, s_idx:s_idx + 1] = field[:, s_idx:s_idx + 1].clamp_min(1e-4)
    if field.shape[-2:] != (h, w):
        field = resize(field, (h, w))
    return field
