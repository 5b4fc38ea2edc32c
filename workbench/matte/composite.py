"""Compositing in linear light: premultiplied ``over``, edge decontamination and light wrap.

Every function works on scene-linear ACEScg images ``(B, 3, H, W)`` float32 and mattes
``(B, 1, H, W)`` (``(1, 1, H, W)`` or a ``(1, 3, H, W)`` background is shared by the batch).
Nothing is clamped: values above 1 and below 0 pass through. Nothing is generated: every pixel
of a composite comes from the plate or the supplied background, mixed by the matte.

- :func:`premultiply`, :func:`unpremultiply` and :func:`over` are the Porter–Duff algebra, as
  OpenImageIO's ``ImageBufAlgo.over`` computes it (a test holds them to it);
- :func:`fill_from_known` extends colours from where they are known into where they are not
  (pull-push), which :func:`decontaminate` uses to estimate the old background behind soft
  edges and take it out of the foreground;
- :func:`light_wrap` is the new background's light spilling over the foreground's edges;
- :func:`composite` puts them together, with a ``strength`` (0: the plate, bit for bit).

References
----------
T. Porter, T. Duff, "Compositing Digital Images", SIGGRAPH 1984.
S. Gortler et al., "The Lumigraph" (pull-push), SIGGRAPH 1996.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from workbench.checks import check_finite, check_image
from workbench.errors import ParameterError, ShapeError
from workbench.ops._broadcast import as_batch, check_range
from workbench.ops.lens import gaussian_blur

__all__ = [
    "CLEAR_LEVEL",
    "CORE_LEVEL",
    "check_alpha",
    "composite",
    "decontaminate",
    "fill_from_known",
    "light_wrap",
    "over",
    "premultiply",
    "unpremultiply",
]

CLEAR_LEVEL = 0.02
"""Alpha at or below which a plate pixel is taken as pure (old) background."""
CORE_LEVEL = 0.98
"""Alpha at or above which a plate pixel is taken as pure foreground."""
_SOLVE_FULL = 0.5   # alpha from which the solved edge colour is trusted alone
_FILL_PIXELS = 1 << 19  # pixels the background and core colours are estimated on
_STEADY = 1.0       # old-background spread, relative to its level, that takes trust to 1/e


def _check_finite(t: torch.Tensor, where: str) -> None:
    """:func:`check_finite`, with one cheap pass when all is well (the usual case)."""
    if not bool(torch.isfinite(t).all()):
        check_finite(t, where)


def check_alpha(alpha: torch.Tensor, img: torch.Tensor, where: str) -> None:
    """Raise :class:`ShapeError` unless ``alpha`` is a finite ``(B|1, 1, H, W)`` float in [0, 1].

    ``where`` names the file or argument the matte came from.
    """
    if not isinstance(alpha, torch.Tensor):
        raise ShapeError(f"{where}: expected a torch.Tensor matte, got {type(alpha).__name__}")
    b, _, h, w = img.shape
    if (alpha.ndim != 4 or alpha.shape[1] != 1 or tuple(alpha.shape[2:]) != (h, w)
            or alpha.shape[0] not in (1, b)):
        raise ShapeError(f"{where}: expected a one-channel matte of shape (B,1,{h},{w}), "
                         f"got {tuple(alpha.shape)}")
    if not alpha.is_floating_point():
        raise ShapeError(f"{where}: expected a float matte, got {alpha.dtype}")
    _check_finite(alpha, where)
    bounds = torch.aminmax(alpha)
    lo, hi = float(bounds.min), float(bounds.max)
    if lo < 0.0 or hi > 1.0:
        raise ParameterError(f"{where}: matte values must be in [0, 1], got [{lo:g}, {hi:g}]")


def _check_background(bg: torch.Tensor, img: torch.Tensor, where: str) -> None:
    check_image(bg, where)
    b, _, h, w = img.shape
    if tuple(bg.shape[2:]) != (h, w) or bg.shape[0] not in (1, b):
        raise ShapeError(f"{where}: expected shape (B,3,{h},{w}) to match the plate, "
                         f"got {tuple(bg.shape)}")
    _check_finite(bg, where)


def premultiply(rgb: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """Straight colour to premultiplied (associated): ``rgb * alpha``.

    Shape
    -----
    ``rgb`` ``(B, C, H, W)``, ``alpha`` ``(B|1, 1, H, W)`` → ``(B, C, H, W)``
    """
    return rgb * alpha


def unpremultiply(rgb: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """Premultiplied colour to straight: ``rgb / alpha`` where ``alpha > 0``, else as it is.

    As OpenImageIO's ``ImageBufAlgo.unpremult``: a pixel of zero alpha is left unchanged
    (premultiplied, it should be 0; if it is not, it is light, such as a flare, and stays).

    Example
    -------
    >>> a = torch.tensor([0.5, 0.0]).reshape(1, 1, 1, 2)
    >>> unpremultiply(torch.tensor([0.25, 0.1]).reshape(1, 1, 1, 2), a).flatten().tolist()
    [0.5, 0.10000000149011612]
    """
    return torch.where(alpha > 0, rgb / torch.where(alpha > 0, alpha, 1.0), rgb)


def over(fg_premult: torch.Tensor, fg_alpha: torch.Tensor, bg_premult: torch.Tensor,
         bg_alpha: torch.Tensor | float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Porter–Duff ``fg over bg`` on premultiplied colour: ``fg + bg * (1 - fg_alpha)``.

    Returns the premultiplied colour and the alpha ``fg_alpha + bg_alpha * (1 - fg_alpha)``,
    as ``ImageBufAlgo.over`` computes them. An opaque background (``bg_alpha=1``) gives an
    opaque result.

    Shape
    -----
    ``fg_premult``, ``bg_premult`` ``(B|1, C, H, W)``; alphas ``(B|1, 1, H, W)`` →
    ``((B, C, H, W), (B, 1, H, W))``

    Example
    -------
    >>> fg, a = torch.full((1, 3, 1, 1), 0.3), torch.full((1, 1, 1, 1), 0.5)
    >>> rgb, out_a = over(fg, a, torch.ones(1, 3, 1, 1))
    >>> round(float(rgb[0, 0]), 6), float(out_a)
    (0.8, 1.0)
    """
    keep = 1.0 - fg_alpha
    rgb = fg_premult + bg_premult * keep
    bg_a = torch.as_tensor(bg_alpha, dtype=fg_alpha.dtype, device=fg_alpha.device)
    return rgb, fg_alpha + bg_a * keep


