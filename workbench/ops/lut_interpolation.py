"""LUT maths: 1D (linear) and 3D (tetrahedral) lookup tables, pure and differentiable in the image.

:func:`apply_lut1d`, :func:`apply_lut3d` and :func:`apply_cube` (a
:class:`~workbench.ops.lut_table.CubeLUT`: shaper, then table) match OpenColorIO's CPU renderer
(``INTERP_LINEAR`` for 1D, ``INTERP_TETRAHEDRAL`` for 3D) to float32 rounding, including its edge
cases: input outside the domain clamps to the end entries, ``±inf`` to the last/first entry and
NaN to the first. On the CPU in float32 they run the fused kernels of
:mod:`workbench.ops.lut_compiled`, bit for bit the same.

References
----------
Kasson, Nin, Plouffe, Hafner, "Performing color space conversions with three-dimensional linear
interpolation", Journal of Electronic Imaging 4(3), 1995 (tetrahedral interpolation).
OpenColorIO ``src/OpenColorIO/ops/lut3d/Lut3DOpCPU.cpp`` (``Lut3DTetrahedralRenderer``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from workbench.checks import check_image
from workbench.errors import ParameterError, ShapeError
from workbench.ops._compiled import fast_path_wanted
from workbench.ops.lut_compiled import NO_STAGE, fast_stage, run_fast_lut
from workbench.ops.lut_table import CubeLUT

__all__ = ["Domain", "apply_cube", "apply_lut1d", "apply_lut3d"]

Domain = torch.Tensor | np.ndarray | Sequence[float] | Sequence[Sequence[float]] | None


def _domain(domain: Domain, img: torch.Tensor, where: str) -> torch.Tensor:
    """``domain`` as a ``(2, 3)`` tensor: ``None`` → [0, 1]; ``(lo, hi)``; or ``(2, 3)``."""
    if domain is None:
        domain = (0.0, 1.0)
    if not isinstance(domain, torch.Tensor):
        domain = torch.from_numpy(np.array(domain, dtype=np.float64))  # a writable copy
    d = domain.to(dtype=img.dtype, device=img.device)
    if d.shape == (2,):
        d = d.reshape(2, 1).expand(2, 3)
    if d.shape != (2, 3):
        raise ShapeError(f"{where}: domain must be (min, max) or (2, 3), got {tuple(d.shape)}")
    if not bool(torch.all(d[1] > d[0])):
        raise ParameterError(f"{where}: domain max must exceed min, got {d.tolist()}")
    return d


def _lattice(img: torch.Tensor, d: torch.Tensor, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Map ``img`` (P, 3) to lattice coordinates: integer cell ``(P, 3)`` and fraction ``(P, 3)``.

    Clamped to the table as OCIO does: below/above the domain and ±inf go to the end entries,
    NaN to the first entry.
    """
    x = (img - d[0]) * ((size - 1) / (d[1] - d[0]))
    x = torch.nan_to_num(x, nan=0.0, posinf=float(size - 1), neginf=0.0).clamp(0.0, size - 1)
    i0 = x.detach().floor().clamp(max=size - 2)
    return i0.long(), x - i0


def _pixels(img: torch.Tensor) -> torch.Tensor:
    return img.permute(0, 2, 3, 1).reshape(-1, 3)


