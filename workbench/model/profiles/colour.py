"""Colour helpers shared by the profile measurements: luminance, ACEScct, XYZ, CCT, Oklab.

All inputs are scene-linear ACEScg; arrays are NumPy float64 unless stated.
"""

from __future__ import annotations

import numpy as np

from workbench._colour import import_colour
from workbench.color.encodings import lin_to_acescct
from workbench.ops.saturation import ACESCG_LUMA

__all__ = [
    "LOG_FLOOR",
    "LUMA",
    "MID_GREY",
    "acescct_encode",
    "acescct_luma",
    "acescg_to_oklab",
    "acescg_to_xyz",
    "luminance",
    "xy_to_cct_duv",
]

LUMA = np.asarray(ACESCG_LUMA)
MID_GREY = 0.18
LOG_FLOOR = 2.0 ** -14          # luminance floor before log2: blacks and negatives


def luminance(frames: np.ndarray) -> np.ndarray:
    """ACEScg luminance of ``(N, 3, H, W)`` frames, ``(N, H, W)``."""
    return np.einsum("nchw,c->nhw", frames, LUMA)


acescct_encode = lin_to_acescct
"""ACEScct encoding of linear values (Academy S-2016-001), any shape, float64."""


def acescct_luma(frames: np.ndarray) -> np.ndarray:
    """ACEScct-encoded luminance of ``(N, 3, H, W)`` ACEScg frames, ``(N, H, W)`` float32."""
    return acescct_encode(luminance(frames)).astype(np.float32)


def acescg_to_xyz(rgb: np.ndarray) -> np.ndarray:
    """CIE XYZ of ACEScg ``(..., 3)`` (ACES white, not adapted)."""
    colour = import_colour()
    return rgb @ np.asarray(colour.RGB_COLOURSPACES["ACEScg"].matrix_RGB_to_XYZ).T


def xy_to_cct_duv(xy: np.ndarray) -> tuple[float, float]:
    """CCT (kelvin) and Duv of chromaticity ``xy`` by Ohno (2013), via CIE 1960 uv."""
    colour = import_colour()
    cct, duv = colour.temperature.uv_to_CCT_Ohno2013(colour.xy_to_UCS_uv(np.asarray(xy)))
    return float(cct), float(duv)


def acescg_to_oklab(rgb: np.ndarray) -> np.ndarray:
    """Oklab of ACEScg ``(P,3)``; ACES white is adapted to D65 (Bradford) so grey is neutral."""
    colour = import_colour()
    space = colour.RGB_COLOURSPACES["ACEScg"]
    d65 = colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]["D65"]
    cat = colour.adaptation.matrix_chromatic_adaptation_VonKries(
        colour.xy_to_XYZ(space.whitepoint), colour.xy_to_XYZ(d65), "Bradford")
    return np.asarray(colour.XYZ_to_Oklab(acescg_to_xyz(rgb) @ np.asarray(cat).T))
