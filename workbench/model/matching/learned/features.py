"""What the learned matcher sees of an image: ACEScct encodings and content-robust statistics.

Shapes: pixel sets are ``(B, P, 3)`` linear ACEScg; features are ``(B, F)``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import torch

from workbench.color.encodings import acescct_to_lin_torch, lin_to_acescct_torch
from workbench.errors import ShapeError
from workbench.ops.saturation import ACESCG_LUMA

__all__ = [
    "ACESCG_TO_LMS",
    "LMS_TO_ACESCG",
    "N_FEATURES",
    "acescct_to_acescg",
    "acescg_to_acescct",
    "grade_features",
    "light_prior",
    "sample_pixels",
    "weighted_luma",
]

# Bradford cone space from linear ACEScg (AP1, ACES white) and back: colour-science's
# ACEScg RGB->XYZ matrix followed by the Bradford XYZ->LMS matrix.
ACESCG_TO_LMS = torch.tensor([
    [0.666384216088, 0.29886714522, -0.008962244715],
    [-0.0307138101, 1.054658178954, 0.011904430269],
    [0.00138214143, -0.036780906085, 1.042643106764]], dtype=torch.float64)
LMS_TO_ACESCG = torch.linalg.inv(ACESCG_TO_LMS)

_QUANTILES = (0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.98)
_CHROMA_BINS = 8
_CHROMA_RANGE = 0.3


def acescg_to_acescct(lin: torch.Tensor) -> torch.Tensor:
    """Encode linear ACEScg as ACEScct, elementwise and differentiable (any shape)."""
    # Held at half float's largest value, 1.468 in ACEScct, so features stay bounded.
    return lin_to_acescct_torch(lin.clamp(max=65504.0))


def acescct_to_acescg(cct: torch.Tensor) -> torch.Tensor:
    """Decode ACEScct to linear ACEScg, elementwise and differentiable (any shape)."""
    return acescct_to_lin_torch(cct.clamp(max=1.468))


def weighted_luma(rgb: torch.Tensor, weights: Sequence[float]) -> torch.Tensor:
    """``(..., 3)`` → ``(..., 1)``: the ``weights``-weighted sum of the channels."""
    return (rgb * torch.tensor(weights, dtype=rgb.dtype)).sum(-1, keepdim=True)


def grade_features(pixels: torch.Tensor) -> torch.Tensor:
    """Content-robust statistics of pixel sets: what the matcher sees of an image.

    Per ACEScct channel its mean, spread and quantiles; the log-chroma (R−G, B−G in ACEScct)
    the same way and in the shadows, mid-tones and highlights; and an 8×8 joint chroma
    histogram. Shape: linear ACEScg ``(B, P, 3)`` → ``(B, F)``.
    """
    if pixels.ndim != 3 or pixels.shape[-1] != 3:
        raise ShapeError(f"grade_features: expected (B, P, 3) pixels, got {tuple(pixels.shape)}")
    cct = acescg_to_acescct(pixels)
    chroma = torch.stack([cct[..., 0] - cct[..., 1], cct[..., 2] - cct[..., 1]], dim=-1)
    luma = weighted_luma(cct, ACESCG_LUMA)
    values = torch.cat([cct, chroma], dim=-1)  # (B, P, 5)
    # numpy's vectorised sort is ~6x torch's on CPU; features carry no gradient.
    ordered = torch.from_numpy(np.sort(
        torch.cat([values, luma], dim=-1).detach().transpose(1, 2).numpy(), axis=-1))
    n = values.shape[1]
    idx = [round(q * (n - 1)) for q in _QUANTILES]
    quant = ordered[:, :5, idx].flatten(1)  # (B, 5*7)
    moments = torch.cat([values.mean(1), values.std(1)], dim=1)  # (B, 10)
    cuts = ordered[:, 5, [n // 3, 2 * n // 3]]
    luma = luma[..., 0]
    zones = [luma <= cuts[:, :1], (luma > cuts[:, :1]) & (luma <= cuts[:, 1:]), luma > cuts[:, 1:]]
    zone_chroma = torch.cat([(chroma * z[..., None]).sum(1) / z.sum(1, keepdim=True).clamp(min=1)
                             for z in zones], dim=1)  # (B, 6)
    bins = _CHROMA_BINS
    cell = ((chroma.clamp(-_CHROMA_RANGE, _CHROMA_RANGE - 1e-6) + _CHROMA_RANGE)
            / (2 * _CHROMA_RANGE) * bins).long()
    flat = cell[..., 0] * bins + cell[..., 1]
    hist = torch.zeros(pixels.shape[0], bins * bins, dtype=pixels.dtype)
    hist.scatter_add_(1, flat, torch.ones_like(flat, dtype=pixels.dtype))
    hist = hist / values.shape[1] * bins  # order of 1 for a spread-out image
    return torch.cat([moments, quant, zone_chroma, hist], dim=1)


N_FEATURES = 10 + len(_QUANTILES) * 5 + 6 + _CHROMA_BINS ** 2


def light_prior(shot: torch.Tensor, reference: torch.Tensor, levels: int = 19) -> torch.Tensor:
    """The change of light between pixel sets, as (stops, log2 L gain, log2 S gain) ``(B, 3)``.

    Per Bradford cone, the median over quantiles (5 %–95 %) of the reference's minus the shot's
    log2 response, quantiles on the black floor left out: exact when the reference is the shot
    under another light, robust where content differs at some quantiles. The M cone's shift
    is the exposure; L and S are relative to it (a von Kries white balance).
    Shapes: linear ACEScg ``(B, P, 3)`` each.
    """
    floor = -12.0

    def log_quantiles(px: torch.Tensor) -> np.ndarray:
        cone = (px.detach().double() @ ACESCG_TO_LMS.T).clamp(min=2.0 ** floor).log2()
        ordered = np.sort(cone.transpose(1, 2).numpy(), axis=-1)
        idx = np.round(np.linspace(0.05, 0.95, levels) * (px.shape[1] - 1)).astype(int)
        return ordered[..., idx]  # (B, 3, 19)

    sq, rq = log_quantiles(shot), log_quantiles(reference)
    usable = (sq > floor + 1) & (rq > floor + 1)
    diff = np.where(usable, rq - sq, np.nan)
    with warnings.catch_warnings():  # a cone with no usable quantile: no shift
        warnings.simplefilter("ignore", RuntimeWarning)
        shift = np.nan_to_num(np.nanmedian(diff, axis=-1))  # (B, 3)
    shift = np.clip(shift, -4.0, 4.0)
    out = np.stack([shift[:, 1], shift[:, 0] - shift[:, 1], shift[:, 2] - shift[:, 1]], axis=1)
    return torch.from_numpy(np.clip(out, [-4.0, -1.5, -1.5], [4.0, 1.5, 1.5])).float()


def sample_pixels(frames: torch.Tensor, count: int, generator: torch.Generator | None = None
                  ) -> torch.Tensor:
    """``count`` pixels of ``frames`` (N, 3, H, W) as ``(count, 3)``: evenly spread, or random."""
    flat = frames.permute(0, 2, 3, 1).reshape(-1, 3)
    if flat.shape[0] == 0:
        raise ShapeError("sample_pixels: no pixels to sample")
    if generator is None:
        idx = torch.linspace(0, flat.shape[0] - 1, count).round().long()
    else:
        idx = torch.randint(0, flat.shape[0], (count,), generator=generator)
    return flat[idx].contiguous()
