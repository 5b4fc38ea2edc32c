"""Lift, gamma and gain per channel in ACEScct, as a grading panel's primaries wheels work.

The formula is the classic one that colour correctors apply to log-encoded data::

    y   = gain * (x + lift * (1 - x))          # lift moves black, pins white; gain scales
    out = y ** (1 / gamma)   where y > 0        # gamma bends the mids, pins 0 and 1
    out = y                  where y <= 0       # negatives pass through, as OCIO CDL_NO_CLAMP

``lift = 0``, ``gamma = 1``, ``gain = 1`` is the identity. ``gamma > 1`` brightens the mids.
Nothing is clamped: ACEScct values above 1 keep following the same power curve.

The whole grade is exactly an ASC CDL with ``slope = gain * (1 - lift)``, ``offset = gain *
lift`` and ``power = 1 / gamma`` (saturation 1): :func:`lift_gamma_gain_to_cdl` gives those
numbers so the grade can leave as a ``.cc`` file.

References
----------
American Society of Cinematographers Technology Committee, "ASC Color Decision List (ASC CDL)
Transfer Functions and Interchange Syntax", v1.2 (2009), for the equivalent slope/offset/power.
"""

from __future__ import annotations

from collections.abc import Sequence

import param
import torch

from workbench.checks import check_image
from workbench.errors import ParameterError
from workbench.ops._broadcast import as_batch_rgb
from workbench.ops.base import Operator, register_operator
from workbench.ops.cdl import CDLValues

__all__ = [
    "LiftGammaGain",
    "apply_lift_gamma_gain",
    "invert_lift_gamma_gain",
    "lift_gamma_gain_to_cdl",
]

PerChannel = float | Sequence[float] | torch.Tensor


def _positive_power(y: torch.Tensor, exponent: torch.Tensor) -> torch.Tensor:
    """``y ** exponent`` where ``y > 0``, ``y`` elsewhere; finite gradients at 0."""
    positive = y > 0
    safe = torch.where(positive, y, torch.ones_like(y))
    return torch.where(positive, safe.pow(exponent), y)


