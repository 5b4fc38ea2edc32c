"""Shot matching as a parametric grade: the method registry, MatchGrade, robustness, stability."""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from testkit import shared_path

from workbench.color import convert, delta_e_2000
from workbench.errors import ParameterError, ShapeError
from workbench.interchange.bake import bake_cube
from workbench.model.matching import (
    AUTO_METHOD,
    MATCH_METHODS,
    MatchGrade,
    match_frames,
    register_method,
    resolve_method,
)
from workbench.model.matching.temporal import flicker_delta_e, sample_frame_indices, static_mask
from workbench.model.matching.transfer import BRADFORD, _acescg_to_xyz
from workbench.ops import Pipeline
from workbench.ops.lut_interpolation import apply_cube

DATA = shared_path()


def photo(name: str, width: int = 160) -> torch.Tensor:
    """A real photo as ``(1, 3, H, W)`` ACEScg, ``width`` wide."""
    bgr = cv2.imread(str(DATA / "photo" / name), cv2.IMREAD_COLOR)
    assert bgr is not None, f"missing {name}"
    h, w = bgr.shape[:2]
    bgr = cv2.resize(bgr, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255
    img = torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous()
    return convert(img, "sRGB", "ACEScg")


def light(gains: tuple[float, float, float]) -> torch.Tensor:
    """A light change: von Kries gains in Bradford LMS, as an ACEScg matrix."""
    cone = BRADFORD @ _acescg_to_xyz()
    return (torch.linalg.inv(cone) @ torch.diag(torch.tensor(gains, dtype=torch.float64))
            @ cone).float()


def relit(img: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ij,njhw->nihw", matrix, img).contiguous()


@pytest.fixture(autouse=True, scope="module")
def eager() -> object:
    """Eager CDL/LUT maths: compiling the fast path costs more than these small images save."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_NO_COMPILE", "1")
        yield


@pytest.fixture(scope="module")
def coffee() -> torch.Tensor:
    return photo("skimage_coffee.png")


@pytest.fixture(scope="module")
def warm_grade(coffee: torch.Tensor) -> tuple[torch.Tensor, MatchGrade]:
    shot = relit(coffee, light((1.5, 1.1, 0.6)))  # warmer and brighter: tungsten-ish
    return shot, match_frames(shot, coffee)


def test_registry_names_and_errors() -> None:
    assert {"von-kries", "mkl", "reinhard", "histogram", "mean-std", "title"} <= set(MATCH_METHODS)
    assert resolve_method("auto").name == AUTO_METHOD
    with pytest.raises(ParameterError, match=r"unknown match method 'nope'; known: auto, .*mkl"):
        resolve_method("nope")
    with pytest.raises(ParameterError, match="needs a trained title model"):
        resolve_method("title")
    with pytest.raises(ParameterError, match="already registered"):
        register_method("mkl", MATCH_METHODS["mkl"].fit)
    with pytest.raises(ParameterError, match="not 'auto'"):
        register_method("auto", MATCH_METHODS["mkl"].fit)


def test_a_method_registered_from_outside_is_used(coffee: torch.Tensor) -> None:
    seen = []

    def halve(inputs):
        seen.append(inputs.shot_pixels.shape)
        return lambda lin: lin * 0.5

    register_method("test-halve", halve)
    try:
        grade = match_frames(coffee, coffee, "test-halve")
    finally:
        del MATCH_METHODS["test-halve"]
    assert seen and grade.method == "test-halve"
    out = grade.apply(coffee)
    assert torch.allclose(out, coffee * 0.5, rtol=0.01, atol=1e-3)


def test_title_without_model_fails_clearly(coffee: torch.Tensor) -> None:
    with pytest.raises(ParameterError, match="'title' needs a trained title model"):
        match_frames(coffee, coffee, "title")


def test_relit_photo_is_matched_back_below_one_delta_e(
        coffee: torch.Tensor, warm_grade: tuple[torch.Tensor, MatchGrade]) -> None:
    shot, grade = warm_grade
    before = float(delta_e_2000(shot, coffee).mean())
    after = float(delta_e_2000(grade.apply(shot), coffee).mean())
    mkl = float(delta_e_2000(match_frames(shot, coffee, "mkl").apply(shot), coffee).mean())
    assert before > 5 and after < 1.0 and after < mkl
    assert grade.method == AUTO_METHOD and 0.5 < grade.confidence <= 1.0
    assert "warmer" in grade.summary or "brighter" in grade.summary


def test_pipeline_round_trip_and_content_addressed_cube(
        tmp_path: Path, warm_grade: tuple[torch.Tensor, MatchGrade]) -> None:
    shot, grade = warm_grade
    pipeline = grade.pipeline(tmp_path / "luts")
    lut_path = Path(pipeline.to_dict()["operators"][1]["params"]["path"])
    assert lut_path.name == hashlib.sha256(lut_path.read_bytes()).hexdigest() + ".cube"
    assert grade.pipeline(tmp_path / "luts") == pipeline  # same content, same file
    again = Pipeline.from_json(pipeline.to_json())
    assert again == pipeline
    direct, via_json = grade.apply(shot), again.apply(shot)
    assert float(delta_e_2000(direct, via_json).max()) < 0.01
    # Strength 0 is the identity, bit for bit, through the pipeline too.
    assert torch.equal(grade.apply(shot, 0.0), shot)
    assert torch.equal(grade.pipeline(tmp_path / "luts", 0.0).apply(shot), shot)
    # Baked to one .cube (as export does), the grade is the same grade.
    baked = apply_cube(convert(shot, "ACEScg", "ACEScct"), bake_cube(pipeline))
    assert float(delta_e_2000(convert(baked, "ACEScct", "ACEScg"), direct).mean()) < 0.3


def test_write_cdl(tmp_path: Path, warm_grade: tuple[torch.Tensor, MatchGrade]) -> None:
    from workbench.interchange import read_cdl_file

    _, grade = warm_grade
    path = grade.write_cdl(tmp_path / "match.cc")
    (entry,) = read_cdl_file(path)
    assert np.allclose(entry.values.slope, grade.cdl.slope, atol=1e-5)
    assert np.allclose(entry.values.offset, grade.cdl.offset, atol=1e-5)


def test_hard_inputs_give_finite_grades(coffee: torch.Tensor) -> None:
    flat = torch.full((1, 3, 24, 32), 0.18)
    tiny = coffee[..., :2, :2].contiguous()
    barred = coffee.clone()
    barred[..., :20, :] = 0.0
    barred[..., -20:, :] = 0.0
    clipped = relit(coffee, light((4.0, 4.0, 4.0))).clamp(max=1.0)
    holes = coffee.clone()
    holes[..., 5, 5] = float("nan")
    for shot, ref in [(flat, coffee), (coffee, flat), (tiny, coffee), (barred, coffee),
                      (clipped, coffee), (holes, coffee)]:
        grade = match_frames(shot, ref)
        assert bool(torch.isfinite(grade.apply(torch.nan_to_num(shot))).all())
        assert 0.0 <= grade.confidence <= 1.0
    assert match_frames(flat, coffee).confidence < 0.5  # nothing to measure: unsure
    # Black bars are found and left out: the match is as good as without them.
    truth = relit(coffee, light((1.2, 1.0, 0.8)))
    with_bars = truth.clone()
    with_bars[..., :20, :] = 0.0
    with_bars[..., -20:, :] = 0.0
    inside = truth[..., 20:-20, :].contiguous()  # the same picture, without the bars
    a, b = match_frames(with_bars, coffee), match_frames(inside, coffee)
    assert float(delta_e_2000(a.apply(truth), b.apply(truth)).mean()) < 0.3


@pytest.mark.parametrize("method", ["mkl", "reinhard", "histogram", "mean-std"])
def test_every_method_survives_a_hard_frame(method: str, coffee: torch.Tensor) -> None:
    hard = relit(coffee, light((3.0, 3.0, 3.0))).clamp(max=1.0)
    hard[..., :10, :] = 0.0
    hard[..., 30, 30] = float("nan")
    for shot, ref in [(hard, coffee), (torch.full((1, 3, 8, 8), 0.18), coffee)]:
        grade = match_frames(shot, ref, method)
        assert bool(torch.isfinite(grade.apply(torch.nan_to_num(shot))).all()), method
        assert 0.0 <= grade.confidence <= 1.0


def test_bad_frames_raise() -> None:
    with pytest.raises(ShapeError, match=r"shot must be \(N, 3, H, W\)"):
        match_frames(torch.rand(3, 8, 8), torch.rand(1, 3, 8, 8))
    with pytest.raises(ShapeError, match="reference is empty"):
        match_frames(torch.rand(1, 3, 8, 8), torch.rand(0, 3, 8, 8))


def test_one_grade_per_shot_does_not_flicker() -> None:
    from workbench.io import read_movie_frames

    frames = [rgb for i, rgb in read_movie_frames(DATA / "video" / "opencv_vtest.avi", 0, 24,
                                                  max_width=160) if i % 3 == 0]
    batch = torch.from_numpy(np.stack(frames).astype(np.float32) / 255).permute(0, 3, 1, 2)
    original = convert(batch.contiguous(), "sRGB", "ACEScg")
    shot = relit(original, light((1.3, 1.0, 0.7)))
    grade = match_frames(shot[::3], original[:1])  # fitted on frames sampled across the shot
    matched = grade.apply(shot)
    mask = static_mask(original)
    assert 0.3 < float(mask.double().mean()) < 1.0  # walkers move, the walkway does not
    floor = flicker_delta_e(original, mask)
    assert flicker_delta_e(matched, mask) < floor + 0.1
    assert sample_frame_indices(100, 8) == [0, 14, 28, 42, 57, 71, 85, 99]
    assert sample_frame_indices(3, 8) == [0, 1, 2] and sample_frame_indices(0) == []
