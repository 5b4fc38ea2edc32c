"""Paired measurement: the same surfaces seen in two items, measured on the same pixels.

Two items pair when they show the same surfaces: a shift apart (phase correlation, one
framing), or another viewpoint of them (feature correspondences refined by optical flow:
another camera angle, a moving subject). On those pixels one change of light is fitted in
turn (contrast about mid grey, exposure at mid grey, white balance as per-channel gains,
saturation about luminance together with a white balance), so content cannot pass for a
grade and one change does not read as another. White balance and tint are also measured in
each region of the picture: a grade moves all of it alike, a light in the scene that changes
moves only the part it falls on, and how far the regions disagree is the value's own
uncertainty. Offsets of every item of a connected set are solved from all its pairs at once,
in least absolute deviations: within each view first, then between views, whose own natural
difference counts only beyond one threshold. Pair measurements are remembered by content, so
a re-check after changing one item re-measures only that item's pairs.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field

import cv2
import numpy as np
import torch

from workbench.model.continuity.checks import CHECKS, log_ratio
from workbench.model.continuity.items import ContinuityItem
from workbench.model.profiles import LUMA, ShotProfile, acescct_encode, xy_to_cct_duv
from workbench.model.profiles.colour import MID_GREY, acescg_to_xyz

__all__ = [
    "LOCAL_NCC",
    "LOCAL_TEXTURE",
    "PAIRED",
    "PAIR_MIN_MATCHED",
    "PAIR_MIN_OVERLAP",
    "Paired",
    "SamePixels",
    "matched_structure",
    "paired_difference",
    "paired_diffs",
    "same_view_pixels",
    "solve_offsets",
]

PAIR_MIN_OVERLAP = 0.5     # of the frame, after aligning by phase correlation
PAIR_MIN_MATCHED = 0.15    # of the overlap showing the same local structure: the same view
LOCAL_NCC = 0.8            # 7×7 normalised cross-correlation of ACEScct luma
LOCAL_TEXTURE = 0.01       # ACEScct σ in the window (≈ 1/6 stop): flat areas prove nothing
PAIRED = ("exposure", "white balance", "tint", "contrast", "saturation")
REGIONS = 3                # the picture's regions: a REGIONS × REGIONS grid of the frame
REGION_MIN_PIXELS = 64     # matched pixels a region needs to say its own white balance
MIN_REGIONS = 4            # regions with their own white balance needed to say they disagree
REGIONAL = ("white balance", "tint")   # paired properties also measured region by region
_DISAGREE = "disagreement of "         # key prefix: a pair's regional standard error


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
    """Co-located pixels of two items: ACEScg ``(P, 3)`` each and their luminance ``(P,)``.

    ``region`` ``(P,)`` says where each pixel lies in ``a``'s frame: a cell of a
    :data:`REGIONS` × :data:`REGIONS` grid, numbered row by row (``None``: unknown).
    """

    a: np.ndarray
    b: np.ndarray
    ya: np.ndarray
    yb: np.ndarray
    same_view: bool = True   # a shift apart (one framing), not another viewpoint
    region: np.ndarray | None = None


def _regions(ys: np.ndarray, xs: np.ndarray, h: int, w: int) -> np.ndarray:
    """The grid cell (:data:`REGIONS` × :data:`REGIONS`, row by row) of pixel rows and columns."""
    ry = np.clip(ys * REGIONS // max(h, 1), 0, REGIONS - 1)
    rx = np.clip(xs * REGIONS // max(w, 1), 0, REGIONS - 1)
    return (ry * REGIONS + rx).astype(np.int64)


def _masked_pairs(a: np.ndarray, b: np.ndarray, ya: np.ndarray, yb: np.ndarray,
                  matched: np.ndarray, region: np.ndarray | None = None) -> SamePixels | None:
    """Of co-located ``(P, 3)`` pixels, the matched, exposed ones (not the brightest 2 %)."""
    mask = (matched & (ya > 2 ** -9) & (yb > 2 ** -9) & (ya < np.quantile(ya, 0.98))
            & (yb < np.quantile(yb, 0.98)) & (a.min(1) > 2 ** -11) & (b.min(1) > 2 ** -11))
    if mask.sum() < 256:
        return None
    return SamePixels(a[mask], b[mask], ya[mask], yb[mask],
                      region=None if region is None else region[mask])


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
    ys, xs = np.mgrid[0:a.shape[0], 0:a.shape[1]]
    region = _regions(ys[ra], xs[ra], a.shape[0], a.shape[1]).ravel()
    return _masked_pairs(oa, ob, ya[ra].ravel(), yb[rb].ravel(), matched, region)


def _corresponding_pixels(a: np.ndarray, b: np.ndarray) -> SamePixels | None:
    """Same-surface pixels of two views that are not a shift apart, or ``None``.

    Found by :func:`~workbench.model.matching.correspond.find_correspondences` (a SIFT
    homography refined by optical flow, kept where the flow maps both ways): two camera
    angles of a set, or a moving subject.
    """
    from workbench.model.matching.correspond import find_correspondences

    ta = torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1))).float()[None]
    tb = torch.from_numpy(np.ascontiguousarray(b.transpose(2, 0, 1))).float()[None]
    pairs = find_correspondences(ta, tb)
    if pairs is None:
        return None
    pa, pb = pairs.shot.double().numpy(), pairs.reference.double().numpy()
    ya, yb = np.maximum(pa @ LUMA, 2 ** -14), np.maximum(pb @ LUMA, 2 ** -14)
    # The pairs' 16-pixel tiles of ``a`` (row by row), placed by their centres.
    tile = pairs.tile.numpy()
    cols = (a.shape[1] + 15) // 16
    region = _regions(tile // cols * 16 + 8, tile % cols * 16 + 8, a.shape[0], a.shape[1])
    px = _masked_pairs(pa, pb, ya, yb, np.ones(pa.shape[0], dtype=bool), region)
    return None if px is None else SamePixels(px.a, px.b, px.ya, px.yb, same_view=False,
                                              region=px.region)


def same_view_pixels(a: np.ndarray, b: np.ndarray) -> SamePixels | None:
    """The pixels of ``a`` and ``b`` (H, W, 3) ACEScg that show the same thing, or ``None``.

    ``b`` is aligned to ``a`` by phase correlation (a global translation; frames of other
    sizes are compared on their common centre), or, failing that, by feature
    correspondences refined by optical flow (another viewpoint of the same surfaces,
    :func:`_corresponding_pixels`). A shifted pair counts only when enough of the overlap
    shows the same local structure (see :func:`matched_structure`); of the pixels kept, the
    exposed ones (not black, not among the brightest 2 %) are measured.
    """
    return _shifted_pixels(a, b) or _corresponding_pixels(a, b)


# -- measurement on the same pixels ----------------------------------------------------------

def _cct_of(rgb: np.ndarray) -> tuple[float, float]:
    xyz = acescg_to_xyz(np.maximum(rgb, 1e-9))
    return xy_to_cct_duv(xyz[:2] / xyz.sum())


def _tone(px: SamePixels) -> tuple[float, float, np.ndarray] | None:
    """Contrast (log2 slope) and exposure (stops at 18 % grey) of ``a`` over ``b``.

    Contrast is :func:`_contrast`; exposure the median, over the pixels, of what is left of
    ``log2 ya − log2 0.18 − g (log2 yb − log2 0.18)``, on the pixels that agree with it
    (within half a stop), which are returned too. Measured at mid grey, a contrast change
    (a power about 18 % grey) does not read as exposure in a dark or a bright picture.
    """
    contrast = _contrast(px)
    mid = float(np.log2(MID_GREY))
    rest = np.log2(px.ya) - mid - 2.0 ** contrast * (np.log2(px.yb) - mid)
    agree = np.abs(rest - np.median(rest)) < 0.5
    if agree.sum() < 128:
        return None
    return contrast, float(np.median(rest[agree])), agree


def _white_balance_gains(ca: np.ndarray, cb: np.ndarray) -> np.ndarray:
    """Per-channel log2 gains ``a / b``: the median per-pixel ratio of each channel.

    ``b`` has already taken ``a``'s tone (exposure and contrast), so what is left between
    the same pixels is the light's colour. All agreeing pixels vote (a subset of the most
    neutral ones, tried while choosing thresholds on the development scenes, was noisier
    under coloured light, where few pixels are neutral).
    """
    return np.median(np.log2(np.maximum(ca, 1e-9) / np.maximum(cb, 1e-9)), axis=0)


def _contrast(px: SamePixels) -> float:
    """log2 ratio of the 10th–90th percentile spreads of log2 luminance."""
    la_m, lb_m = np.log2(px.ya), np.log2(px.yb)
    spread = (np.quantile(la_m, 0.9) - np.quantile(la_m, 0.1),
              np.quantile(lb_m, 0.9) - np.quantile(lb_m, 0.1))
    return log_ratio(spread[0], spread[1], 0.25)


def paired_difference(a: np.ndarray, pa: ShotProfile, b: np.ndarray, pb: ShotProfile
                      ) -> dict[str, float] | None:
    """Differences ``a − b`` of :data:`PAIRED` properties when both show the same view.

    ``a``, ``b`` are ``(H, W, 3)`` ACEScg key frames, ``pa``, ``pb`` their profiles. Exposure
    is the median log2 luminance ratio of the pixels that agree, white balance the per-channel
    median ratio applied to ``b``'s light, contrast the ratio of log2 luminance spreads and
    saturation the scale of chroma about luminance fitted with a white balance
    (:func:`_fit_saturation`), all on the same pixels (see :func:`same_view_pixels`):
    content cannot masquerade as a grade.
    """
    got = _pair(a, pa, b, pb)
    return None if got is None else {k: got[0][k] for k in PAIRED}


def _measure_pair(px: SamePixels, pa: ShotProfile, pb: ShotProfile) -> dict[str, float] | None:
    """:data:`PAIRED` differences ``a − b`` measured on the same pixels ``px``.

    One change of light is fitted, in turn: tone (contrast about mid grey, then exposure at
    mid grey, :func:`_tone`); white balance as per-channel gains once ``b`` has ``a``'s tone;
    saturation, once ``b`` has ``a``'s tone, together with a white balance
    (:func:`_fit_saturation`). Each property is then measured with the others taken out, so
    one change does not read as another. White balance and tint are also measured in each
    region of ``a``'s frame with enough pixels (:data:`REGION_MIN_PIXELS`, at least
    :data:`MIN_REGIONS` of them): their disagreement is returned as the standard error of
    the whole's value (:func:`_standard_error`), under ``"disagreement of <property>"``.
    """
    tone = _tone(px)
    if tone is None:
        return None
    contrast, exposure, agree = tone
    light_b = np.asarray(pb.lighting.illuminant_rgb)
    toned = MID_GREY * (px.b / MID_GREY) ** (2.0 ** contrast) * 2.0 ** exposure
    gains = _white_balance_gains(px.a[agree], toned[agree])
    saturation = _fit_saturation(px.a[agree], toned[agree])
    cct_b, duv_b = _cct_of(light_b)

    def light(g: np.ndarray) -> tuple[float, float]:
        """Mired and Duv of ``a``'s light over ``b``'s, for per-channel gains ``g``."""
        cct_a, duv_a = _cct_of(light_b * 2.0 ** g)
        return 1e6 / cct_a - 1e6 / cct_b, duv_a - duv_b

    mired, duv = light(gains)
    out = {"exposure": exposure, "white balance": mired, "tint": duv, "contrast": contrast,
           "saturation": saturation}
    if px.region is not None:
        regions = [r for r in np.unique(px.region[agree])
                   if np.sum(agree & (px.region == r)) >= REGION_MIN_PIXELS]
        if len(regions) >= MIN_REGIONS:
            each = np.array([light(_white_balance_gains(px.a[agree & (px.region == r)],
                                                        toned[agree & (px.region == r)]))
                             for r in regions])
            out[_DISAGREE + "white balance"] = _standard_error(each[:, 0])
            out[_DISAGREE + "tint"] = _standard_error(each[:, 1])
    return out


def _saturate(rgb: np.ndarray, log2_s: float) -> np.ndarray:
    """``(P, 3)`` ACEScg with its saturation about luminance scaled by ``2 ** log2_s``."""
    y = (rgb @ LUMA)[:, None]
    return y + 2.0 ** log2_s * (rgb - y)


def _fit_saturation(a: np.ndarray, b: np.ndarray) -> float:
    """log2 of the saturation about luminance that, with a white balance, takes ``b`` to ``a``.

    Saturation and white balance are fitted together: for each saturation tried (coarse,
    then fine), per-channel gains are the median ratio (:func:`_white_balance_gains`) and
    the fit is how little the pixels' ratios spread about them (mean absolute deviation,
    in log2). A saturation change moves each colour along its own hue, which per-channel
    gains alone would partly read as a white balance when one hue dominates the picture;
    a white balance moves every colour by the same gains.
    """
    step = max(1, a.shape[0] // 20_000)
    la = np.log2(np.maximum(a[::step], 1e-9))
    b = b[::step]

    def cost(log2_s: float) -> float:
        bs = _saturate(b, log2_s)
        ok = bs.min(1) > 2 ** -11
        if ok.sum() < 64:
            return float("inf")
        r = la[ok] - np.log2(bs[ok])
        return float(np.mean(np.abs(r - np.median(r, axis=0))))

    best = min(np.arange(-1.5, 1.51, 0.1), key=cost)
    return float(min(np.arange(best - 0.1, best + 0.101, 0.01), key=cost))


def _standard_error(regions: np.ndarray) -> float:
    """How far a value measured on the whole picture is uncertain when its regions disagree.

    The standard error of a median of the regions' values, ``√(π/2) σ / √n``, with ``σ``
    their robust spread (1.4826 × MAD). A grade moves the whole picture alike (the regions
    agree but for the colours they show); a light in the scene that changes (a stage light
    fading, someone stepping into a lamp's light) moves only the part it falls on, and
    the picture's value then says less about a grade the more its regions disagree.
    """
    mad = float(np.median(np.abs(regions - np.median(regions))))
    return float(np.sqrt(np.pi / 2)) * 1.4826 * mad / float(np.sqrt(regions.size))


# -- from pairs to per-item offsets ----------------------------------------------------------

_Pairs = dict[tuple[int, int], dict[str, float]]


def _components(nodes: list[int], edges: set[tuple[int, int]]) -> list[list[int]]:
    """Connected components of the pair graph on ``nodes``."""
    seen: set[int] = set()
    out = []
    for start in nodes:
        if start in seen:
            continue
        comp, todo = [], [start]
        seen.add(start)
        while todo:
            i = todo.pop()
            comp.append(i)
            for j in nodes:
                if (i, j) in edges and j not in seen:
                    seen.add(j)
                    todo.append(j)
        out.append(sorted(comp))
    return out


def solve_offsets(comp: list[int], pairs: _Pairs, iterations: int = 30
                  ) -> dict[int, dict[str, float]]:
    """Per-item offsets ``x`` with ``d_ij ≈ x_i − x_j`` in least absolute deviations, median 0.

    Solved by iteratively reweighted least squares: a mismatched partner's pairs leave large
    residuals and lose their weight, so clean items are not pulled toward it as a least-squares
    fit would (three items, one off: the two clean ones agree exactly and the odd one takes
    the whole difference). Two items share their difference, ±half each.
    """
    idx = {n: k for k, n in enumerate(comp)}
    edges = [(i, j) for (i, j) in pairs if i < j and i in idx and j in idx]
    x = {i: dict.fromkeys(PAIRED, 0.0) for i in comp}
    if not edges:
        return x
    design = np.zeros((len(edges) + 1, len(comp)))
    for e, (i, j) in enumerate(edges):
        design[e, idx[i]], design[e, idx[j]] = 1.0, -1.0
    design[-1, :] = 1.0            # the offsets sum to zero (re-centred on the median after)
    for k in PAIRED:
        d = np.array([pairs[e][k] for e in edges] + [0.0])
        floor = 1e-3 * CHECKS[k].threshold
        w = np.ones(len(d))
        for _ in range(iterations):
            sol = np.linalg.lstsq(design * w[:, None] ** 0.5, d * w ** 0.5, rcond=None)[0]
            w = 1.0 / np.maximum(np.abs(d - design @ sol), floor)
            w[-1] = 1.0 / floor
        sol -= np.median(sol)
        for i in comp:
            x[i][k] = float(sol[idx[i]])
    return x


def _solve_views(comp: list[int], pairs: _Pairs, same: set[tuple[int, int]]
                 ) -> dict[int, dict[str, float]]:
    """Offsets of a component's items: within each view, then of the views between them.

    A *view* is a set of items a shift apart (one framing): their pairs are precise. Pairs
    across views (another camera angle of the same surfaces) carry the views' own difference
    (the same wall seen from two places reads a little differently), so items are first
    placed within their view, and each view is then placed among the others from the
    cross-view pairs, with every item's within-view offset taken out (one mismatched item
    does not move its view). Views of one scene differ a little by nature (another angle
    on a surface, another lens), so the level of a view of several items counts only beyond
    one check threshold (:func:`_shrink`): a whole view off by less is not told from that.
    An item alone in its view is its view: its level is its offset.
    """
    views = _components(comp, same)
    view_of = {i: v for v, members in enumerate(views) for i in members}
    within: dict[int, dict[str, float]] = {}
    for members in views:
        within.update(solve_offsets(members, {e: d for e, d in pairs.items() if e in same}))
    between: dict[tuple[int, int], dict[str, list[float]]] = {}
    for (i, j), d in pairs.items():
        u, v = view_of.get(i), view_of.get(j)
        if u is None or v is None or u == v:
            continue
        acc = between.setdefault((u, v), {k: [] for k in PAIRED})
        for k in PAIRED:
            acc[k].append(d[k] - within[i][k] + within[j][k])
    view_pairs = {e: {k: float(np.median(v)) for k, v in acc.items()}
                  for e, acc in between.items()}
    level = solve_offsets(list(range(len(views))), view_pairs)
    tolerance = {v: {k: CHECKS[k].threshold if len(views[v]) >= 2 else 0.0 for k in PAIRED}
                 for v in range(len(views))}
    return {i: {k: within[i][k] + _shrink(level[view_of[i]][k], tolerance[view_of[i]][k])
                for k in PAIRED} for i in comp}


def _shrink(v: float, tolerance: float) -> float:
    """``v`` less ``tolerance`` toward 0 (0 within it): what a view's level counts for."""
    return float(np.sign(v) * max(abs(v) - tolerance, 0.0))


