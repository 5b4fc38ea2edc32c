"""Proposals for every shot of a title: match each shot to its scene's anchor."""

from __future__ import annotations

import numpy as np
import torch
from tqdm.auto import tqdm

from workbench.errors import TitleError
from workbench.model.framing import ActiveArea, active_area
from workbench.model.match import (
    ShotStats,
    chroma_overlap,
    describe_difference,
    match_cdl,
    matched_pixels,
    shot_stats,
)
from workbench.ops import Pipeline
from workbench.title import Proposal, Shot, Title, add_proposal, shot_working_frames

__all__ = [
    "ANALYSIS_FRAMES",
    "ANALYSIS_WIDTH",
    "MODEL_VERSION",
    "choose_anchor",
    "propose",
    "proposed_strength",
]

MODEL_VERSION = "classical-match/2 (mean-std CDL in ACEScct, shared contrast)"
ANALYSIS_FRAMES = 8     # frames sampled per shot
ANALYSIS_WIDTH = 256    # analysis proxy width in pixels
FULL_CONFIDENCE = 0.5   # at or above this overlap a match is proposed at full strength
MIN_CONFIDENCE = 0.3    # below it, at strength 0


def choose_anchor(stats: dict[str, ShotStats], lengths: dict[str, int]) -> str:
    """The shot most like the rest of its scene (the medoid of the shots' ACEScct means).

    A title card or a one-off insert is far from the others and never chosen; ties go to the
    longer shot, the likely master.
    """
    names = list(stats)
    means = np.stack([stats[n].mean for n in names])
    cost = np.abs(means[:, None, :] - means[None, :, :]).sum(axis=(1, 2))
    return min(names, key=lambda n: (round(float(cost[names.index(n)]), 4), -lengths[n]))


def propose(title: Title, progress: bool = True) -> list[Proposal]:
    """Analyse every shot and store one proposal per shot; anchors get the identity.

    Returns
    -------
    list[Proposal]
        The new proposals, in catalogue order.
    """
    shots = title.shots()
    if not shots:
        raise TitleError(f"{title.root}: no shots to propose for; run `workbench ingest` first")
    samples = {}
    for shot in tqdm(shots, desc="analyse", unit="shot", disable=not progress):
        samples[shot.name] = shot_working_frames(shot, ANALYSIS_FRAMES, ANALYSIS_WIDTH)[1]
    inner = _clip_areas(shots, samples, margin=1)  # statistics: bars and their smeared edge out
    picture = _clip_areas(shots, samples, margin=0)  # blanking: everything that may be picture
    stats = {s.name: shot_stats(samples[s.name], inner[s.clip.id]) for s in shots}
    blanking = {s.name: _full_resolution(picture[s.clip.id], s, samples[s.name]) for s in shots}

    by_scene: dict[str, list[Shot]] = {}
    for shot in shots:
        by_scene.setdefault(shot.scene, []).append(shot)
    proposals = []
    with title.transaction():
        for scene, members in by_scene.items():
            anchor = title.anchor(scene)
            if anchor is None:
                name = choose_anchor({s.name: stats[s.name] for s in members},
                                     {s.name: s.frame_count for s in members})
                anchor = next(s for s in members if s.name == name)
                title.set_anchor(scene, anchor)
            for shot in members:
                proposals.append(_propose_shot(title, shot, anchor, stats, blanking[shot.name]))
    return proposals


def _clip_areas(shots: list[Shot], samples: dict[str, torch.Tensor], margin: int
                ) -> dict[int, ActiveArea]:
    """Each clip's picture area: bars belong to the clip, so the union over its shots."""
    areas: dict[int, ActiveArea] = {}
    for shot in shots:
        a = active_area(samples[shot.name], margin)
        b = areas.get(shot.clip.id, a)
        areas[shot.clip.id] = ActiveArea(min(a.top, b.top), max(a.bottom, b.bottom),
                                         min(a.left, b.left), max(a.right, b.right))
    return areas


def _full_resolution(area: ActiveArea, shot: Shot, sample: torch.Tensor
                     ) -> dict[str, int] | None:
    """``area`` found on the analysis frames, at the clip's size; ``None`` if there are no bars."""
    h, w = sample.shape[-2:]
    full = area.scaled(shot.clip.height, shot.clip.width, h, w)
    return None if full.is_full(shot.clip.height, shot.clip.width) else full.to_dict()


def proposed_strength(confidence: float) -> float:
    """Strength to propose a match at: full when the model is sure, less as it is not.

    Below ``MIN_CONFIDENCE`` (a title card against a stage, say) the match is a guess, so it is
    proposed at 0: nothing changes unless an artist raises it.
    """
    if confidence < MIN_CONFIDENCE:
        return 0.0
    return round(min(1.0, confidence / FULL_CONFIDENCE) * 20) / 20


def _propose_shot(title: Title, shot: Shot, anchor: Shot, stats: dict[str, ShotStats],
                  area: dict[str, int] | None) -> Proposal:
    if shot.id == anchor.id:
        return add_proposal(title, shot, Pipeline(), model_version=MODEL_VERSION, strength=1.0,
                            confidence=1.0, anchor=anchor, active_area=area,
                            summary=f"anchor of scene {shot.scene}: left as shot")
    s, a = stats[shot.name], stats[anchor.name]
    cdl = match_cdl(s, a)
    confidence = chroma_overlap(matched_pixels(s, cdl.values()), a.pixels_cct)
    strength = proposed_strength(confidence)
    summary = describe_difference(s, a, anchor.name)
    if strength == 0.0:
        summary += "; low confidence, proposed at strength 0"
    return add_proposal(title, shot, Pipeline([cdl]), model_version=MODEL_VERSION,
                        strength=strength, confidence=round(confidence, 3), anchor=anchor,
                        summary=summary, active_area=area)
