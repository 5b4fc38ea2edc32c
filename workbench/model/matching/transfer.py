"""Colour transfer between two sets of pixels: estimate a transfer, then apply it.

Every ``fit_*`` function takes ``source`` ``(N, 3)`` and ``reference`` ``(M, 3)`` float pixel
arrays (torch) in ONE encoding chosen by the caller, plus optional boolean masks ``(N,)`` /
``(M,)`` of the pixels that count, and returns a small transfer object (plain parameters) whose
``__call__(pixels)`` applies it to any ``(P, 3)`` array of the same encoding. The ``*_transfer``
functions do both steps on ``source``. Non-finite pixels never count; a set with too few valid
pixels gives the identity rather than NaN.

- :func:`fit_reinhard`: per-axis mean and standard deviation in Reinhard's decorrelated
  opponent (lαβ) axes. Reinhard et al. apply those axes to log LMS; give log-encoded pixels
  (ACEScct) to get the same behaviour.
- :func:`fit_mkl`: the linear Monge–Kantorovich map of Pitié & Kokaram: the affine map that
  sends the source's mean and covariance *exactly* onto the reference's, with the least mean
  squared displacement among such maps (closed form from two eigendecompositions).
- :func:`fit_quantile`: per-channel quantile (histogram) matching: each channel's CDF is
  mapped onto the reference's by a monotone piecewise-linear curve.
- :func:`fit_von_kries`: per-channel gains in a cone space (Bradford by default) estimated as
  robust log-quantile shifts: the model of a physical light or white-balance change (von Kries
  adaptation, an exposure change is its grey case). Pixels must be scene-LINEAR here.

References
----------
E. Reinhard, M. Ashikhmin, B. Gooch, P. Shirley, "Color Transfer between Images", IEEE Computer
Graphics and Applications 21(5), 2001.
F. Pitié, A. Kokaram, "The linear Monge-Kantorovitch linear colour mapping for example-based
colour transfer", IET CVMP 2007.
R. C. Gonzalez, R. E. Woods, "Digital Image Processing", histogram specification.
J. von Kries, 1902; K. M. Lam, "Metamerism and colour constancy", PhD thesis, 1985 (Bradford).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from workbench.color.encodings import AP1_TO_XYZ
from workbench.errors import ShapeError

__all__ = [
    "BRADFORD",
    "LAB_OPPONENT",
    "AffineTransfer",
    "QuantileTransfer",
    "cone_spaces",
    "fit_mkl",
    "fit_quantile",
    "fit_reinhard",
    "fit_von_kries",
    "fit_von_kries_in",
    "mkl_transfer",
    "quantile_transfer",
    "reinhard_transfer",
    "valid_pixels",
]

# Reinhard et al. (2001), eq. 4: log LMS -> lαβ (rows: l, α, β), orthogonal up to row scale.
LAB_OPPONENT = torch.tensor([[1 / math.sqrt(3), 1 / math.sqrt(3), 1 / math.sqrt(3)],
                             [1 / math.sqrt(6), 1 / math.sqrt(6), -2 / math.sqrt(6)],
                             [1 / math.sqrt(2), -1 / math.sqrt(2), 0.0]], dtype=torch.float64)
# Bradford cone response matrix (XYZ -> sharpened LMS), Lam 1985.
BRADFORD = torch.tensor([[0.8951, 0.2664, -0.1614],
                         [-0.7502, 1.7135, 0.0367],
                         [0.0389, -0.0685, 1.0296]], dtype=torch.float64)
MIN_PIXELS = 16     # fewer valid pixels than this: the transfer is the identity
LINEAR_FLOOR = 2.0 ** -12   # scene-linear values below this carry no usable ratio


def _check(pixels: torch.Tensor, name: str) -> None:
    if pixels.ndim != 2 or pixels.shape[1] != 3:
        raise ShapeError(f"{name}: expected pixels (N, 3), got {tuple(pixels.shape)}")


def valid_pixels(pixels: torch.Tensor, mask: torch.Tensor | None = None,
                 name: str = "pixels") -> torch.Tensor:
    """The finite rows of ``pixels`` ``(N, 3)`` where ``mask`` ``(N,)`` holds, as float64."""
    _check(pixels, name)
    keep = torch.isfinite(pixels).all(dim=1)
    if mask is not None:
        if mask.shape != (pixels.shape[0],):
            raise ShapeError(f"{name}: mask must be ({pixels.shape[0]},), got {tuple(mask.shape)}")
        keep &= mask.to(torch.bool)
    return pixels[keep].double()


@dataclass(frozen=True)
class AffineTransfer:
    """``y = x @ matrix.T + offset`` on ``(P, 3)`` pixels (float64 parameters)."""

    matrix: torch.Tensor   # (3, 3)
    offset: torch.Tensor   # (3,)

    @classmethod
    def identity(cls) -> AffineTransfer:
        """The map that changes nothing."""
        return cls(torch.eye(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64))

    def __call__(self, pixels: torch.Tensor) -> torch.Tensor:
        """``pixels`` ``(P, 3)`` mapped, same dtype."""
        _check(pixels, "AffineTransfer")
        return (pixels.double() @ self.matrix.T + self.offset).to(pixels.dtype)


@dataclass(frozen=True)
class QuantileTransfer:
    """Per-channel monotone piecewise-linear curves from ``source_q`` to ``target_q`` ``(K, 3)``.

    Outside the sampled range the end segments extend with slope 1 (an offset), so values
    beyond what was seen stay ordered and finite.
    """

    source_q: torch.Tensor  # (K, 3), non-decreasing per column
    target_q: torch.Tensor  # (K, 3)

    def __call__(self, pixels: torch.Tensor) -> torch.Tensor:
        """``pixels`` ``(P, 3)`` mapped channel by channel, same dtype."""
        _check(pixels, "QuantileTransfer")
        x = pixels.double()
        out = torch.empty_like(x)
        for c in range(3):
            out[:, c] = _interp(x[:, c], self.source_q[:, c], self.target_q[:, c])
        return out.to(pixels.dtype)


def _interp(x: torch.Tensor, xp: torch.Tensor, fp: torch.Tensor) -> torch.Tensor:
    """``numpy.interp`` for torch, with slope-1 extension beyond ``xp``'s ends."""
    idx = torch.searchsorted(xp.contiguous(), x.contiguous()).clamp(1, xp.numel() - 1)
    x0, x1, f0, f1 = xp[idx - 1], xp[idx], fp[idx - 1], fp[idx]
    t = torch.where(x1 > x0, (x - x0) / (x1 - x0).clamp_min(1e-12), torch.zeros_like(x))
    y = f0 + t.clamp(0, 1) * (f1 - f0)
    y = torch.where(x < xp[0], fp[0] + (x - xp[0]), y)
    return torch.where(x > xp[-1], fp[-1] + (x - xp[-1]), y)


