"""The look network: monotone 1D curves, a 3x3 matrix, hue terms and a residual 3D LUT.

Everything works on *normalised* values: the look's encoded space (sRGB-encoded or ACEScct)
mapped so that its LUT domain is [0, 1]. The global part (curves then an affine matrix) carries
what extrapolates: contrast, balance, saturation. The hue terms then change saturation, hue and
lightness as low-order Fourier series of the hue, scaled by chroma: smooth in hue, so a
hue-selective grade learned on the hues the pairs show carries over to the hues between them.
The residual LUT adds what is left (split-toning, clipping, a creative cube), as a function of
the *input* colour.

The residual is held as a pyramid of grids (5³, 9³, 17³, 33³) that are summed into one 33³ grid:
a coarse grid moves many fine nodes at once, so smoothness spreads into colours the training
pairs never showed in a few hundred Adam steps instead of thousands. Because every coarse cell
is a union of fine cells, the trilinear sum of the pyramid *is* a trilinear 33³ LUT, exactly.

References
----------
H. Zeng, J. Cai, L. Li, Z. Cao, L. Zhang, "Learning Image-adaptive 3D Lookup Tables for High
Performance Photo Enhancement in Real-time", IEEE TPAMI 44(4), 2022 (smoothness and
monotonicity regularisers of a learned 3D LUT).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from workbench.color.luma import REC709_LUMA

__all__ = ["CURVE_KNOTS", "HUE_ORDER", "LUT_LEVELS", "LookNet", "opponent_hue", "trilinear"]

CURVE_KNOTS = 33
HUE_ORDER = 2
LUT_LEVELS = (5, 9, 17, 33)
_PER_LEVEL_MAX = 8192


def trilinear(lut: torch.Tensor, rgb: torch.Tensor) -> torch.Tensor:
    """Look up ``rgb`` in a 3D LUT, trilinearly; inputs outside [0, 1] take the border value.

    Parameters
    ----------
    lut
        ``(3, S, S, S)`` indexed ``[channel, b, g, r]``, nodes at ``i / (S - 1)``.
    rgb
        ``(N, 3)`` normalised coordinates.

    Returns
    -------
    torch.Tensor
        ``(N, 3)``.
    """
    grid = (rgb * 2 - 1).view(1, 1, 1, -1, 3)  # grid_sample's x, y, z are r, g, b
    out = F.grid_sample(lut[None], grid, mode="bilinear", padding_mode="border",
                        align_corners=True)
    return out.view(3, -1).t()


#: Encoded RGB to (luma, a, b): Rec.709 luma and a simple opponent pair. Scaling (a, b) with the
#: luma held scales the chroma vector ``rgb - luma`` about grey.
_OPPONENT = torch.tensor([list(REC709_LUMA),
                          [1.0, -0.5, -0.5],
                          [0.0, math.sqrt(3) / 2, -math.sqrt(3) / 2]])
_OPPONENT_INV = torch.linalg.inv(_OPPONENT)


def opponent_hue(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Chroma and hue angle (radians, 0 at red) of ``(N, 3)`` values in the hue terms' space."""
    opp = x @ _OPPONENT.t()
    a, b = opp[:, 1], opp[:, 2]
    return (a.square() + b.square()).sqrt(), torch.atan2(b, a)


