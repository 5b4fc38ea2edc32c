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

__all__ = ["ANALYSIS_FRAMES", "ANALYSIS_WIDTH", "MODEL_VERSION", "choose_anchor", "propose"]

MODEL_VERSION = "classical-match/2 (mean-std CDL in ACEScct, shared contrast)"
ANALYSIS_FRAMES = 8     # frames sampled per shot
ANALYSIS_WIDTH = 256    # analysis proxy width in pixels
FULL_CONFIDENCE = 0.5   # at or above this overlap a match is proposed at full strength


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
    # Letterbox bars belong to the clip, not the shot: take the union of what each shot shows.
    areas: dict[int, ActiveArea] = {}
    for shot in shots:
        a = active_area(samples[shot.name])
        b = areas.get(shot.clip.id, a)
        areas[shot.clip.id] = ActiveArea(min(a.top, b.top), max(a.bottom, b.bottom),
                                         min(a.left, b.left), max(a.right, b.right))
    stats = {s.name: shot_stats(samples[s.name], areas[s.clip.id]) for s in shots}

    by_scene: dict[str, list[Shot]] = {}
    for shot in shots:
        by_scene.setdefault(shot.scene, []).append(shot)
    proposals = []
    with title.transaction():
        _store_active_areas(title, shots, areas, samples)
        for scene, members in by_scene.items():
            anchor = title.anchor(scene)
            if anchor is None:
                name = choose_anchor({s.name: stats[s.name] for s in members},
                                     {s.name: s.frame_count for s in members})
                anchor = next(s for s in members if s.name == name)
                title.set_anchor(scene, anchor)
            for shot in members:
                proposals.append(_propose_shot(title, shot, anchor, stats))
    return proposals


def _store_active_areas(title: Title, shots: list[Shot], areas: dict[int, ActiveArea],
                        samples: dict[str, torch.Tensor]) -> None:
    """Record each clip's picture area, found on the analysis proxy, at full resolution.

    Render uses it to keep letterbox bars as shot.
    """
    done: set[int] = set()
    for shot in shots:
        if shot.clip.id in done:
            continue
        h, w = samples[shot.name].shape[-2:]
        full = areas[shot.clip.id].scaled(shot.clip.height, shot.clip.width, h, w)
        title.update_clip_metadata(shot.clip, active_area=full.to_dict())
        done.add(shot.clip.id)


def _propose_shot(title: Title, shot: Shot, anchor: Shot, stats: dict[str, ShotStats]
                  ) -> Proposal:
    if shot.id == anchor.id:
        return add_proposal(title, shot, Pipeline(), model_version=MODEL_VERSION, strength=1.0,
                            confidence=1.0, anchor=anchor,
                            summary=f"anchor of scene {shot.scene}: left as shot")
    s, a = stats[shot.name], stats[anchor.name]
    cdl = match_cdl(s, a)
    confidence = chroma_overlap(matched_pixels(s, cdl.values()), a.pixels_cct)
    # A match the model is unsure of is proposed gently; the artist can still raise it.
    strength = round(min(1.0, confidence / FULL_CONFIDENCE) * 20) / 20
    return add_proposal(title, shot, Pipeline([cdl]), model_version=MODEL_VERSION,
                        strength=strength, confidence=round(confidence, 3), anchor=anchor,
                        summary=describe_difference(s, a, anchor.name))