def _moments(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    mean = x.mean(dim=0)
    centred = x - mean
    return mean, centred.T @ centred / max(x.shape[0] - 1, 1)


def fit_reinhard(source: torch.Tensor, reference: torch.Tensor, *,
                 source_mask: torch.Tensor | None = None,
                 reference_mask: torch.Tensor | None = None) -> AffineTransfer:
    """Reinhard et al. (2001): match mean and std per decorrelated opponent axis.

    Parameters
    ----------
    source, reference
        ``(N, 3)`` / ``(M, 3)`` pixels in one log encoding (e.g. ACEScct), where the lαβ axes
        (luminance, yellow–blue, red–green) are close to decorrelated.
    source_mask, reference_mask
        Optional boolean ``(N,)`` / ``(M,)``: only these pixels are measured.

    Returns
    -------
    AffineTransfer
        In the same encoding: after it the source's lαβ means and stds equal the reference's.
    """
    s = valid_pixels(source, source_mask, "source")
    r = valid_pixels(reference, reference_mask, "reference")
    if s.shape[0] < MIN_PIXELS or r.shape[0] < MIN_PIXELS:
        return AffineTransfer.identity()
    s_lab, r_lab = s @ LAB_OPPONENT.T, r @ LAB_OPPONENT.T
    s_mean, r_mean = s_lab.mean(dim=0), r_lab.mean(dim=0)
    s_std, r_std = s_lab.std(dim=0), r_lab.std(dim=0)
    # A flat axis (a grey card) has no spread to scale: keep its contrast.
    scale = torch.where(s_std > 1e-6, r_std / s_std.clamp_min(1e-6), torch.ones_like(s_std))
    matrix = LAB_OPPONENT.T @ torch.diag(scale) @ LAB_OPPONENT   # LAB_OPPONENT is orthonormal
    offset = LAB_OPPONENT.T @ (r_mean - scale * s_mean)
    return AffineTransfer(matrix, offset)


def _sqrtm_psd(cov: torch.Tensor, eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Square root and inverse square root of a symmetric PSD matrix, eigenvalues floored."""
    values, vectors = torch.linalg.eigh(cov)
    values = values.clamp_min(eps)
    root = vectors @ torch.diag(values.sqrt()) @ vectors.T
    inv_root = vectors @ torch.diag(values.rsqrt()) @ vectors.T
    return root, inv_root


def fit_mkl(source: torch.Tensor, reference: torch.Tensor, *,
            source_mask: torch.Tensor | None = None,
            reference_mask: torch.Tensor | None = None, eps: float = 1e-8) -> AffineTransfer:
    """Pitié & Kokaram (2007): the linear Monge–Kantorovich colour map.

    ``T = Σs^-½ (Σs^½ Σr Σs^½)^½ Σs^-½`` and ``y = T (x − μs) + μr``: the one symmetric
    positive map with ``T Σs Tᵀ = Σr`` (the L2-optimal transport map between Gaussians).

    Parameters
    ----------
    source, reference
        ``(N, 3)`` / ``(M, 3)`` pixels in one encoding (ACEScct gives perceptually even weight).
    source_mask, reference_mask
        Optional boolean masks of the pixels measured.
    eps
        Floor on covariance eigenvalues, so flat or rank-deficient sets stay finite.

    Returns
    -------
    AffineTransfer
        After it the source's mean and covariance equal the reference's (exactly, for
        full-rank covariances).
    """
    s = valid_pixels(source, source_mask, "source")
    r = valid_pixels(reference, reference_mask, "reference")
    if s.shape[0] < MIN_PIXELS or r.shape[0] < MIN_PIXELS:
        return AffineTransfer.identity()
    s_mean, s_cov = _moments(s)
    r_mean, r_cov = _moments(r)
    s_root, s_inv_root = _sqrtm_psd(s_cov, eps)
    middle, _ = _sqrtm_psd(s_root @ r_cov @ s_root, eps * eps)
    matrix = s_inv_root @ middle @ s_inv_root
    return AffineTransfer(matrix, r_mean - matrix @ s_mean)


def fit_quantile(source: torch.Tensor, reference: torch.Tensor, *,
                 source_mask: torch.Tensor | None = None,
                 reference_mask: torch.Tensor | None = None, knots: int = 65) -> QuantileTransfer:
    """Per-channel quantile matching (histogram specification), one channel at a time.

    ``knots`` quantiles (0 … 1) of each channel define a monotone piecewise-linear curve
    ``F_r⁻¹ ∘ F_s``; ties in the source (flat or clipped regions) are merged so the curve stays
    a function. Not iterative and not sliced: the channels are matched independently in the
    encoding given (use ACEScct or log-cone pixels).

    Returns
    -------
    QuantileTransfer
        After it each channel's ``knots`` quantiles equal the reference's.
    """
    s = valid_pixels(source, source_mask, "source")
    r = valid_pixels(reference, reference_mask, "reference")
    if s.shape[0] < MIN_PIXELS or r.shape[0] < MIN_PIXELS:
        grid = torch.linspace(0, 1, 2, dtype=torch.float64)[:, None].expand(2, 3)
        return QuantileTransfer(grid.clone(), grid.clone())
    q = torch.linspace(0, 1, knots, dtype=torch.float64)
    sq = torch.quantile(_subsample(s), q, dim=0)
    rq = torch.quantile(_subsample(r), q, dim=0)
    # Make the source knots strictly increasing: a flat run (clipping) maps to its mean target.
    sq_fixed, rq_fixed = torch.empty_like(sq), torch.empty_like(rq)
    for c in range(3):
        xs, inverse = torch.unique_consecutive(sq[:, c], return_inverse=True)
        ys = torch.zeros_like(xs).index_add_(0, inverse, rq[:, c])
        ys /= torch.bincount(inverse, minlength=xs.numel()).double()
        pad = knots - xs.numel()   # keep (K, 3): repeat the last knot, shifted by a hair
        if pad:
            xs = torch.cat([xs, xs[-1] + 1e-9 * torch.arange(1, pad + 1, dtype=xs.dtype)])
            ys = torch.cat([ys, ys[-1].expand(pad)])
        sq_fixed[:, c], rq_fixed[:, c] = xs, ys
    return QuantileTransfer(sq_fixed, rq_fixed)


def _subsample(x: torch.Tensor, limit: int = 2 ** 20) -> torch.Tensor:
    """torch.quantile refuses more than 16M elements; a stride keeps it deterministic."""
    return x if x.shape[0] <= limit else x[:: -(-x.shape[0] // limit)]


def fit_von_kries(source: torch.Tensor, reference: torch.Tensor, *,
                  source_mask: torch.Tensor | None = None,
                  reference_mask: torch.Tensor | None = None,
                  cone: torch.Tensor | None = None, trim: float = 0.05) -> AffineTransfer:
    """Per-cone gains (a light or white-balance change) fitted as robust log-quantile shifts.

    With ``cone=None`` the cone space is chosen, among :func:`cone_spaces` (Bradford, CAT02,
    CAT16, Hunt–Pointer–Estévez, Sharp and ACEScg's own primaries, i.e. a camera-style white
    balance), as the one whose fitted gains leave the least difference between the matched
    source's and the reference's log-quantiles: lights and cameras differ in which space
    their change is diagonal, and a wrong one leaves a colour cast in saturated colours.
    See :func:`fit_von_kries_in` for the fit in one space.
    """
    s = valid_pixels(source, source_mask, "source")
    r = valid_pixels(reference, reference_mask, "reference")
    if cone is not None or s.shape[0] < MIN_PIXELS or r.shape[0] < MIN_PIXELS:
        return fit_von_kries_in(s, r, BRADFORD @ _acescg_to_xyz() if cone is None else cone,
                                trim)
    best, best_cost = AffineTransfer.identity(), math.inf
    s_probe, r_probe = _stride(s, 65536), _stride(r, 65536)
    clipped = _clipped_share(s, r)  # the same in every cone space: measured once
    for candidate in cone_spaces().values():
        fitted = fit_von_kries_in(s, r, candidate, trim, clipped=clipped)
        cost = _log_quantile_mismatch(fitted(s_probe), r_probe)
        if cost < best_cost - 1e-9:
            best, best_cost = fitted, cost
    return best


def cone_spaces() -> dict[str, torch.Tensor]:
    """Candidate ACEScg → cone matrices ``(3, 3)`` for :func:`fit_von_kries`, by name."""
    from workbench._colour import import_colour

    cats = import_colour().adaptation.CHROMATIC_ADAPTATION_TRANSFORMS
    xyz = _acescg_to_xyz()
    spaces = {"ACEScg": torch.eye(3, dtype=torch.float64)}
    for name in ("Bradford", "CAT02", "CAT16", "Von Kries", "Sharp"):
        spaces[name] = torch.from_numpy(np.asarray(cats[name], dtype=np.float64)) @ xyz
    return spaces


def _stride(x: torch.Tensor, limit: int) -> torch.Tensor:
    return x if x.shape[0] <= limit else x[:: -(-x.shape[0] // limit)][:limit]


def _log_quantile_mismatch(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean |Δ| of log2 quantiles (5–90 %) of two linear pixel sets, per channel and opponent."""
    axes = torch.cat([torch.eye(3, dtype=torch.float64), LAB_OPPONENT[1:].T], dim=1)
    q = torch.linspace(0.05, 0.9, 35, dtype=torch.float64)
    la = a.double().clamp_min(LINEAR_FLOOR).log2() @ axes
    lb = b.double().clamp_min(LINEAR_FLOOR).log2() @ axes
    return float((torch.quantile(la, q, dim=0) - torch.quantile(lb, q, dim=0)).abs().mean())


def _clipped_share(s: torch.Tensor, r: torch.Tensor) -> float:
    """The larger share of pixels at a clipped maximum, of ``s`` and ``r`` ``(N, 3)``."""
    return max(1.0 - float(_unclipped_top(s).double().mean()),
               1.0 - float(_unclipped_top(r).double().mean()))


def fit_von_kries_in(s: torch.Tensor, r: torch.Tensor, cone: torch.Tensor,
                     trim: float = 0.05, *, clipped: float | None = None) -> AffineTransfer:
    """Per-cone gains in the cone space ``cone`` fitted as robust log-quantile shifts.

    In log cone space a gain is a pure shift, so for each cone the shift is the median over
    quantiles ``trim … 1−trim`` of ``Q_ref(q) − Q_src(q)``: exact when the reference is the
    source under another light, and robust to content that differs at some quantiles (a person
    walking in), to clipped highlights and to crushed blacks (the quantiles they occupy are
    left out).

    Parameters
    ----------
    s, r
        ``(N, 3)`` / ``(M, 3)`` finite scene-LINEAR RGB pixels (ACEScg).
    cone
        ``(3, 3)`` RGB → cone matrix, e.g. ``BRADFORD @ ACEScg→XYZ``.
    trim
        Fraction of quantiles left out at each end.
    clipped
        The share of clipped pixels (:func:`_clipped_share` of ``s`` and ``r``), when the
        caller has measured it already; measured here when ``None``.

    Returns
    -------
    AffineTransfer
        A linear 3×3 map on the linear RGB given, ``M = C⁻¹ diag(g) C``, offset 0 (black
        stays black).
    """
    cone = cone.double()
    if s.shape[0] < MIN_PIXELS or r.shape[0] < MIN_PIXELS:
        return AffineTransfer.identity()
    s_cone, r_cone = s @ cone.T, r @ cone.T
    # Quantiles of ALL pixels, floored: dropping dark or clipped pixels on each side would drop
    # different pixels (the brighter side clips more, keeps more above the floor) and bias the
    # shift. Instead the quantiles that sit on the floor, or among the brightest as many as
    # are clipped on either side, are left out.
    if clipped is None:
        clipped = _clipped_share(s, r)
    top = max(trim + 0.1, 1.0 - trim - 1.5 * clipped)
    q = torch.linspace(trim, top, 81, dtype=torch.float64)
    floor = math.log2(LINEAR_FLOOR)
    sq = torch.quantile(_subsample(s_cone.clamp_min(LINEAR_FLOOR).log2()), q, dim=0)
    rq = torch.quantile(_subsample(r_cone.clamp_min(LINEAR_FLOOR).log2()), q, dim=0)
    usable = (sq > floor + 1) & (rq > floor + 1)
    shift = torch.zeros(3, dtype=torch.float64)
    for c in range(3):
        if int(usable[:, c].sum()) >= 5:
            shift[c] = (rq[usable[:, c], c] - sq[usable[:, c], c]).median()
    gains = torch.exp2(shift.clamp(-8, 8))
    return AffineTransfer(torch.linalg.inv(cone) @ torch.diag(gains) @ cone,
                          torch.zeros(3, dtype=torch.float64))


def _acescg_to_xyz() -> torch.Tensor:
    """ACEScg (AP1, D60 white) → CIE XYZ, from SMPTE ST 2065-1 / S-2014-004."""
    return torch.tensor(AP1_TO_XYZ, dtype=torch.float64)


def reinhard_transfer(source: torch.Tensor, reference: torch.Tensor, *,
                      source_mask: torch.Tensor | None = None,
                      reference_mask: torch.Tensor | None = None) -> torch.Tensor:
    """``source`` ``(N, 3)`` after :func:`fit_reinhard` (same encoding and dtype)."""
    return fit_reinhard(source, reference, source_mask=source_mask,
                        reference_mask=reference_mask)(source)


def mkl_transfer(source: torch.Tensor, reference: torch.Tensor, *,
                 source_mask: torch.Tensor | None = None,
                 reference_mask: torch.Tensor | None = None) -> torch.Tensor:
    """``source`` ``(N, 3)`` after :func:`fit_mkl` (same encoding and dtype)."""
    return fit_mkl(source, reference, source_mask=source_mask,
                   reference_mask=reference_mask)(source)


def quantile_transfer(source: torch.Tensor, reference: torch.Tensor, *,
                      source_mask: torch.Tensor | None = None,
                      reference_mask: torch.Tensor | None = None) -> torch.Tensor:
    """``source`` ``(N, 3)`` after :func:`fit_quantile` (same encoding and dtype)."""
    return fit_quantile(source, reference, source_mask=source_mask,
                        reference_mask=reference_mask)(source)


def _unclipped_top(linear: torch.Tensor) -> torch.Tensor:
    """``(N,)`` bool: pixels with no channel at a clipped maximum.

    A channel counts as clipped when at least 0.2 % of pixels sit at its maximum (sensor or
    8-bit clipping): those pixels no longer move with the light and would bias a fit.
    """
    keep = torch.ones(linear.shape[0], dtype=torch.bool)
    if not linear.shape[0]:
        return keep
    for c in range(3):
        top = linear[:, c].max()
        at_top = linear[:, c] >= top - 1e-4 * top.abs().clamp_min(1e-6)
        if at_top.double().mean() >= 0.002:
            keep &= ~at_top
    return keep