def _harmonics(a: torch.Tensor, b: torch.Tensor, order: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(N, order + 1)`` cos(k·hue) and sin(k·hue), k = 0..order, of the opponent pair (a, b).

    Built from (a + ib) / |a + ib| by complex powers (no atan2: its gradient is undefined at
    grey); at grey the hue is taken as 0, harmless because every hue term there is scaled by a
    zero chroma.
    """
    rho = (a.square() + b.square() + 1e-12).sqrt()
    c1, s1 = a / rho, b / rho
    cos, sin = [torch.ones_like(a)], [torch.zeros_like(a)]
    for _ in range(order):
        c, s = cos[-1], sin[-1]
        cos.append(c * c1 - s * s1)
        sin.append(s * c1 + c * s1)
    return torch.stack(cos, 1), torch.stack(sin, 1)


def _second_differences(lut: torch.Tensor) -> torch.Tensor:
    """Mean squared second difference of a ``(3, S, S, S)`` grid along its three axes, as f''."""
    scale = float((lut.shape[-1] - 1) ** 2)
    total = lut.new_zeros(())
    for dim in (1, 2, 3):
        n = lut.shape[dim]
        d2 = lut.narrow(dim, 0, n - 2) - 2 * lut.narrow(dim, 1, n - 2) + lut.narrow(dim, 2, n - 2)
        total = total + (d2 * scale).square().mean()
    return total


class LookNet(nn.Module):
    """``out = hue(M · curves(x) + b) + residual(x)`` on normalised ``(N, 3)`` values.

    Initialised to the identity. ``curves`` are piecewise linear with ``CURVE_KNOTS`` knots on
    [0, 1], monotone by construction (positive increments), extended linearly beyond. ``hue``
    changes saturation, hue angle and lightness as low-order Fourier series of the hue (in an
    opponent space of the encoded values), each scaled by the chroma: smooth in hue, so it
    interpolates between the hues the pairs show instead of leaving the hues between them to
    the residual LUT.
    """

    def __init__(self, levels: tuple[int, ...] = LUT_LEVELS, knots: int = CURVE_KNOTS,
                 hue_order: int = HUE_ORDER, clip: bool = False,
                 linear_saturation: bool = False) -> None:
        super().__init__()
        #: Saturation gain ``1 + series`` (as a colourist's hue-vs-sat curve) rather than
        #: ``exp(series)`` (what ``LookModel.3`` and older learned).
        self.linear_saturation = linear_saturation
        #: Whether the look's output is clipped to [0, 1] (a display-referred grade): applied by
        #: :meth:`clipped`, not by :meth:`forward`, which training needs unclipped.
        self.clip = clip
        step = 1.0 / (knots - 1)
        # softplus(raw) = step: identity increments.
        self.curve_raw = nn.Parameter(torch.full((3, knots - 1), math.log(math.expm1(step))))
        self.curve_base = nn.Parameter(torch.zeros(3))
        self.matrix = nn.Parameter(torch.eye(3))
        self.bias = nn.Parameter(torch.zeros(3))
        # Rows: saturation gain - 1 (or its log), hue rotation (radians), lightness per unit
        # chroma; columns cos(k·hue) for k = 0..order then sin(k·hue) for k = 1..order.
        self.hue_order = hue_order
        self.hue_coef = nn.Parameter(torch.zeros(3, 2 * hue_order + 1))
        self.levels = tuple(levels)
        self.luts = nn.ParameterList(nn.Parameter(torch.zeros(3, s, s, s)) for s in self.levels)

    def knot_values(self) -> torch.Tensor:
        """``(3, K)`` curve values at the knots ``k / (K - 1)``."""
        inc = F.softplus(self.curve_raw)
        return torch.cat([self.curve_base[:, None],
                          self.curve_base[:, None] + inc.cumsum(1)], 1)

    def curves(self, x: torch.Tensor) -> torch.Tensor:
        """Per-channel curves of ``(N, 3)`` ``x``; linear beyond the first and last knots."""
        v = self.knot_values()
        k = v.shape[1]
        t = x.t() * (k - 1)  # (3, N)
        i = t.floor().clamp(0, k - 2)
        frac = t - i
        i = i.long()
        lo = v.gather(1, i)
        hi = v.gather(1, i + 1)
        return (lo + frac * (hi - lo)).t()

    def global_map(self, x: torch.Tensor) -> torch.Tensor:
        """The curves then the affine matrix, ``(N, 3) -> (N, 3)``."""
        return self.hue_map(self.curves(x) @ self.matrix.t() + self.bias)

    def hue_map(self, y: torch.Tensor) -> torch.Tensor:
        """Hue-dependent saturation, hue rotation and lightness of ``(N, 3)`` ``y``."""
        if self.hue_order == 0:
            return y
        opp = y @ _OPPONENT.t()
        a, b = opp[:, 1], opp[:, 2]
        cos, sin = _harmonics(a, b, self.hue_order)
        basis = torch.cat([cos, sin[:, 1:]], 1)  # (N, 2K + 1)
        sat, turn, light = (basis @ self.hue_coef.t()).unbind(1)
        scale = (1 + sat).clamp(min=0) if self.linear_saturation else sat.exp()
        c, s = torch.cos(turn), torch.sin(turn)
        rho = (a.square() + b.square()).sqrt()
        out = torch.stack([opp[:, 0] + light * rho,
                           scale * (c * a - s * b), scale * (s * a + c * b)], 1)
        return out @ _OPPONENT_INV.t()

    def hue_smoothness(self) -> torch.Tensor:
        """Squared coefficients weighted by k⁴: the hue terms' squared second derivative in hue.

        A constant and a once-around (k = 1) change cost little, so the terms bend between the
        hues the pairs show only as far as the data demand.
        """
        k = torch.arange(self.hue_order + 1, dtype=self.hue_coef.dtype)
        w = torch.cat([k, k[1:]]).pow(4)
        return (self.hue_coef.square() * w).sum()

    def residual_lut(self) -> torch.Tensor:
        """The pyramid summed into one ``(3, S, S, S)`` grid at the finest level's size."""
        size = self.levels[-1]
        total = self.luts[-1]
        for lut in list(self.luts)[:-1]:
            total = total + F.interpolate(lut[None], size=(size,) * 3, mode="trilinear",
                                          align_corners=True)[0]
        return total

    def forward(self, x: torch.Tensor, residual: torch.Tensor | None = None) -> torch.Tensor:
        """The look on ``(N, 3)`` normalised values.

        ``residual`` is :meth:`residual_lut` computed once (for applying to many pixels). Without
        it, a few thousand values look every level up on its own (cheaper than summing the
        pyramid); more sum it first.
        """
        out = self.global_map(x)
        if residual is None and x.shape[0] > _PER_LEVEL_MAX:
            residual = self.residual_lut()
        if residual is not None:
            return out + trilinear(residual, x)
        for lut in self.luts:
            out = out + trilinear(lut, x)
        return out

    def clipped(self, out: torch.Tensor) -> torch.Tensor:
        """``out`` of :meth:`forward` clipped to [0, 1] when the look clips, else as it is."""
        return out.clamp(0.0, 1.0) if self.clip else out

    def smoothness(self) -> torch.Tensor:
        """Squared second derivatives of each residual level (extrapolates linearly)."""
        return sum((_second_differences(lut) for lut in self.luts), torch.zeros(()))

    def curve_smoothness(self) -> torch.Tensor:
        """Squared second derivative of the curves."""
        v = self.knot_values()
        d2 = (v[:, 2:] - 2 * v[:, 1:-1] + v[:, :-2]) * (v.shape[1] - 1) ** 2
        return d2.square().mean()

    def magnitude(self) -> torch.Tensor:
        """Mean square of the residual levels (keeps unseen colours near the global map)."""
        return sum((lut.square().mean() for lut in self.luts), torch.zeros(()))
