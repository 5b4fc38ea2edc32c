"""Lens and film effects in scene-linear light: vignetting, blur, sharpening, grain, distortion.

Every function here works on scene-linear ACEScg ``(B, 3, H, W)`` images and clamps nothing:
values above 1 (speculars, lamps) and below 0 pass through. Scalar parameters take a float or a
``(B,)`` tensor, one value per image. ``vignette``, ``blur`` (and sharpen), ``grain`` and
``distortion`` each hold one effect.
"""

from workbench.ops.lens.blur import (
    Blur,
    Sharpen,
    apply_blur,
    apply_sharpen,
    gaussian_blur,
    gaussian_weights,
)
from workbench.ops.lens.distortion import (
    INTERPOLATIONS,
    LensDistortion,
    apply_lens_distortion,
    distort_points,
    invert_lens_distortion,
    undistort_points,
)
from workbench.ops.lens.grain import FilmGrain, apply_film_grain, film_grain_noise
from workbench.ops.lens.vignette import Vignette, apply_vignette, vignette_gain

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
    "gaussian_blur",
    "gaussian_weights",
    "invert_lens_distortion",
    "undistort_points",
    "vignette_gain",
]
