"""Colour-difference metrics: CIE L*a*b* and CIEDE2000 in torch.

Pixels are taken to CIE 1931 XYZ with a D65 white through OCIO's
``"CIE XYZ-D65 - Scene-referred"`` space (the config adapts ACES' ~D60 white to D65 there, so an
ACEScg neutral lands on D65), then to L*a*b* relative to that same D65 white, scaled so that
Y = 1 (diffuse white 1.0 in linear Rec.709) gives L* = 100. Scene-linear values above white give
L* > 100; nothing is clamped.

References
----------
G. Sharma, W. Wu, E. N. Dalal, "The CIEDE2000 color-difference formula: implementation notes,
supplementary test data, and mathematical observations", Color Research & Application 30(1),
2005, pp. 21-30. CIE 015:2018 Colorimetry (L*a*b*).
"""

from __future__ import annotations

import math

import torch

from workbench.checks import check_image
from workbench.color.config import XYZ_D65
from workbench.color.convert import convert
from workbench.errors import ShapeError

__all__ = ["WHITE_D65", "delta_e_2000", "lab_delta_e_2000", "mean_delta_e_2000", "xyz_to_lab"]

# D65 white from the chromaticity OCIO uses for Rec.709 / the XYZ-D65 space, x=0.3127, y=0.3290,
# so that neutrals get a* = b* = 0 exactly (the CIE tabulated D65, 0.95047/1/1.08883, differs
# in the 5th digit).
_X_W, _Y_W = 0.3127, 0.3290
WHITE_D65 = (_X_W / _Y_W, 1.0, (1.0 - _X_W - _Y_W) / _Y_W)
"""XYZ of the D65 reference white, Y = 1."""

_EPSILON = 216.0 / 24389.0  # (6/29)**3
_KAPPA = 24389.0 / 27.0


def _channel_last(x: torch.Tensor, dim: int, where: str) -> torch.Tensor:
    if x.ndim == 0 or x.shape[dim] != 3:
        raise ShapeError(f"{where}: expected 3 values along dim {dim}, got shape {tuple(x.shape)}")
    return x.movedim(dim, -1)


def xyz_to_lab(
    xyz: torch.Tensor, white: tuple[float, float, float] = WHITE_D65, dim: int = -1
) -> torch.Tensor:
    """Convert CIE XYZ to CIE L*a*b* (CIE 015:2018).

    Parameters
    ----------
    xyz
        XYZ with the 3 components along ``dim``; Y = 1 is the reference white.
    white
        XYZ of the reference white (default D65, Y = 1).
    dim
        Dimension holding the components (``-1`` channels-last, ``1`` for ``(B, 3, H, W)``).

    Returns
    -------
    torch.Tensor
        L*a*b* with the same shape (L* = 100 at the white; unbounded above).
    """
    v = _channel_last(xyz, dim, "xyz_to_lab")
    ratio = v / torch.tensor(white, dtype=v.dtype, device=v.device)
    cube = torch.sign(ratio) * ratio.abs().pow(1.0 / 3.0)
    f = torch.where(ratio > _EPSILON, cube, (_KAPPA * ratio + 16.0) / 116.0)
    L = 116.0 * f[..., 1] - 16.0
    a = 500.0 * (f[..., 0] - f[..., 1])
    b = 200.0 * (f[..., 1] - f[..., 2])
    return torch.stack([L, a, b], dim=-1).movedim(-1, dim)


