"""Pixels that show the same surface in two views, and the light change fitted on them.

Two camera angles of one scene share surfaces, not framing, so statistics of the whole frames
mix what changed in the light with what changed in the picture. Here the shared surfaces are
found and the change is fitted on them alone:

1. :func:`find_correspondences`: SIFT features on both views (exposure- and contrast-robust),
   Lowe's ratio test and a RANSAC homography; the reference is warped onto the shot, then
   DIS optical flow refines the alignment where parallax breaks the homography, and a
   forward–backward consistency check keeps only pixels that map both ways (occlusions,
   people who moved and the views' edges drop out). Pixels on strong edges, where a
   sub-pixel error changes the colour, count less.
2. :func:`fit_light`: the change on those pixel pairs as a 3×3 matrix on linear ACEScg (an
   exposure and a chromatic adaptation, any cone space) after a power about mid grey
   (contrast), fitted robustly in ACEScct, where equal errors look about equally large.
   Its residual on spatially held-out pixels, in ΔE2000, says how well it explains the views.

References
----------
D. G. Lowe, "Distinctive Image Features from Scale-Invariant Keypoints", IJCV 60(2), 2004.
T. Kroeger et al., "Fast Optical Flow using Dense Inverse Search", ECCV 2016.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from workbench.color import convert, delta_e_2000
from workbench.ops import Contrast, Matrix3x3, Pipeline
from workbench.ops.contrast import ACESCCT_MID_GREY

__all__ = [
    "MIN_INLIERS",
    "Correspondence",
    "LightFit",
    "find_correspondences",
    "fit_light",
    "held_out_residual",
    "held_out_tile_errors",
    "split",
    "weighted_delta_e",
]

MIN_INLIERS = 40        # RANSAC inliers below this: the views share too little to trust
MIN_PAIRS = 2000        # consistent pixel pairs below this: likewise
DETECT_WIDTH = 512      # features are found on views resized to about this width
FB_TOLERANCE = 1.0      # forward-backward flow disagreement allowed, in detection pixels
MAX_PAIRS = 60_000      # pixel pairs kept (a seeded draw): fitted on and held out
FIT_PAIRS = 20_000      # of those, what one fit uses
BLUR_SIGMA = 1.5        # Gaussian softening of both views before sampling, in view pixels
EDGE_SCALE = 0.1        # gradient of the detection luma (per view pixel) that halves a weight
CONTRASTS = torch.exp(torch.linspace(-0.5, 0.5, 11, dtype=torch.float64))  # 0.61 … 1.65


@dataclass(frozen=True)
class Correspondence:
    """Pixel pairs showing the same surface: ``shot`` and ``reference`` ``(P, 3)`` ACEScg.

    ``weight`` ``(P,)`` is how far each pair is trusted (low on edges); ``tile`` ``(P,)`` an
    id of the spatial tile it lies in, for held-out residuals; ``inliers`` the RANSAC count.
    ``by_tile``: the pairs come from different moments (a shot and other frames of its
    setup), where people moved and small frames misalign by more than a pixel, so a held-out
    residual compares tile means and takes the median over tiles
    (:func:`held_out_residual`), measuring the grade rather than that noise. ``floor`` is
    what the held-out tiles leave even under the change of light fitted on them alone (what
    differs between the moments, not the grade); residuals are given in excess of it, in
    quadrature.
    """

    shot: torch.Tensor
    reference: torch.Tensor
    weight: torch.Tensor
    tile: torch.Tensor
    inliers: int
    by_tile: bool = False
    floor: float = 0.0


def _detection_image(frame: torch.Tensor, scale: float) -> np.ndarray:
    """8-bit luma of ``frame`` (3, H, W) ACEScg for features: ACEScct, stretched 1–99 %."""
    import cv2

    cct = convert(frame[None].float().contiguous(), "ACEScg", "ACEScct")[0]
    luma = (0.2722 * cct[0] + 0.6741 * cct[1] + 0.0537 * cct[2]).numpy()
    lo, hi = np.percentile(luma, [1, 99])
    img = np.clip((luma - lo) / max(hi - lo, 1e-4) * 255, 0, 255).astype(np.uint8)
    if scale != 1.0:
        img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return img


_FEATURES: OrderedDict[bytes, tuple[Any, Any]] = OrderedDict()
_FEATURES_KEPT = 256  # detection images whose SIFT features are kept (a title's frames, shots)
_FEATURES_LOCK = threading.Lock()


def _features(img: np.ndarray) -> tuple[Any, Any]:
    """SIFT keypoints and descriptors of a detection image, computed once per image.

    A title's remembered frames are searched for every shot, and a shot against several of
    them: the same image's features are found once (the same result, deterministically).
    """
    import cv2

    key = hashlib.sha1(img.tobytes() + str(img.shape).encode()).digest()
    with _FEATURES_LOCK:
        if key in _FEATURES:
            _FEATURES.move_to_end(key)
            return _FEATURES[key]
    sift = cv2.SIFT_create(nfeatures=4000)  # type: ignore[attr-defined]
    found = sift.detectAndCompute(img, None)
    with _FEATURES_LOCK:
        _FEATURES[key] = found
        while len(_FEATURES) > _FEATURES_KEPT:
            _FEATURES.popitem(last=False)
    return found


def _homography(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray | None, int]:
    """RANSAC homography taking ``b``'s pixels onto ``a``'s, and its inlier count."""
    import cv2

    ka, da = _features(a)
    kb, db = _features(b)
    if da is None or db is None or len(ka) < 8 or len(kb) < 8:
        return None, 0
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(db, da, k=2)
    good = [m for m, *rest in (p for p in pairs if len(p) == 2) if m.distance < 0.75 *
            rest[0].distance]
    if len(good) < 8:
        return None, 0
    src = np.array([kb[m.queryIdx].pt for m in good], dtype=np.float32)
    dst = np.array([ka[m.trainIdx].pt for m in good], dtype=np.float32)
    h, mask = cv2.findHomography(src, dst, cv2.RANSAC, 4.0)
    if h is None or mask is None:
        return None, 0
    return h, int(mask.sum())


def find_correspondences(shot: torch.Tensor, reference: torch.Tensor, *,
                         max_frames: int = 3, seed: int = 0,
                         min_inliers: int = MIN_INLIERS) -> Correspondence | None:
    """Pixel pairs that show the same surface in ``shot`` and ``reference``.

    Parameters
    ----------
    shot, reference
        ``(N, 3, H, W)`` / ``(M, 3, H', W')`` linear ACEScg, bars cropped. Up to
        ``max_frames`` frames of each are tried; the pair of frames with most RANSAC inliers
        is used.
    min_inliers
        RANSAC inliers needed (default :data:`MIN_INLIERS`).

    Returns
    -------
    Correspondence or None
        ``None`` when the views share too little (under ``min_inliers`` inliers or
        :data:`MIN_PAIRS` consistent pixels): different framings of different things.
    """
    import cv2

    pick_s = np.unique(np.linspace(0, shot.shape[0] - 1, min(max_frames, shot.shape[0]))
                       .round().astype(int))
    pick_r = np.unique(np.linspace(0, reference.shape[0] - 1,
                                   min(max_frames, reference.shape[0])).round().astype(int))
    scale_s = max(1.0, DETECT_WIDTH / shot.shape[-1])
    scale_r = max(1.0, DETECT_WIDTH / reference.shape[-1])
    det_s = {int(i): _detection_image(shot[i], scale_s) for i in pick_s}
    det_r = {int(j): _detection_image(reference[j], scale_r) for j in pick_r}
    best: tuple[int, int, np.ndarray, int] | None = None
    for i, a in det_s.items():
        for j, b in det_r.items():
            h, inliers = _homography(a, b)
            if h is not None and (best is None or inliers > best[3]):
                best = (i, j, h, inliers)
    if best is None or best[3] < min_inliers:
        return None
    i, j, h, inliers = best
    a, b = det_s[i], det_r[j]
    size = (a.shape[1], a.shape[0])
    warped = cv2.warpPerspective(b, h, size, flags=cv2.INTER_LINEAR)
    cover = cv2.warpPerspective(np.full(b.shape, 255, np.uint8), h, size,
                                flags=cv2.INTER_NEAREST)
    inside: np.ndarray = cv2.erode(cover, np.ones((7, 7), np.uint8)) > 0
    # Parallax and motion: refine with dense flow, keep what maps both ways.
    dis = cv2.DISOpticalFlow_create(  # type: ignore[attr-defined]
        cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    fwd = dis.calc(a, warped, None)
    bwd = dis.calc(warped, a, None)
    gy, gx = np.mgrid[0:a.shape[0], 0:a.shape[1]].astype(np.float32)
    map_x, map_y = gx + fwd[..., 0], gy + fwd[..., 1]
    back = cv2.remap(bwd, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                     borderValue=(1e3, 1e3))
    consistent = np.linalg.norm(fwd + back, axis=-1) < FB_TOLERANCE * max(scale_s, 1.0)
    # Reference pixel coordinates (in its own detection image) of each shot detection pixel.
    hinv = np.linalg.inv(h)
    pts = np.stack([map_x, map_y, np.ones_like(map_x)], axis=-1) @ hinv.T
    ref_x, ref_y = pts[..., 0] / pts[..., 2], pts[..., 1] / pts[..., 2]
    inside &= consistent & (cv2.remap(inside.astype(np.uint8), map_x, map_y,
                                      cv2.INTER_NEAREST) > 0)
    # Back to each view's own pixel grid: sample the shot on its grid (detection pixels are
    # an upsampling of it) and the reference by bilinear interpolation at the mapped point.
    sh, sw = shot.shape[-2:]
    ys, xs = np.mgrid[0:sh, 0:sw]
    dy = np.clip((ys * scale_s).round().astype(int), 0, a.shape[0] - 1)
    dx = np.clip((xs * scale_s).round().astype(int), 0, a.shape[1] - 1)
    keep = inside[dy, dx]
    rx = ref_x[dy, dx] / scale_r
    ry = ref_y[dy, dx] / scale_r
    rh, rw = reference.shape[-2:]
    keep &= (rx >= 0) & (rx <= rw - 1) & (ry >= 0) & (ry <= rh - 1)
    if int(keep.sum()) < MIN_PAIRS:
        return None
    # Both views softened alike: a pixel of misalignment then moves a value little, where on
    # a sharp edge it would swap one colour for another.
    ref_img = cv2.GaussianBlur(reference[j].permute(1, 2, 0).float().contiguous().numpy(),
                               (0, 0), BLUR_SIGMA)
    ref_px = cv2.remap(ref_img, rx.astype(np.float32), ry.astype(np.float32), cv2.INTER_LINEAR)
    shot_px = cv2.GaussianBlur(shot[i].permute(1, 2, 0).float().contiguous().numpy(), (0, 0),
                               BLUR_SIGMA)
    # Edges still count less: misaligned pairs there are noise in the shot's value, and least
    # squares on noisy inputs flattens the fitted contrast (regression dilution).
    luma = cv2.GaussianBlur(a.astype(np.float32) / 255, (0, 0), BLUR_SIGMA * scale_s)
    grad = np.hypot(cv2.Sobel(luma, cv2.CV_32F, 1, 0, ksize=3),
                    cv2.Sobel(luma, cv2.CV_32F, 0, 1, ksize=3))[dy, dx] * scale_s
    weight = 1.0 / (1.0 + (grad / EDGE_SCALE) ** 2)
    tile = (ys // 16) * ((sw + 15) // 16) + xs // 16
    s = torch.from_numpy(shot_px[keep]).float()
    r = torch.from_numpy(np.ascontiguousarray(ref_px[keep])).float()
    w = torch.from_numpy(weight[keep]).double()
    t = torch.from_numpy(tile[keep]).long()
    ok = torch.isfinite(s).all(1) & torch.isfinite(r).all(1)
    s, r, w, t = s[ok], r[ok], w[ok], t[ok]
    if s.shape[0] > MAX_PAIRS:
        pick = torch.randperm(s.shape[0], generator=torch.Generator().manual_seed(seed))
        pick = pick[:MAX_PAIRS]
        s, r, w, t = s[pick], r[pick], w[pick], t[pick]
    return Correspondence(s, r, w, t, inliers)


@dataclass(frozen=True)
class LightFit:
    """``y = M · c(x)`` on linear ACEScg: ``c`` a contrast about mid grey, ``M`` a 3×3.

    A change of exposure and white balance is a 3×3 on linear light (a chromatic adaptation
    in any cone space, times a gain); a change of contrast a power about mid grey. ``curve``
    says which: ``"ACEScct"``, a slope about 18 % grey in ACEScct (a power above ACEScct's
    toe, linear in it), exactly :class:`~workbench.ops.Contrast` then
    :class:`~workbench.ops.Matrix3x3` (:meth:`pipeline`); or ``"power"``, a power about
    0.18 all the way down (``0.18·(x/0.18)^contrast`` for ``x > 0``), what a change of gamma
    in linear light does, which in a dark picture (half its pixels in ACEScct's toe) the
    ACEScct slope cannot follow.
    """

    matrix: torch.Tensor   # (3, 3) float64
    contrast: float
    curve: str = "ACEScct"

    def __call__(self, pixels: torch.Tensor) -> torch.Tensor:
        """``(P, 3)`` linear ACEScg through the fit; same dtype."""
        shaped = _contrast(pixels.double(), self.contrast, self.curve)
        return (shaped @ self.matrix.T).to(pixels.dtype)

    def pipeline(self) -> Pipeline:
        """The fit as editable operators: Contrast (ACEScct, 18 % grey pivot), Matrix3x3.

        Exact for ``curve="ACEScct"``; for ``"power"`` the nearest operators (the same slope
        in ACEScct, differing in its toe): use the fit itself as a pixel map when exactness
        matters (:meth:`as_match`).
        """
        return Pipeline([Contrast(contrast=float(np.clip(self.contrast, 0.0, 4.0))),
                         Matrix3x3.from_matrix(self.matrix.clamp(-4.0, 4.0))])

    def as_match(self) -> Pipeline | Callable[[torch.Tensor], torch.Tensor]:
        """What a match method returns: the operators when exact, else the fit as a pixel map."""
        return self.pipeline() if self.curve == "ACEScct" or self.contrast == 1.0 else self


def _contrast(lin: torch.Tensor, contrast: float | torch.Tensor, curve: str = "ACEScct"
              ) -> torch.Tensor:
    """A contrast about 18 % grey on linear ACEScg: ACEScct slope, or a power (see LightFit)."""
    from workbench.color.encodings import acescct_to_lin_torch

    if not isinstance(contrast, torch.Tensor) and contrast == 1.0:
        return lin
    if curve == "power":
        return torch.where(lin > 0, 0.18 * (lin.clamp_min(1e-12) / 0.18) ** contrast, lin)
    cct = _cct(lin)
    return acescct_to_lin_torch(contrast * cct + (1.0 - contrast) * ACESCCT_MID_GREY)


def _cct(lin: torch.Tensor) -> torch.Tensor:
    """ACEScct of ``(P, 3)`` linear ACEScg, differentiable (the ACES formula, float64)."""
    from workbench.color.encodings import lin_to_acescct_torch

    return lin_to_acescct_torch(lin.clamp(-0.01, 65504.0))


def _solve_matrix(xc: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Weighted least squares ``y ≈ xc Mᵀ`` with errors relative to ``y`` (log-like)."""
    rel = w / (y.abs().sum(1) / 3 + 0.02) ** 2
    a = xc * rel.sqrt()[:, None]
    b = y * rel.sqrt()[:, None]
    sol = torch.linalg.lstsq(a, b).solution  # (3, 3): y = xc @ sol
    return sol.T.contiguous()


def fit_light(shot: torch.Tensor, reference: torch.Tensor, weight: torch.Tensor | None = None,
              *, iterations: int = 30, curves: tuple[str, ...] = ("ACEScct",)) -> LightFit:
    """The change of light bringing ``shot`` pixels to their ``reference`` pairs.

    Parameters
    ----------
    shot, reference
        ``(P, 3)`` linear ACEScg pixel pairs (same surfaces).
    weight
        ``(P,)`` trust per pair (default all 1).
    curves
        The contrast models tried (:class:`LightFit`'s ``curve``); the one that leaves the
        least robust ACEScct error on the pairs is kept (both have the same ten parameters).

    Returns
    -------
    LightFit
        Fitted both ways (shot to reference and back): pairs a little misaligned are noise
        in whichever side is the input, and a fit on noisy inputs flattens the contrast it
        finds (regression dilution), in both directions alike. The geometric mean of the
        forward contrast and the inverse of the backward one cancels that; the matrix is then
        fitted at that contrast. Each fit: contrast on a grid by weighted least squares in
        relative error, then refined on a robust (Huber) loss in ACEScct.
    """
    keep = torch.isfinite(shot).all(1) & torch.isfinite(reference).all(1)
    x, y = shot[keep].double(), reference[keep].double()
    w = torch.ones(x.shape[0], dtype=torch.float64) if weight is None else weight[keep].double()
    if x.shape[0] < 32:
        return LightFit(torch.eye(3, dtype=torch.float64), 1.0)
    if x.shape[0] > FIT_PAIRS:  # ten parameters: a seeded subset fits them as well, faster
        pick = torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(0))
        pick = pick[:FIT_PAIRS]
        x, y, w = x[pick], y[pick], w[pick]
    best: tuple[float, LightFit] | None = None
    for curve in curves:
        forward = _fit_one(x, y, w, iterations, curve=curve)
        backward = _fit_one(y, x, w, iterations, curve=curve)
        contrast = float(np.clip(np.sqrt(forward.contrast / backward.contrast), 0.25, 4.0))
        fit = _fit_one(x, y, w, iterations, contrast, curve)
        cost = _robust_cost(fit, x, y, w)
        if best is None or cost < best[0]:
            best = (cost, fit)
    assert best is not None
    return best[1]


