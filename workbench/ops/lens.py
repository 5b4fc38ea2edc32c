"""Lens and film effects in scene-linear light: vignetting, blur, sharpening, grain, distortion.

Every function here works on scene-linear ACEScg ``(B, 3, H, W)`` images and clamps nothing:
values above 1 (speculars, lamps) and below 0 pass through, blurred and sharpened like any
other. Scalar parameters take a float or a ``(B,)`` tensor, one value per image.

Spatial filters treat the frame border by *replicating* the edge pixels (the image is extended
with its own outermost row and column), so a constant image stays exactly constant, edges do not
darken and any frame size, even 1x1, works.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import param
import torch
import torch.nn.functional as F

from workbench.checks import check_image
from workbench.errors import ParameterError, ShapeError
from workbench.ops._broadcast import as_batch, check_range
from workbench.ops.base import Operator, blend_matte, check_matte, register_operator
from workbench.ops.saturation import ACESCG_LUMA
from workbench.ops.windows import luminance_zone_mattes

__all__ = [
    "INTERPOLATIONS",
    "Blur",
    "FilmGrain",
    "LensDistortion",
    "Sharpen",
    "Vignette",
    "apply_blur",
    "apply_film_grain",
    "apply_lens_distortion",
    "apply_sharpen",
    "apply_vignette",
    "distort_points",
    "film_grain_noise",
    "gaussian_weights",
    "invert_lens_distortion",
    "undistort_points",
    "vignette_gain",
]

INTERPOLATIONS = ("bilinear", "bicubic")
"""Sampling methods for :func:`apply_lens_distortion` (``torch.nn.functional.grid_sample``)."""


# -- vignetting -------------------------------------------------------------------------------

def vignette_gain(
    img: torch.Tensor,
    amount: float | torch.Tensor,
    centre_x: float | torch.Tensor = 0.5,
    centre_y: float | torch.Tensor = 0.5,
    roundness: float | torch.Tensor = 0.0,
) -> torch.Tensor:
    """The vignette's gain map ``(1 + r²) ** amount`` for ``img``'s size, ``(B, 1, H, W)``.

    ``r`` is 0 at the centre and 1 in the corners of the frame (for a centred vignette).
    ``roundness=0`` follows the frame (elliptical, 1 in all four corners); ``roundness=1`` is
    a circle of radius half the frame diagonal. ``(1 + r²) ** -2`` is the natural cos⁴ law
    ``cos⁴ θ`` with ``tan θ = r``, i.e. a lens whose corners see 45° off axis, which is
    exactly -2 stops in the corner; ``amount`` is the gain in stops in the corner, so -2 adds
    that natural vignetting and +2 removes it.
    """
    check_image(img, "vignette_gain input")
    a = as_batch(amount, img, "Vignette.amount")
    cx = as_batch(centre_x, img, "Vignette.centre_x")
    cy = as_batch(centre_y, img, "Vignette.centre_y")
    rd = as_batch(roundness, img, "Vignette.roundness")
    for t, n in ((a, "amount"), (cx, "centre_x"), (cy, "centre_y")):
        check_range(t, f"Vignette.{n}", None, None)
    check_range(rd, "Vignette.roundness", 0.0, 1.0)
    _, _, h, w = img.shape
    ys = torch.arange(h, dtype=img.dtype, device=img.device).reshape(1, 1, h, 1)
    xs = torch.arange(w, dtype=img.dtype, device=img.device).reshape(1, 1, 1, w)
    dx = xs + 0.5 - cx * w
    dy = ys + 0.5 - cy * h
    half_diag = 0.5 * math.hypot(w, h)
    sx = math.sqrt(2.0) * w / 2 + rd * (half_diag - math.sqrt(2.0) * w / 2)
    sy = math.sqrt(2.0) * h / 2 + rd * (half_diag - math.sqrt(2.0) * h / 2)
    r2 = (dx / sx) ** 2 + (dy / sy) ** 2
    return torch.exp2(a * torch.log2(1.0 + r2))


def apply_vignette(
    img: torch.Tensor,
    amount: float | torch.Tensor,
    centre_x: float | torch.Tensor = 0.5,
    centre_y: float | torch.Tensor = 0.5,
    roundness: float | torch.Tensor = 0.0,
) -> torch.Tensor:
    """Add (``amount < 0``) or remove (``amount > 0``) natural vignetting, in linear light.

    ``out = img * (1 + r²) ** amount`` (see :func:`vignette_gain`): the centre is untouched,
    the corners get ``amount`` stops. ``apply_vignette(·, -amount)`` is the inverse.

    Parameters
    ----------
    img
        Scene-linear image (ACEScg), any range; nothing is clamped.
    amount
        Gain in the corners in stops; float or ``(B,)`` tensor. -2 is the cos⁴ law at 45°.
    centre_x, centre_y
        Optical centre as fractions of width and height.
    roundness
        0: the falloff follows the frame's shape; 1: circular.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> img = torch.ones(1, 3, 3, 3)
    >>> out = apply_vignette(img, -1.0)
    >>> float(out[0, 0, 1, 1]), round(float(out[0, 0, 0, 0]), 3)
    (1.0, 0.692)
    """
    check_image(img, "apply_vignette input")
    return img * vignette_gain(img, amount, centre_x, centre_y, roundness)


@register_operator
class Vignette(Operator):
    """Natural (cos⁴-like) vignetting, added or removed, in linear ACEScg."""

    space = "ACEScg"

    amount = param.Number(0.0, bounds=(-4.0, 4.0), softbounds=(-2.0, 2.0), step=0.05,
                          label="Corner (stops)",
                          doc="Gain in the corners in stops: -2 adds cos⁴ vignetting, "
                              "+ removes it.")
    centre_x = param.Number(0.5, bounds=(-1.0, 2.0), softbounds=(0.0, 1.0), step=0.005,
                            label="Centre X", doc="Optical centre, as a fraction of the width.")
    centre_y = param.Number(0.5, bounds=(-1.0, 2.0), softbounds=(0.0, 1.0), step=0.005,
                            label="Centre Y", doc="Optical centre, as a fraction of the height.")
    roundness = param.Number(0.0, bounds=(0.0, 1.0), softbounds=(0.0, 1.0), step=0.01,
                             label="Roundness",
                             doc="0 follows the frame's shape, 1 is a circle.")

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return apply_vignette(img, self.amount * self.strength, self.centre_x, self.centre_y,
                              self.roundness)


# -- blur and sharpen ----------------------------------------------------------------------

def gaussian_weights(sigma: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Normalised 1D Gaussian taps for each ``sigma`` (pixels): ``((N, 2R+1), R)``.

    ``R = ceil(3 * max(sigma))``; ``sigma = 0`` gives the unit impulse.
    """
    radius = math.ceil(3.0 * float(sigma.detach().max())) if sigma.numel() else 0
    k = torch.arange(-radius, radius + 1, dtype=sigma.dtype, device=sigma.device)
    s = sigma.reshape(-1, 1).clamp_min(1e-6)
    w = torch.exp(-0.5 * (k / s) ** 2)
    return w / w.sum(dim=1, keepdim=True), radius


