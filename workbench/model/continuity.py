"""Continuity: which shots of a scene do not match the rest, by how much, and why.

Each item (a shot of a title, or an image of a folder) has a :class:`ShotProfile`. Within its
group (scene) it is compared with a reference on eight properties (:data:`CHECKS`): exposure,
white balance (kelvin), tint (Duv), contrast, saturation, grain, framing and motion.

The reference is the group's anchor when one is named; otherwise it is the group's
*consensus*, so no single image is trusted. Two kinds of measurement:

* **paired**, when items show the same view (frames of one shot, reframings of one set-up):
  after aligning two items by phase correlation, exposure, white balance, tint, contrast and
  saturation are measured on the pixels where both show the same local structure, so content
  cannot pass for a grade. Offsets of every item of such a set are solved from all its pairs
  at once, robustly (a median polish), and the consensus is their median;
* **profile**, otherwise: the difference of the items' profiles from the anchor's, or from the
  per-property median over the group.

An item is flagged on a property when its difference passes both

* an absolute, perceptual threshold (:data:`CHECKS`: 1/3 stop of exposure, 12 mired of white
  balance ≈ 400 K at 5600 K, 0.005 Duv, 15 % contrast, 25 % saturation, ...), below which
  nobody would call it a mismatch, and
* ``Z`` times the group's own robust spread of that kind of measurement (1.4826 × MAD), when
  at least ``MIN_FOR_SPREAD`` items have one: shots of different content differ naturally,
  and only what stands out of that variation is a continuity error.

``score`` is ``s / (1 + s)`` where ``s`` is the largest difference over its threshold: 0 for a
perfect match, 0.5 exactly at the threshold (flagged from there on), → 1 for gross mismatches.
Every flag carries at least one reason, a sentence naming the property and the amount; a
flagged item also gets a proposed fix: a CDL fitted to bring it to the reference (see
:func:`propose_fix`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import torch

from workbench.errors import ParameterError
from workbench.model.profiles import (
    LUMA,
    QUANTILES,
    ShotProfile,
    _acescg_to_xyz,
    _oklab,
    acescct_encode,
    xy_to_cct_duv,
)

__all__ = [
    "CHECKS",
    "MIN_FOR_SPREAD",
    "Check",
    "ContinuityItem",
    "Finding",
    "Z",
    "check_continuity",
    "propose_fix",
]

Z = 3.0               # robust z-score an item must pass on top of the absolute threshold
MIN_FOR_SPREAD = 4    # below this many items a group's spread is not estimated
_MID = [i for i, q in enumerate(QUANTILES) if 0.1 <= q <= 0.9]
PAIR_MIN_OVERLAP = 0.5     # of the frame, after aligning by phase correlation
PAIR_MIN_MATCHED = 0.15    # of the overlap showing the same local structure: the same view
NEUTRAL_SHARE = 0.3        # of paired pixels, the most neutral, that measure white balance
LOCAL_NCC = 0.8            # 7×7 normalised cross-correlation of ACEScct luma
LOCAL_TEXTURE = 0.01       # ACEScct σ in the window (≈ 1/6 stop): flat areas prove nothing
PAIRED = ("exposure", "white balance", "tint", "contrast", "saturation")


@dataclass(frozen=True)
class Reference:
    """What an item is compared with: an anchor's profile values or a group consensus."""

    name: str                       # "anchor street_001" or "the consensus of scene 1"
    quantiles: np.ndarray           # log2 luminance at QUANTILES
    values: dict[str, float]        # mired, duv, saturation, grain, aspect, fill, shakiness


def _values(p: ShotProfile) -> dict[str, float]:
    out = {"mired": 1e6 / max(p.lighting.cct, 1.0), "duv": p.lighting.duv,
           "saturation": p.lighting.saturation, "grain": p.grain.level,
           "aspect": p.aspect, "fill": p.fill}
    if p.motion is not None:
        out["shakiness"] = p.motion.shakiness
    return out


