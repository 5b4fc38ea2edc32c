"""ASC CDL numbers and their rules, without torch: what a ``.cc`` holds, checked and scaled.

:class:`CDLValues` is read and written by :mod:`workbench.interchange.cdl`, applied by
:func:`workbench.ops.apply_cdl` and by OpenColorIO's ``CDLTransform``
(:mod:`workbench.color.ocio_grade`); the rules live here so that applying a CDL with OCIO alone
loads no torch.

References
----------
American Society of Cinematographers Technology Committee, "ASC Color Decision List (ASC CDL)
Transfer Functions and Interchange Syntax", v1.2 (2009).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from workbench.errors import ParameterError

__all__ = ["CDLValues", "cdl_values_at_strength", "check_cdl_values"]

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


_CHANNELS = ("red", "green", "blue")


def check_cdl_values(values: CDLValues, where: str) -> None:
    """Raise :class:`ParameterError` unless ``values`` is a CDL the ASC spec allows.

    The rules are OpenColorIO's ``CDLTransform.validate()``: slope >= 0, power > 0 and
    saturation >= 0 (offset is free). Unlike OCIO, which lets some through, every number must
    also be finite: an infinite slope or offset turns pixels into NaN.

    Parameters
    ----------
    values
        The numbers to check.
    where
        Names the file and the correction in the message, e.g. ``"A001.ccc correction 'sh010'"``.

    Raises
    ------
    ParameterError
        One line naming ``where``, the value, its channel and the rule, e.g.
        ``"grade.cc correction 'sh010': invalid ASC CDL power -1 (red), must be > 0"``.
    """
    for name in ("slope", "offset", "power"):
        triple = tuple(getattr(values, name))
        if len(triple) != 3:
            raise ParameterError(f"{where}: ASC CDL {name} needs 3 numbers, got {len(triple)}")
        for channel, raw in zip(_CHANNELS, triple, strict=True):
            v = float(raw)
            if not math.isfinite(v):
                raise ParameterError(f"{where}: invalid ASC CDL {name} {v:g} ({channel}), "
                                     "must be finite")
            if name == "slope" and not v >= 0.0:
                raise ParameterError(f"{where}: invalid ASC CDL slope {v:g} ({channel}), "
                                     "must be >= 0")
            if name == "power" and not v > 0.0:
                raise ParameterError(f"{where}: invalid ASC CDL power {v:g} ({channel}), "
                                     "must be > 0")
    sat = float(values.saturation)
    if not math.isfinite(sat):
        raise ParameterError(f"{where}: invalid ASC CDL saturation {sat:g}, must be finite")
    if not sat >= 0.0:
        raise ParameterError(f"{where}: invalid ASC CDL saturation {sat:g}, must be >= 0")


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