def _solve_two(i: int, j: int, pairs: _Pairs, content: dict[int, dict[str, float | None]]
               ) -> dict[int, dict[str, float]]:
    """Two items that pair with each other only: which of them holds their difference.

    The pair says how far apart they are, not which one is off; their profile differences
    from the group decide: the one whose own difference already points that way.
    """
    x: dict[int, dict[str, float]] = {i: {}, j: {}}
    for k in PAIRED:
        d = pairs[i, j][k]
        ci, cj = content[i].get(k) or 0.0, content[j].get(k) or 0.0
        on_i = abs(ci - d) + abs(cj) <= abs(ci) + abs(cj + d)
        x[i][k], x[j][k] = (d, 0.0) if on_i else (0.0, -d)
    return x


_CACHE: OrderedDict[bytes, tuple[dict[str, float], bool] | None] = OrderedDict()
CACHE_SIZE = 4096      # pairs remembered: a re-check after changing one item re-measures its pairs


def _digest(key: np.ndarray, profile: ShotProfile) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    h.update(np.ascontiguousarray(key).tobytes())
    h.update(str(key.shape).encode())
    h.update(np.asarray(profile.lighting.illuminant_rgb, dtype=np.float64).tobytes())
    return h.digest()


def _pair(a: np.ndarray, pa: ShotProfile, b: np.ndarray, pb: ShotProfile
          ) -> tuple[dict[str, float], bool] | None:
    """:func:`paired_difference` and whether the two are one framing (remembered by content)."""
    key = _digest(a, pa) + _digest(b, pb)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    px = same_view_pixels(a, b)
    out = None if px is None else _measure_pair(px, pa, pb)
    result = None if out is None else (out, px.same_view)  # type: ignore[union-attr]
    _CACHE[key] = result
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


