"""Shared pieces of the quality benchmarks: real images, reference looks, metrics and anchors.

Images are real photographs and video frames from ../shared/data, as ``(1, 3, H, W)`` float32
sRGB-encoded tensors. The looks are graded *by us* (a CDL, a filmic S-curve, split-toning,
hue-selective saturation, a procedural creative cube applied by colour-science), so the truth is
known exactly. The anchors are classical ways to carry a look from a few before/after pairs to
other images, each fitted on the same training pairs:

- ``affine``: least-squares 3x4 colour matrix;
- ``lut17``: least-squares 17³ trilinear LUT with a light second-difference smoothing;
- ``vandermonde``: colour-science's ``colour_correction(method="Vandermonde", degree=4)``;
- ``reinhard`` / ``mkl``: the statistics change from the training befores to the training afters
  (``workbench.model.matching.transfer``), applied to the held-out image. (Moving a held-out
  image's own statistics onto the training afters' gives ΔE ~17: it copies the other pictures'
  palette.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from benchmarks.common import SHARED_DATA
from workbench._colour import import_colour
from workbench.color import convert, delta_e_2000
from workbench.model.look_data import bin_pairs
from workbench.model.look_net import trilinear
from workbench.ops import apply_cdl

__all__ = ["ANCHORS", "LOOKS", "Scores", "fit_anchor", "load_frames", "load_photos", "score"]

Image = torch.Tensor  # (1, 3, H, W) sRGB-encoded
Look = Callable[[Image], Image]
Mapper = Callable[[Image], Image]


# -- real images ---------------------------------------------------------------------------

def _resize(rgb: np.ndarray, max_width: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    if w > max_width:
        rgb = cv2.resize(rgb, (max_width, round(h * max_width / w)), interpolation=cv2.INTER_AREA)
    return rgb


def _tensor(rgb: np.ndarray) -> Image:
    return torch.from_numpy(np.ascontiguousarray(rgb, dtype=np.float32)).permute(2, 0, 1)[None]


def load_photos(names: Sequence[str], max_width: int = 384) -> list[Image]:
    """Stills from ``shared/data`` by relative path, sRGB-encoded, at most ``max_width`` wide."""
    out = []
    for name in names:
        path = SHARED_DATA / name
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise FileNotFoundError(f"{path}: needed for the quality benchmarks")
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255
        out.append(_tensor(_resize(rgb, max_width)))
    return out


def load_frames(name: str, indices: Sequence[int], max_width: int = 384) -> list[Image]:
    """Frames ``indices`` of ``shared/data/video/name``, sRGB-encoded (as the file is)."""
    from workbench.io import read_movie_frames

    path: Path = SHARED_DATA / "video" / name
    wanted = set(indices)
    frames = {i: f for i, f in read_movie_frames(path, min(indices), max(indices) + 1)
              if i in wanted}
    return [_tensor(_resize(frames[i].astype(np.float32) / 255, max_width)) for i in indices]


# -- looks of our own making (sRGB-encoded in and out, clipped to [0, 1] as a delivered grade) -

_LUMA = torch.tensor([0.2126, 0.7152, 0.0722]).view(1, 3, 1, 1)


def look_cdl(img: Image) -> Image:
    """A warm, contrasty ASC CDL applied in ACEScct."""
    cct = convert(img, "sRGB", "ACEScct")
    graded = apply_cdl(cct, (1.08, 1.0, 0.92), (0.01, 0.0, -0.015), (1.1, 1.05, 0.98), 1.15)
    return convert(graded, "ACEScct", "sRGB").clamp(0, 1)


def look_s_contrast(img: Image) -> Image:
    """A filmic S-curve per channel with lifted blacks and rolled-off whites."""
    k = 2.6
    s = 0.5 + 0.5 * torch.tanh(k * (img.clamp(0, 1) - 0.5)) / np.tanh(k * 0.5)
    return (0.035 + 0.93 * s).clamp(0, 1)


def look_split_tone(img: Image) -> Image:
    """Teal shadows, orange highlights, weighted by luma."""
    luma = (img * _LUMA).sum(1, keepdim=True).clamp(0, 1)
    shadows = (1 - luma) ** 2
    highlights = luma ** 2
    teal = torch.tensor([-0.05, 0.015, 0.06]).view(1, 3, 1, 1)
    orange = torch.tensor([0.06, 0.015, -0.05]).view(1, 3, 1, 1)
    return (img + shadows * teal + highlights * orange).clamp(0, 1)


def look_hue_saturation(img: Image) -> Image:
    """Richer reds and oranges, muted greens and blues, fading smoothly to none at grey."""
    luma = (img * _LUMA).sum(1, keepdim=True)
    chroma = img - luma
    # Hue from an opponent pair; the weight is smooth in hue and in chroma.
    a = img[:, :1] - 0.5 * (img[:, 1:2] + img[:, 2:3])
    b = 0.866 * (img[:, 1:2] - img[:, 2:3])
    hue = torch.atan2(b, a)
    warm = 0.5 * (1 + torch.cos(hue - 0.35))    # peaks at orange-red
    cool = 0.5 * (1 + torch.cos(hue - 2.6))     # peaks at green-cyan
    sat = 1 + 0.45 * warm ** 2 - 0.45 * cool ** 2
    return (luma + sat * chroma).clamp(0, 1)


def _creative_table(size: int = 33) -> np.ndarray:
    """A procedural creative cube: cross-talk, per-channel gammas, a bleach mix, a hue warp."""
    axis = np.linspace(0, 1, size)
    r, g, b = np.meshgrid(axis, axis, axis, indexing="ij")
    rgb = np.stack([r, g, b], -1)
    mix = np.array([[0.9, 0.12, -0.02], [0.05, 0.88, 0.07], [-0.03, 0.15, 0.88]])
    x = np.clip(rgb @ mix.T, 0, 1) ** np.array([1.05, 0.97, 0.9])
    luma = x @ np.array([0.2126, 0.7152, 0.0722])
    x = 0.8 * x + 0.2 * luma[..., None]
    x = x + 0.03 * np.sin(2 * np.pi * rgb[..., [1, 2, 0]]) * np.array([1.0, -0.6, 0.8])
    return np.clip(x, 0, 1)


_CREATIVE = _creative_table()


def look_creative_lut(img: Image) -> Image:
    """The procedural creative 33³ cube, applied by colour-science (trilinear)."""
    colour = import_colour()
    lut = colour.LUT3D(_CREATIVE, size=_CREATIVE.shape[0])
    rgb = img[0].permute(1, 2, 0).numpy().astype(np.float64)
    out = lut.apply(rgb, interpolator=colour.algebra.table_interpolation_trilinear)
    return _tensor(np.clip(out, 0, 1))


LOOKS: dict[str, Look] = {
    "cdl": look_cdl,
    "s-contrast": look_s_contrast,
    "split-tone": look_split_tone,
    "hue-sat": look_hue_saturation,
    "creative-lut": look_creative_lut,
}


# -- metrics ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scores:
    """CIEDE2000 mean and 95th percentile, PSNR (dB) over every test pixel."""

    de_mean: float
    de_p95: float
    psnr: float


def score(predicted: Sequence[Image], truth: Sequence[Image], space: str = "sRGB") -> Scores:
    """Compare predicted to true graded images (both sRGB-encoded), pooled over all pixels."""
    des, sq = [], []
    for p, t in zip(predicted, truth, strict=True):
        des.append(delta_e_2000(p.float(), t.float(), space).flatten().double())
        sq.append((p.double() - t.double()).square().flatten())
    d_e = torch.cat(des)
    mse = float(torch.cat(sq).mean())
    return Scores(float(d_e.mean()), float(torch.quantile(d_e[:: max(1, d_e.numel() // 2_000_000)],
                                                          0.95)),
                  10 * np.log10(1 / max(mse, 1e-12)))


# -- anchors ------------------------------------------------------------------------------

def _pixels(imgs: Sequence[Image]) -> torch.Tensor:
    return torch.cat([i.permute(0, 2, 3, 1).reshape(-1, 3) for i in imgs]).double()


def _per_pixel(fn: Callable[[torch.Tensor], torch.Tensor]) -> Mapper:
    def apply(img: Image) -> Image:
        b, _, h, w = img.shape
        out = fn(img.permute(0, 2, 3, 1).reshape(-1, 3).double())
        return out.float().view(b, h, w, 3).permute(0, 3, 1, 2).contiguous()
    return apply


def fit_affine(before: Sequence[Image], after: Sequence[Image]) -> Mapper:
    """Least-squares 3x4 colour matrix."""
    x, y = _pixels(before), _pixels(after)
    x1 = torch.cat([x, torch.ones(len(x), 1, dtype=x.dtype)], 1)
    m = torch.linalg.lstsq(x1, y).solution
    return _per_pixel(lambda p: torch.cat([p, torch.ones(len(p), 1, dtype=p.dtype)], 1) @ m)


def _trilinear_weights(x: torch.Tensor, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Corner indices and trilinear weights ``(N, 8)`` of ``(N, 3)`` points in [0, 1]."""
    t = x.clamp(0, 1) * (size - 1)
    i0 = t.floor().clamp(max=size - 2)
    f = t - i0
    i0 = i0.long()
    idx, wts = [], []
    for dr in (0, 1):
        for dg in (0, 1):
            for db in (0, 1):
                w = ((f[:, 0] if dr else 1 - f[:, 0]) * (f[:, 1] if dg else 1 - f[:, 1])
                     * (f[:, 2] if db else 1 - f[:, 2]))
                idx.append(((i0[:, 2] + db) * size + (i0[:, 1] + dg)) * size + (i0[:, 0] + dr))
                wts.append(w)
    return torch.stack(idx, 1), torch.stack(wts, 1)


