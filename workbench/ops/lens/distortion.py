"""Brown–Conrady lens distortion (OpenCV's model) and its inverse, by resampling."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import param
import torch
import torch.nn.functional as F

from workbench.checks import check_image
from workbench.errors import ParameterError
from workbench.ops._broadcast import as_batch, check_range
from workbench.ops.base import Operator, register_operator

__all__ = [
    "INTERPOLATIONS",
    "LensDistortion",
    "apply_lens_distortion",
    "distort_points",
    "invert_lens_distortion",
    "undistort_points",
]

INTERPOLATIONS = ("bilinear", "bicubic")
"""Sampling methods for :func:`apply_lens_distortion` (``torch.nn.functional.grid_sample``)."""


def _lens_coeffs(img: torch.Tensor, k1: Any, k2: Any, p1: Any, p2: Any) -> list[torch.Tensor]:
    out = []
    for v, n in ((k1, "k1"), (k2, "k2"), (p1, "p1"), (p2, "p2")):
        t = as_batch(v, img, f"LensDistortion.{n}").reshape(-1, 1, 1)
        check_range(t, f"LensDistortion.{n}", -4.0, 4.0)
        out.append(t)
    return out


def distort_points(
    x: torch.Tensor, y: torch.Tensor, k1: Any, k2: Any, p1: Any, p2: Any,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Brown–Conrady: ideal normalised ``(x, y)`` to distorted, as OpenCV's model.

    ``x_d = x (1 + k1 r² + k2 r⁴) + 2 p1 x y + p2 (r² + 2 x²)``,
    ``y_d = y (1 + k1 r² + k2 r⁴) + p1 (r² + 2 y²) + 2 p2 x y``.
    """
    r2 = x * x + y * y
    radial = 1.0 + k1 * r2 + k2 * r2 * r2
    xd = x * radial + 2.0 * p1 * x * y + p2 * (r2 + 2.0 * x * x)
    yd = y * radial + p1 * (r2 + 2.0 * y * y) + 2.0 * p2 * x * y
    return xd, yd


