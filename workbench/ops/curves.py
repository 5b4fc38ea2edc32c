"""Custom curves (R, G, B and luma) in ACEScct, as monotone cubic (PCHIP) splines in torch.

Each curve is a list of control points ``(x, y)`` in ACEScct code values, ``x`` strictly
increasing. Between the points the curve is the Fritsch–Carlson monotone piecewise cubic
Hermite interpolant (the one SciPy calls ``PchipInterpolator``)::

    h_k = x_{k+1} - x_k,   δ_k = (y_{k+1} - y_k) / h_k
    d_k = 0                                           if δ_{k-1} δ_k <= 0
        = (w1 + w2) / (w1 / δ_{k-1} + w2 / δ_k)       otherwise (w1 = 2h_k + h_{k-1},
                                                                  w2 = h_k + 2h_{k-1})
    d_0 = δ_0 + h_0 (δ_0 - δ_1) / (h_0 + h_1)          (three-point end slope, then set to 0
                                                        if its sign differs from δ_0, or to
                                                        3 δ_0 where δ_0, δ_1 differ in sign and
                                                        |d_0| > 3 |δ_0|; likewise d_{N-1})

and on ``[x_k, x_{k+1}]`` with ``t = (x - x_k) / h_k`` the cubic Hermite polynomial through
``(y_k, d_k)`` and ``(y_{k+1}, d_{k+1})``. Increasing control points give a non-decreasing
curve, with no overshoot (in float32 the cubic's rounding may wobble by one ulp of the
output next to a flat stretch). It is C1 and differentiable in both the pixels and the points.

**Outside the first and last points** the curve continues as a straight line with the end
slope: ``y_0 + d_0 (x - x_0)`` below and ``y_{N-1} + d_{N-1} (x - x_{N-1})`` above. Nothing
is clamped: a scene-linear highlight above ACEScct 1.0 (linear ≈ 222) keeps its gradation.

Each cubic is evaluated as ``y_k + (y_{k+1} - y_k) h01(t) + h_k (h10(t) d_k + h11(t)
d_{k+1})``, so a flat segment is exactly flat and extensions with slope 0 are constant. On a
segment (or end extension) whose points lie on ``y = x`` with slope 1 it is evaluated in
*residual* form, ``x + [Hermite of (y_k - x_k, d_k - 1)]``, which is the same curve and the
same gradient but exactly ``x + 0``: identity points give the identity **bit for bit**, at
any strength, and still pass gradients to the points.

The **luma curve** runs after the R, G, B curves. Luma is the weighted sum of the ACEScct
values with the ACEScg (AP1) luminance weights; the curve's change of luma,
``Δ = f_luma(L) - L``, is *added* to every channel. In ACEScct (above its toe, ACEScg ≳
0.0078) adding the same offset to every channel multiplies the linear pixel by one gain, so
the luma curve keeps hue and linear saturation.

Values that are Inf or NaN pass through unchanged.

References
----------
F. N. Fritsch and R. E. Carlson, "Monotone Piecewise Cubic Interpolation", SIAM J. Numer.
Anal. 17(2), 1980. C. Moler, *Numerical Computing with MATLAB*, §3.6 (``pchip``).
"""

from __future__ import annotations

from typing import Any

import param
import torch

from workbench.checks import check_image
from workbench.errors import ParameterError, ShapeError
from workbench.ops.base import Operator, register_operator
from workbench.ops.saturation import ACESCG_LUMA

__all__ = [
    "CURVE_X",
    "Curves",
    "acescct_luma",
    "apply_curves",
    "as_points",
    "evaluate_curve",
    "identity_points",
]

CURVE_X = (0.0, 0.25, 0.5, 0.75, 1.0)
"""ACEScct ``x`` of the five control points of each :class:`Curves` curve."""

Points = torch.Tensor | Any


def identity_points(x: tuple[float, ...] = CURVE_X) -> torch.Tensor:
    """``(N, 2)`` float64 control points on the identity line ``y = x``."""
    t = torch.tensor(x, dtype=torch.float64)
    return torch.stack([t, t], dim=-1)


