"""Lighting proposals: the light's shape, not only its level and colour.

When a shot's light differs in shape from its anchor's (a hot side, a darker corner, a
different key-to-fill or contrast), a global grade cannot match it. Here the difference left
after the global grade is fitted with the lighting operators an artist would use
(:class:`~workbench.ops.Relight` lamps, :class:`~workbench.ops.ShadowsHighlights`, an
:class:`~workbench.ops.Exposure`), each editable and under the proposal's strength:

- :mod:`~workbench.model.lighting.samples`: whether the shot and anchor show the same view,
  and the aligned pixels where the light can be compared;
- :mod:`~workbench.model.lighting.fit`: the fit (robust, in log2 luminance, through the real
  operator functions) and its description;
- :mod:`~workbench.model.lighting.proposal`: :func:`add_lighting`, what propose calls.
"""

from __future__ import annotations

from workbench.model.lighting.fit import (
    MIN_GAIN_STOPS,
    LightingFit,
    describe_lighting,
    fit_light_shape,
    fit_tones,
)
from workbench.model.lighting.proposal import MIN_SHAPE_STOPS, add_lighting, fit_lighting
from workbench.model.lighting.samples import FIT_WIDTH, ViewPair, view_pair

__all__ = [
    "FIT_WIDTH",
    "MIN_GAIN_STOPS",
    "MIN_SHAPE_STOPS",
    "LightingFit",
    "ViewPair",
    "add_lighting",
    "describe_lighting",
    "fit_light_shape",
    "fit_lighting",
    "fit_tones",
    "view_pair",
]