def undistort_points(
    xd: torch.Tensor, yd: torch.Tensor, k1: Any, k2: Any, p1: Any, p2: Any,
    iterations: int = 8,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Invert :func:`distort_points` by fixed-point iteration (as OpenCV's undistortPoints).

    ``x ← (x_d - tangential(x)) / radial(x)``, starting from ``x = x_d``; the radial factor is
    kept >= 0.05 so strong negative ``k`` near the corners cannot divide by zero.
    """
    x, y = xd, yd
    for _ in range(iterations):
        r2 = x * x + y * y
        radial = (1.0 + k1 * r2 + k2 * r2 * r2).clamp_min(0.05)
        dx = 2.0 * p1 * x * y + p2 * (r2 + 2.0 * x * x)
        dy = p1 * (r2 + 2.0 * y * y) + 2.0 * p2 * x * y
        x, y = (xd - dx) / radial, (yd - dy) / radial
    return x, y


def _remap(
    img: torch.Tensor, xs: torch.Tensor, ys: torch.Tensor, half_diag: float, interpolation: str,
) -> torch.Tensor:
    """Sample ``img`` at normalised lens coordinates ``(xs, ys)`` (border padding)."""
    b, _, h, w = img.shape
    grid = torch.stack([xs * (2.0 * half_diag / w), ys * (2.0 * half_diag / h)], dim=-1)
    grid = grid.expand(b, h, w, 2)
    return F.grid_sample(img, grid, mode=interpolation, padding_mode="border",
                         align_corners=False)


def _lens_grid(img: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, float]:
    _, _, h, w = img.shape
    half_diag = 0.5 * math.hypot(w, h)
    ys = (torch.arange(h, dtype=img.dtype, device=img.device) + 0.5 - h / 2) / half_diag
    xs = (torch.arange(w, dtype=img.dtype, device=img.device) + 0.5 - w / 2) / half_diag
    return xs.reshape(1, 1, w), ys.reshape(1, h, 1), half_diag


def _check_interpolation(interpolation: str) -> None:
    if interpolation not in INTERPOLATIONS:
        raise ParameterError(f"LensDistortion.interpolation must be one of "
                             f"{', '.join(INTERPOLATIONS)}; got {interpolation!r}")


def _all_zero(*values: Any) -> bool:
    return all(isinstance(v, int | float) and v == 0 for v in values)


def _warp(
    img: torch.Tensor, where: str, k: tuple[Any, Any, Any, Any], interpolation: str,
    move: Callable[[torch.Tensor, torch.Tensor, list[torch.Tensor]],
                   tuple[torch.Tensor, torch.Tensor]],
) -> torch.Tensor:
    """``img`` resampled where ``move(xs, ys, coeffs)`` sends each pixel's lens coordinates.

    ``k`` is ``(k1, k2, p1, p2)`` as given; with every one a plain 0 the image is cloned.
    """
    check_image(img, f"{where} input")
    _check_interpolation(interpolation)
    coeffs = _lens_coeffs(img, *k)
    if _all_zero(*k):
        return img.clone()
    xs, ys, half_diag = _lens_grid(img)
    x, y = move(xs, ys, coeffs)
    return _remap(img, x, y, half_diag, interpolation)


def apply_lens_distortion(
    img: torch.Tensor,
    k1: float | torch.Tensor = 0.0,
    k2: float | torch.Tensor = 0.0,
    p1: float | torch.Tensor = 0.0,
    p2: float | torch.Tensor = 0.0,
    interpolation: str = "bicubic",
) -> torch.Tensor:
    """Warp ``img`` by Brown–Conrady distortion: ``out(p) = img(D(p))``.

    Coordinates are normalised about the frame centre by half the frame diagonal (the corners
    are at radius 1), so coefficients mean the same on any resolution. Each output pixel samples
    the input at :func:`distort_points` of its own position through
    :func:`torch.nn.functional.grid_sample` (``interpolation`` ``"bilinear"`` or ``"bicubic"``,
    border padding: samples outside the frame take the nearest edge pixel). This is OpenCV's
    ``initUndistortRectifyMap`` + ``remap`` convention: ``k1 > 0`` draws the picture in toward
    the centre (straight lines bow outward, barrel), ``k1 < 0`` pushes it out (pincushion). With
    every coefficient a plain 0 the image is returned unchanged. :func:`invert_lens_distortion`
    undoes it. Bicubic sampling may overshoot at hard edges; that is not clamped.

    Parameters
    ----------
    k1, k2
        Radial coefficients; floats or ``(B,)`` tensors in [-4, 4].
    p1, p2
        Tangential (decentring) coefficients.

    Shape
    -----
    ``(B, C, H, W)`` → ``(B, C, H, W)``

    Example
    -------
    >>> img = torch.rand(1, 3, 6, 8)
    >>> apply_lens_distortion(img, k1=0.1).shape
    torch.Size([1, 3, 6, 8])
    """
    return _warp(img, "apply_lens_distortion", (k1, k2, p1, p2), interpolation,
                 lambda xs, ys, c: distort_points(xs, ys, *c))


def invert_lens_distortion(
    img: torch.Tensor,
    k1: float | torch.Tensor = 0.0,
    k2: float | torch.Tensor = 0.0,
    p1: float | torch.Tensor = 0.0,
    p2: float | torch.Tensor = 0.0,
    interpolation: str = "bicubic",
    iterations: int = 8,
) -> torch.Tensor:
    """Undo :func:`apply_lens_distortion`: ``out(p) = img(D⁻¹(p))``.

    ``D⁻¹`` is :func:`undistort_points`, ``iterations`` fixed-point steps (8 converge to well
    under a hundredth of a pixel for the soft ranges). Pixels whose source fell outside the
    frame in the forward warp cannot come back; away from the borders
    ``invert_lens_distortion(apply_lens_distortion(img, *k), *k) ≈ img`` up to resampling.

    Shape
    -----
    ``(B, C, H, W)`` → ``(B, C, H, W)``
    """
    if iterations < 1:
        raise ParameterError(f"invert_lens_distortion.iterations must be >= 1, got {iterations}")
    return _warp(img, "invert_lens_distortion", (k1, k2, p1, p2), interpolation,
                 lambda xs, ys, c: undistort_points(xs.expand_as(xs + ys), ys.expand_as(xs + ys),
                                                    c[0], c[1], c[2], c[3], iterations))


@register_operator
class LensDistortion(Operator):
    """Brown–Conrady radial and tangential lens distortion, resampled with border padding."""

    space = "ACEScg"
    per_pixel = False  # looks at its position or its neighbours

    k1 = param.Number(0.0, bounds=(-1.0, 1.0), softbounds=(-0.3, 0.3), step=0.005,
                      label="Radial k1", doc="r² coefficient: + barrel, - pincushion.")
    k2 = param.Number(0.0, bounds=(-1.0, 1.0), softbounds=(-0.1, 0.1), step=0.001,
                      label="Radial k2", doc="r⁴ coefficient, for moustache distortion.")
    p1 = param.Number(0.0, bounds=(-0.2, 0.2), softbounds=(-0.02, 0.02), step=0.0005,
                      label="Tangential p1", doc="Decentring along y (OpenCV's p1).")
    p2 = param.Number(0.0, bounds=(-0.2, 0.2), softbounds=(-0.02, 0.02), step=0.0005,
                      label="Tangential p2", doc="Decentring along x (OpenCV's p2).")
    interpolation = param.String("bicubic", label="Interpolation",
                                 doc="Resampling filter: 'bilinear' or 'bicubic'.")

    def __init__(self, **params: Any) -> None:
        if "interpolation" in params:
            _check_interpolation(str(params["interpolation"]))
        super().__init__(**params)

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        s = self.strength
        return apply_lens_distortion(img, self.k1 * s, self.k2 * s, self.p1 * s, self.p2 * s,
                                     str(self.interpolation))
