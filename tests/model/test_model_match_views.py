"""Matching across views: correspondences, the change of light fitted on them, the choice by
held-out residual, and confidence that orders matches by their error.

The views are real (OpenCV's rubberwhale frames 1 and 2: a still life, small motion; graf 1:
a graffiti wall); the relight is simulated physically in linear light (exposure, a Bradford
chromatic adaptation with tint, contrast as a power about mid grey), since no real pair of
one scene under two measured lights exists in the shared data.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from testkit import one_thread, shared_path  # noqa: F401  (one_thread: autouse fixture)

from workbench.color import convert, mean_delta_e_2000
from workbench.model.matching import MATCH_METHODS, MatchInputs, match_frames, sample_pixels
from workbench.model.matching.correspond import (
    find_correspondences,
    fit_light,
    weighted_delta_e,
)
from workbench.model.matching.select import choose
from workbench.ops import Exposure, Pipeline

RUBBERWHALE = (shared_path("pairs", "opencv_rubberwhale1.png"),
               shared_path("pairs", "opencv_rubberwhale2.png"))
GRAF = shared_path("pairs", "opencv_graf1.png")


def photo(path, width: int = 192) -> torch.Tensor:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    h, w = bgr.shape[:2]
    bgr = cv2.resize(bgr, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255
    return convert(torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous(), "sRGB", "ACEScg")


def relight(img: torch.Tensor, stops: float, warm: float, contrast: float) -> torch.Tensor:
    """Exposure and a von Kries white balance (Bradford, 6500 K to ``warm``), then contrast."""
    from workbench.ops import WhiteBalance

    lin = Pipeline([Exposure(stops=stops),
                    WhiteBalance(source_kelvin=6500, target_kelvin=warm)]).apply(img)
    return torch.where(lin > 0, 0.18 * (lin.clamp_min(1e-12) / 0.18) ** contrast, lin)


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman's rank correlation (no ties expected among these floats)."""
    def ranks(values: list[float]) -> np.ndarray:
        r = np.empty(len(values))
        r[np.argsort(values)] = np.arange(len(values))
        return r

    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


@pytest.fixture(scope="module")
def views() -> tuple[torch.Tensor, torch.Tensor]:
    return photo(RUBBERWHALE[0]), photo(RUBBERWHALE[1])


def test_views_fit_recovers_a_known_relight_across_a_real_view_pair(views):
    """A relight von Kries cannot undo (contrast 1.25 with it) is undone through the other view."""
    view, other = views
    shot = relight(view, 0.4, 4500.0, 1.25)
    pairs = find_correspondences(shot, other)
    assert pairs is not None and pairs.inliers >= 100 and pairs.shot.shape[0] > 10_000
    fitted = fit_light(pairs.shot, pairs.reference, pairs.weight)
    assert abs(fitted.contrast - 1 / 1.25) < 0.04, fitted.contrast
    before = mean_delta_e_2000(shot, view)
    ours = mean_delta_e_2000(match_frames(shot, other, "views").apply(shot), view)
    vk = mean_delta_e_2000(match_frames(shot, other, "von-kries").apply(shot), view)
    mkl = mean_delta_e_2000(match_frames(shot, other, "mkl").apply(shot), view)
    print(f"as shot {before:.2f}, views {ours:.2f}, von Kries {vk:.2f}, MKL {mkl:.2f}")
    assert before > 5.0
    assert ours < 0.6 and ours < 0.5 * vk and ours < mkl, (ours, vk, mkl)


def test_views_that_share_nothing_give_no_pairs_and_views_falls_back(views):
    view, _ = views
    wall = photo(GRAF)
    assert find_correspondences(view, wall) is None
    shot = Exposure(stops=-0.5).apply(view)
    fallback = match_frames(shot, wall, "views").apply(shot)
    assert torch.equal(fallback, match_frames(shot, wall, "von-kries").apply(shot))
    same = find_correspondences(view, view)
    assert same is not None  # a view with itself: pairs agree up to the flow's sub-pixel slack
    assert weighted_delta_e(same.shot, same.reference, same.weight) < 0.2


