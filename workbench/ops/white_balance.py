"""White balance by chromatic adaptation (Bradford) in linear light."""

from __future__ import annotations

import functools

import numpy as np
import param
import torch

from workbench._colour import import_colour
from workbench.checks import check_image
from workbench.ops.base import Operator, register_operator

__all__ = ["WhiteBalance", "apply_white_balance", "white_balance_matrix", "white_xy"]


def white_xy(kelvin: float, tint: float = 0.0) -> tuple[float, float]:
    """CIE 1931 xy of a Planckian white at ``kelvin``, shifted off the locus by ``tint``.

    ``tint`` is Duv × 1000 (Ohno 2013): positive is greener, negative more magenta.
    """
    colour = import_colour()

    uv = colour.temperature.CCT_to_uv(np.array([kelvin, tint / 1000.0]), method="Ohno 2013")
    x, y = colour.UCS_uv_to_xy(uv)
    return float(x), float(y)


@functools.lru_cache(maxsize=256)
def white_balance_matrix(
    source_kelvin: float, target_kelvin: float, source_tint: float = 0.0, target_tint: float = 0.0
) -> np.ndarray:
    """3×3 ACEScg matrix that adapts ``source`` white to ``target`` white (Bradford CAT).

    A grey lit by the source illuminant comes out as grey under the target.
    """
    colour = import_colour()

    ap1 = colour.RGB_COLOURSPACES["ACEScg"]
    xyz_src = colour.xy_to_XYZ(white_xy(source_kelvin, source_tint))
    xyz_dst = colour.xy_to_XYZ(white_xy(target_kelvin, target_tint))
    cat = colour.adaptation.matrix_chromatic_adaptation_VonKries(xyz_src, xyz_dst, "Bradford")
    m = ap1.matrix_XYZ_to_RGB @ cat @ ap1.matrix_RGB_to_XYZ
    return np.asarray(m, dtype=np.float64)


def apply_white_balance(img: torch.Tensor, matrix: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Multiply every pixel of linear ACEScg ``img`` by the 3×3 ``matrix``.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``; ``matrix`` is ``(3, 3)`` or ``(B, 3, 3)``.
    """
    check_image(img, "apply_white_balance input")
    m = torch.as_tensor(matrix, dtype=img.dtype, device=img.device)
    if m.ndim == 2:
        return torch.einsum("ij,bjhw->bihw", m, img)
    return torch.einsum("bij,bjhw->bihw", m, img)


@register_operator
class WhiteBalance(Operator):
    """Rebalance a shot lit at ``source_kelvin`` to look lit at ``target_kelvin``."""

    space = "ACEScg"
    per_pixel = True

    source_kelvin = param.Number(6500.0, bounds=(1700.0, 25000.0), softbounds=(2500.0, 10000.0),
                                 step=50.0, label="Shot white (K)",
                                 doc="Colour temperature the shot's light has.")
    target_kelvin = param.Number(6500.0, bounds=(1700.0, 25000.0), softbounds=(2500.0, 10000.0),
                                 step=50.0, label="Target white (K)",
                                 doc="Colour temperature it should look lit by.")
    tint = param.Number(0.0, bounds=(-50.0, 50.0), softbounds=(-20.0, 20.0), step=0.5,
                        label="Tint (Duv×1000)", doc="Removes a green (+) or magenta (-) cast.")

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        # Interpolate in mireds, which is how a change of light is perceived and gelled.
        s = self.strength
        mired = (1 - s) * 1e6 / self.source_kelvin + s * 1e6 / self.target_kelvin
        m = white_balance_matrix(self.source_kelvin, 1e6 / mired, s * self.tint, 0.0)
        return apply_white_balance(img, m)
