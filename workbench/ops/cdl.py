"""ASC Color Decision List (slope, offset, power, saturation), per the ASC CDL v1.2 spec.

References
----------
American Society of Cinematographers Technology Committee, "ASC Color Decision List (ASC CDL)
Transfer Functions and Interchange Syntax", v1.2 (2009).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import param
import torch

from workbench.checks import check_image
from workbench.color.cdl_values import CDLValues, cdl_values_at_strength, check_cdl_values
from workbench.color.luma import REC709_LUMA  # ASC CDL saturation: Rec.709 luma, any space
from workbench.ops._broadcast import as_batch, as_batch_rgb
from workbench.ops._compiled import fast_path_wanted, run_compiled
from workbench.ops.base import Operator, register_operator

__all__ = [
    "CDL",
    "CDLValues",
    "apply_cdl",
    "cdl_values_at_strength",
    "check_cdl_values",
    "is_plain_cdl",
]

def _cdl_kernel(x: torch.Tensor, s: torch.Tensor, o: torch.Tensor, p: torch.Tensor,
                sat: torch.Tensor, powers: tuple[bool, bool, bool], saturate: bool,
                clamp: bool) -> torch.Tensor:
    """The per-pixel CDL, planar, one channel at a time; the same operations as the eager path.

    ``x`` (B, 3, pixels); ``s``, ``o``, ``p`` (B|1, 3, 1); ``sat`` (B|1, 1, 1). ``powers[c]`` and
    ``saturate`` say which steps are not the identity (the others are skipped).
    """
    chans = []
    for c in range(3):
        v = x[:, c:c + 1] * s[:, c:c + 1] + o[:, c:c + 1]
        if clamp:
            v = v.clamp(0.0, 1.0)
            if powers[c]:
                v = v.pow(p[:, c:c + 1])
        elif powers[c]:
            v = torch.where(v > 0, v.clamp(min=0).pow(p[:, c:c + 1]), v)
        chans.append(v)
    r, g, bl = chans
    if saturate:
        luma = r * REC709_LUMA[0] + g * REC709_LUMA[1] + bl * REC709_LUMA[2]
        r, g, bl = luma + sat * (r - luma), luma + sat * (g - luma), luma + sat * (bl - luma)
    if clamp:
        r, g, bl = r.clamp(0.0, 1.0), g.clamp(0.0, 1.0), bl.clamp(0.0, 1.0)
    return torch.cat([r, g, bl], dim=1)


def _is_one(value: float | Sequence[float] | torch.Tensor) -> tuple[bool, bool, bool]:
    """Per channel, whether a plain-number parameter is exactly 1 (its step is the identity)."""
    if isinstance(value, torch.Tensor):
        return (False, False, False)
    if isinstance(value, (int, float)):
        return (value == 1.0,) * 3
    vals = tuple(value)
    if len(vals) == 3 and all(isinstance(v, (int, float)) for v in vals):
        return (vals[0] == 1.0, vals[1] == 1.0, vals[2] == 1.0)
    return (False, False, False)


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
    # A plain-number power of exactly 1, or saturation of exactly 1, is skipped (as OpenColorIO
    # does): x ** 1 is x, and the saturation step at 1 only adds rounding (and turns ±inf to NaN).
    unit_power = _is_one(power)
    powers = (not unit_power[0], not unit_power[1], not unit_power[2])
    saturate = not _is_one(saturation)[0]

    if fast_path_wanted(img, s, o, p, sat):
        bp = max(s.shape[0], o.shape[0], p.shape[0])

        def per_channel(t: torch.Tensor) -> torch.Tensor:
            return t.expand(bp, 3, 1, 1).reshape(bp, 3, 1)

        n, _, rows, cols = img.shape
        out = run_compiled("apply_cdl", (powers, saturate, clamp), _cdl_kernel,
                           img.reshape(n, 3, rows * cols), per_channel(s), per_channel(o),
                           per_channel(p), sat.reshape(-1, 1, 1), powers, saturate, clamp)
        if out is not None:
            return out.reshape(n, 3, rows, cols)

    x = img * s + o
    if clamp:
        x = x.clamp(0.0, 1.0)
        if any(powers):
            x = x.pow(p)
    elif any(powers):
        # OCIO CDL_NO_CLAMP: the power only applies to positive values.
        x = torch.where(x > 0, x.clamp(min=0).pow(p), x)
    if saturate:
        w = torch.tensor(REC709_LUMA, dtype=img.dtype, device=img.device).reshape(1, 3, 1, 1)
        luma = (x * w).sum(dim=1, keepdim=True)
        x = luma + sat * (x - luma)
    if clamp:
        x = x.clamp(0.0, 1.0)
    return x


@register_operator
class CDL(Operator):
    """ASC CDL in the ACEScct working space of a grade (what Resolve and Baselight exchange)."""

    space = "ACEScct"
    per_pixel = True

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


def is_plain_cdl(pipeline: Iterable[object]) -> bool:
    """``True`` when one ASC CDL holds the whole grade: no operator, or a single :class:`CDL`.

    Such a grade leaves as a ``.cc`` and an EDL's ``ASC_SOP``; anything more needs a LUT.
    """
    ops = list(pipeline)
    return len(ops) <= 1 and all(isinstance(op, CDL) for op in ops)
