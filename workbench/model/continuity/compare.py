"""The comparison: each item against its group's anchor or consensus, flagged or not, and why.

An item is flagged on a property when its difference passes both the check's absolute
threshold (:data:`~workbench.model.continuity.checks.CHECKS`) and ``Z`` times the group's own
robust spread of that kind of measurement (1.4826 × MAD), when at least ``MIN_FOR_SPREAD``
items have one. ``score`` is ``s / (1 + s)`` where ``s`` is the largest difference over its
threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from workbench.errors import ParameterError
from workbench.model.continuity.alignment import PAIRED, paired_diffs
from workbench.model.continuity.checks import CHECKS, Reference, consensus, reference_of
from workbench.model.continuity.fixes import propose_fix
from workbench.model.continuity.highlights import HIGHLIGHT_CHECKS, highlight_diffs
from workbench.model.continuity.items import ContinuityItem, Finding

__all__ = ["MIN_FOR_SPREAD", "Z", "check_continuity", "explain_score"]

Z = 3.0               # robust z-score an item must pass on top of the absolute threshold
MIN_FOR_SPREAD = 4    # below this many items a group's spread is not estimated

Diffs = dict[str, dict[str, float | None]]
Why = dict[str, dict[str, str]]   # per item and property: why its limit is above the threshold
SCENE_SPREAD = "this scene's own spread"
REGIONS_DISAGREE = "how far the picture's regions disagree on it"


def _thresholds(diffs: Diffs) -> dict[str, float]:
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


def _medoid(members: list[ContinuityItem], diffs: Diffs,
            thresholds: dict[str, dict[str, float]]) -> str:
    """The item nearest the consensus (a fix needs real frames to match to)."""
    def cost(name: str) -> float:
        return sum(abs(v) / thresholds[name][k] for k, v in diffs[name].items()
                   if v is not None)
    return min((m.name for m in members), key=lambda n: (cost(n), n))


def _reference(members: list[ContinuityItem], anchor: str | None, group: str) -> Reference:
    if anchor is not None:
        by_name = {m.name: m for m in members}
        return reference_of(by_name[anchor].profile, f"anchor {anchor}")
    return consensus([m.profile for m in members], f"the consensus of {group}")


def _measure(members: list[ContinuityItem], anchor: str | None, ref: Reference
             ) -> tuple[Diffs, dict[str, dict[str, float]], Why]:
    """Every item's differences (paired where measured, else from profiles) and thresholds.

    Two kinds of measurement, two natural spreads: profile differences vary with content, so
    their limit is also ``Z`` × the items' spread; paired differences vary only with how well
    two measurements of one difference agree, so their limit is also ``Z`` × the pairs'
    noise (:class:`~workbench.model.continuity.alignment.Paired`). Each item is judged
    against the spread of its own kind. A paired white balance or tint is also judged
    against ``Z`` times its own uncertainty where the picture's regions disagree on it (a
    light in the scene that changed in part of the picture, not a grade). Also returned:
    why each raised limit was raised.
    """
    content = {m.name: {c.name: c.measure(m.profile, ref) for c in CHECKS.values()}
               for m in members}
    paired = paired_diffs(members, anchor, content)
    clips = highlight_diffs(members, anchor)
    diffs: Diffs = {n: {**d, **paired.offsets.get(n, {}), **clips.get(n, {})}
                    for n, d in content.items()}
    others = [m.name for m in members if m.name != anchor]
    content_thr = _thresholds({n: content[n] for n in others})
    spread_thr = _thresholds({n: dict(paired.offsets[n]) for n in others
                              if n in paired.offsets})
    paired_thr = {k: max(spread_thr[k], Z * paired.noise.get(k, 0.0)) for k in PAIRED}
    clip_thr = _thresholds({n: dict(clips[n]) for n in others if n in clips})
    thresholds = {n: {k: paired_thr[k] if n in paired.offsets and k in PAIRED
                      else clip_thr[k] if k in HIGHLIGHT_CHECKS else content_thr[k]
                      for k in CHECKS} for n in diffs}
    why: Why = {n: {} for n in diffs}
    for n, unc in paired.uncertainty.items():
        for k, u in unc.items():
            if Z * u > thresholds[n][k]:
                thresholds[n][k] = Z * u
                why[n][k] = REGIONS_DISAGREE
    return diffs, thresholds, why


def _limit_phrase(name: str, limit: float, raised: str = SCENE_SPREAD) -> str:
    """``"the limit is 0.33 stop"``, and why when ``raised`` (the scene's own spread) raised it."""
    check = CHECKS[name]
    why = f" ({Z:g}× {raised})" if limit > check.threshold * (1 + 1e-9) else ""
    return f"the limit is {check.amount(limit)}{why}"


def explain_score(measures: dict[str, float], limits: dict[str, float], score: float,
                  raised: Mapping[str, str] | None = None) -> str:
    """One sentence saying how ``score`` follows from the worst difference and its limit.

    ``raised`` says, per property, why its limit is above the check's threshold when that
    is not the scene's own spread.
    """
    if not measures:
        return "score 0: nothing could be measured."
    worst = max(measures, key=lambda k: abs(measures[k]) / limits[k])
    ratio = abs(measures[worst]) / limits[worst]
    check = CHECKS[worst]
    head = (f"score {score:.2f} = s / (1 + s), where s = {ratio:.2f} is the largest "
            f"difference divided by its limit ({worst}: {check.amount(measures[worst])}; "
            f"{_limit_phrase(worst, limits[worst], (raised or {}).get(worst, SCENE_SPREAD))})")
    verdict = ("flagged" if ratio >= 1.0 else "not flagged")
    return f"{head}; {verdict}: an item is flagged from 0.5, a difference at its limit."


def _judge(m: ContinuityItem, group: str, ref: Reference, diffs: dict[str, float | None],
           thresholds: dict[str, float], raised: dict[str, str]) -> Finding:
    """One item's finding: the properties past their threshold, worst first, with sentences."""
    measures = {k: float(v) for k, v in diffs.items() if v is not None}
    limits = {k: thresholds[k] for k in measures}
    severity = {k: abs(v) / limits[k] for k, v in measures.items()}
    # Worst first; clipped highlights after the properties measured on the whole picture,
    # whose sentences say more (they back them up, or stand alone where nothing pairs).
    flagged = sorted((k for k, s in severity.items() if s >= 1.0),
                     key=lambda k: (k in HIGHLIGHT_CHECKS, -severity[k]))
    worst = max(severity.values(), default=0.0)
    score = round(worst / (1 + worst), 3)
    reasons = [f"{m.name} is {CHECKS[k].say(m.profile, measures[k])} compared with "
               f"{ref.name}; {_limit_phrase(k, limits[k], raised.get(k, SCENE_SPREAD))}."
               for k in flagged]
    return Finding(m.name, group, bool(flagged), score, reasons, ref.name, measures, flagged,
                   limits=limits, explanation=explain_score(measures, limits, score, raised))


def _attach_fixes(findings: list[Finding], members: list[ContinuityItem], target: str) -> None:
    """A proposed fix toward ``target`` on every flagged finding whose frames are known."""
    by_name = {m.name: m for m in members}
    for f in findings:
        frames = by_name[f.item].frames
        ref_frames = by_name[target].frames
        if f.flag and frames is not None and ref_frames is not None and f.item != target:
            f.fix = propose_fix(frames, ref_frames, target)


def _group_findings(members: list[ContinuityItem], anchor: str | None, group: str,
                    fix: bool) -> list[Finding]:
    ref = _reference(members, anchor, group)
    diffs, thresholds, why = _measure(members, anchor, ref)
    findings = [Finding(m.name, group, False, 0.0, [], "anchor (itself)",
                        {k: float(v) for k, v in diffs[m.name].items() if v is not None},
                        explanation="score 0: the anchor is what the others are compared with.")
                if m.name == anchor else _judge(m, group, ref, diffs[m.name], thresholds[m.name],
                                                why[m.name])
                for m in members]
    if fix and any(f.flag for f in findings):
        _attach_fixes(findings, members, anchor or _medoid(members, diffs, thresholds))
    return findings


def _check_anchors(groups: Mapping[str, list[ContinuityItem]], anchors: Mapping[str, str]
                   ) -> None:
    """Every anchor names a known group and one of its items."""
    for group, name in anchors.items():
        if group not in groups:
            raise ParameterError(f"anchor given for unknown group {group!r}; groups: "
                                 f"{', '.join(sorted(groups))}")
        if name not in {m.name for m in groups[group]}:
            raise ParameterError(f"anchor {name!r} is not in group {group!r}; items: "
                                 f"{', '.join(sorted(m.name for m in groups[group]))}")


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
    _check_anchors(groups, anchors)
    findings = []
    for group, members in groups.items():
        findings.extend(_group_findings(members, anchors.get(group), group, fix))
    return sorted(findings, key=lambda f: f.item)