def lab_delta_e_2000(
    lab1: torch.Tensor,
    lab2: torch.Tensor,
    dim: int = -1,
    k_L: float = 1.0,
    k_C: float = 1.0,
    k_H: float = 1.0,
) -> torch.Tensor:
    """CIEDE2000 colour difference between two L*a*b* tensors (Sharma, Wu & Dalal 2005).

    Computed in float64 and returned in the promoted input dtype.

    Parameters
    ----------
    lab1, lab2
        L*a*b* with the 3 components along ``dim``; broadcastable shapes.
    dim
        Dimension holding L*, a*, b*.
    k_L, k_C, k_H
        Parametric weighting factors (1 for reference conditions).

    Returns
    -------
    torch.Tensor
        ΔE00, the broadcast shape with ``dim`` removed. 1 is about a just-noticeable
        difference.

    Shape
    -----
    ``(..., 3), (..., 3) -> (...)`` for ``dim=-1``.

    Examples
    --------
    >>> lab1 = torch.tensor([50.0, 2.6772, -79.7751])
    >>> lab2 = torch.tensor([50.0, 0.0, -82.7485])
    >>> round(float(lab_delta_e_2000(lab1, lab2)), 4)
    2.0425
    """
    out_dtype = torch.promote_types(lab1.dtype, lab2.dtype)
    if not out_dtype.is_floating_point:
        out_dtype = torch.get_default_dtype()
    x1 = _channel_last(lab1, dim, "lab_delta_e_2000").to(torch.float64)
    x2 = _channel_last(lab2, dim, "lab_delta_e_2000").to(torch.float64)
    L1, a1, b1 = x1.unbind(-1)
    L2, a2, b2 = x2.unbind(-1)

    pow25_7 = 25.0**7
    C1 = torch.hypot(a1, b1)
    C2 = torch.hypot(a2, b2)
    C_bar7 = ((C1 + C2) / 2.0) ** 7
    G = 0.5 * (1.0 - torch.sqrt(C_bar7 / (C_bar7 + pow25_7)))
    a1p = (1.0 + G) * a1
    a2p = (1.0 + G) * a2
    C1p = torch.hypot(a1p, b1)
    C2p = torch.hypot(a2p, b2)
    # atan2(0, 0) = 0 as the paper requires for achromatic colours.
    h1p = torch.rad2deg(torch.atan2(b1, a1p)) % 360.0
    h2p = torch.rad2deg(torch.atan2(b2, a2p)) % 360.0

    dLp = L2 - L1
    dCp = C2p - C1p
    chroma_zero = (C1p * C2p) == 0
    dh = h2p - h1p
    dhp = torch.where(dh > 180.0, dh - 360.0, torch.where(dh < -180.0, dh + 360.0, dh))
    dhp = torch.where(chroma_zero, torch.zeros_like(dhp), dhp)
    dHp = 2.0 * torch.sqrt(C1p * C2p) * torch.sin(torch.deg2rad(dhp) / 2.0)

    Lp_bar = (L1 + L2) / 2.0
    Cp_bar = (C1p + C2p) / 2.0
    h_sum = h1p + h2p
    hp_bar = torch.where(
        (h1p - h2p).abs() <= 180.0,
        h_sum / 2.0,
        torch.where(h_sum < 360.0, (h_sum + 360.0) / 2.0, (h_sum - 360.0) / 2.0),
    )
    hp_bar = torch.where(chroma_zero, h_sum, hp_bar)

    def cosd(deg: torch.Tensor) -> torch.Tensor:
        return torch.cos(torch.deg2rad(deg))

    T = (
        1.0
        - 0.17 * cosd(hp_bar - 30.0)
        + 0.24 * cosd(2.0 * hp_bar)
        + 0.32 * cosd(3.0 * hp_bar + 6.0)
        - 0.20 * cosd(4.0 * hp_bar - 63.0)
    )
    d_theta = 30.0 * torch.exp(-(((hp_bar - 275.0) / 25.0) ** 2))
    Cp_bar7 = Cp_bar**7
    R_C = 2.0 * torch.sqrt(Cp_bar7 / (Cp_bar7 + pow25_7))
    L50 = (Lp_bar - 50.0) ** 2
    S_L = 1.0 + 0.015 * L50 / torch.sqrt(20.0 + L50)
    S_C = 1.0 + 0.045 * Cp_bar
    S_H = 1.0 + 0.015 * Cp_bar * T
    R_T = -torch.sin(torch.deg2rad(2.0 * d_theta)) * R_C

    tL = dLp / (k_L * S_L)
    tC = dCp / (k_C * S_C)
    tH = dHp / (k_H * S_H)
    d_e = torch.sqrt(tL**2 + tC**2 + tH**2 + R_T * tC * tH)
    return d_e.to(out_dtype)


def delta_e_2000(a: torch.Tensor, b: torch.Tensor, space: str = "ACEScg") -> torch.Tensor:
    """Per-pixel CIEDE2000 between two image batches.

    Parameters
    ----------
    a, b
        ``(B, 3, H, W)`` float images in ``space`` (default scene-linear ACEScg); same shape.
    space
        Workbench or OCIO colour-space name of both images.

    Returns
    -------
    torch.Tensor
        ``(B, H, W)`` ΔE00, float32 (same dtype as ``a``), via XYZ-D65 and L*a*b* with
        L* = 100 at Y = 1 (diffuse white 1.0 in linear Rec.709).
    """
    check_image(a, "delta_e_2000 a")
    check_image(b, "delta_e_2000 b")
    if a.shape != b.shape:
        raise ShapeError(f"delta_e_2000: shapes differ, {tuple(a.shape)} vs {tuple(b.shape)}")
    lab_a = xyz_to_lab(convert(a, space, XYZ_D65).to(torch.float64), dim=1)
    lab_b = xyz_to_lab(convert(b, space, XYZ_D65).to(torch.float64), dim=1)
    return lab_delta_e_2000(lab_a, lab_b, dim=1).to(a.dtype)


def mean_delta_e_2000(a: torch.Tensor, b: torch.Tensor, space: str = "ACEScg") -> float:
    """Mean of :func:`delta_e_2000` over every pixel of the ``(B, 3, H, W)`` batches."""
    d_e = delta_e_2000(a, b, space)
    return float(d_e.to(torch.float64).mean()) if d_e.numel() else math.nan
