"""Learning from the artist's decisions: the next proposals move toward what the artist chooses.

The sample title, ingested, its title model trained as the demo trains it and proposing (the
classical mean/std CDL proposes most of the live session at strength 0, where there is nothing
to move). A simulated artist with a
consistent taste adjusts 5 shots of the live-session scene through the same path the app
journals an edit: the proposal's chain plus their own CDL (warmer, shadows lifted, a little less
saturated) at 0.8 of the proposed strength. Then ``propose`` runs again for the other shots and
every shot's new proposal, as rendered at its strength, is compared with what that artist would
choose from the shot's original proposal: mean CIEDE2000 over sampled frames of the shot.
Anchor (same run): the original proposals, without the preference. Goal: the distance at least
halves on the scene's remaining shots. A second entry measures the title's other scenes, which
only the title-level preference reaches.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import torch

from benchmarks.common import entry
from workbench.color import mean_delta_e_2000
from workbench.demo import TRAIN_FRAMES, TRAIN_STEPS
from workbench.model import propose
from workbench.model.train import train_title
from workbench.ops import CDL, Pipeline
from workbench.title import (
    Proposal,
    Title,
    add_proposal,
    decide,
    ingest,
    shot_working_frames,
)
from workbench.title.sample import SAMPLE_ALE, copy_sample_dailies

SCENE = "27 STUDIO"
DECIDED = 5
STRENGTH_RATIO = 0.8
TASTE = CDL(slope_r=1.04, slope_g=1.0, slope_b=0.95, offset_r=0.012, offset_g=0.012,
            offset_b=0.012, saturation=0.94)
FRAMES, WIDTH = 3, 192


def artists_choice(p: Proposal) -> Pipeline:
    """What the simulated artist renders for a shot whose proposal is ``p``."""
    return Pipeline([*p.pipeline, TASTE]).at_strength(STRENGTH_RATIO * p.strength)


def _distance(title: Title, shot: str, proposal: Proposal, choice: Pipeline) -> float:
    frames = shot_working_frames(title.shot(shot), FRAMES, WIDTH)[1]
    return mean_delta_e_2000(proposal.pipeline.at_strength(proposal.strength).apply(frames),
                             choice.apply(frames))


def run() -> list[dict[str, Any]]:
    """Teach 5 shots, re-propose, measure every other graded shot against the artist's choice."""
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        clips = copy_sample_dailies(Path(tmp) / "dailies")
        with Title.create(Path(tmp) / "title", name="preference bench") as title:
            ingest(title, clips, ale=clips[0].parent / SAMPLE_ALE, progress=False)
            train_title(title, seed=0, frames=TRAIN_FRAMES, steps=TRAIN_STEPS, progress=False)
            original = {p.shot: p for p in propose(title, progress=False)}
            graded = [s.name for s in title.shots()
                      if original[s.name].strength > 0 and original[s.name].anchor_shot != s.name]
            in_scene = [n for n in graded if title.shot(n).scene == SCENE]
            taught, held = in_scene[:DECIDED], in_scene[DECIDED:]
            elsewhere = [n for n in graded if title.shot(n).scene != SCENE]
            for name in taught:
                p = original[name]
                edit = add_proposal(title, title.shot(name), Pipeline([*p.pipeline, TASTE]),
                                    model_version=p.model_version, strength=p.strength,
                                    confidence=p.confidence, anchor=title.shot(str(p.anchor_shot)),
                                    summary=f"edited by the artist from proposal {p.id}: CDL",
                                    active_area=p.active_area)
                decide(title, title.shot(name), "adjust", by="bench",
                       strength=round(STRENGTH_RATIO * p.strength, 4), proposal_id=edit.id)
            new = {p.shot: p for p in propose(title, progress=False, only=held + elsewhere)}
            sentence = next(p.summary for p in new.values() if "preference" in (p.details or {}))
            print("new proposal says:", sentence.split("; learned preference: ")[-1])

            def mean(names: list[str], which: dict[str, Proposal]) -> float:
                values = [_distance(title, n, which[n], artists_choice(original[n]))
                          for n in names]
                return sum(values) / len(values) if values else float("nan")

            scene_before, scene_after = mean(held, original), mean(held, new)
            other_before, other_after = mean(elsewhere, original), mean(elsewhere, new)
    print(f"{SCENE}: taught {', '.join(taught)}")
    print(f"{SCENE}: {len(held)} held-out shots, {scene_before:.3f} -> {scene_after:.3f} ΔE2000; "
          f"other scenes: {len(elsewhere)} shots, {other_before:.3f} -> {other_after:.3f}")
    label = "the same proposals without the learned preference (same run)"
    return [
        entry(f"preference_distance_to_artist_de2000[{SCENE}, {DECIDED} decided]", scene_after,
              "ΔE2000", label, scene_before, higher_is_better=False),
        entry(f"preference_distance_to_artist_de2000[other scenes, {DECIDED} decided]",
              other_after, "ΔE2000", label, other_before, higher_is_better=False),
    ]


if __name__ == "__main__":
    from benchmarks.common import write_results

    write_results(run())