def _reference_of(profile: ShotProfile, name: str) -> Reference:
    return Reference(name, np.asarray(profile.lighting.log2_quantiles), _values(profile))


def _consensus(profiles: Sequence[ShotProfile], name: str) -> Reference:
    q = np.median(np.stack([p.lighting.log2_quantiles for p in profiles]), axis=0)
    vals = [_values(p) for p in profiles]
    keys = {k for v in vals for k in v}
    return Reference(name, q, {k: float(np.median([v[k] for v in vals if k in v]))
                               for k in keys})


# -- the checks ------------------------------------------------------------------------------

def _spread(q: np.ndarray) -> float:
    return float(q[QUANTILES.index(0.9)] - q[QUANTILES.index(0.1)])


def _log_ratio(a: float, b: float, floor: float) -> float:
    return math.log2(max(a, floor) / max(b, floor))


def _exposure(p: ShotProfile, r: Reference) -> float | None:
    """Stops: the median shift of the 10th–90th log2 luminance percentiles."""
    return float(np.median(np.asarray(p.lighting.log2_quantiles)[_MID] - r.quantiles[_MID]))


def _white_balance(p: ShotProfile, r: Reference) -> float | None:
    """Mired (positive: warmer, a lower colour temperature)."""
    return 1e6 / max(p.lighting.cct, 1.0) - r.values["mired"]


def _tint(p: ShotProfile, r: Reference) -> float | None:
    """Duv (positive: greener, above the Planckian locus)."""
    return p.lighting.duv - r.values["duv"]


def _contrast(p: ShotProfile, r: Reference) -> float | None:
    """log2 of the ratio of 10th–90th percentile spreads (a CDL-slope-like ratio)."""
    return _log_ratio(_spread(np.asarray(p.lighting.log2_quantiles)), _spread(r.quantiles), 0.25)


def _saturation(p: ShotProfile, r: Reference) -> float | None:
    """log2 ratio of white-balanced Oklab chroma/lightness."""
    return _log_ratio(p.lighting.saturation, r.values["saturation"], 0.01)


def _grain(p: ShotProfile, r: Reference) -> float | None:
    """log2 ratio of noise σ (ACEScct)."""
    return _log_ratio(p.grain.level, r.values["grain"], 2e-4)


def _framing(p: ShotProfile, r: Reference) -> float | None:
    """Relative difference of the active area's aspect ratio."""
    return p.aspect / r.values["aspect"] - 1


def _motion(p: ShotProfile, r: Reference) -> float | None:
    """Shakiness difference in widths per frame; only where both have motion."""
    if p.motion is None or "shakiness" not in r.values:
        return None
    return p.motion.shakiness - r.values["shakiness"]


def _kelvin_change(p: ShotProfile, d_mired: float) -> float:
    """Kelvin between the item and its reference, from the item's CCT and the mired step."""
    ref_mired = 1e6 / max(p.lighting.cct, 1.0) - d_mired
    return 1e6 / max(ref_mired, 1.0) - p.lighting.cct


def _round_k(k: float) -> int:
    return int(round(abs(k) / 50.0) * 50) or 50


def _say_exposure(p: ShotProfile, d: float) -> str:
    return f"{abs(d):.1f} stop {'brighter' if d > 0 else 'darker'} (exposure)"


def _say_wb(p: ShotProfile, d: float) -> str:
    return (f"about {_round_k(_kelvin_change(p, d))} K {'warmer' if d > 0 else 'cooler'}"
            f" (white balance, {abs(d):.0f} mired)")


def _say_tint(p: ShotProfile, d: float) -> str:
    return f"{'greener' if d > 0 else 'more magenta'} (tint, Duv {d:+.4f})"


def _say_ratio(word_up: str, word_down: str, prop: str) -> Callable[[ShotProfile, float], str]:
    def say(p: ShotProfile, d: float) -> str:
        pct = round(abs(2.0 ** d - 1) * 100)   # "40% more", "30% less": of the reference
        return f"{pct}% {word_up if d > 0 else word_down} ({prop})"
    return say