def _image(pixels: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    b, _, h, w = like.shape
    return pixels.reshape(b, h, w, 3).permute(0, 3, 1, 2).contiguous()


def apply_lut1d(img: torch.Tensor, table: torch.Tensor, domain: Domain = None) -> torch.Tensor:
    """Apply a per-channel 1D LUT with linear interpolation.

    Parameters
    ----------
    img
        Image in the space the LUT expects, any range.
    table
        ``(N, 3)`` output values at ``N`` evenly spaced inputs spanning ``domain``, ``N >= 2``.
    domain
        Input value of the first and last entries: ``(min, max)`` for all channels or a
        ``(2, 3)`` array (min row, max row) per channel. Default ``(0, 1)``.

    Returns
    -------
    torch.Tensor
        Same shape, dtype and device. Input outside the domain takes the end entries (as
        OpenColorIO does: a LUT cannot extrapolate); NaN takes the first entry, so the output is
        finite.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> table = torch.tensor([[0.0] * 3, [0.25] * 3, [1.0] * 3])
    >>> apply_lut1d(torch.full((1, 3, 1, 1), 0.75), table)[0, :, 0, 0].tolist()
    [0.625, 0.625, 0.625]
    """
    check_image(img, "apply_lut1d input")
    if not isinstance(table, torch.Tensor) or table.ndim != 2 or table.shape[1] != 3 \
            or table.shape[0] < 2:
        shape = tuple(table.shape) if hasattr(table, "shape") else type(table).__name__
        raise ShapeError(f"apply_lut1d: table must be (N,3) with N >= 2, got {shape}")
    t = table.to(dtype=img.dtype, device=img.device)
    d = _domain(domain, img, "apply_lut1d")
    if fast_path_wanted(img, t):
        out = run_fast_lut(img, fast_stage(t, d, t.shape[0]), NO_STAGE)
        if out is not None:
            return out
    i0, f = _lattice(_pixels(img), d, t.shape[0])
    lo = t.gather(0, i0)
    hi = t.gather(0, i0 + 1)
    return _image(lo + f * (hi - lo), img)


def apply_lut3d(img: torch.Tensor, table: torch.Tensor, domain: Domain = None) -> torch.Tensor:
    """Apply a 3D LUT with tetrahedral interpolation, as OpenColorIO's ``INTERP_TETRAHEDRAL``.

    Each lattice cell is split into six tetrahedra along its black–white diagonal; the one that
    holds the point is chosen by the order of the fractional coordinates ``(fr, fg, fb)``. With
    ``f1 >= f2 >= f3`` the sorted fractions and ``e1``, ``e2`` the unit steps along the axes of
    ``f1`` and ``f2``:

    ``out = (1 - f1) * c000 + (f1 - f2) * c[e1] + (f2 - f3) * c[e1 + e2] + f3 * c111``

    which is, case by case, exactly OCIO's six branches (``fr > fg > fb`` uses c100 and c110,
    ``fr > fb > fg`` c100 and c101, ``fb > fr > fg`` c001 and c101, ``fb > fg > fr`` c001 and
    c011, ``fg > fb > fr`` c010 and c011, ``fg > fr > fb`` c010 and c110). On ties the
    tetrahedra agree, so the output is continuous; ties are broken in r, g, b order.

    Parameters
    ----------
    img
        Image in the space the LUT expects (for a look LUT usually ACEScct), any range.
    table
        ``(S, S, S, 3)`` indexed ``[r, g, b]``, ``S >= 2``.
    domain
        Input value of the first and last lattice points: ``(min, max)`` or ``(2, 3)``.
        Default ``(0, 1)``.

    Returns
    -------
    torch.Tensor
        Same shape, dtype and device. Input outside the domain clamps to the cube's faces
        (OCIO's behaviour); NaN takes the first lattice index; ±inf the last/first.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``

    Example
    -------
    >>> g = torch.linspace(0, 1, 2)
    >>> r, gg, b = torch.meshgrid(g, g, g, indexing="ij")
    >>> identity = torch.stack([r, gg, b], dim=-1)
    >>> img = torch.tensor([0.2, 0.5, 0.9]).reshape(1, 3, 1, 1)
    >>> torch.allclose(apply_lut3d(img, identity), img)
    True
    """
    check_image(img, "apply_lut3d input")
    if not isinstance(table, torch.Tensor) or table.ndim != 4 or table.shape[-1] != 3 \
            or not (table.shape[0] == table.shape[1] == table.shape[2] >= 2):
        shape = tuple(table.shape) if hasattr(table, "shape") else type(table).__name__
        raise ShapeError(f"apply_lut3d: table must be (S,S,S,3) with S >= 2, got {shape}")
    s = table.shape[0]
    flat = table.to(dtype=img.dtype, device=img.device).reshape(-1, 3)
    d = _domain(domain, img, "apply_lut3d")
    if fast_path_wanted(img, flat):
        out = run_fast_lut(img, NO_STAGE, fast_stage(flat, d, s))
        if out is not None:
            return out
    i0, f = _lattice(_pixels(img), d, s)
    stride = torch.tensor([s * s, s, 1], device=img.device)
    base = (i0 * stride).sum(dim=1)
    # Sort the fractions, largest first; stable keeps r, g, b order on ties.
    fs, axes = torch.sort(f, dim=1, descending=True, stable=True)
    step = stride[axes]
    v1 = base + step[:, 0]
    v2 = v1 + step[:, 1]
    v3 = base + (s * s + s + 1)
    f1, f2, f3 = fs[:, 0:1], fs[:, 1:2], fs[:, 2:3]
    out = ((1 - f1) * flat[base] + (f1 - f2) * flat[v1] + (f2 - f3) * flat[v2]
           + f3 * flat[v3])
    return _image(out, img)


def apply_cube(img: torch.Tensor, lut: CubeLUT) -> torch.Tensor:
    """Apply a :class:`~workbench.ops.lut_table.CubeLUT`: the shaper (if any), then the table.

    Shape
    -----
    ``(B, 3, H, W)`` → ``(B, 3, H, W)``
    """
    assert lut.table is not None
    if lut.shaper is not None and lut.table.ndim == 4 and fast_path_wanted(img):
        # Shaper and lattice in one fused kernel: no intermediate image.
        shaper = torch.from_numpy(np.array(lut.shaper)).to(torch.float32)
        cube = torch.from_numpy(np.array(lut.table)).to(torch.float32)
        if shaper.ndim == 2 and shaper.shape[1] == 3 and shaper.shape[0] >= 2 \
                and cube.shape[-1] == 3 and cube.shape[0] == cube.shape[1] == cube.shape[2] >= 2:
            d1 = _domain(lut.shaper_domain, img, "apply_lut1d")
            d3 = _domain(lut.domain, img, "apply_lut3d")
            out = run_fast_lut(img, fast_stage(shaper, d1, shaper.shape[0]),
                                fast_stage(cube, d3, cube.shape[0]))
            if out is not None:
                return out
    if lut.shaper is not None:
        img = apply_lut1d(img, torch.from_numpy(np.array(lut.shaper)), lut.shaper_domain)
    table = torch.from_numpy(np.array(lut.table))
    if table.ndim == 2:
        return apply_lut1d(img, table, lut.domain)
    return apply_lut3d(img, table, lut.domain)
