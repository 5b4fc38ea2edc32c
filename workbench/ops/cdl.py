"""ASC Color Decision List (slope, offset, power, saturation), per the ASC CDL v1.2 spec.

References
----------
American Society of Cinematographers Technology Committee, "ASC Color Decision List (ASC CDL)
Transfer Functions and Interchange Syntax", v1.2 (2009).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import param
import torch

from workbench.checks import check_image
from workbench.ops._broadcast import as_batch, as_batch_rgb
from workbench.ops.base import Operator, register_operator

__all__ = ["CDL", "CDLValues", "apply_cdl", "cdl_values_at_strength"]

# Rec.709 luma weights, fixed by the ASC CDL spec whatever the working space.
_LUMA_709 = (0.2126, 0.7152, 0.0722)

Triple = tuple[float, float, float]


@dataclass(frozen=True)
class CDLValues:
    """Plain ASC CDL numbers: what a ``.cc`` file holds."""

    slope: Triple = (1.0, 1.0, 1.0)
    offset: Triple = (0.0, 0.0, 0.0)
    power: Triple = (1.0, 1.0, 1.0)
    saturation: float = 1.0

    def is_identity(self) -> bool:
        """True when applying these values changes nothing."""
        return self == CDLValues()


def cdl_values_at_strength(values: CDLValues, strength: float) -> CDLValues:
    """Blend ``values`` toward the identity CDL: 0 gives the identity, 1 gives ``values``.

    The blend is linear in each number, so the blended grade is itself a plain CDL that any
    CDL reader applies exactly as the workbench rendered it.
    """

    def mix(a: float, identity: float) -> float:
        return identity + strength * (a - identity)

    return CDLValues(
        slope=tuple(mix(v, 1.0) for v in values.slope),  # type: ignore[arg-type]
        offset=tuple(mix(v, 0.0) for v in values.offset),  # type: ignore[arg-type]
        power=tuple(mix(v, 1.0) for v in values.power),  # type: ignore[arg-type]
        saturation=mix(values.saturation, 1.0),
    )


def apply_cdl(
    img: torch.Tensor,
    slope: float | Sequence[float] | torch.Tensor = 1.0,
    offset: float | Sequence[float] | torch.Tensor = 0.0,
    power: float | Sequence[float] | torch.Tensor = 1.0,
    saturation: float | torch.Tensor = 1.0,
    clamp: bool = False,
) -> torch.Tensor:
    """Apply an ASC CDL: ``out = (in * slope + offset) ** power``, then saturation.

    Parameters
    ----------
    img
        Image in the space the CDL was graded in (for the workbench: ACEScct), any range.
    slope, offset, power
        Per-channel values: a float, an ``(r, g, b)`` triple, ``(B,)`` or ``(B, 3)`` tensors.
    saturation
        A float or a ``(B,)`` tensor; luma uses the Rec.709 weights the spec fixes.
    clamp
        ``False`` (default) matches OpenColorIO's ``CDL_NO_CLAMP``: negative values pass the
        power unchanged and nothing is clamped. ``True`` matches ``CDL_ASC``: clamp to [0, 1]
        after the SOP and after saturation, as the spec's v1.2 text does.

    Returns
    -------
    torch.Tensor
        The graded image, same shape and space.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> img = torch.full((1, 3, 2, 2), 0.5)
    >>> apply_cdl(img, slope=2.0, offset=-0.5)[0, :, 0, 0].tolist()
    [0.5, 0.5, 0.5]
    """
    check_image(img, "apply_cdl input")
    s = as_batch_rgb(slope, img, "CDL.slope")
    o = as_batch_rgb(offset, img, "CDL.offset")
    p = as_batch_rgb(power, img, "CDL.power")
    sat = as_batch(saturation, img, "CDL.saturation")

    x = img * s + o
    if clamp:
        x = x.clamp(0.0, 1.0)
        x = x.pow(p)
    else:
        # OCIO CDL_NO_CLAMP: the power only applies to positive values.
        x = torch.where(x > 0, x.clamp(min=0).pow(p), x)
    w = torch.tensor(_LUMA_709, dtype=img.dtype, device=img.device).reshape(1, 3, 1, 1)
    luma = (x * w).sum(dim=1, keepdim=True)
    x = luma + sat * (x - luma)
    if clamp:
        x = x.clamp(0.0, 1.0)
    return x


@register_operator
class CDL(Operator):
    """ASC CDL in the ACEScct working space of a grade (what Resolve and Baselight exchange)."""

    space = "ACEScct"

    slope_r = param.Number(1.0, bounds=(0.0, None), softbounds=(0.0, 4.0), step=0.01,
                           label="Slope R", doc="Red gain in ACEScct (1 = none).")
    slope_g = param.Number(1.0, bounds=(0.0, None), softbounds=(0.0, 4.0), step=0.01,
                           label="Slope G", doc="Green gain in ACEScct (1 = none).")
    slope_b = param.Number(1.0, bounds=(0.0, None), softbounds=(0.0, 4.0), step=0.01,
                           label="Slope B", doc="Blue gain in ACEScct (1 = none).")
    offset_r = param.Number(0.0, bounds=(-1.0, 1.0), softbounds=(-0.2, 0.2), step=0.001,
                            label="Offset R", doc="Red offset in ACEScct (0 = none).")
    offset_g = param.Number(0.0, bounds=(-1.0, 1.0), softbounds=(-0.2, 0.2), step=0.001,
                            label="Offset G", doc="Green offset in ACEScct (0 = none).")
    offset_b = param.Number(0.0, bounds=(-1.0, 1.0), softbounds=(-0.2, 0.2), step=0.001,
                            label="Offset B", doc="Blue offset in ACEScct (0 = none).")
    power_r = param.Number(1.0, bounds=(0.01, 10.0), softbounds=(0.5, 2.0), step=0.01,
                           label="Power R", doc="Red power (1 = none).")
    power_g = param.Number(1.0, bounds=(0.01, 10.0), softbounds=(0.5, 2.0), step=0.01,
                           label="Power G", doc="Green power (1 = none).")
    power_b = param.Number(1.0, bounds=(0.01, 10.0), softbounds=(0.5, 2.0), step=0.01,
                           label="Power B", doc="Blue power (1 = none).")
    saturation = param.Number(1.0, bounds=(0.0, 4.0), softbounds=(0.0, 2.0), step=0.01,
                              label="Saturation",
                              doc="ASC saturation with Rec.709 luma (1 = none).")

    @classmethod
    def from_values(cls, values: CDLValues, strength: float = 1.0) -> CDL:
        """Build the operator from plain CDL numbers."""
        (sr, sg, sb), (o_r, og, ob), (pr, pg, pb) = values.slope, values.offset, values.power
        return cls(slope_r=sr, slope_g=sg, slope_b=sb, offset_r=o_r, offset_g=og, offset_b=ob,
                   power_r=pr, power_g=pg, power_b=pb, saturation=values.saturation,
                   strength=strength)

    def values(self) -> CDLValues:
        """The CDL numbers at full strength."""
        return CDLValues(
            slope=(self.slope_r, self.slope_g, self.slope_b),
            offset=(self.offset_r, self.offset_g, self.offset_b),
            power=(self.power_r, self.power_g, self.power_b),
            saturation=self.saturation,
        )

    def effective_values(self) -> CDLValues:
        """The CDL numbers at this operator's strength: what a ``.cc`` export must hold."""
        return cdl_values_at_strength(self.values(), self.strength)

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        v = self.effective_values()
        return apply_cdl(img, v.slope, v.offset, v.power, v.saturation)