def _say_framing(p: ShotProfile, d: float) -> str:
    return f"framed {p.aspect:.2f}:1 with {p.fill:.0%} of the frame as picture (framing)"


def _say_motion(p: ShotProfile, d: float) -> str:
    return f"{'shakier' if d > 0 else 'steadier'} by {abs(d) * 100:.1f}% of the width per frame " \
           f"(motion)"


@dataclass(frozen=True)
class Check:
    """One property compared: signed difference, absolute threshold and how to say it."""

    name: str
    measure: Callable[[ShotProfile, Reference], float | None]
    threshold: float
    say: Callable[[ShotProfile, float], str]
    relative: bool = True    # also require Z × the group's spread


CHECKS: dict[str, Check] = {c.name: c for c in [
    Check("exposure", _exposure, 1 / 3, _say_exposure),
    Check("white balance", _white_balance, 12.0, _say_wb),
    Check("tint", _tint, 0.005, _say_tint),
    Check("contrast", _contrast, math.log2(1.15), _say_ratio("more contrast", "less contrast",
                                                             "contrast")),
    Check("saturation", _saturation, math.log2(1.25), _say_ratio("more saturated",
                                                                "less saturated",
                                                                "saturation")),
    Check("grain", _grain, 0.6, _say_ratio("more grain", "less grain", "grain")),
    Check("framing", _framing, 0.10, _say_framing),
    Check("motion", _motion, 0.02, _say_motion),
]}


# -- paired measurement: the same view seen in two items -----------------------------------

