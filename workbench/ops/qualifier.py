"""HSL qualifier: a soft ``(B, 1, H, W)`` matte selecting pixels by hue, saturation and luma.

Not an operator: it changes no pixels. Its matte limits any operator,
``op.forward(img, matte)``. It reads the image in ACEScct, in the same model as the hue curves
(:mod:`workbench.ops.hue_curves`):

- **hue**: the angle of the hexagonal opponent axes ``a = r - (g + b)/2``,
  ``b' = (√3/2)(g - b)`` of the ACEScct code values, in degrees: 0 red, 60 yellow, 120 green,
  180 cyan, 240 blue, 300 magenta (a skin tone sits near 35°, a blue sky near 230°);
- **sat**: the chroma ``C = |(a, b')|``, ≈ ``max - min`` of the ACEScct values: 0 for grey,
  ≈ 0.057 per stop of difference between channels, ≈ 0.48 for an AP1 primary; it does not
  change with exposure;
- **lum**: the ACEScct luma (AP1 weights on the code values; 18 % grey ≈ 0.41).

The matte is the product of three terms, each 1 inside its band and falling to 0 across the
softness outside it with a smoothstep ``t² (3 - 2t)``::

    hue term:  1 - smoothstep((d - width/2) / hue_softness), d = |hue - hue_center| (wrapped)
    sat term:  rising over [sat_low - sat_softness, sat_low], falling over
               [sat_high, sat_high + sat_softness]
    lum term:  likewise with lum_low, lum_high, lum_softness

A softness of 0 gives a hard edge (a band edge itself is selected). A grey pixel has no hue:
it counts as 180° from any centre, so it is selected by hue only when
``hue_width = 360``. Pixels with Inf or NaN get 0.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import param
import torch

from workbench.checks import check_image
from workbench.errors import ParameterError
from workbench.ops._broadcast import as_batch
from workbench.ops.curves import acescct_luma
from workbench.ops.hue_curves import opponent

__all__ = ["HSLQualifier", "hsl_qualifier", "qualify"]

Scalar = float | torch.Tensor


def _rise(x: torch.Tensor, edge: torch.Tensor, soft: torch.Tensor) -> torch.Tensor:
    """0 below ``edge - soft``, 1 from ``edge`` on, smoothstep between; a step if soft = 0."""
    safe = torch.where(soft > 0, soft, torch.ones_like(soft))
    t = ((x - edge + soft) / safe).clamp(0.0, 1.0)
    smooth = t * t * (3.0 - 2.0 * t)
    return torch.where(soft > 0, smooth, (x >= edge).to(x.dtype))


def hsl_qualifier(
    img: torch.Tensor,
    hue_center: Scalar = 0.0,
    hue_width: Scalar = 360.0,
    hue_softness: Scalar = 10.0,
    sat_low: Scalar = 0.0,
    sat_high: Scalar = 1.0,
    sat_softness: Scalar = 0.02,
    lum_low: Scalar = 0.0,
    lum_high: Scalar = 1.0,
    lum_softness: Scalar = 0.05,
) -> torch.Tensor:
    """A soft matte of the pixels whose hue, saturation and luma fall in the given bands.

    Parameters
    ----------
    img
        Image in ACEScct (log), any range.
    hue_center, hue_width, hue_softness
        Degrees: the selected band is ``hue_center ± hue_width/2``; the matte fades to 0
        over ``hue_softness`` more on each side. ``hue_width = 360`` selects every hue.
    sat_low, sat_high, sat_softness
        ACEScct chroma band and its fade (see the module docstring).
    lum_low, lum_high, lum_softness
        ACEScct luma band and its fade.

    Every parameter is a float or a ``(B,)`` tensor (one per image); widths and softnesses
    must be >= 0.

    Returns
    -------
    torch.Tensor
        The matte, values in [0, 1], float like ``img``.

    Raises
    ------
    ParameterError
        If a width or softness is negative or a parameter is not finite.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 1, H, W)``

    Example
    -------
    >>> skin_and_sky = torch.tensor([[0.52, 0.47, 0.44], [0.24, 0.27, 0.36]]).T.reshape(1, 3, 1, 2)
    >>> hsl_qualifier(skin_and_sky, hue_center=35.0, hue_width=30.0).flatten().tolist()
    [1.0, 0.0]
    """
    check_image(img, "hsl_qualifier input")
    p = {name: as_batch(value, img, f"HSLQualifier.{name}") for name, value in (
        ("hue_center", hue_center), ("hue_width", hue_width), ("hue_softness", hue_softness),
        ("sat_low", sat_low), ("sat_high", sat_high), ("sat_softness", sat_softness),
        ("lum_low", lum_low), ("lum_high", lum_high), ("lum_softness", lum_softness))}
    for name, t in p.items():
        if not bool(torch.isfinite(t).all()):
            raise ParameterError(f"HSLQualifier.{name} must be finite, got {t.flatten().tolist()}")
        if name.endswith(("width", "softness")) and not bool((t >= 0).all()):
            raise ParameterError(f"HSLQualifier.{name} must be >= 0, got {t.flatten().tolist()}")

    finite = torch.isfinite(img).all(dim=1, keepdim=True)
    x = torch.where(finite, img, torch.zeros_like(img))
    a, b = opponent(x)
    q = a * a + b * b
    grey = q <= 0
    chroma = torch.sqrt(torch.where(grey, torch.ones_like(q), q)) * (~grey).to(q.dtype)
    hue = torch.rad2deg(torch.atan2(torch.where(grey, torch.zeros_like(b), b),
                                    torch.where(grey, torch.ones_like(a), a)))
    d = torch.remainder(hue - p["hue_center"] + 180.0, 360.0) - 180.0
    d = torch.where(grey, torch.full_like(d, 180.0), d.abs())
    hue_term = _rise(-d, -0.5 * p["hue_width"], p["hue_softness"])
    sat_term = (_rise(chroma, p["sat_low"], p["sat_softness"])
                * _rise(-chroma, -p["sat_high"], p["sat_softness"]))
    luma = acescct_luma(x)
    lum_term = (_rise(luma, p["lum_low"], p["lum_softness"])
                * _rise(-luma, -p["lum_high"], p["lum_softness"]))
    matte = hue_term * sat_term * lum_term
    return torch.where(finite, matte, torch.zeros_like(matte))


class HSLQualifier(param.Parameterized):
    """Declared, bounded HSL qualifier settings (for sliders); :meth:`matte` makes the matte.

    Not an :class:`~workbench.ops.base.Operator` and not in ``OPERATORS``: it changes no
    pixels. The defaults select every hue, saturation 0–1 and luma 0–1.
    """

    space: ClassVar[str] = "ACEScct"

    hue_center = param.Number(0.0, bounds=(0.0, 360.0), softbounds=(0.0, 360.0), step=0.5,
                              label="Hue centre",
                              doc="Centre of the hue band in degrees (0 red, 120 green, 240 blue).")
    hue_width = param.Number(360.0, bounds=(0.0, 360.0), softbounds=(0.0, 180.0), step=0.5,
                             label="Hue width",
                             doc="Full width of the selected hue band in degrees (360 = all).")
    hue_softness = param.Number(10.0, bounds=(0.0, 180.0), softbounds=(0.0, 60.0), step=0.5,
                                label="Hue softness",
                                doc="Degrees over which the matte fades out beyond the band.")
    sat_low = param.Number(0.0, bounds=(0.0, 4.0), softbounds=(0.0, 0.5), step=0.001,
                           label="Sat low", doc="Lowest fully selected ACEScct chroma.")
    sat_high = param.Number(1.0, bounds=(0.0, 4.0), softbounds=(0.0, 1.0), step=0.001,
                            label="Sat high", doc="Highest fully selected ACEScct chroma.")
    sat_softness = param.Number(0.02, bounds=(0.0, 1.0), softbounds=(0.0, 0.2), step=0.001,
                                label="Sat softness",
                                doc="Chroma over which the matte fades out beyond the band.")
    lum_low = param.Number(0.0, bounds=(-1.0, 2.0), softbounds=(0.0, 1.0), step=0.001,
                           label="Lum low", doc="Lowest fully selected ACEScct luma.")
    lum_high = param.Number(1.0, bounds=(-1.0, 2.0), softbounds=(0.0, 1.0), step=0.001,
                            label="Lum high", doc="Highest fully selected ACEScct luma.")
    lum_softness = param.Number(0.05, bounds=(0.0, 1.0), softbounds=(0.0, 0.3), step=0.001,
                                label="Lum softness",
                                doc="Luma over which the matte fades out beyond the band.")

    def __init__(self, **params: Any) -> None:
        unknown = sorted(k for k in params if k not in self.param or k == "name")
        if unknown:
            raise ParameterError(
                f"HSLQualifier: unknown parameter(s) {', '.join(unknown)}; "
                f"known: {', '.join(self.parameter_names())}"
            )
        for key, value in params.items():
            lo, hi = self.param[key].bounds
            if not isinstance(value, int | float) or not math.isfinite(value):
                raise ParameterError(f"HSLQualifier.{key} must be a finite number, got {value}")
            if value < lo or value > hi:
                raise ParameterError(f"HSLQualifier.{key} must be in [{lo}, {hi}], got {value}")
        super().__init__(**params)

    @classmethod
    def parameter_names(cls) -> list[str]:
        """The declared parameters, in declaration order, without param's ``name``."""
        return [n for n in cls.param if n != "name"]

    def params_dict(self) -> dict[str, float]:
        """Every parameter as a float: the keyword arguments of :func:`hsl_qualifier`."""
        return {n: float(getattr(self, n)) for n in self.parameter_names()}

    def matte(self, img: torch.Tensor, working_space: str = "ACEScg") -> torch.Tensor:
        """The ``(B, 1, H, W)`` matte of ``img`` (``(B, 3, H, W)`` in ``working_space``).

        The image is converted to ACEScct first unless ``working_space`` is ACEScct.
        """
        check_image(img, "HSLQualifier input")
        if working_space != self.space:
            from workbench.color import convert

            img = convert(img, working_space, self.space)
        return hsl_qualifier(img, **self.params_dict())


def qualify(img: torch.Tensor, working_space: str = "ACEScg", **params: float) -> torch.Tensor:
    """The matte of ``img`` for :class:`HSLQualifier` settings ``params`` (checked for bounds).

    Example
    -------
    >>> grey = torch.full((1, 3, 2, 2), 0.18)
    >>> qualify(grey, hue_center=230.0, hue_width=40.0).flatten().tolist()
    [0.0, 0.0, 0.0, 0.0]
    """
    return HSLQualifier(**params).matte(img, working_space)