def as_points(points: Points, img: torch.Tensor, name: str) -> torch.Tensor:
    """Check control points and return them as a ``(P, N, 2)`` tensor, ``P`` 1 or ``B``.

    ``points`` is an ``(N, 2)`` array-like (shared by the batch) or a ``(B, N, 2)`` tensor (one
    curve per image), ``N >= 2``, finite, ``x`` strictly increasing.
    """
    t = torch.as_tensor(points, dtype=img.dtype, device=img.device)
    if t.ndim == 2:
        t = t.unsqueeze(0)
    b = img.shape[0]
    if t.ndim != 3 or t.shape[2] != 2 or t.shape[1] < 2 or t.shape[0] not in (1, b):
        raise ShapeError(
            f"{name}: expected (N, 2) or ({b}, N, 2) control points with N >= 2, "
            f"got {tuple(torch.as_tensor(points).shape)}"
        )
    if not bool(torch.isfinite(t).all()):
        raise ParameterError(f"{name}: control points must be finite, got {t.tolist()}")
    if not bool((t[:, 1:, 0] > t[:, :-1, 0]).all()):
        raise ParameterError(
            f"{name}: control point x must be strictly increasing, got {t[..., 0].tolist()}"
        )
    return t


def _pchip_slopes(xk: torch.Tensor, yk: torch.Tensor) -> torch.Tensor:
    """Fritsch–Carlson slopes ``d`` at the knots; ``xk``, ``yk`` are ``(P, N)``."""
    h = xk[:, 1:] - xk[:, :-1]
    delta = (yk[:, 1:] - yk[:, :-1]) / h
    if xk.shape[1] == 2:
        return torch.cat([delta, delta], dim=1)
    dl, dr = delta[:, :-1], delta[:, 1:]
    hl, hr = h[:, :-1], h[:, 1:]
    w1, w2 = 2 * hr + hl, hr + 2 * hl
    same = dl * dr > 0
    denom = torch.where(same, w1 * dr + w2 * dl, torch.ones_like(dl))
    interior = torch.where(same, (w1 + w2) * dl * dr / denom, torch.zeros_like(dl))

    def end(d0: torch.Tensor, d1: torch.Tensor, h0: torch.Tensor, h1: torch.Tensor
            ) -> torch.Tensor:
        s = d0 + h0 * (d0 - d1) / (h0 + h1)
        s = torch.where(torch.sign(s) != torch.sign(d0), torch.zeros_like(s), s)
        big = (torch.sign(d0) != torch.sign(d1)) & (s.abs() > 3 * d0.abs())
        return torch.where(big, 3 * d0, s)

    first = end(delta[:, :1], delta[:, 1:2], h[:, :1], h[:, 1:2])
    last = end(delta[:, -1:], delta[:, -2:-1], h[:, -1:], h[:, -2:-1])
    return torch.cat([first, interior, last], dim=1)


class _Located:
    """Where each value falls among the knots: segment ``k``, its ``x0`` and ``h``, ``t``."""

    def __init__(self, v: torch.Tensor, xk: torch.Tensor) -> None:
        n = xk.shape[1]
        self.v = v
        self.k = (torch.searchsorted(xk.contiguous(), v.contiguous(), right=True) - 1
                  ).clamp(0, n - 2)
        self.x0 = xk.gather(1, self.k)
        self.h = xk.gather(1, self.k + 1) - self.x0
        self.t = ((v - self.x0) / self.h).clamp(0.0, 1.0)
        self.below = v < xk[:, :1]
        self.above = v > xk[:, -1:]
        self.xk = xk