def _all_pairs(members: list[ContinuityItem]) -> tuple[_Pairs, set[tuple[int, int]], _Pairs]:
    """Paired differences of every two members that share surfaces, both ways round.

    Also the pairs that are one framing (a shift apart), and each pair's regional
    standard errors of :data:`REGIONAL` properties (:func:`_standard_error`).
    """
    keys = [_key_frame(m.frames) for m in members]  # type: ignore[arg-type]
    n = len(members)
    pairs: _Pairs = {}
    same: set[tuple[int, int]] = set()
    disagree: _Pairs = {}
    for i in range(n):
        for j in range(i + 1, n):
            got = _pair(keys[i], members[i].profile, keys[j], members[j].profile)
            if got is None:
                continue
            d, one_view = got
            pairs[i, j] = {k: d[k] for k in PAIRED}
            pairs[j, i] = {k: -d[k] for k in PAIRED}
            disagree[i, j] = disagree[j, i] = {k: d[_DISAGREE + k] for k in REGIONAL
                                               if _DISAGREE + k in d}
            if one_view:
                same |= {(i, j), (j, i)}
    return pairs, same, disagree


@dataclass(frozen=True)
class Paired:
    """Per item, paired differences (:data:`PAIRED`), and per property the pairs' noise.

    ``noise`` is 1.4826 × the median absolute residual of the pairs once the offsets are
    solved (``d_ij − (x_i − x_j)``): how far two measurements of one difference disagree, the
    scale on which an item's offset must stand out. Pairs of one framing give it when there
    are three or more (pairs across views also carry the views' own differences, which the
    offsets discount separately); else all pairs do. Empty when nothing paired.

    ``uncertainty`` is, per item and :data:`REGIONAL` property, the median over its pairs of
    how far the pair's value is uncertain because the picture's regions disagree on it
    (:func:`_standard_error`): a light in the scene that changed in part of the picture,
    not a grade.
    """

    offsets: dict[str, dict[str, float]]
    noise: dict[str, float]
    uncertainty: dict[str, dict[str, float]] = field(default_factory=dict)