def _second_difference_gram(size: int) -> torch.Tensor:
    """``DᵀD`` of the grid's second differences along r, g and b, dense ``(S³, S³)``."""
    d1 = torch.zeros(size - 2, size, dtype=torch.float64)
    for i in range(size - 2):
        d1[i, i:i + 3] = torch.tensor([1.0, -2.0, 1.0])
    g1 = d1.T @ d1
    eye = torch.eye(size, dtype=torch.float64)
    # Grid index is (b * S + g) * S + r: r is the fastest axis.
    return (torch.kron(torch.kron(eye, eye), g1) + torch.kron(torch.kron(eye, g1), eye)
            + torch.kron(torch.kron(g1, eye), eye))


def fit_lut17(before: Sequence[Image], after: Sequence[Image], size: int = 17,
              smooth: float = 1e-4) -> Mapper:
    """Least-squares ``size``³ trilinear LUT with a light second-difference smoothing.

    Solved exactly (normal equations, Cholesky) over the pairs' colour bins, weighted by count.
    """
    pairs = bin_pairs(list(before), list(after), (0.0, 1.0), 64)
    x, y = pairs.before.double(), pairs.after.double()
    w = pairs.count / pairs.count.sum()
    idx, wts = _trilinear_weights(x, size)
    n = size ** 3
    gram = torch.zeros(n * n, dtype=torch.float64)
    rhs = torch.zeros(n, 3, dtype=torch.float64)
    for j in range(8):
        rhs.index_add_(0, idx[:, j], (w * wts[:, j])[:, None] * y)
        for k in range(8):
            gram.index_add_(0, idx[:, j] * n + idx[:, k], w * wts[:, j] * wts[:, k])
    lhs = gram.view(n, n) + smooth * _second_difference_gram(size)
    lhs += 1e-10 * torch.eye(n, dtype=torch.float64)
    table = torch.linalg.solve(lhs, rhs)  # (S³, 3)
    lut = table.T.reshape(3, size, size, size).float().contiguous()
    return _per_pixel(lambda p: trilinear(lut, p.float()).double())


