"""Hue vs hue, hue vs saturation and luma vs saturation curves, in ACEScct.

**Hue/chroma model.** From the ACEScct code values ``(r, g, b)`` take the hexagonal opponent
axes (the ones HSL and HSV hue are built on)::

    a = r - (g + b) / 2,    b' = (√3 / 2) (g - b),    hue = angle of (a, b'),  C = |(a, b')|

so the hue is 0° for red, 60° yellow, 120° green, 180° cyan, 240° blue and 300° magenta (the
AP1 primaries and their secondaries), and ``C`` is ≈ ``max - min`` of the code values. In
ACEScct a change of exposure adds the same offset to all three channels (above the toe), so
neither hue nor ``C`` depends on exposure. A correction changes only ``(a, b')`` and goes back
through the exact inverse ``Δr = 2Δa/3``, ``Δg = -Δa/3 + Δb'/√3``, ``Δb = -Δa/3 - Δb'/√3``:
the channel mean is kept.

**Curves over hue** are periodic and smooth: six control values ``v_k`` at the hues
``h_k = 0°, 60°, …, 300°`` (R, Y, G, C, B, M) blended by raised-cosine weights::

    c_k = cos(hue - h_k) = (a cos h_k + b' sin h_k) / C
    w_k = (1 + cos 3(hue - h_k)) / 2 = (1 + 4 c_k³ - 3 c_k) / 2   if c_k > 1/2   else 0
    v(hue) = Σ_k w_k v_k

Only the two nearest control hues count, the weights sum to 1, ``v`` passes through every
``v_k`` with no overshoot, and it is C1 in hue. ``c_k`` is a dot product, never an
``atan2``, and ``C`` is ``sqrt(a² + b'² + 1e-12)``, so gradients are finite at grey.

- :func:`apply_hue_vs_hue` rotates ``(a, b')`` by ``v(hue)`` degrees (chroma kept).
- :func:`apply_hue_vs_sat` scales ``(a, b')`` by ``v(hue)``.
- :func:`apply_lum_vs_sat` scales ``(a, b')`` by ``g(L)``: ``L`` is the ACEScct luma
  (:func:`~workbench.ops.curves.acescct_luma`) and ``g`` the monotone cubic (PCHIP) through
  five gains at ``L = 0, 0.25, 0.5, 0.75, 1``, held flat outside.

Every correction is ``out = rgb + M⁻¹ Δ(a, b')`` with ``Δ`` proportional to ``(a, b')``, so
a grey pixel (``a = b' = 0``) comes back exactly; identity settings (shifts 0, gains 1) give
``Δ = 0`` and return the image bit for bit. Pixels with an Inf or NaN channel pass through.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import param
import torch

from workbench.checks import check_image
from workbench.errors import ParameterError, ShapeError
from workbench.ops.base import Operator, register_operator
from workbench.ops.curves import CURVE_X, _hermite, _Located, _pchip_slopes, acescct_luma

__all__ = [
    "HUE_NAMES",
    "HUE_NODES_DEG",
    "LUM_X",
    "HueVsHue",
    "HueVsSat",
    "LumVsSat",
    "apply_hue_vs_hue",
    "apply_hue_vs_sat",
    "apply_lum_vs_sat",
    "hue_weights",
    "opponent",
]

HUE_NODES_DEG = (0.0, 60.0, 120.0, 180.0, 240.0, 300.0)
"""Hues of the six control values: red, yellow, green, cyan, blue, magenta."""

HUE_NAMES = ("red", "yellow", "green", "cyan", "blue", "magenta")

LUM_X = CURVE_X
"""ACEScct luma of the five :class:`LumVsSat` control points."""

_S3 = math.sqrt(3.0)
_EPS = 1e-12

Values = float | Sequence[float] | torch.Tensor


def opponent(img: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The hexagonal opponent axes ``(a, b')`` of ``(B, 3, H, W)``, each ``(B, 1, H, W)``.

    Exactly 0 for a grey pixel (``r = g = b``).
    """
    r, g, b = img[:, 0:1], img[:, 1:2], img[:, 2:3]
    return r - 0.5 * (g + b), (0.5 * _S3) * (g - b)


def _from_opponent(img: torch.Tensor, da: torch.Tensor, db: torch.Tensor) -> torch.Tensor:
    return img + torch.cat([da * (2.0 / 3.0), db / _S3 - da / 3.0, -da / 3.0 - db / _S3], dim=1)