def fill_from_known(img: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
    """Extend ``img``'s colours from where ``known`` is 1 into where it is 0 (pull-push).

    The known colours are averaged down a pyramid of halvings (weighted by ``known``) to one
    pixel, then pushed back up: at each level a pixel keeps its own known colour and takes the
    coarser level's estimate for the rest (``v + (1 - w) * up``, a premultiplied ``over``).
    A pixel with ``known == 1`` is returned as it is, bit for bit; one far from anything
    known gets the average of what is known around it. Nothing known at all: zeros.

    Shape
    -----
    ``img`` ``(B, C, H, W)``, ``known`` ``(B|1, 1, H, W)`` in [0, 1] → ``(B, C, H, W)``
    """
    k = known.to(img.dtype).expand(img.shape[0], 1, *img.shape[2:])
    levels = []
    v, w = img * k, k
    while v.shape[-2] > 1 or v.shape[-1] > 1:
        levels.append((v, w))
        size = ((v.shape[-2] + 1) // 2, (v.shape[-1] + 1) // 2)
        v, w = F.adaptive_avg_pool2d(v, size), F.adaptive_avg_pool2d(w, size)
    colour = torch.where(w > 0, v / torch.where(w > 0, w, 1.0), torch.zeros_like(v))
    for v, w in reversed(levels):
        up = F.interpolate(colour, size=v.shape[-2:], mode="bilinear", align_corners=False)
        colour = v + (1.0 - w) * up
    return colour


def _coarse(img: torch.Tensor, factor: int) -> torch.Tensor:
    if factor == 1:
        return img
    size = (-(-img.shape[-2] // factor), -(-img.shape[-1] // factor))
    return F.adaptive_avg_pool2d(img, size)


def _fine(img: torch.Tensor, like: torch.Tensor, factor: int) -> torch.Tensor:
    if factor == 1:
        return img
    return F.interpolate(img, size=like.shape[-2:], mode="bilinear", align_corners=False)


def _fill_factor(img: torch.Tensor) -> int:
    """Decontamination's estimates are smooth: made on at most ~0.5 Mpixel, then upsampled."""
    factor = 1
    while img.shape[-2] * img.shape[-1] / (factor * factor) > _FILL_PIXELS:
        factor *= 2
    return factor


def decontaminate(plate: torch.Tensor, alpha: torch.Tensor, *, clear: float = CLEAR_LEVEL,
                  core: float = CORE_LEVEL) -> torch.Tensor:
    """The foreground's own (straight) colour at soft edges, with the old background taken out.

    A plate pixel of alpha ``a`` holds ``I = a F + (1 - a) B``. ``B``, the old background
    behind the edge, is extended inward from the pixels of alpha ``<= clear``
    (:func:`fill_from_known`), and ``F = (I - (1 - a) B) / a`` is solved. Where alpha is low
    the solution amplifies noise, so below alpha 0.5 it is blended toward the colour extended
    outward from the core (alpha ``>= core``). The old background's estimate is only as good
    as that background is even: where the clear pixels around vary (their local spread,
    from the same pull-push of their squares, against their level) the result leans back
    toward the plate as filmed, so a busy background is never made worse than keeping it.
    On an uneven green screen this takes about half the edge error away; on a busy,
    defocused real background a few per cent. Where alpha is 1 the result is the plate, bit
    for bit; with no clear background pixel at all the plate is returned unchanged (nothing to
    take out). Nothing is clamped.

    Parameters
    ----------
    plate
        Scene-linear ACEScg ``(B, 3, H, W)``, straight (as filmed).
    alpha
        The foreground's matte ``(B|1, 1, H, W)`` in [0, 1].
    clear, core
        Alpha levels taken as pure background / pure foreground.

    Shape
    -----
    ``(B, 3, H, W)``, ``(B|1, 1, H, W)`` → ``(B, 3, H, W)``
    """
    if not 0.0 <= clear < _SOLVE_FULL < core <= 1.0:
        raise ParameterError(f"decontaminate: need 0 <= clear < {_SOLVE_FULL} < core <= 1, "
                             f"got clear={clear:g}, core={core:g}")
    a = alpha.to(plate.dtype).expand(plate.shape[0], 1, *plate.shape[2:])
    known_bg = (a <= clear).to(plate.dtype)
    if not bool(known_bg.any()):
        return plate.clone()
    f = _fill_factor(plate)
    small, small_bg = _coarse(plate, f), _coarse(known_bg, f)
    both = fill_from_known(torch.cat([small, small * small], dim=1), small_bg)
    old_bg = _fine(both[:, :3], plate, f)
    safe_a = torch.where(a > 0, a, 1.0)
    solved = (plate - (1.0 - a) * old_bg) / safe_a
    # How far the estimate of the old background can be trusted: its spread around the
    # pixel (the pull-push of the squares gives the local variance), against its level.
    spread = (both[:, 3:] - both[:, :3] ** 2).clamp_min(0.0).mean(dim=1, keepdim=True)
    level = both[:, :3].abs().mean(dim=1, keepdim=True).clamp_min(1e-6)
    steady = _fine(torch.exp(-spread.sqrt() / (_STEADY * level)), plate, f)
    trust = ((a - clear) / (_SOLVE_FULL - clear)).clamp(0.0, 1.0)  # a weight, not a pixel
    known_fg = (a >= core).to(plate.dtype)
    inner = (_fine(fill_from_known(small, _coarse(known_fg, f)), plate, f)
             if bool(known_fg.any()) else solved)
    clean = torch.where(trust >= 1.0, solved, torch.lerp(inner, solved, trust))
    out = torch.where(steady >= 1.0, clean, torch.lerp(plate, clean, steady))
    return torch.where(a >= 1.0, plate, out)


def light_wrap(background: torch.Tensor, alpha: torch.Tensor, amount: float | torch.Tensor,
               radius: float = 8.0) -> torch.Tensor:
    """The background's light spilling over the foreground's edges, to add to a composite.

    ``amount * alpha * blur((1 - alpha) * background, radius)``: only background light, only on
    the foreground, strongest at the edge and fading over about ``2 * radius`` pixels inside
    it; 0 deep in the foreground and where alpha is 0.

    Parameters
    ----------
    background
        The new background, scene-linear ACEScg ``(B|1, 3, H, W)``.
    alpha
        The foreground's matte ``(B|1, 1, H, W)``.
    amount
        In [0, 1]; float or ``(B,)`` tensor.
    radius
        Gaussian sigma in pixels (> 0) of how far the light reaches.

    Shape
    -----
    → ``(B, 3, H, W)``
    """
    check_image(background, "light_wrap background")
    amt = as_batch(amount, background if background.shape[0] >= alpha.shape[0] else alpha,
                   "light_wrap.amount")
    check_range(amt, "light_wrap.amount", 0.0, 1.0)
    if not radius > 0:
        raise ParameterError(f"light_wrap.radius must be > 0 pixels, got {radius:g}")
    a = alpha.to(background.dtype)
    f = max(1, min(4, int(radius // 2)))  # a glow: blurred at 1/f size, sigma/f, upsampled
    light = (1.0 - a) * background
    sigma = torch.tensor([float(radius) / f], dtype=background.dtype)
    spill = _fine(gaussian_blur(_coarse(light, f), sigma), light, f)
    return amt * a * spill


def composite(plate: torch.Tensor, alpha: torch.Tensor, background: torch.Tensor, *,
              strength: float = 1.0, decontaminate_edges: bool = True,
              light_wrap_amount: float = 0.0, light_wrap_radius: float = 8.0) -> torch.Tensor:
    """The plate's foreground over a new background, in linear light.

    ``F * alpha + background * (1 - alpha)`` (premultiplied :func:`over` onto an opaque
    background), with ``F`` the plate's colour, decontaminated at soft edges
    (:func:`decontaminate`) unless ``decontaminate_edges`` is False, plus
    :func:`light_wrap`. ``strength`` blends from the plate (0, returned bit for bit) to the
    composite (1).

    Parameters
    ----------
    plate
        Scene-linear ACEScg ``(B, 3, H, W)``.
    alpha
        The foreground's matte ``(B|1, 1, H, W)`` in [0, 1].
    background
        Scene-linear ACEScg ``(B|1, 3, H, W)``, the plate's size (match it first: see
        :mod:`workbench.matte.background`).
    strength
        In [0, 1].
    decontaminate_edges
        Take the old background out of soft edges.
    light_wrap_amount, light_wrap_radius
        See :func:`light_wrap`; 0 adds none.

    Shape
    -----
    → ``(B, 3, H, W)``

    Example
    -------
    >>> plate = torch.rand(1, 3, 8, 8)
    >>> torch.equal(composite(plate, torch.rand(1, 1, 8, 8), torch.rand(1, 3, 8, 8),
    ...                       strength=0.0), plate)
    True
    """
    check_image(plate, "composite plate")
    _check_finite(plate, "composite plate")
    check_alpha(alpha, plate, "composite matte")
    _check_background(background, plate, "composite background")
    check_range(torch.tensor(float(strength)), "composite.strength", 0.0, 1.0)
    if strength == 0.0:
        return plate.clone()
    a = alpha.to(plate.dtype)
    fg = decontaminate(plate, a) if decontaminate_edges else plate
    rgb, _ = over(premultiply(fg, a), a, background.to(plate.dtype))
    if light_wrap_amount:
        rgb = rgb + light_wrap(background.to(plate.dtype), a, light_wrap_amount,
                               light_wrap_radius)
    rgb = rgb.expand_as(plate) if rgb.shape != plate.shape else rgb
    return rgb if strength == 1.0 else torch.lerp(plate, rgb, float(strength))
