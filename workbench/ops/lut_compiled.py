"""The LUTs' compiled fast path: a 1D LUT, a 3D LUT or both in one fused per-pixel kernel.

Planar in, planar out, no temporaries, doing exactly the eager operations of
:mod:`workbench.ops.lut_interpolation` in the same order, so the results are the eager path's to
the bit on the same machine; see :func:`workbench.ops._compiled.run_compiled` for the
compile/cache/fallback rules.
"""

from __future__ import annotations

import torch

from workbench.ops._compiled import run_compiled

__all__ = ["NO_STAGE", "Stage", "fast_stage", "run_fast_lut"]

Stage = tuple[torch.Tensor, torch.Tensor, torch.Tensor, int]
"""Kernel arguments of one LUT stage: flat float32 table, domain min, scale, size (0: none)."""


def _fast_lattice(v: torch.Tensor, lo: torch.Tensor, scale: torch.Tensor, size: int
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """lut_interpolation's ``_lattice`` for one channel: float cell index and fraction."""
    x = (v - lo) * scale
    # NaN -> 0, ±inf -> the ends: nan_to_num then clamp, written so that it vectorises.
    x = torch.where(x == x, x, 0.0).clamp(0.0, size - 1)
    i0 = x.floor().clamp(max=size - 2)
    return i0, x - i0


def _fast_lut1d(v: torch.Tensor, flat: torch.Tensor, lo: torch.Tensor, scale: torch.Tensor,
                size: int, c: int) -> torch.Tensor:
    """Channel ``c`` of :func:`apply_lut1d`; ``flat`` is the ``(N, 3)`` table flattened."""
    i0, f = _fast_lattice(v, lo[c], scale[c], size)
    idx = i0.to(torch.int64) * 3 + c
    low = flat[idx]
    high = flat[idx + 3]
    return low + f * (high - low)


def _fast_tetrahedral(r: torch.Tensor, g: torch.Tensor, b: torch.Tensor, flat: torch.Tensor,
                      lo: torch.Tensor, scale: torch.Tensor, size: int
                      ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """:func:`apply_lut3d` on planes; the tetrahedron chosen by comparisons, not a sort.

    ``r_first``/``g_first`` and ``r_second``/``g_second`` reproduce the stable descending sort
    of the eager path (ties in r, g, b order), so the same vertices and weights are used.
    """
    ir, fr = _fast_lattice(r, lo[0], scale[0], size)
    ig, fg = _fast_lattice(g, lo[1], scale[1], size)
    ib, fb = _fast_lattice(b, lo[2], scale[2], size)
    ss = size * size
    base = ir.to(torch.int64) * ss + ig.to(torch.int64) * size + ib.to(torch.int64)
    rg, rb, gb = fr >= fg, fr >= fb, fg >= fb
    r_first, g_first = rg & rb, ~rg & gb
    r_second, g_second = rg ^ rb, rg ^ ~gb
    f1 = torch.where(r_first, fr, torch.where(g_first, fg, fb))
    f2 = torch.where(r_second, fr, torch.where(g_second, fg, fb))
    f3 = torch.minimum(torch.minimum(fr, fg), fb)
    v1 = base + torch.where(r_first, ss, torch.where(g_first, size, 1))
    v2 = v1 + torch.where(r_second, ss, torch.where(g_second, size, 1))
    v3 = base + (ss + size + 1)
    w0, w1, w2 = 1 - f1, f1 - f2, f2 - f3
    base, v1, v2, v3 = base * 3, v1 * 3, v2 * 3, v3 * 3
    out = [w0 * flat[base + c] + w1 * flat[v1 + c] + w2 * flat[v2 + c] + f3 * flat[v3 + c]
           for c in range(3)]
    return out[0], out[1], out[2]


def _fast_lut_kernel(x: torch.Tensor, t1: torch.Tensor, lo1: torch.Tensor, sc1: torch.Tensor,
                     n1: int, t3: torch.Tensor, lo3: torch.Tensor, sc3: torch.Tensor, n3: int
                     ) -> torch.Tensor:
    """``x`` (B, 3, pixels): a 1D LUT of ``n1`` entries (0: none), then a 3D LUT (0: none)."""
    r, g, b = x[:, 0], x[:, 1], x[:, 2]
    if n1:
        r = _fast_lut1d(r, t1, lo1, sc1, n1, 0)
        g = _fast_lut1d(g, t1, lo1, sc1, n1, 1)
        b = _fast_lut1d(b, t1, lo1, sc1, n1, 2)
    if n3:
        r, g, b = _fast_tetrahedral(r, g, b, t3, lo3, sc3, n3)
    return torch.stack([r, g, b], dim=1)


NO_STAGE: Stage = (torch.zeros(3), torch.zeros(3), torch.ones(3), 0)
"""A stage the kernel skips."""


def fast_stage(table: torch.Tensor, d: torch.Tensor, size: int) -> Stage:
    """Kernel arguments of one LUT stage: flat float32 table, domain min, scale, size."""
    scale = (size - 1) / (d[1] - d[0])  # as lut_interpolation's _lattice computes it
    return table.to(torch.float32).reshape(-1).contiguous(), d[0].contiguous(), scale, size


def run_fast_lut(img: torch.Tensor, stage1: Stage, stage3: Stage) -> torch.Tensor | None:
    """``img`` ``(B, 3, H, W)`` through ``stage1`` (1D) then ``stage3`` (3D); None: run eager."""
    b, _, h, w = img.shape
    out = run_compiled("lut", (stage1[3], stage3[3]), _fast_lut_kernel,
                       img.reshape(b, 3, h * w), *stage1, *stage3)
    return None if out is None else out.reshape(b, 3, h, w)