def hue_weights(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Raised-cosine weights ``(B, 6, H, W)`` of the six control hues for ``(a, b')``.

    They sum to 1 wherever the chroma is well above 1e-6; all are 0 at grey.
    """
    chroma = torch.sqrt(a * a + b * b + _EPS)
    rad = torch.tensor([math.radians(h) for h in HUE_NODES_DEG], dtype=a.dtype,
                       device=a.device).reshape(1, 6, 1, 1)
    c = (a * torch.cos(rad) + b * torch.sin(rad)) / chroma
    w = 0.5 * (1.0 + (4.0 * c * c - 3.0) * c)
    return torch.where(c > 0.5, w, torch.zeros_like(w))


def _as_controls(values: Values, img: torch.Tensor, n: int, name: str) -> torch.Tensor:
    """``n`` control values (``(n,)`` or ``(B, n)``) as a ``(P, n)`` tensor."""
    t = torch.as_tensor(values, dtype=img.dtype, device=img.device)
    b = img.shape[0]
    if t.ndim == 1 and t.shape[0] == n:
        t = t.unsqueeze(0)
    if t.ndim != 2 or t.shape[1] != n or t.shape[0] not in (1, b):
        raise ShapeError(f"{name}: expected ({n},) or ({b}, {n}) values, got {tuple(t.shape)}")
    if not bool(torch.isfinite(t).all()):
        raise ParameterError(f"{name} must be finite, got {t.tolist()}")
    return t


def _check_gains(gains: torch.Tensor, name: str) -> None:
    if not bool((gains >= 0).all()):
        raise ParameterError(f"{name} must be >= 0, got {gains.tolist()}")


def _finite_pixels(img: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    finite = torch.isfinite(img).all(dim=1, keepdim=True)
    return finite, torch.where(finite, img, torch.zeros_like(img))


def apply_hue_vs_hue(img: torch.Tensor, shifts: Values) -> torch.Tensor:
    """Rotate each pixel's hue by a smooth function of its hue.

    Parameters
    ----------
    img
        Image in ACEScct (log), any range; nothing is clamped.
    shifts
        Hue shifts in degrees at red, yellow, green, cyan, blue, magenta: six floats, a
        ``(6,)`` or a ``(B, 6)`` tensor (one set per image). Positive turns toward the next
        hue in that order (red toward yellow).

    Returns
    -------
    torch.Tensor
        The image in ACEScct; the channel mean and the chroma ``C`` are kept, greys unchanged.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> red = torch.tensor([0.6, 0.3, 0.3]).reshape(1, 3, 1, 1)
    >>> [round(v, 4) for v in apply_hue_vs_hue(red, [60, 0, 0, 0, 0, 0]).flatten().tolist()]
    [0.5, 0.5, 0.2]
    """
    check_image(img, "apply_hue_vs_hue input")
    s = _as_controls(shifts, img, 6, "HueVsHue.shifts").reshape(-1, 6, 1, 1)
    finite, x = _finite_pixels(img)
    a, b = opponent(x)
    theta = (hue_weights(a, b) * torch.deg2rad(s)).sum(dim=1, keepdim=True)
    cos, sin = torch.cos(theta), torch.sin(theta)
    out = _from_opponent(x, a * cos - b * sin - a, a * sin + b * cos - b)
    return torch.where(finite, out, img)


def apply_hue_vs_sat(img: torch.Tensor, gains: Values) -> torch.Tensor:
    """Scale each pixel's chroma by a smooth function of its hue.

    Parameters
    ----------
    img
        Image in ACEScct (log), any range; nothing is clamped.
    gains
        Chroma gains (>= 0, 1 = none) at red, yellow, green, cyan, blue, magenta: six
        floats, a ``(6,)`` or a ``(B, 6)`` tensor.

    Returns
    -------
    torch.Tensor
        The image in ACEScct; the channel mean and the hue are kept, greys unchanged.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> red = torch.tensor([0.6, 0.3, 0.3]).reshape(1, 3, 1, 1)
    >>> [round(v, 4) for v in apply_hue_vs_sat(red, [0, 1, 1, 1, 1, 1]).flatten().tolist()]
    [0.4, 0.4, 0.4]
    """
    check_image(img, "apply_hue_vs_sat input")
    g = _as_controls(gains, img, 6, "HueVsSat.gains")
    _check_gains(g, "HueVsSat.gains")
    finite, x = _finite_pixels(img)
    a, b = opponent(x)
    k = (hue_weights(a, b) * (g - 1.0).reshape(-1, 6, 1, 1)).sum(dim=1, keepdim=True)
    return torch.where(finite, _from_opponent(x, k * a, k * b), img)


def apply_lum_vs_sat(img: torch.Tensor, gains: Values) -> torch.Tensor:
    """Scale each pixel's chroma by a smooth function of its ACEScct luma.

    Parameters
    ----------
    img
        Image in ACEScct (log), any range; nothing is clamped.
    gains
        Chroma gains (>= 0, 1 = none) at luma :data:`LUM_X` (0, 0.25, 0.5, 0.75, 1): five
        floats, a ``(5,)`` or a ``(B, 5)`` tensor. Between them a monotone cubic (PCHIP,
        never below the smaller neighbour), outside them the end gain.

    Returns
    -------
    torch.Tensor
        The image in ACEScct; the channel mean and the hue are kept, greys unchanged.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> dark_red = torch.tensor([0.3, 0.1, 0.1]).reshape(1, 3, 1, 1)
    >>> [round(v, 4) for v in apply_lum_vs_sat(dark_red, [0, 0, 1, 1, 1]).flatten().tolist()]
    [0.1667, 0.1667, 0.1667]
    """
    check_image(img, "apply_lum_vs_sat input")
    g = _as_controls(gains, img, 5, "LumVsSat.gains")
    _check_gains(g, "LumVsSat.gains")
    finite, x = _finite_pixels(img)
    a, b = opponent(x)
    p = g.shape[0]
    xk = torch.tensor(LUM_X, dtype=img.dtype, device=img.device).expand(p, 5).contiguous()
    luma = acescct_luma(x).reshape(p, -1)
    loc = _Located(luma.clamp(LUM_X[0], LUM_X[-1]), xk)
    k = _hermite(loc, g - 1.0, _pchip_slopes(xk, g), extrapolate=False).reshape(a.shape)
    return torch.where(finite, _from_opponent(x, k * a, k * b), img)


def _toward_one(values: tuple[float, ...], strength: float) -> list[float]:
    """Gains blended toward 1 (none) by ``strength``; exact at strength 1."""
    return [v if strength == 1.0 else 1.0 + strength * (v - 1.0) for v in values]


def _hue_param(default: float, bounds: tuple[float, float], soft: tuple[float, float],
               step: float, hue: str, what: str) -> param.Number:
    return param.Number(default, bounds=bounds, softbounds=soft, step=step,
                        label=f"{hue.capitalize()}", doc=f"{what} at {hue} ({default:g} = none).")


@register_operator
class HueVsHue(Operator):
    """Hue vs hue in ACEScct: turn each of six hues by up to ±180° (smooth between them)."""

    space = "ACEScct"
    per_pixel = True

    red, yellow, green, cyan, blue, magenta = (
        _hue_param(0.0, (-180.0, 180.0), (-30.0, 30.0), 0.5, h, "Hue shift in degrees")
        for h in HUE_NAMES
    )

    def values(self) -> tuple[float, ...]:
        """The six shifts in degrees (R, Y, G, C, B, M) at full strength."""
        return tuple(float(getattr(self, h)) for h in HUE_NAMES)

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return apply_hue_vs_hue(img, [v * self.strength for v in self.values()])


@register_operator
class HueVsSat(Operator):
    """Hue vs saturation in ACEScct: a chroma gain for each of six hues."""

    space = "ACEScct"
    per_pixel = True

    red, yellow, green, cyan, blue, magenta = (
        _hue_param(1.0, (0.0, 4.0), (0.0, 2.0), 0.01, h, "Chroma gain")
        for h in HUE_NAMES
    )

    def values(self) -> tuple[float, ...]:
        """The six gains (R, Y, G, C, B, M) at full strength."""
        return tuple(float(getattr(self, h)) for h in HUE_NAMES)

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return apply_hue_vs_sat(img, _toward_one(self.values(), self.strength))


def _lum_param(i: int) -> param.Number:
    x = LUM_X[i]
    return param.Number(1.0, bounds=(0.0, 4.0), softbounds=(0.0, 2.0), step=0.01,
                        label=f"Sat @ luma {x:g}",
                        doc=f"Chroma gain at ACEScct luma {x:g} (1 = none).")


@register_operator
class LumVsSat(Operator):
    """Luma vs saturation in ACEScct: chroma gains at five luma levels (0 … 1)."""

    space = "ACEScct"
    per_pixel = True

    sat_0, sat_1, sat_2, sat_3, sat_4 = (_lum_param(i) for i in range(5))

    def values(self) -> tuple[float, ...]:
        """The five gains at luma :data:`LUM_X`, at full strength."""
        return tuple(float(getattr(self, f"sat_{i}")) for i in range(5))

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return apply_lum_vs_sat(img, _toward_one(self.values(), self.strength))
