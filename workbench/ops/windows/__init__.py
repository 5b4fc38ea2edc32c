"""Power windows, relighting and shadows/highlights in scene-linear light.

``shapes`` draws the soft mattes (ellipse, rectangle, gradient; with tracking), ``relight``
applies a gain in stops through one, and ``tones`` through a luminance matte.
"""

from workbench.ops.windows.relight import Relight, apply_relight, apply_window_gain
from workbench.ops.windows.shapes import (
    ellipse_window,
    gradient_window,
    rectangle_window,
    smoothstep,
)
from workbench.ops.windows.tones import (
    MID_GREY,
    ShadowsHighlights,
    apply_shadows_highlights,
    luminance_zone_mattes,
)

__all__ = [
    "MID_GREY",
    "Relight",
    "ShadowsHighlights",
    "apply_relight",
    "apply_shadows_highlights",
    "apply_window_gain",
    "ellipse_window",
    "gradient_window",
    "luminance_zone_mattes",
    "rectangle_window",
    "smoothstep",
]