def _key_frame(frames: torch.Tensor) -> np.ndarray:
    """The middle frame, ``(H, W, 3)`` float64 ACEScg, non-finite values zeroed."""
    f = torch.nan_to_num(frames[frames.shape[0] // 2].float(), 0.0, 0.0, 0.0)
    return f.permute(1, 2, 0).double().numpy()


def _cct_of(rgb: np.ndarray) -> tuple[float, float]:
    xyz = _acescg_to_xyz(np.maximum(rgb, 1e-9))
    return xy_to_cct_duv(xyz[:2] / xyz.sum())


def _centre(img: np.ndarray, h: int, w: int) -> np.ndarray:
    """The central ``h`` × ``w`` of ``img`` (H, W, 3)."""
    top, left = (img.shape[0] - h) // 2, (img.shape[1] - w) // 2
    return img[top:top + h, left:left + w]


def _matched_structure(la: np.ndarray, lb: np.ndarray, size: int = 7) -> np.ndarray:
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


def _paired(a: np.ndarray, pa: ShotProfile, b: np.ndarray, pb: ShotProfile
            ) -> dict[str, float] | None:
    """Differences ``a − b`` measured on co-located pixels when both show the same view.

    ``b`` is aligned to ``a`` by phase correlation (a global translation); the pair counts only
    when the overlap is large and enough of it shows the same local structure (the same
    view, whatever the grade; see :func:`_matched_structure`), and only those pixels count.
    Exposure is then the median log2 luminance ratio of pixels that agree, white balance the
    per-channel median ratio applied to ``b``'s light, contrast the ratio of log2 luminance
    spreads and saturation the ratio of median Oklab chroma/lightness, all on the same
    pixels: content cannot masquerade as a grade.
    """
    if a.shape != b.shape:   # reframed at another size: compare the common centre
        h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
        if h < 32 or w < 32:
            return None
        a, b = _centre(a, h, w), _centre(b, h, w)
    h, w = a.shape[:2]
    ya, yb = np.maximum(a @ LUMA, 2 ** -14), np.maximum(b @ LUMA, 2 ** -14)
    la, lb = acescct_encode(ya).astype(np.float64), acescct_encode(yb).astype(np.float64)
    window = cv2.createHanningWindow((w, h), cv2.CV_64F)
    (dx, dy), _ = cv2.phaseCorrelate(la, lb, window)
    sx, sy = round(dx), round(dy)
    if (h - abs(sy)) * (w - abs(sx)) < PAIR_MIN_OVERLAP * h * w:
        return None
    ra = (slice(max(0, -sy), h - max(0, sy)), slice(max(0, -sx), w - max(0, sx)))
    rb = (slice(max(0, sy), h - max(0, -sy)), slice(max(0, sx), w - max(0, -sx)))
    oa, ob = a[ra].reshape(-1, 3), b[rb].reshape(-1, 3)
    if oa.shape[0] < 256:
        return None
    matched = _matched_structure(la[ra], lb[rb]).ravel()
    if matched.mean() < PAIR_MIN_MATCHED:
        return None
    ya, yb = ya[ra].ravel(), yb[rb].ravel()
    mask = (matched & (ya > 2 ** -9) & (yb > 2 ** -9) & (ya < np.quantile(ya, 0.98))
            & (yb < np.quantile(yb, 0.98)) & (oa.min(1) > 2 ** -11) & (ob.min(1) > 2 ** -11))
    if mask.sum() < 256:
        return None
    ratio = np.log2(ya[mask] / yb[mask])
    exposure = float(np.median(ratio))
    agree = np.abs(ratio - exposure) < 0.5
    if agree.sum() < 128:
        return None
    exposure = float(np.median(ratio[agree]))
    ca, cb = oa[mask][agree], ob[mask][agree]
    light_b = np.asarray(pb.lighting.illuminant_rgb)
    # White balance from the most neutral pixels: a light's colour moves them as much as any,
    # a saturation change hardly at all (it would otherwise read as a colour cast).
    lab_b = _oklab(cb[:: max(1, cb.shape[0] // 20_000)] / light_b)
    chroma = np.hypot(lab_b[:, 1], lab_b[:, 2]) / np.maximum(lab_b[:, 0], 1e-3)
    neutral = np.zeros(cb.shape[0], dtype=bool)
    neutral[:: max(1, cb.shape[0] // 20_000)] = chroma <= np.quantile(chroma, NEUTRAL_SHARE)
    if neutral.sum() < 64:
        neutral[:] = True
    gains = np.median(np.log2(ca[neutral] / cb[neutral]), axis=0) - exposure
    cct_b, duv_b = _cct_of(light_b)
    cct_a, duv_a = _cct_of(light_b * 2.0 ** gains)
    la_m, lb_m = np.log2(ya[mask]), np.log2(yb[mask])
    spread = (np.quantile(la_m, 0.9) - np.quantile(la_m, 0.1),
              np.quantile(lb_m, 0.9) - np.quantile(lb_m, 0.1))
    step = max(1, int(mask.sum()) // 20_000)
    # Saturation: b brought to a's exposure and white balance first, both balanced by a's
    # light, so only a change of colourfulness is left between the same pixels.
    light_a = np.asarray(pa.lighting.illuminant_rgb)
    sat = []
    for px in (oa[mask][::step], ob[mask][::step] * 2.0 ** (gains + exposure)):
        lab = _oklab(np.maximum(px, 0) / light_a)
        keep = lab[:, 0] > 0.25
        sat.append(float(np.median(np.hypot(lab[keep, 1], lab[keep, 2]) / lab[keep, 0]))
                   if keep.sum() >= 16 else 0.0)
    return {"exposure": exposure,
            "white balance": 1e6 / cct_a - 1e6 / cct_b,
            "tint": duv_a - duv_b,
            "contrast": _log_ratio(spread[0], spread[1], 0.25),
            "saturation": _log_ratio(sat[0], sat[1], 0.01)}


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


def _solve_offsets(comp: list[int], pairs: dict[tuple[int, int], dict[str, float]],
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


def _paired_diffs(members: list[ContinuityItem], anchor: str | None
                  ) -> dict[str, dict[str, float]]:
    """Per item, paired differences from the anchor, or from its view's consensus.

    Items that show the same view (see :func:`_paired`) form groups of three or more; within
    each, per-item offsets are solved from every pair at once. With an anchor, an item is
    measured against it directly when the two pair, else through their shared group.
    """
    if any(m.frames is None for m in members) or len(members) < 2:
        return {}
    keys = [_key_frame(m.frames) for m in members]  # type: ignore[arg-type]
    n = len(members)
    pairs: dict[tuple[int, int], dict[str, float]] = {}
    for i in range(n):
        for j in range(i + 1, n):
            d = _paired(keys[i], members[i].profile, keys[j], members[j].profile)
            if d is not None:
                pairs[i, j] = d
                pairs[j, i] = {k: -v for k, v in d.items()}
    offsets: dict[int, dict[str, float]] = {}
    component: dict[int, int] = {}
    for c, comp in enumerate(_components(n, set(pairs))):
        component.update(dict.fromkeys(comp, c))
        if len(comp) >= 3:
            offsets.update(_solve_offsets(comp, pairs))
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


# -- the comparison --------------------------------------------------------------------------

@dataclass
class ContinuityItem:
    """An item to compare: a name, its group (scene), its profile and optional frames.

    ``frames`` ``(N, 3, H, W)`` ACEScg are only needed for a proposed fix.
    """

    name: str
    group: str
    profile: ShotProfile
    frames: torch.Tensor | None = None


@dataclass
class Finding:
    """One item's verdict. ``to_dict`` gives the JSON entry the CLI prints."""

    item: str
    group: str
    flag: bool
    score: float
    reasons: list[str]
    reference: str
    measures: dict[str, float] = field(default_factory=dict)
    properties: list[str] = field(default_factory=list)
    fix: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"item", "group", "flag", "score", "reasons", ...}``, JSON-ready."""
        return {"item": self.item, "group": self.group, "flag": self.flag,
                "score": self.score, "reasons": list(self.reasons),
                "properties": list(self.properties), "reference": self.reference,
                "measures": {k: round(v, 5) for k, v in self.measures.items()},
                "fix": self.fix}


def _group_findings(members: list[ContinuityItem], anchor: str | None, group: str,
                    fix: bool) -> list[Finding]:
    by_name = {m.name: m for m in members}
    if anchor is not None:
        ref = _reference_of(by_name[anchor].profile, f"anchor {anchor}")
    else:
        ref = _consensus([m.profile for m in members], f"the consensus of {group}")
    content = {m.name: {c.name: c.measure(m.profile, ref) for c in CHECKS.values()}
               for m in members}
    paired = _paired_diffs(members, anchor)
    diffs = {n: {**d, **paired.get(n, {})} for n, d in content.items()}
    others = [m.name for m in members if m.name != anchor]
    # Two kinds of measurement, two natural spreads: pixel-paired differences vary only with
    # noise and motion; profile differences also with content. Each item is judged against
    # the spread of its own kind.
    content_thr = _thresholds({n: content[n] for n in others})
    paired_thr = _thresholds({n: diffs[n] for n in others if n in paired})
    thresholds = {n: {k: paired_thr[k] if n in paired and k in PAIRED else content_thr[k]
                      for k in CHECKS} for n in diffs}

    findings = []
    for m in members:
        measures = {k: float(v) for k, v in diffs[m.name].items() if v is not None}
        if m.name == anchor:
            findings.append(Finding(m.name, group, False, 0.0, [], "anchor (itself)",
                                    measures))
            continue
        severity = {k: abs(v) / thresholds[m.name][k] for k, v in measures.items()}
        flagged = sorted((k for k, s in severity.items() if s >= 1.0),
                         key=lambda k: -severity[k])
        worst = max(severity.values(), default=0.0)
        reasons = [f"{m.name} is {CHECKS[k].say(m.profile, measures[k])} compared with "
                   f"{ref.name}." for k in flagged]
        finding = Finding(m.name, group, bool(flagged), round(worst / (1 + worst), 3),
                          reasons, ref.name, measures, flagged)
        findings.append(finding)
    if fix and any(f.flag for f in findings):
        target = anchor or _medoid(members, diffs, thresholds)
        for f in findings:
            frames = by_name[f.item].frames
            ref_frames = by_name[target].frames
            if f.flag and frames is not None and ref_frames is not None and f.item != target:
                f.fix = propose_fix(frames, ref_frames, target)
    return findings


def _thresholds(diffs: dict[str, dict[str, float | None]]) -> dict[str, float]:
    """Per property: the absolute threshold, or ``Z`` × the items' robust spread if larger."""
    out = {}
    for c in CHECKS.values():
        thr = c.threshold
        vals = np.asarray([d[c.name] for d in diffs.values() if d.get(c.name) is not None])
        if c.relative and vals.size >= MIN_FOR_SPREAD:
            spread = 1.4826 * float(np.median(np.abs(vals - np.median(vals))))
            thr = max(thr, Z * spread)
        out[c.name] = thr
    return out


def _medoid(members: list[ContinuityItem], diffs: dict[str, dict[str, float | None]],
            thresholds: dict[str, dict[str, float]]) -> str:
    """The item nearest the consensus (a fix needs real frames to match to)."""
    def cost(name: str) -> float:
        return sum(abs(v) / thresholds[name][k] for k, v in diffs[name].items()
                   if v is not None)
    return min((m.name for m in members), key=lambda n: (cost(n), n))


def check_continuity(items: Sequence[ContinuityItem], anchors: Mapping[str, str] | None = None,
                     fix: bool = True) -> list[Finding]:
    """Compare every item with its group's anchor (or consensus); one finding per item.

    Parameters
    ----------
    items
        Items with profiles (see :func:`workbench.model.profiles.shot_profile`), any groups.
    anchors
        ``{group: item name}``; groups without an entry are compared with their consensus.
    fix
        Propose a CDL for flagged items whose frames are given.

    Returns
    -------
    list[Finding]
        Sorted by item name.
    """
    anchors = dict(anchors or {})
    groups: dict[str, list[ContinuityItem]] = {}
    for it in items:
        groups.setdefault(it.group, []).append(it)
    for group, name in anchors.items():
        if group not in groups:
            raise ParameterError(f"anchor given for unknown group {group!r}; groups: "
                                 f"{', '.join(sorted(groups))}")
        if name not in {m.name for m in groups[group]}:
            raise ParameterError(f"anchor {name!r} is not in group {group!r}; items: "
                                 f"{', '.join(sorted(m.name for m in groups[group]))}")
    findings = []
    for group, members in groups.items():
        findings.extend(_group_findings(members, anchors.get(group), group, fix))
    return sorted(findings, key=lambda f: f.item)


def propose_fix(frames: torch.Tensor, reference: torch.Tensor, reference_name: str
                ) -> dict[str, Any]:
    """A CDL (ACEScct) bringing ``frames`` to ``reference``, both ``(N,3,H,W)`` ACEScg.

    The one place continuity asks for a fix: the shot matcher
    (:func:`workbench.model.matching.match_frames`, method ``auto``), of whose grade the CDL is
    reported (its LUT, the cross-channel remainder, is left to ``workbench match``).
    """
    from workbench.model.matching import match_frames

    grade = match_frames(frames, reference, "auto", reference_name=reference_name)
    values = grade.cdl
    return {"method": f"match_frames/{grade.method}", "reference": reference_name,
            "confidence": round(float(grade.confidence), 3),
            "cdl": {"slope": [round(v, 5) for v in values.slope],
                    "offset": [round(v, 5) for v in values.offset],
                    "power": [round(v, 5) for v in values.power],
                    "saturation": round(values.saturation, 5)}}
