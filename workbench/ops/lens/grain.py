"""Film grain, repeatable per seed and frame, scaled with luminance in scene-linear light."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import param
import torch

from workbench.checks import check_image
from workbench.errors import ParameterError, ShapeError
from workbench.ops._broadcast import as_batch, check_range
from workbench.ops.base import Operator, blend_matte, check_matte, register_operator
from workbench.ops.lens.blur import gaussian_blur, gaussian_weights
from workbench.ops.saturation import ACESCG_LUMA
from workbench.ops.windows import luminance_zone_mattes

__all__ = ["FilmGrain", "apply_film_grain", "film_grain_noise"]


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
        noise = gaussian_blur(noise, s.reshape(-1))
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
    per_pixel = False  # looks at its position or its neighbours

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
