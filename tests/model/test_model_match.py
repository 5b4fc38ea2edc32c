"""The classical shot match on real footage with physically simulated lighting mismatches."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench.color import mean_delta_e_2000, to_working
from workbench.demo import sample_dir
from workbench.io import read_movie_frames
from workbench.model.framing import active_area
from workbench.model.matching import describe_difference, match_cdl, shot_stats
from workbench.ops import Exposure, Pipeline, WhiteBalance


def frames(name: str, start: int, stop: int, step: int) -> torch.Tensor:
    rgb = [f.astype(np.float32) / 255 for _, f in
           read_movie_frames(sample_dir() / name, start, stop, step, max_width=256)]
    return to_working(torch.from_numpy(np.stack(rgb)).permute(0, 3, 1, 2).contiguous(), "Rec.709")


@pytest.mark.parametrize(("stops", "kelvin"), [(-0.7, 6500.0), (0.0, 4500.0), (0.5, 8000.0)])
def test_match_undoes_a_lighting_change(stops: float, kelvin: float):
    """A shot re-lit in linear light (exposure in stops, a white-balance shift) is matched back."""
    anchor = frames("bikes.mp4", 190, 250, 8)      # the anchor shot of the sample's street scene
    relight = Pipeline(
        [Exposure(stops=stops), WhiteBalance(source_kelvin=6500, target_kelvin=kelvin)]
    )
    shot = relight.apply(anchor)
    before = mean_delta_e_2000(shot, anchor)
    cdl = match_cdl(shot_stats(shot), shot_stats(anchor))
    after = mean_delta_e_2000(Pipeline([cdl]).apply(shot), anchor)
    assert before > 2.0
    assert after < 0.35 * before and after < 1.5, (before, after)


def test_describe_difference_reads_like_a_colourist():
    anchor = frames("bikes.mp4", 190, 250, 8)
    darker = Exposure(stops=-0.6).apply(anchor)
    sentence = describe_difference(shot_stats(darker), shot_stats(anchor), "bikes_005")
    assert sentence.startswith("0.6 stop darker") and sentence.endswith("than anchor bikes_005")


def test_letterbox_is_found_and_ignored():
    live = frames("livesession.mp4", 250, 360, 10)
    area = active_area(live)
    assert area.top > 10 and area.bottom < live.shape[-2] - 10    # letterboxed 176x144
    assert area.left == 0 and area.right == live.shape[-1]
    # Bars are black whatever the grade, so stats inside the area see the picture only.
    inside = shot_stats(live, area)
    whole = shot_stats(live)
    assert inside.mean.mean() > whole.mean.mean()


def test_unsure_matches_are_proposed_gently():
    from workbench.model.propose import proposed_strength

    assert proposed_strength(0.9) == 1.0
    assert proposed_strength(0.4) == 0.8
    assert proposed_strength(0.19) == 0.0  # a guess: nothing changes unless an artist says so