def _hermite(loc: _Located, y: torch.Tensor, m: torch.Tensor, extrapolate: bool
             ) -> torch.Tensor:
    """Cubic Hermite through values ``y`` and slopes ``m`` (``(P, N)``) at the located values.

    Written ``y_k + (y_{k+1} - y_k) h01(t) + h (h10(t) m_k + h11(t) m_{k+1})`` so a flat
    segment is exactly flat. Outside the knots: straight lines with the end slopes
    (``extrapolate``) or the end values.
    """
    k, t, h = loc.k, loc.t, loc.h
    t2 = t * t
    t3 = t2 * t
    y0 = y.gather(1, k)
    inside = (y0 + (y.gather(1, k + 1) - y0) * (3 * t2 - 2 * t3)
              + h * ((t3 - 2 * t2 + t) * m.gather(1, k) + (t3 - t2) * m.gather(1, k + 1)))
    if not extrapolate:
        return inside
    lo = y[:, :1] + m[:, :1] * (loc.v - loc.xk[:, :1])
    hi = y[:, -1:] + m[:, -1:] * (loc.v - loc.xk[:, -1:])
    return torch.where(loc.below, lo, torch.where(loc.above, hi, inside))


def _flat(x: torch.Tensor, p: int) -> torch.Tensor:
    """``(B, ...)`` → ``(P, M)``: one row per curve (``P`` is 1 or ``B``)."""
    return x.reshape(p, -1)


def _curve(x: torch.Tensor, pts: torch.Tensor) -> torch.Tensor:
    """The curve ``pts`` (``(P, N, 2)``) at every value of ``x`` (``(B, ...)``).

    On a segment (or end extension) whose points lie on ``y = x`` with slope 1, the value is
    ``x + 0`` (the residual form): exactly ``x``, with the same gradient. Non-finite ``x``
    pass through.
    """
    xk, yk = pts[..., 0], pts[..., 1]
    d = _pchip_slopes(xk, yk)
    finite = torch.isfinite(x)
    v = _flat(torch.where(finite, x, torch.zeros_like(x)), pts.shape[0])
    loc = _Located(v, xk)
    direct = _hermite(loc, yk, d, extrapolate=True)
    residual = _hermite(loc, yk - xk, d - 1, extrapolate=True)
    on_line = (yk == xk) & (d == 1)
    line = torch.where(loc.below, on_line[:, :1],
                       torch.where(loc.above, on_line[:, -1:],
                                   on_line.gather(1, loc.k) & on_line.gather(1, loc.k + 1)))
    out = torch.where(line, v + residual, direct).reshape(x.shape)
    return torch.where(finite, out, x)


def evaluate_curve(x: torch.Tensor, points: Points, name: str = "curve") -> torch.Tensor:
    """The monotone cubic curve through ``points`` at every value of ``x``.

    Parameters
    ----------
    x
        Any ``(B, ...)`` float tensor.
    points
        ``(N, 2)`` or ``(B, N, 2)`` control points, ``x`` strictly increasing.
    name
        How errors name the points.

    Returns
    -------
    torch.Tensor
        ``f(x)``, same shape; linear extension beyond the end points; Inf and NaN pass.

    Example
    -------
    >>> pts = torch.tensor([[0.0, 0.0], [0.5, 0.7], [1.0, 1.0]])
    >>> evaluate_curve(torch.tensor([[0.5, 2.0]]), pts).tolist()
    [[0.699999988079071, 1.2000000476837158]]
    """
    pts = as_points(points, x, name)
    return _curve(x, pts)


def acescct_luma(img: torch.Tensor) -> torch.Tensor:
    """``(B, 1, H, W)`` weighted sum of ACEScct channels with the AP1 luminance weights."""
    w = torch.tensor(ACESCG_LUMA, dtype=img.dtype, device=img.device).reshape(1, 3, 1, 1)
    return (img * w).sum(dim=1, keepdim=True)