def paired_diffs(members: list[ContinuityItem], anchor: str | None,
                 content: dict[str, dict[str, float | None]] | None = None) -> Paired:
    """Per item, paired differences from the anchor, or from its component's consensus.

    Items that share surfaces (see :func:`same_view_pixels`) form components; within each of
    three or more, per-item offsets are solved from every pair at once (views first, then
    between views, :func:`_solve_views`). Two items that pair only with each other are told
    apart by their ``content`` (profile) differences. With an anchor, an item is measured
    against it directly when the two pair, else through their shared component.
    """
    if any(m.frames is None for m in members) or len(members) < 2:
        return Paired({}, {})
    pairs, same, disagree = _all_pairs(members)
    names = [m.name for m in members]
    offsets: dict[int, dict[str, float]] = {}
    component: dict[int, int] = {}
    for c, comp in enumerate(_components(list(range(len(members))), set(pairs))):
        component.update(dict.fromkeys(comp, c))
        if len(comp) >= 3:
            offsets.update(_solve_views(comp, pairs, same))
        elif len(comp) == 2 and anchor is None and content is not None:
            offsets.update(_solve_two(comp[0], comp[1], pairs,
                                      {i: content.get(names[i], {}) for i in comp}))
    solved = [(i, j) for (i, j) in pairs if i < j and i in offsets and j in offsets]
    if sum(e in same for e in solved) >= 3:   # one framing: the offsets' own noise
        solved = [e for e in solved if e in same]
    noise: dict[str, float] = {}
    for k in PAIRED:
        r = [pairs[i, j][k] - offsets[i][k] + offsets[j][k] for (i, j) in solved]
        if r:
            noise[k] = 1.4826 * float(np.median(np.abs(r)))
    if anchor is None:
        return Paired({names[i]: x for i, x in offsets.items()}, noise,
                      _uncertainty(offsets, disagree, names))
    ka = names.index(anchor)
    out: dict[str, dict[str, float]] = {}
    for i, m in enumerate(members):
        if i != ka and i in offsets and ka in offsets and component[i] == component[ka]:
            out[m.name] = {p: offsets[i][p] - offsets[ka][p] for p in PAIRED}
        elif i != ka and (i, ka) in pairs:
            out[m.name] = dict(pairs[i, ka])
    unc = _uncertainty(offsets, disagree, names)
    for i, m in enumerate(members):   # measured against the anchor directly
        if m.name in out and i not in offsets and (i, ka) in disagree:
            unc[m.name] = dict(disagree[i, ka])
    return Paired(out, noise, {n: u for n, u in unc.items() if n in out})


def _uncertainty(offsets: dict[int, dict[str, float]], disagree: _Pairs, names: list[str]
                 ) -> dict[str, dict[str, float]]:
    """Per item with an offset, the median regional standard error of its pairs."""
    out: dict[str, dict[str, float]] = {}
    for i in offsets:
        for k in REGIONAL:
            vals = [d[k] for (a, b), d in disagree.items()
                    if a == i and b in offsets and k in d]
            if vals:
                out.setdefault(names[i], {})[k] = float(np.median(vals))
    return out