def fit_vandermonde(before: Sequence[Image], after: Sequence[Image], degree: int = 4) -> Mapper:
    """colour-science's Vandermonde polynomial colour correction, fitted on the pairs."""
    colour = import_colour()
    pairs = bin_pairs(list(before), list(after), (0.0, 1.0), 64)
    m_t, m_r = pairs.before.double().numpy(), pairs.after.double().numpy()

    def fn(p: torch.Tensor) -> torch.Tensor:
        out = colour.colour_correction(p.numpy(), m_t, m_r, method="Vandermonde", degree=degree)
        return torch.from_numpy(np.asarray(out, dtype=np.float64))
    return _per_pixel(fn)


def _statistics(kind: str) -> Callable[[Sequence[Image], Sequence[Image]], Mapper]:
    """Reinhard or MKL statistics transfer from the training befores to the training afters."""
    def fit(before: Sequence[Image], after: Sequence[Image]) -> Mapper:
        from workbench.model.matching import transfer

        fitter = transfer.fit_reinhard if kind == "reinhard" else transfer.fit_mkl
        mapping = fitter(_pixels(before).float(), _pixels(after).float())
        return _per_pixel(lambda p: mapping(p.float()).double())
    return fit


ANCHORS: dict[str, tuple[str, Callable[[Sequence[Image], Sequence[Image]], Mapper]]] = {
    "affine": ("least-squares 3x4 colour matrix", fit_affine),
    "lut17": ("least-squares 17^3 LUT, light smoothing", fit_lut17),
    "vandermonde": ("colour Vandermonde deg 4", fit_vandermonde),
    "reinhard": ("Reinhard transfer, training befores to afters", _statistics("reinhard")),
    "mkl": ("MKL (Pitie-Kokaram) transfer, training befores to afters", _statistics("mkl")),
}


def fit_anchor(name: str, before: Sequence[Image], after: Sequence[Image]) -> Mapper:
    """Fit the anchor ``name`` (a key of :data:`ANCHORS`) on the pairs."""
    return ANCHORS[name][1](before, after)