def test_choice_by_held_out_residual_never_keeps_a_wrong_candidate(views):
    """The learned matcher's guard: a candidate that is wrong on the shared pixels loses."""
    view, other = views
    for stops, warm, contrast in ((-0.6, 8000.0, 1.0), (0.3, 4000.0, 0.85)):
        shot = relight(view, stops, warm, contrast)
        inputs = MatchInputs(shot, other, sample_pixels(shot), sample_pixels(other, seed=1),
                             pairs=find_correspondences(shot, other))
        truth = {}
        candidates = {name: MATCH_METHODS[name].fit(inputs) for name in ("views", "von-kries")}
        candidates["network"] = Pipeline([Exposure(stops=1.0)])  # a wrong answer
        for name, fitted in candidates.items():
            out = match_frames(shot, other, name).apply(shot) if name != "network" \
                else fitted.apply(shot)
            truth[name] = mean_delta_e_2000(out, view)
        chosen = choose(inputs, candidates)
        assert chosen.name != "network" and set(chosen.scores) == set(candidates)
        # Within what a residual on real, slightly misaligned pairs can resolve (0.1 ΔE2000).
        assert truth[chosen.name] <= min(truth.values()) + 0.1, (chosen.name, truth)


def test_confidence_orders_matches_by_their_error(views):
    """Higher confidence, lower error: Spearman >= 0.6 over methods and relights."""
    view, other = views
    confidence, error = [], []
    for stops, warm, contrast in ((0.5, 3600.0, 1.0), (-0.4, 9000.0, 1.2)):
        shot = relight(view, stops, warm, contrast)
        for method in ("views", "von-kries", "mkl", "reinhard"):
            grade = match_frames(shot, other, method)
            confidence.append(grade.confidence)
            error.append(mean_delta_e_2000(grade.apply(shot), view))
            assert "held-out residual" in grade.summary
    rho = spearman(confidence, [-e for e in error])
    assert rho >= 0.6, list(zip(confidence, error, strict=True))
    # Without shared surfaces a match is a guess, and says so.
    unsure = match_frames(Exposure(stops=-0.5).apply(view), photo(GRAF), "views")
    assert unsure.confidence <= 0.5 and "share no surface" in unsure.summary


def test_a_flexible_fit_is_chosen_only_when_it_clearly_beats_von_kries(views):
    """Parsimony: a pure change of light keeps von Kries, the exact model of it, where the
    smallest residual alone chose the ten-parameter fit on the shared pixels (twice von
    Kries' error); a contrast change von Kries cannot undo keeps that fit. Each candidate
    fitted on the shared pixels is scored as refitted on half the tiles."""
    from workbench.model.matching.correspond import split

    astronaut = photo(shared_path("photo", "skimage_astronaut.png"))
    view, _ = views
    for picture, stops, warm, contrast, expected in (
            (astronaut, -1.0, 6500.0, 1.0, "von-kries"),
            (astronaut, -1.3, 9000.0, 1.0, "von-kries"),
            (view, 0.4, 4500.0, 1.25, "views")):
        shot = relight(picture, stops, warm, contrast)
        inputs = MatchInputs(shot, picture, sample_pixels(shot), sample_pixels(picture, seed=1),
                             pairs=find_correspondences(shot, picture))
        assert inputs.pairs is not None
        candidates = {name: MATCH_METHODS[name].fit(inputs) for name in ("views", "von-kries")}
        fit_on = split(inputs.pairs)[0]
        held_out = {"views": fit_light(fit_on.shot, fit_on.reference, fit_on.weight)}
        chosen = choose(inputs, candidates, held_out)
        truth = {name: mean_delta_e_2000(match_frames(shot, picture, name).apply(shot), picture)
                 for name in candidates}
        assert chosen.name == expected, (stops, warm, contrast, chosen.scores, truth)
        assert truth[chosen.name] <= min(truth.values()) + 0.01, truth
