"""Learning from the artist's decisions on a tiny real title: measured, shrunk, applied, said."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from workbench.cli import main
from workbench.model import propose
from workbench.model.preference import PRIOR, learn_preference, probe_colours
from workbench.ops import CDL, Pipeline
from workbench.title import Title, add_proposal, decide, latest_proposal

WARM = CDL(slope_r=1.04, slope_b=0.95, offset_r=0.01, offset_g=0.01, offset_b=0.01)


def make_title(root: Path, dailies: Path) -> Path:
    assert main(["-q", "init", str(root), "--name", "Tiny"]) == 0
    assert main(["-q", "ingest", str(root), str(dailies / "street.mov"),
                 str(dailies / "face.mov")]) == 0
    return root


def artist_edit(title: Title, shot: str, strength: float) -> None:
    """What the app journals when an artist adds a warm lift and lowers the strength."""
    proposal = latest_proposal(title, title.shot(shot))
    assert proposal is not None and proposal.strength > 0
    edited = add_proposal(title, title.shot(shot), Pipeline([*proposal.pipeline, WARM]),
                          model_version=proposal.model_version, strength=proposal.strength,
                          confidence=proposal.confidence,
                          summary=f"edited by the artist from proposal {proposal.id}: CDL added",
                          anchor=title.shot(str(proposal.anchor_shot)))
    decide(title, title.shot(shot), "adjust", strength=strength * proposal.strength,
           proposal_id=edited.id, by="ana")


@pytest.fixture
def title(tiny_dailies: Path, tmp_path: Path):
    with Title.open(make_title(tmp_path / "title", tiny_dailies)) as t:
        propose(t, progress=False, method="mean-std")
        yield t


def test_no_adjust_no_preference_and_an_accept_teaches_nothing(title):
    decide(title, title.shot("street_002"), "accept", by="ana")
    pref = learn_preference(title, title.shot("street_002").scene)
    assert pref.empty and pref.sentence() == ""
    again = {p.shot: p for p in propose(title, progress=False, method="mean-std")}
    assert "preference" not in (again["street_002"].details or {})
    assert "learned preference" not in again["street_002"].summary


def test_an_adjust_is_measured_shrunk_and_applied_to_the_next_proposal(title):
    before = latest_proposal(title, title.shot("street_002"))
    assert before is not None
    artist_edit(title, "street_002", strength=0.5)
    pref = learn_preference(title, title.shot("street_002").scene)
    # One decision: a third of the way (1 / (1 + PRIOR)) toward what the artist did.
    w = 1 / (1 + PRIOR)
    assert pref.title_decisions == pref.scene_decisions == 1
    assert pref.strength_ratio == pytest.approx(math.exp(w * math.log(0.5)), abs=1e-6)
    # The artist's CDL as it stands in their chain (the slider blends it with the rest).
    assert pref.slope[0] == pytest.approx(1 + w * 0.04, abs=2e-3)
    assert pref.slope[2] == pytest.approx(1 - w * 0.05, abs=2e-3)
    assert pref.offset[1] == pytest.approx(w * 0.01, abs=1e-3)
    assert pref.kelvin_shift() < -25  # warmer
    sentence = pref.sentence()
    assert sentence.startswith("warmer by ") and "as you adjusted 1 shot of this scene" in sentence

    new = {p.shot: p for p in propose(title, progress=False, method="mean-std")}["street_002"]
    assert new.strength == pytest.approx(before.strength * pref.strength_ratio, abs=1e-3)
    assert "learned preference: warmer by" in new.summary
    record = new.details["preference"]
    assert record["decisions"] == pref.decisions and record["strength_before"] == before.strength
    # The new proposal is the old chain then the preference's look, all at the new strength.
    px = probe_colours().T.reshape(1, 3, -1, 1).contiguous()
    old_then_look = Pipeline([CDL(slope_r=pref.slope[0], slope_g=pref.slope[1],
                                  slope_b=pref.slope[2], offset_r=pref.offset[0],
                                  offset_g=pref.offset[1], offset_b=pref.offset[2],
                                  saturation=pref.saturation)]).at_strength(new.strength).apply(
        before.pipeline.at_strength(new.strength).apply(px))
    assert torch.allclose(new.pipeline.at_strength(new.strength).apply(px), old_then_look,
                          atol=2e-4)
    # Stored with the proposal, read back from the catalog as JSON.
    row = title.db.execute("SELECT details FROM proposals WHERE id=?", (new.id,)).fetchone()
    assert json.loads(row[0])["preference"]["scene"] == title.shot("street_002").scene


def test_an_anchor_is_still_left_as_shot(title):
    artist_edit(title, "street_002", strength=0.5)
    anchors = [p for p in propose(title, progress=False, method="mean-std")
               if p.anchor_shot == p.shot]
    assert anchors and all(len(p.pipeline) == 0 and p.details is None for p in anchors)
