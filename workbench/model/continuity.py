"""Continuity: which shots of a scene do not match the rest, by how much, and why.

Each item (a shot of a title, or an image of a folder) has a :class:`ShotProfile`. Within its
group (scene) it is compared with a reference on seven properties (:data:`CHECKS`): exposure,
white balance (kelvin), tint (Duv), contrast, saturation, grain, framing and motion.

The reference is the group's anchor when one is named; otherwise it is the group's
*consensus*: the per-property median over every item, so no single image is trusted. An item
is flagged on a property when its difference from the reference passes both

* an absolute, perceptual threshold (:data:`CHECKS`: 1/3 stop of exposure, 12 mired of white
  balance ≈ 400 K at 5600 K, 0.005 Duv, ...), below which nobody would call it a mismatch, and
* ``Z`` times the group's own robust spread (1.4826 × MAD of every item's difference), when the
  group has at least ``MIN_FOR_SPREAD`` items: shots of different content differ naturally,
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
PAIR_MIN_CORRELATION = 0.6  # ACEScct luma correlation on the overlap: the same view
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
        pct = round((2.0 ** abs(d) - 1) * 100)
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
    Check("saturation", _saturation, math.log2(1.2), _say_ratio("more saturated",
                                                                "less saturated",
                                                                "saturation")),
    Check("grain", _grain, 0.6, _say_ratio("more grain", "less grain", "grain")),
    Check("framing", _framing, 0.08, _say_framing),
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


def _paired(a: np.ndarray, pa: ShotProfile, b: np.ndarray, pb: ShotProfile
            ) -> dict[str, float] | None:
    """Differences ``a − b`` measured on co-located pixels when both show the same view.

    ``b`` is aligned to ``a`` by phase correlation (a global translation); the pair counts only
    when the overlap is large and its ACEScct luma correlates (the same view, whatever the
    grade). Exposure is then the median log2 luminance ratio of pixels that agree (moving
    people left out), white balance the per-channel median ratio applied to ``b``'s light,
    contrast the ratio of log2 luminance spreads and saturation the ratio of median Oklab
    chroma/lightness, all on the same pixels: content cannot masquerade as a grade.
    """
    if a.shape != b.shape:
        return None
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
    corr = np.corrcoef(la[ra].ravel(), lb[rb].ravel())[0, 1]
    if not np.isfinite(corr) or corr < PAIR_MIN_CORRELATION:
        return None
    ya, yb = ya[ra].ravel(), yb[rb].ravel()
    mask = ((ya > 2 ** -9) & (yb > 2 ** -9) & (ya < np.quantile(ya, 0.98))
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
    gains = np.median(np.log2(ca / cb), axis=0) - exposure
    light_b = np.asarray(pb.lighting.illuminant_rgb)
    cct_b, duv_b = _cct_of(light_b)
    cct_a, duv_a = _cct_of(light_b * 2.0 ** gains)
    la_m, lb_m = np.log2(ya[mask]), np.log2(yb[mask])
    spread = (np.quantile(la_m, 0.9) - np.quantile(la_m, 0.1),
              np.quantile(lb_m, 0.9) - np.quantile(lb_m, 0.1))
    step = max(1, int(mask.sum()) // 20_000)
    sat = []
    for px, prof in ((oa[mask][::step], pa), (ob[mask][::step], pb)):
        lab = _oklab(np.maximum(px, 0) / np.asarray(prof.lighting.illuminant_rgb))
        keep = lab[:, 0] > 0.25
        sat.append(float(np.median(np.hypot(lab[keep, 1], lab[keep, 2]) / lab[keep, 0]))
                   if keep.sum() >= 16 else 0.0)
    return {"exposure": exposure,
            "white balance": 1e6 / cct_a - 1e6 / cct_b,
            "tint": duv_a - duv_b,
            "contrast": _log_ratio(spread[0], spread[1], 0.25),
            "saturation": _log_ratio(sat[0], sat[1], 0.01)}


def _paired_diffs(members: list[ContinuityItem], anchor: str | None
                  ) -> dict[str, dict[str, float]]:
    """Per item, paired differences from the anchor or the median over its paired partners."""
    if any(m.frames is None for m in members) or len(members) < 2:
        return {}
    keys = [_key_frame(m.frames) for m in members]  # type: ignore[arg-type]
    names = [m.name for m in members]
    out: dict[str, dict[str, float]] = {}
    if anchor is not None:
        k = names.index(anchor)
        for i, m in enumerate(members):
            if i != k:
                d = _paired(keys[i], m.profile, keys[k], members[k].profile)
                if d is not None:
                    out[m.name] = d
        return out
    pairs: dict[tuple[int, int], dict[str, float]] = {}
    for i in range(len(members)):
        for j in range(i + 1, len(members)):
            d = _paired(keys[i], members[i].profile, keys[j], members[j].profile)
            if d is not None:
                pairs[i, j] = d
                pairs[j, i] = {k: -v for k, v in d.items()}
    for i, m in enumerate(members):
        partner = [pairs[i, j] for j in range(len(members)) if (i, j) in pairs]
        # Enough partners for a median to outvote one mismatched partner.
        if len(partner) >= 3 or (len(partner) == len(members) - 1 and partner):
            out[m.name] = {k: float(np.median([p[k] for p in partner])) for k in PAIRED}
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
    diffs = {m.name: {c.name: c.measure(m.profile, ref) for c in CHECKS.values()}
             for m in members}
    for name, paired in _paired_diffs(members, anchor).items():
        diffs[name].update(paired)
    others = [m.name for m in members if m.name != anchor]
    thresholds = {}
    for c in CHECKS.values():
        thr = c.threshold
        vals = np.asarray([diffs[n][c.name] for n in others if diffs[n][c.name] is not None])
        if c.relative and vals.size >= MIN_FOR_SPREAD:
            spread = 1.4826 * float(np.median(np.abs(vals - np.median(vals))))
            thr = max(thr, Z * spread)
        thresholds[c.name] = thr

    findings = []
    for m in members:
        measures = {k: float(v) for k, v in diffs[m.name].items() if v is not None}
        if m.name == anchor:
            findings.append(Finding(m.name, group, False, 0.0, [], "anchor (itself)",
                                    measures))
            continue
        severity = {k: abs(v) / thresholds[k] for k, v in measures.items()}
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


def _medoid(members: list[ContinuityItem], diffs: dict[str, dict[str, float | None]],
            thresholds: dict[str, float]) -> str:
    """The item nearest the consensus (a fix needs real frames to match to)."""
    def cost(name: str) -> float:
        return sum(abs(v) / thresholds[k] for k, v in diffs[name].items() if v is not None)
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

    Uses the shot matcher (:func:`workbench.model.methods.match_frames`, method ``auto``) when
    it is installed, else the classical mean-std CDL of :func:`workbench.model.match.match_cdl`.
    """
    try:
        from workbench.model.methods import match_frames
    except ImportError:
        match_frames = None
    if match_frames is not None:
        grade = match_frames(frames, reference, "auto", reference_name=reference_name)
        values, method = grade.cdl, f"match_frames/{grade.method}"
    else:
        from workbench.model.match import match_cdl, shot_stats

        values, method = match_cdl(shot_stats(frames), shot_stats(reference)).values(), \
            "match_cdl/mean-std"
    return {"method": method, "reference": reference_name,
            "cdl": {"slope": [round(v, 5) for v in values.slope],
                    "offset": [round(v, 5) for v in values.offset],
                    "power": [round(v, 5) for v in values.power],
                    "saturation": round(values.saturation, 5)}}