def _robust_cost(fit: LightFit, x: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> float:
    """Weighted Huber error of ``fit`` on the pairs, in ACEScct."""
    err = _cct(fit(x)) - _cct(y)
    loss = torch.nn.functional.huber_loss(err, torch.zeros_like(err), reduction="none",
                                          delta=0.02)
    return float((w[:, None] * loss).sum() / w.sum())


def _fit_one(x: torch.Tensor, y: torch.Tensor, w: torch.Tensor, iterations: int,
             contrast: float | None = None, curve: str = "ACEScct") -> LightFit:
    """:func:`fit_light` one way; with ``contrast`` given only the matrix is fitted."""
    y_cct = _cct(y)
    best: tuple[float, LightFit] | None = None
    for p in CONTRASTS.tolist() if contrast is None else [contrast]:
        fit = LightFit(torch.eye(3, dtype=torch.float64), p, curve)
        m = _solve_matrix(fit(x), y, w)
        cost = float((w * (_cct(LightFit(m, p, curve)(x)) - y_cct).abs().sum(1)).sum()
                     / w.sum())
        if best is None or cost < best[0]:
            best = (cost, LightFit(m, p, curve))
    assert best is not None
    start = best[1]
    m = start.matrix.clone().requires_grad_(True)
    log_p = torch.tensor(float(np.log(start.contrast)), dtype=torch.float64,
                         requires_grad=contrast is None)
    opt = torch.optim.LBFGS([m, log_p] if contrast is None else [m], lr=0.5,
                            max_iter=iterations, line_search_fn="strong_wolfe")
    def closure() -> torch.Tensor:
        opt.zero_grad()
        err = _cct(_contrast(x, log_p.exp(), curve) @ m.T) - y_cct
        loss = (w[:, None] * torch.nn.functional.huber_loss(
            err, torch.zeros_like(err), reduction="none", delta=0.02)).sum() / w.sum()
        loss.backward()
        return loss

    try:
        opt.step(closure)
    except RuntimeError:
        return start
    refined = LightFit(m.detach().clone(), float(log_p.detach().exp()), curve)
    if not torch.isfinite(refined.matrix).all() or not np.isfinite(refined.contrast):
        return start
    return refined


def split(pairs: Correspondence) -> tuple[Correspondence, Correspondence]:
    """The pairs of even tiles (for fitting) and of odd tiles (held out, for scoring).

    Tiles are 16 px squares in a checkerboard-like alternation, so both halves cover the
    whole shared area while no pixel is both fitted and scored.
    """
    def part(keep: torch.Tensor) -> Correspondence:
        return Correspondence(pairs.shot[keep], pairs.reference[keep], pairs.weight[keep],
                              pairs.tile[keep], pairs.inliers, pairs.by_tile, pairs.floor)

    odd = (pairs.tile % 2) == 1
    return part(~odd), part(odd)


def held_out_residual(pixel_map: Callable[[torch.Tensor], torch.Tensor],
                      pairs: Correspondence) -> float:
    """Weighted mean ΔE2000 between ``pixel_map`` of the held-out shot pixels and their pairs.

    ``pixel_map`` takes ``(P, 3)`` linear ACEScg; only the odd tiles of :func:`split` are
    scored, so a method fitted on the even tiles is measured on pixels it never saw. Pairs
    ``by_tile`` are scored by the median tile-mean ΔE2000 in excess of their ``floor``.
    """
    _, test = split(pairs)
    if test.shot.shape[0] < 32:
        return float("inf")
    if pairs.by_tile:
        r = _tile_median_delta_e(pixel_map(test.shot), test.reference, test.weight, test.tile)
        return float(np.sqrt(max(r * r - pairs.floor * pairs.floor, 0.0)))
    return weighted_delta_e(pixel_map(test.shot), test.reference, test.weight)


def held_out_tile_errors(pixel_map: Callable[[torch.Tensor], torch.Tensor],
                         pairs: Correspondence) -> torch.Tensor:
    """``(T,)`` float64: the error of ``pixel_map`` on each held-out (odd) tile of ``pairs``.

    The ΔE2000 between the tile's weighted means when the pairs are scored ``by_tile``,
    else the tile's weighted mean ΔE2000 per pixel; tiles in ascending id, so the errors of
    two maps on the same pairs compare tile by tile. Empty when too few pairs are held out.
    """
    _, test = split(pairs)
    if test.shot.shape[0] < 32:
        return torch.zeros(0, dtype=torch.float64)
    mapped = torch.nan_to_num(pixel_map(test.shot))
    if pairs.by_tile:
        return _tile_delta_e(mapped, test.reference, test.weight, test.tile)
    ids, inverse = torch.unique(test.tile, return_inverse=True)
    w = test.weight.double()
    wsum = torch.zeros(len(ids), dtype=torch.float64).index_add_(0, inverse, w)
    d = delta_e_2000(mapped.float().T.reshape(1, 3, -1, 1).contiguous(),
                     test.reference.float().T.reshape(1, 3, -1, 1).contiguous())
    d = torch.nan_to_num(d.flatten().double(), nan=100.0)
    acc = torch.zeros(len(ids), dtype=torch.float64).index_add_(0, inverse, d * w)
    return (acc / wsum.clamp_min(1e-12))[wsum > 0]


def _tile_median_delta_e(a: torch.Tensor, b: torch.Tensor, w: torch.Tensor,
                         tile: torch.Tensor) -> float:
    """Median over tiles of the ΔE2000 between the tiles' weighted means (linear ACEScg)."""
    return float(_tile_delta_e(a, b, w, tile).median())


def _tile_delta_e(a: torch.Tensor, b: torch.Tensor, w: torch.Tensor,
                  tile: torch.Tensor) -> torch.Tensor:
    """``(T,)`` ΔE2000 between each tile's weighted means (linear ACEScg), tiles ascending."""
    ids, inverse = torch.unique(tile, return_inverse=True)
    wsum = torch.zeros(len(ids), dtype=torch.float64).index_add_(0, inverse, w.double())
    keep = wsum > 0

    def means(x: torch.Tensor) -> torch.Tensor:
        acc = torch.zeros(len(ids), 3, dtype=torch.float64)
        acc.index_add_(0, inverse, x.double() * w.double()[:, None])
        return (acc / wsum.clamp_min(1e-12)[:, None])[keep]

    ma, mb = means(torch.nan_to_num(a)), means(b)
    d = delta_e_2000(ma.float().T.reshape(1, 3, -1, 1).contiguous(),
                     mb.float().T.reshape(1, 3, -1, 1).contiguous())
    return torch.nan_to_num(d.flatten().double(), nan=100.0)


def weighted_delta_e(a: torch.Tensor, b: torch.Tensor, w: torch.Tensor) -> float:
    """Weighted mean ΔE2000 of ``(P, 3)`` linear ACEScg pixel sets."""
    d = delta_e_2000(a.float().T.reshape(1, 3, -1, 1).contiguous(),
                     b.float().T.reshape(1, 3, -1, 1).contiguous())
    d = torch.nan_to_num(d.flatten().double(), nan=100.0)
    return float((d * w).sum() / w.sum())