def _blur_axis(x: torch.Tensor, w: torch.Tensor, radius: int, dim: int) -> torch.Tensor:
    """``x + Σ_k w_k (x[i+k] - x[i])`` along ``dim``, edges replicated.

    Written on differences so a constant signal comes back bit for bit.
    """
    n = x.shape[dim]
    idx = torch.arange(n, device=x.device)
    out = x
    for k in range(-radius, radius + 1):
        if k == 0:
            continue
        shifted = x.index_select(dim, (idx + k).clamp(0, n - 1))
        out = out + w[:, k + radius].reshape(-1, 1, 1, 1) * (shifted - x)
    return out


def _gaussian(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    w, radius = gaussian_weights(sigma)
    if radius == 0:
        return x.clone()
    return _blur_axis(_blur_axis(x, w, radius, 3), w, radius, 2)


def apply_blur(img: torch.Tensor, sigma: float | torch.Tensor) -> torch.Tensor:
    """Gaussian blur of standard deviation ``sigma`` pixels, separable, in linear light.

    Boundary: edge pixels are replicated (the frame is extended with its own border), so a
    constant image is returned exactly and the frame edges neither darken nor wrap. The kernel
    is truncated at ``3 * sigma`` and normalised to sum to 1, so the mean of a constant image is
    preserved bit for bit and values above 1 stay above 1 (highlights bloom, nothing clamps).

    Parameters
    ----------
    img
        Scene-linear image (ACEScg), any range.
    sigma
        Float or ``(B,)`` tensor, >= 0 (0 is the identity).

    Shape
    -----
    ``(B, C, H, W)`` → ``(B, C, H, W)``

    Example
    -------
    >>> img = torch.full((1, 3, 4, 4), 4.0)
    >>> torch.equal(apply_blur(img, 2.0), img)
    True
    """
    check_image(img, "apply_blur input")
    s = as_batch(sigma, img, "Blur.sigma")
    check_range(s, "Blur.sigma", 0.0, None)
    return _gaussian(img, s.reshape(-1))


@register_operator
class Blur(Operator):
    """Gaussian blur in linear light (edges replicated; nothing clamped)."""

    space = "ACEScg"

    sigma = param.Number(0.0, bounds=(0.0, 100.0), softbounds=(0.0, 20.0), step=0.1,
                         label="Blur (px)", doc="Standard deviation of the Gaussian in pixels.")

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return apply_blur(img, self.sigma * self.strength)


def apply_sharpen(
    img: torch.Tensor, amount: float | torch.Tensor, radius: float | torch.Tensor = 1.0,
) -> torch.Tensor:
    """Unsharp mask: ``img + amount * (img - blur(img, radius))``, unclamped.

    Overshoot around edges can go below 0 or above the input's range; that is kept (a clamp
    would be a separate, named step). ``amount=0`` returns the image unchanged.

    Parameters
    ----------
    amount
        Float or ``(B,)`` tensor, >= 0.
    radius
        Sigma of the Gaussian in pixels (>= 0), see :func:`apply_blur`.

    Shape
    -----
    ``(B, C, H, W)`` → ``(B, C, H, W)``

    Example
    -------
    >>> img = torch.tensor([0.0, 0.0, 1.0, 1.0]).reshape(1, 1, 1, 4).expand(1, 3, 1, 4)
    >>> out = apply_sharpen(img, 1.0, 1.0)
    >>> bool(out[0, 0, 0, 1] < 0) and bool(out[0, 0, 0, 2] > 1)
    True
    """
    check_image(img, "apply_sharpen input")
    a = as_batch(amount, img, "Sharpen.amount")
    r = as_batch(radius, img, "Sharpen.radius")
    check_range(a, "Sharpen.amount", 0.0, None)
    check_range(r, "Sharpen.radius", 0.0, None)
    return img + a * (img - _gaussian(img, r.reshape(-1)))


@register_operator
class Sharpen(Operator):
    """Unsharp-mask sharpening in linear light; overshoot is not clamped."""

    space = "ACEScg"

    amount = param.Number(0.0, bounds=(0.0, 10.0), softbounds=(0.0, 3.0), step=0.05,
                          label="Amount", doc="How much of the detail (img - blur) to add.")
    radius = param.Number(1.0, bounds=(0.0, 50.0), softbounds=(0.3, 5.0), step=0.1,
                          label="Radius (px)",
                          doc="Sigma of the Gaussian that separates detail, in pixels.")

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return apply_sharpen(img, self.amount * self.strength, self.radius)


# -- film grain ---------------------------------------------------------------------------

def _mix_seed(seed: int, frame: int) -> int:
    """SplitMix64 of ``(seed, frame)``: well-spread generator seeds for neighbouring frames."""
    z = ((seed & 0xFFFFFFFF) << 32 | (frame & 0xFFFFFFFF)) + 0x9E3779B97F4A7C15
    z &= 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return (z ^ (z >> 31)) & 0x7FFFFFFFFFFFFFFF


def _frame_list(frames: int | Sequence[int] | torch.Tensor | None, b: int) -> list[int]:
    if frames is None:
        return list(range(b))
    if isinstance(frames, int):
        return [frames + i for i in range(b)]
    values = [int(f) for f in torch.as_tensor(frames).reshape(-1).tolist()]
    if len(values) != b:
        raise ShapeError(f"FilmGrain.frames: expected {b} frame indices, got {len(values)}")
    return values


def _check_seed(seed: Any) -> int:
    if isinstance(seed, torch.Tensor):
        seed = seed.item()
    if isinstance(seed, float) and seed.is_integer():
        seed = int(seed)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 31:
        raise ParameterError(f"FilmGrain.seed must be an integer in [0, 2**31), got {seed!r}")
    return seed


def film_grain_noise(
    img: torch.Tensor,
    size: float | torch.Tensor = 1.0,
    seed: int = 0,
    frames: int | Sequence[int] | torch.Tensor | None = None,
    chroma: float | torch.Tensor = 0.0,
) -> torch.Tensor:
    """Unit-variance, zero-mean grain ``(B, 3, H, W)``, the same for the same seed and frame.

    Image ``b`` draws white Gaussian noise from a ``torch.Generator`` seeded with a hash of
    ``(seed, frames[b])`` (``frames`` defaults to the batch position; an int is the index of
    the first frame), in float64 on the CPU so renders repeat on any device. The noise is
    blurred by a Gaussian of sigma ``size`` pixels (the grain's clump size) and rescaled to unit
    variance; ``chroma`` mixes from monochrome grain (0) to independent grain per channel (1).

    Shape
    -----
    ``(B, 3, H, W)`` (only its shape, dtype and device are used) → ``(B, 3, H, W)``
    """
    check_image(img, "film_grain_noise input")
    b, _, h, w = img.shape
    seed = _check_seed(seed)
    noise = torch.stack([
        torch.randn((4, h, w), generator=torch.Generator().manual_seed(_mix_seed(seed, f)),
                    dtype=torch.float64)
        for f in _frame_list(frames, b)
    ]).to(dtype=img.dtype, device=img.device)
    s = as_batch(size, img, "FilmGrain.size")
    c = as_batch(chroma, img, "FilmGrain.chroma")
    check_range(s, "FilmGrain.size", 0.0, None)
    check_range(c, "FilmGrain.chroma", 0.0, 1.0)
    taps, radius = gaussian_weights(s.reshape(-1))
    if radius:
        noise = _blur_axis(_blur_axis(noise, taps, radius, 3), taps, radius, 2)
        noise = noise / (taps ** 2).sum(dim=1).reshape(-1, 1, 1, 1)  # std of blurred noise
    mono, colour = noise[:, :1], noise[:, 1:]
    return ((1.0 - c) * mono + c * colour) / torch.sqrt((1.0 - c) ** 2 + c ** 2)


def apply_film_grain(
    img: torch.Tensor,
    amount: float | torch.Tensor,
    size: float | torch.Tensor = 1.0,
    seed: int = 0,
    frames: int | Sequence[int] | torch.Tensor | None = None,
    shadows: float | torch.Tensor = 1.0,
    highlights: float | torch.Tensor = 1.0,
    chroma: float | torch.Tensor = 0.0,
) -> torch.Tensor:
    """Add film grain in linear light: ``img + amount * k(Y) * |Y| * n``.

    ``n`` is :func:`film_grain_noise` (zero mean, unit variance), ``Y`` the ACEScg luminance:
    the grain's standard deviation is ``amount`` times the pixel's luminance — a constant
    fraction of a stop at every exposure — scaled by ``k = 1 + (shadows - 1) Ms +
    (highlights - 1) Mh`` with the mattes of
    :func:`~workbench.ops.windows.luminance_zone_mattes` (pivots -2.5 and +2.5 stops). The
    grain has mean 0, so the average light is unchanged; ``amount=0`` is the identity.

    Parameters
    ----------
    amount
        Grain standard deviation as a fraction of luminance (>= 0); float or ``(B,)``.
    size
        Grain clump size: sigma in pixels (>= 0; 0 is per-pixel grain).
    seed
        Integer; with the frame index it fixes the grain, so a render repeats exactly.
    frames
        Frame index of each image (``(B,)``), or the first one's (int); default the batch
        position. Different frames get different grain.
    shadows, highlights
        Relative grain in the shadows and highlights (1: as in the mids).
    chroma
        0: monochrome grain; 1: independent per channel.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> img = torch.full((1, 3, 8, 8), 0.18)
    >>> torch.equal(apply_film_grain(img, 0.05, seed=7), apply_film_grain(img, 0.05, seed=7))
    True
    """
    check_image(img, "apply_film_grain input")
    a = as_batch(amount, img, "FilmGrain.amount")
    sh = as_batch(shadows, img, "FilmGrain.shadows")
    hi = as_batch(highlights, img, "FilmGrain.highlights")
    check_range(a, "FilmGrain.amount", 0.0, None)
    check_range(sh, "FilmGrain.shadows", 0.0, None)
    check_range(hi, "FilmGrain.highlights", 0.0, None)
    noise = film_grain_noise(img, size, seed, frames, chroma)
    ms, mh = luminance_zone_mattes(img)
    luma = torch.tensor(ACESCG_LUMA, dtype=img.dtype, device=img.device).reshape(1, 3, 1, 1)
    lum = (img * luma).sum(dim=1, keepdim=True)
    k = 1.0 + (sh - 1.0) * ms + (hi - 1.0) * mh
    return img + a * k * lum.abs() * noise


@register_operator
class FilmGrain(Operator):
    """Repeatable film grain in linear light, scaled with luminance.

    ``forward(img, matte, frames=...)`` takes the frame index of each image so that grain moves
    from frame to frame; without it the batch position is used.
    """

    space = "ACEScg"

    amount = param.Number(0.0, bounds=(0.0, 1.0), softbounds=(0.0, 0.2), step=0.005,
                          label="Grain", doc="Grain standard deviation as a fraction of "
                                             "the pixel's luminance.")
    size = param.Number(1.0, bounds=(0.0, 10.0), softbounds=(0.0, 4.0), step=0.05,
                        label="Size (px)", doc="Grain clump size: Gaussian sigma in pixels.")
    seed = param.Integer(0, bounds=(0, 2 ** 31 - 1), softbounds=(0, 100), step=1,
                         label="Seed", doc="Random seed: same seed and frame, same grain.")
    shadows = param.Number(1.0, bounds=(0.0, 4.0), softbounds=(0.0, 2.0), step=0.05,
                           label="Shadows", doc="Grain in the shadows relative to the mids.")
    highlights = param.Number(1.0, bounds=(0.0, 4.0), softbounds=(0.0, 2.0), step=0.05,
                              label="Highlights",
                              doc="Grain in the highlights relative to the mids.")
    chroma = param.Number(0.0, bounds=(0.0, 1.0), softbounds=(0.0, 1.0), step=0.01,
                          label="Colour grain",
                          doc="0: monochrome grain; 1: independent grain per channel.")

    def __init__(self, **params: Any) -> None:
        # JSON stores every number as a float: accept whole floats for the integer seed.
        if "seed" in params and isinstance(params["seed"], float):
            value = params["seed"]
            if math.isfinite(value) and abs(value - round(value)) <= 1e-6:
                params["seed"] = round(value)
            else:
                raise ParameterError(f"FilmGrain.seed must be an integer, got {value}")
        self._frames: int | Sequence[int] | torch.Tensor | None = None
        super().__init__(**params)

    def forward(
        self, img: torch.Tensor, matte: torch.Tensor | None = None,
        frames: int | Sequence[int] | torch.Tensor | None = None,
    ) -> torch.Tensor:
        """As :meth:`Operator.forward`, with the frame index of each image (see the class)."""
        if frames is None:
            return super().forward(img, matte)
        name = type(self).__name__
        check_image(img, f"{name} input")
        if matte is not None:
            check_matte(matte, img, name)
        if self.strength == 0.0:
            return img.clone()
        graded = self._grain(img, frames)
        return graded if matte is None else blend_matte(img, graded, matte)

    def _grain(
        self, img: torch.Tensor, frames: int | Sequence[int] | torch.Tensor | None,
    ) -> torch.Tensor:
        return apply_film_grain(img, self.amount * self.strength, self.size, int(self.seed),
                                frames, self.shadows, self.highlights, self.chroma)

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        return self._grain(img, None)


# -- lens distortion ----------------------------------------------------------------------

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
    check_image(img, "apply_lens_distortion input")
    _check_interpolation(interpolation)
    coeffs = _lens_coeffs(img, k1, k2, p1, p2)
    if _all_zero(k1, k2, p1, p2):
        return img.clone()
    xs, ys, half_diag = _lens_grid(img)
    xd, yd = distort_points(xs, ys, *coeffs)
    return _remap(img, xd, yd, half_diag, interpolation)


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
    check_image(img, "invert_lens_distortion input")
    _check_interpolation(interpolation)
    if iterations < 1:
        raise ParameterError(f"invert_lens_distortion.iterations must be >= 1, got {iterations}")
    coeffs = _lens_coeffs(img, k1, k2, p1, p2)
    if _all_zero(k1, k2, p1, p2):
        return img.clone()
    xs, ys, half_diag = _lens_grid(img)
    c1, c2, t1, t2 = coeffs
    xu, yu = undistort_points(xs.expand_as(xs + ys), ys.expand_as(xs + ys), c1, c2, t1, t2,
                              iterations)
    return _remap(img, xu, yu, half_diag, interpolation)


@register_operator
class LensDistortion(Operator):
    """Brown–Conrady radial and tangential lens distortion, resampled with border padding."""

    space = "ACEScg"

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