def _parameters(
    img: torch.Tensor, lift: PerChannel, gamma: PerChannel, gain: PerChannel
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    lf = as_batch_rgb(lift, img, "LiftGammaGain.lift")
    gm = as_batch_rgb(gamma, img, "LiftGammaGain.gamma")
    gn = as_batch_rgb(gain, img, "LiftGammaGain.gain")
    if not bool((gm > 0).all()):
        raise ParameterError(f"LiftGammaGain.gamma must be > 0, got {gm.flatten().tolist()}")
    return lf, gm, gn


def apply_lift_gamma_gain(
    img: torch.Tensor,
    lift: PerChannel = 0.0,
    gamma: PerChannel = 1.0,
    gain: PerChannel = 1.0,
) -> torch.Tensor:
    """Apply lift, gamma and gain per channel to log-encoded ``img``.

    ``out = y ** (1 / gamma)`` for ``y > 0`` (``y`` itself otherwise), with
    ``y = gain * (x + lift * (1 - x))``.

    Parameters
    ----------
    img
        Image in ACEScct (log), any range; nothing is clamped.
    lift
        Raises (> 0) or lowers (< 0) black while white stays put; 0 is none.
    gamma
        Bends the mids around 0 and 1; > 1 brightens, 1 is none. Must be > 0.
    gain
        Scales the whole signal; 1 is none.

        Each of ``lift``, ``gamma``, ``gain`` is a float, an ``(r, g, b)`` triple, a ``(B,)``
        tensor or a ``(B, 3)`` tensor.

    Returns
    -------
    torch.Tensor
        The graded image in ACEScct.

    Raises
    ------
    ShapeError
        If ``img`` is not ``(B, 3, H, W)`` float, or a parameter has the wrong shape.
    ParameterError
        If a gamma is not > 0.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> img = torch.tensor([0.0, 0.25, 1.0]).reshape(1, 3, 1, 1)
    >>> apply_lift_gamma_gain(img, lift=0.2, gamma=1.0, gain=1.0).flatten().tolist()
    [0.20000000298023224, 0.4000000059604645, 1.0]
    """
    check_image(img, "apply_lift_gamma_gain input")
    lf, gm, gn = _parameters(img, lift, gamma, gain)
    y = gn * (img + lf * (1.0 - img))
    return _positive_power(y, 1.0 / gm)


def invert_lift_gamma_gain(
    img: torch.Tensor,
    lift: PerChannel = 0.0,
    gamma: PerChannel = 1.0,
    gain: PerChannel = 1.0,
) -> torch.Tensor:
    """Undo :func:`apply_lift_gamma_gain` with the same parameters.

    ``y = out ** gamma`` where ``out > 0`` (``out`` elsewhere), then
    ``x = (y / gain - lift) / (1 - lift)``. Exact wherever the forward grade is one-to-one,
    i.e. ``gain != 0`` and ``lift != 1`` (a raised ``ParameterError`` otherwise).

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``
    """
    check_image(img, "invert_lift_gamma_gain input")
    lf, gm, gn = _parameters(img, lift, gamma, gain)
    if bool((gn == 0).any()):
        raise ParameterError("LiftGammaGain.gain must be != 0 to invert, got 0")
    if bool((lf == 1).any()):
        raise ParameterError("LiftGammaGain.lift must be != 1 to invert, got 1")
    y = _positive_power(img, gm)
    return (y / gn - lf) / (1.0 - lf)


def lift_gamma_gain_to_cdl(
    lift: Sequence[float], gamma: Sequence[float], gain: Sequence[float]
) -> CDLValues:
    """The ASC CDL that applies exactly this lift/gamma/gain (with CDL_NO_CLAMP).

    ``slope = gain * (1 - lift)``, ``offset = gain * lift``, ``power = 1 / gamma``,
    ``saturation = 1``.

    Example
    -------
    >>> lift_gamma_gain_to_cdl((0.0, 0.0, 0.0), (1.0, 1.0, 2.0), (1.5, 1.0, 1.0)).power
    (1.0, 1.0, 0.5)
    """
    lf, gm, gn = (tuple(float(v) for v in t) for t in (lift, gamma, gain))
    if len(lf) != 3 or len(gm) != 3 or len(gn) != 3:
        raise ParameterError("lift_gamma_gain_to_cdl: expected (r, g, b) triples")
    if min(gm) <= 0:
        raise ParameterError(f"LiftGammaGain.gamma must be > 0, got {gm}")
    return CDLValues(
        slope=tuple(g * (1.0 - lo) for g, lo in zip(gn, lf, strict=True)),  # type: ignore[arg-type]
        offset=tuple(g * lo for g, lo in zip(gn, lf, strict=True)),  # type: ignore[arg-type]
        power=tuple(1.0 / g for g in gm),  # type: ignore[arg-type]
        saturation=1.0,
    )


def _lift(c: str) -> param.Number:
    return param.Number(0.0, bounds=(-1.0, 1.0), softbounds=(-0.5, 0.5), step=0.001,
                        label=f"Lift {c}",
                        doc=f"{c} black level in ACEScct, white pinned (0 = none).")


def _gamma(c: str) -> param.Number:
    return param.Number(1.0, bounds=(0.1, 10.0), softbounds=(0.5, 2.0), step=0.01,
                        label=f"Gamma {c}",
                        doc=f"{c} midtone power 1/gamma; > 1 brightens (1 = none).")


def _gain(c: str) -> param.Number:
    return param.Number(1.0, bounds=(0.0, 8.0), softbounds=(0.0, 2.0), step=0.01,
                        label=f"Gain {c}", doc=f"{c} gain in ACEScct (1 = none).")


@register_operator
class LiftGammaGain(Operator):
    """Primaries wheels: lift, gamma and gain per channel plus a master, in ACEScct.

    The channel value and the master combine as a wheel and its master ring do: lifts add,
    gammas and gains multiply. ``strength`` blends every number toward its identity.
    """

    space = "ACEScct"
    per_pixel = True

    lift = param.Number(0.0, bounds=(-1.0, 1.0), softbounds=(-0.5, 0.5), step=0.001,
                        label="Lift", doc="Master black level, added to each channel's lift.")
    gamma = param.Number(1.0, bounds=(0.1, 10.0), softbounds=(0.5, 2.0), step=0.01,
                         label="Gamma", doc="Master gamma, multiplies each channel's gamma.")
    gain = param.Number(1.0, bounds=(0.0, 8.0), softbounds=(0.0, 2.0), step=0.01,
                        label="Gain", doc="Master gain, multiplies each channel's gain.")
    lift_r, lift_g, lift_b = _lift("Red"), _lift("Green"), _lift("Blue")
    gamma_r, gamma_g, gamma_b = _gamma("Red"), _gamma("Green"), _gamma("Blue")
    gain_r, gain_g, gain_b = _gain("Red"), _gain("Green"), _gain("Blue")

    def effective_values(self) -> tuple[tuple[float, float, float], ...]:
        """``(lift, gamma, gain)`` triples at this strength, master folded in."""
        s = float(self.strength)
        lift = tuple(s * (self.lift + v) for v in (self.lift_r, self.lift_g, self.lift_b))
        gamma = tuple(1.0 + s * (self.gamma * v - 1.0)
                      for v in (self.gamma_r, self.gamma_g, self.gamma_b))
        gain = tuple(1.0 + s * (self.gain * v - 1.0)
                     for v in (self.gain_r, self.gain_g, self.gain_b))
        return lift, gamma, gain

    def to_cdl(self) -> CDLValues:
        """The ASC CDL that renders exactly this operator at its strength."""
        return lift_gamma_gain_to_cdl(*self.effective_values())

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        lift, gamma, gain = self.effective_values()
        return apply_lift_gamma_gain(img, lift, gamma, gain)
