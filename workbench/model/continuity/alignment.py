"""Paired measurement: the same view seen in two items, measured on co-located pixels.

After aligning two items by phase correlation, exposure, white balance, tint, contrast and
saturation are measured on the pixels where both show the same local structure, so content
cannot pass for a grade. Offsets of every item of such a set are solved from all its pairs at
once, robustly (a median polish).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

from workbench.model.continuity.checks import log_ratio
from workbench.model.continuity.items import ContinuityItem
from workbench.model.profiles import LUMA, ShotProfile, acescct_encode, xy_to_cct_duv
from workbench.model.profiles.colour import acescg_to_oklab, acescg_to_xyz

__all__ = [
    "HOMOGRAPHY_MIN_INLIERS",
    "HOMOGRAPHY_MIN_MATCHED",
    "HOMOGRAPHY_MIN_OVERLAP",
    "LOCAL_NCC",
    "LOCAL_TEXTURE",
    "NEUTRAL_SHARE",
    "PAIRED",
    "PAIR_MIN_MATCHED",
    "PAIR_MIN_OVERLAP",
    "SamePixels",
    "matched_structure",
    "paired_difference",
    "paired_diffs",
    "same_view_pixels",
    "solve_offsets",
]

PAIR_MIN_OVERLAP = 0.5     # of the frame, after aligning by phase correlation
PAIR_MIN_MATCHED = 0.15    # of the overlap showing the same local structure: the same view
NEUTRAL_SHARE = 0.3        # of paired pixels, the most neutral, that measure white balance
LOCAL_NCC = 0.8            # 7×7 normalised cross-correlation of ACEScct luma
LOCAL_TEXTURE = 0.01       # ACEScct σ in the window (≈ 1/6 stop): flat areas prove nothing
HOMOGRAPHY_MIN_INLIERS = 20   # RANSAC inliers: fewer, and two views share too little
HOMOGRAPHY_MIN_OVERLAP = 0.2  # of the frame covered by the other view once warped
HOMOGRAPHY_MIN_MATCHED = 0.3  # of that, showing the same structure (a warp must prove more)
PAIRED = ("exposure", "white balance", "tint", "contrast", "saturation")


# -- alignment: which pixels of two items show the same thing -------------------------------

def _key_frame(frames: torch.Tensor) -> np.ndarray:
    """The middle frame, ``(H, W, 3)`` float64 ACEScg, non-finite values zeroed."""
    f = torch.nan_to_num(frames[frames.shape[0] // 2].float(), 0.0, 0.0, 0.0)
    return f.permute(1, 2, 0).double().numpy()


def _centre(img: np.ndarray, h: int, w: int) -> np.ndarray:
    """The central ``h`` × ``w`` of ``img`` (H, W, 3)."""
    top, left = (img.shape[0] - h) // 2, (img.shape[1] - w) // 2
    return img[top:top + h, left:left + w]


def matched_structure(la: np.ndarray, lb: np.ndarray, size: int = 7) -> np.ndarray:
    """Pixels where both log images show the same local structure: textured, NCC > 0.8.

    A grade (gain, white balance, contrast, saturation) keeps local structure; a person
    walking through, a different part of the set or parallax does not.
    """
    la, lb = la.astype(np.float32), lb.astype(np.float32)

    def box(x: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(x, -1, (size, size), borderType=cv2.BORDER_REFLECT)

    ma, mb = box(la), box(lb)
    va = np.maximum(box(la * la) - ma * ma, 0)
    vb = np.maximum(box(lb * lb) - mb * mb, 0)
    cov = box(la * lb) - ma * mb
    textured = (va > LOCAL_TEXTURE ** 2) & (vb > LOCAL_TEXTURE ** 2)
    ncc = cov / np.sqrt(np.maximum(va * vb, 1e-12))
    return textured & (ncc > LOCAL_NCC)


_Region = tuple[slice, slice]


def _overlap(la: np.ndarray, lb: np.ndarray) -> tuple[_Region, _Region] | None:
    """Where ``b`` overlaps ``a`` once aligned by phase correlation, as slices of each."""
    h, w = la.shape
    window = cv2.createHanningWindow((w, h), cv2.CV_64F)
    (dx, dy), _ = cv2.phaseCorrelate(la, lb, window)
    sx, sy = round(dx), round(dy)
    if (h - abs(sy)) * (w - abs(sx)) < PAIR_MIN_OVERLAP * h * w:
        return None
    ra = (slice(max(0, -sy), h - max(0, sy)), slice(max(0, -sx), w - max(0, sx)))
    rb = (slice(max(0, sy), h - max(0, -sy)), slice(max(0, sx), w - max(0, -sx)))
    return ra, rb


@dataclass(frozen=True)
class SamePixels:
    """Co-located pixels of two items: ACEScg ``(P, 3)`` each and their luminance ``(P,)``."""

    a: np.ndarray
    b: np.ndarray
    ya: np.ndarray
    yb: np.ndarray


def _masked_pairs(a: np.ndarray, b: np.ndarray, ya: np.ndarray, yb: np.ndarray,
                  matched: np.ndarray) -> SamePixels | None:
    """Of co-located ``(P, 3)`` pixels, the matched, exposed ones (not the brightest 2 %)."""
    mask = (matched & (ya > 2 ** -9) & (yb > 2 ** -9) & (ya < np.quantile(ya, 0.98))
            & (yb < np.quantile(yb, 0.98)) & (a.min(1) > 2 ** -11) & (b.min(1) > 2 ** -11))
    if mask.sum() < 256:
        return None
    return SamePixels(a[mask], b[mask], ya[mask], yb[mask])


def _shifted_pixels(a: np.ndarray, b: np.ndarray) -> SamePixels | None:
    """Same-view pixels when ``b`` is ``a`` shifted (phase correlation), else ``None``."""
    if a.shape != b.shape:   # reframed at another size: compare the common centre
        h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
        if h < 32 or w < 32:
            return None
        a, b = _centre(a, h, w), _centre(b, h, w)
    ya, yb = np.maximum(a @ LUMA, 2 ** -14), np.maximum(b @ LUMA, 2 ** -14)
    la, lb = acescct_encode(ya).astype(np.float64), acescct_encode(yb).astype(np.float64)
    overlap = _overlap(la, lb)
    if overlap is None:
        return None
    ra, rb = overlap
    oa, ob = a[ra].reshape(-1, 3), b[rb].reshape(-1, 3)
    if oa.shape[0] < 256:
        return None
    matched = matched_structure(la[ra], lb[rb]).ravel()
    if matched.mean() < PAIR_MIN_MATCHED:
        return None
    return _masked_pairs(oa, ob, ya[ra].ravel(), yb[rb].ravel(), matched)


def _detection_image(log_luma: np.ndarray) -> np.ndarray:
    """8-bit log luminance stretched between its own 1st and 99th percentiles (for SIFT)."""
    lo, hi = np.quantile(log_luma, [0.01, 0.99])
    return np.clip((log_luma - lo) / max(hi - lo, 1e-6) * 255, 0, 255).astype(np.uint8)


def _warped_pixels(a: np.ndarray, b: np.ndarray) -> SamePixels | None:
    """Same-view pixels of two viewpoints of one surface: ``b`` warped onto ``a``.

    SIFT features, Lowe's ratio test and a RANSAC homography (at least
    :data:`HOMOGRAPHY_MIN_INLIERS` inliers) map ``b`` onto ``a``; where parallax breaks the
    homography, the local structure no longer matches and those pixels drop out. A homography
    that is only a shift is refused: the shift was already tried.
    """
    ya, yb = np.maximum(a @ LUMA, 2 ** -14), np.maximum(b @ LUMA, 2 ** -14)
    la, lb = acescct_encode(ya).astype(np.float32), acescct_encode(yb).astype(np.float32)
    sift = cv2.SIFT_create(nfeatures=1000)  # type: ignore[attr-defined]
    ka, da = sift.detectAndCompute(_detection_image(la), None)
    kb, db = sift.detectAndCompute(_detection_image(lb), None)
    if da is None or db is None or len(ka) < 8 or len(kb) < 8:
        return None
    good = [m for m, n in (p for p in cv2.BFMatcher().knnMatch(db, da, k=2) if len(p) == 2)
            if m.distance < 0.75 * n.distance]
    if len(good) < HOMOGRAPHY_MIN_INLIERS:
        return None
    src = np.array([kb[m.queryIdx].pt for m in good], dtype=np.float32)
    dst = np.array([ka[m.trainIdx].pt for m in good], dtype=np.float32)
    hom, inl = cv2.findHomography(src, dst, cv2.RANSAC, 3.0)
    if hom is None or inl is None or int(inl.sum()) < HOMOGRAPHY_MIN_INLIERS:
        return None
    hom = hom / hom[2, 2]
    if np.abs(hom[:2, :2] - np.eye(2)).max() < 0.03 and np.abs(hom[2, :2]).max() < 1e-4:
        # Only a shift: phase correlation measured that, and what failed there was the content
        # (people who moved), which a warp cannot bring back.
        return None
    h, w = la.shape
    warped = cv2.warpPerspective(b.astype(np.float32), hom, (w, h), flags=cv2.INTER_LINEAR)
    lw = cv2.warpPerspective(lb, hom, (w, h), flags=cv2.INTER_LINEAR)
    cover = cv2.warpPerspective(np.ones(lb.shape, np.uint8), hom, (w, h),
                                flags=cv2.INTER_NEAREST)
    covered: np.ndarray = cv2.erode(cover, np.ones((5, 5), np.uint8)) > 0
    if covered.mean() < HOMOGRAPHY_MIN_OVERLAP:
        return None
    matched = matched_structure(la.astype(np.float64), lw.astype(np.float64)) & covered
    if matched.sum() < HOMOGRAPHY_MIN_MATCHED * covered.sum():
        return None
    yw = np.maximum(warped.astype(np.float64) @ LUMA, 2 ** -14)
    return _masked_pairs(a[covered], warped[covered].astype(np.float64), ya[covered],
                         yw[covered], matched[covered])


def same_view_pixels(a: np.ndarray, b: np.ndarray) -> SamePixels | None:
    """The pixels of ``a`` and ``b`` (H, W, 3) ACEScg that show the same thing, or ``None``.

    ``b`` is aligned to ``a`` by phase correlation (a global translation; frames of other
    sizes are compared on their common centre), or, failing that, by a feature homography
    (another viewpoint of the same surfaces, :func:`_warped_pixels`). The pair counts only
    when enough of the overlap shows the same local structure (see
    :func:`matched_structure`); of those pixels, the exposed ones (not black, not among the
    brightest 2 %) are kept.
    """
    return _shifted_pixels(a, b) or _warped_pixels(a, b)


# -- measurement on the same pixels ----------------------------------------------------------

def _cct_of(rgb: np.ndarray) -> tuple[float, float]:
    xyz = acescg_to_xyz(np.maximum(rgb, 1e-9))
    return xy_to_cct_duv(xyz[:2] / xyz.sum())


def _exposure(px: SamePixels) -> tuple[float, np.ndarray] | None:
    """Median log2 luminance ratio ``a / b`` of the pixels that agree with it, and those pixels."""
    ratio = np.log2(px.ya / px.yb)
    exposure = float(np.median(ratio))
    agree = np.abs(ratio - exposure) < 0.5
    if agree.sum() < 128:
        return None
    return float(np.median(ratio[agree])), agree


def _white_balance_gains(ca: np.ndarray, cb: np.ndarray, light_b: np.ndarray,
                         exposure: float) -> np.ndarray:
    """Per-channel log2 gains ``a / b`` beyond ``exposure``, on the most neutral pixels.

    A light's colour moves neutral pixels as much as any, a saturation change hardly at all
    (it would otherwise read as a colour cast).
    """
    lab_b = acescg_to_oklab(cb[:: max(1, cb.shape[0] // 20_000)] / light_b)
    chroma = np.hypot(lab_b[:, 1], lab_b[:, 2]) / np.maximum(lab_b[:, 0], 1e-3)
    neutral = np.zeros(cb.shape[0], dtype=bool)
    neutral[:: max(1, cb.shape[0] // 20_000)] = chroma <= np.quantile(chroma, NEUTRAL_SHARE)
    if neutral.sum() < 64:
        neutral[:] = True
    return np.median(np.log2(ca[neutral] / cb[neutral]), axis=0) - exposure


def _contrast(px: SamePixels) -> float:
    """log2 ratio of the 10th–90th percentile spreads of log2 luminance."""
    la_m, lb_m = np.log2(px.ya), np.log2(px.yb)
    spread = (np.quantile(la_m, 0.9) - np.quantile(la_m, 0.1),
              np.quantile(lb_m, 0.9) - np.quantile(lb_m, 0.1))
    return log_ratio(spread[0], spread[1], 0.25)


def _saturation(px: SamePixels, gains: np.ndarray, exposure: float,
                light_a: np.ndarray) -> float:
    """log2 ratio of median Oklab chroma/lightness, ``b`` first brought to ``a``'s light.

    Both are balanced by ``a``'s light after ``b`` takes ``a``'s exposure and white balance,
    so only a change of colourfulness is left between the same pixels.
    """
    step = max(1, px.a.shape[0] // 20_000)
    sat = []
    for rgb in (px.a[::step], px.b[::step] * 2.0 ** (gains + exposure)):
        lab = acescg_to_oklab(np.maximum(rgb, 0) / light_a)
        keep = lab[:, 0] > 0.25
        sat.append(float(np.median(np.hypot(lab[keep, 1], lab[keep, 2]) / lab[keep, 0]))
                   if keep.sum() >= 16 else 0.0)
    return log_ratio(sat[0], sat[1], 0.01)


def paired_difference(a: np.ndarray, pa: ShotProfile, b: np.ndarray, pb: ShotProfile
                      ) -> dict[str, float] | None:
    """Differences ``a − b`` of :data:`PAIRED` properties when both show the same view.

    ``a``, ``b`` are ``(H, W, 3)`` ACEScg key frames, ``pa``, ``pb`` their profiles. Exposure
    is the median log2 luminance ratio of the pixels that agree, white balance the per-channel
    median ratio applied to ``b``'s light, contrast the ratio of log2 luminance spreads and
    saturation the ratio of median Oklab chroma/lightness, all on the same pixels (see
    :func:`same_view_pixels`): content cannot masquerade as a grade.
    """
    px = same_view_pixels(a, b)
    if px is None:
        return None
    measured = _exposure(px)
    if measured is None:
        return None
    exposure, agree = measured
    light_b = np.asarray(pb.lighting.illuminant_rgb)
    gains = _white_balance_gains(px.a[agree], px.b[agree], light_b, exposure)
    cct_b, duv_b = _cct_of(light_b)
    cct_a, duv_a = _cct_of(light_b * 2.0 ** gains)
    return {"exposure": exposure,
            "white balance": 1e6 / cct_a - 1e6 / cct_b,
            "tint": duv_a - duv_b,
            "contrast": _contrast(px),
            "saturation": _saturation(px, gains, exposure,
                                      np.asarray(pa.lighting.illuminant_rgb))}


# -- from pairs to per-item offsets ----------------------------------------------------------

def _components(n: int, edges: set[tuple[int, int]]) -> list[list[int]]:
    """Connected components of the pair graph on items ``0..n-1``."""
    seen: set[int] = set()
    out = []
    for start in range(n):
        if start in seen:
            continue
        comp, todo = [], [start]
        seen.add(start)
        while todo:
            i = todo.pop()
            comp.append(i)
            for j in range(n):
                if (i, j) in edges and j not in seen:
                    seen.add(j)
                    todo.append(j)
        out.append(sorted(comp))
    return out


def solve_offsets(comp: list[int], pairs: dict[tuple[int, int], dict[str, float]],
                  iterations: int = 25) -> dict[int, dict[str, float]]:
    """Per-item offsets ``x`` with ``d_ij ≈ x_i − x_j``, robustly (median polish), median 0.

    Each pass sets ``x_i`` to the median over partners of ``d_ij + x_j``: a mismatched
    partner is outvoted, so clean items are not pulled toward it as a plain median would.
    """
    x = {i: dict.fromkeys(PAIRED, 0.0) for i in comp}
    for _ in range(iterations):
        new = {}
        for i in comp:
            partners = [j for j in comp if (i, j) in pairs]
            new[i] = {k: float(np.median([pairs[i, j][k] + x[j][k] for j in partners]))
                      for k in PAIRED}
        centre = {k: float(np.median([new[i][k] for i in comp])) for k in PAIRED}
        x = {i: {k: new[i][k] - centre[k] for k in PAIRED} for i in comp}
    return x


def _all_pairs(members: list[ContinuityItem]) -> dict[tuple[int, int], dict[str, float]]:
    """Paired differences of every two members that show the same view, both ways round."""
    keys = [_key_frame(m.frames) for m in members]  # type: ignore[arg-type]
    n = len(members)
    pairs: dict[tuple[int, int], dict[str, float]] = {}
    for i in range(n):
        for j in range(i + 1, n):
            d = paired_difference(keys[i], members[i].profile, keys[j], members[j].profile)
            if d is not None:
                pairs[i, j] = d
                pairs[j, i] = {k: -v for k, v in d.items()}
    return pairs


def paired_diffs(members: list[ContinuityItem], anchor: str | None
                 ) -> dict[str, dict[str, float]]:
    """Per item, paired differences from the anchor, or from its view's consensus.

    Items that show the same view (see :func:`paired_difference`) form groups of three or
    more; within each, per-item offsets are solved from every pair at once. With an anchor, an
    item is measured against it directly when the two pair, else through their shared group.
    """
    if any(m.frames is None for m in members) or len(members) < 2:
        return {}
    pairs = _all_pairs(members)
    offsets: dict[int, dict[str, float]] = {}
    component: dict[int, int] = {}
    for c, comp in enumerate(_components(len(members), set(pairs))):
        component.update(dict.fromkeys(comp, c))
        if len(comp) >= 3:
            offsets.update(solve_offsets(comp, pairs))
    if anchor is None:
        return {members[i].name: x for i, x in offsets.items()}
    k = [m.name for m in members].index(anchor)
    out: dict[str, dict[str, float]] = {}
    for i, m in enumerate(members):
        if i != k and i in offsets and k in offsets and component[i] == component[k]:
            out[m.name] = {p: offsets[i][p] - offsets[k][p] for p in PAIRED}
        elif i != k and (i, k) in pairs:
            out[m.name] = dict(pairs[i, k])
    return out