def apply_curves(
    img: torch.Tensor,
    points_r: Points | None = None,
    points_g: Points | None = None,
    points_b: Points | None = None,
    points_luma: Points | None = None,
) -> torch.Tensor:
    """Apply R, G, B curves, then a luma curve, to an ACEScct image.

    Parameters
    ----------
    img
        Image in ACEScct (log), any range; nothing is clamped.
    points_r, points_g, points_b
        Control points of each channel's curve: ``(N, 2)`` (shared by the batch) or
        ``(B, N, 2)`` (one per image), ACEScct ``(x, y)``, ``x`` strictly increasing;
        ``None`` is the identity. ``N`` may differ between curves.
    points_luma
        The luma curve; its change of luma ``f(L) - L`` is added to all three channels (see
        the module docstring), so it changes brightness and keeps hue.

    Returns
    -------
    torch.Tensor
        The image in ACEScct. Beyond the first and last points each curve is extended as a
        straight line with its end slope; identity points return ``img`` bit for bit.

    Raises
    ------
    ShapeError
        If ``img`` is not ``(B, 3, H, W)`` or points are not ``(N, 2)`` / ``(B, N, 2)``.
    ParameterError
        If points are not finite or their ``x`` is not strictly increasing.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> img = torch.full((1, 3, 1, 1), 0.5)
    >>> s = torch.tensor([[0.0, 0.0], [0.5, 0.6], [1.0, 1.0]])
    >>> apply_curves(img, points_r=s)[0, :, 0, 0].tolist()
    [0.6000000238418579, 0.5, 0.5]
    """
    check_image(img, "apply_curves input")
    curves = [(c, as_points(p, img, f"Curves.points_{n}"))
              for c, (n, p) in enumerate(zip("rgb", (points_r, points_g, points_b), strict=True))
              if p is not None]
    luma_pts = None if points_luma is None else as_points(points_luma, img, "Curves.points_luma")
    out = img
    if curves:
        channels = list(img.unbind(dim=1))
        for c, pts in curves:
            channels[c] = _curve(channels[c], pts)
        out = torch.stack(channels, dim=1)
    if luma_pts is not None:
        luma = acescct_luma(out)
        delta = _curve(luma, luma_pts) - luma
        out = out + torch.where(torch.isfinite(luma), delta, torch.zeros_like(delta))
    return out if out is not img else img.clone()


def _y(channel: str, i: int) -> param.Number:
    x = CURVE_X[i]
    names = {"r": "Red", "g": "Green", "b": "Blue", "luma": "Luma"}
    return param.Number(
        x, bounds=(-1.0, 2.0), softbounds=(-0.25, 1.25), step=0.005,
        label=f"{names[channel]} @ {x:g}",
        doc=f"{names[channel]} curve output (ACEScct) at input {x:g}; {x:g} is no change.",
    )


@register_operator
class Curves(Operator):
    """R, G, B and luma curves in ACEScct: five control points each at :data:`CURVE_X`.

    Parameter ``r_i`` is the red curve's output at ACEScct input ``CURVE_X[i]`` (likewise
    ``g_i``, ``b_i``, ``luma_i``); the defaults ``y = x`` are the identity, bit for bit.
    Strength blends every control point toward the identity line:
    ``y = x + strength * (y - x)``.
    """

    space = "ACEScct"
    per_pixel = True

    r_0, r_1, r_2, r_3, r_4 = (_y("r", i) for i in range(5))
    g_0, g_1, g_2, g_3, g_4 = (_y("g", i) for i in range(5))
    b_0, b_1, b_2, b_3, b_4 = (_y("b", i) for i in range(5))
    luma_0, luma_1, luma_2, luma_3, luma_4 = (_y("luma", i) for i in range(5))

    def points(self) -> dict[str, torch.Tensor]:
        """``{"points_r": (5, 2), ...}`` float64 control points at this operator's strength."""
        s = float(self.strength)
        out = {}
        for ch in ("r", "g", "b", "luma"):
            ys = []
            for i, x in enumerate(CURVE_X):
                y = float(getattr(self, f"{ch}_{i}"))
                ys.append(y if s == 1.0 else x + s * (y - x))
            out[f"points_{ch}"] = torch.tensor(list(zip(CURVE_X, ys, strict=True)),
                                               dtype=torch.float64)
        return out

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return apply_curves(img, **self.points())
