"""Lighting proposals on a real photograph relit by a lamp: fitted, editable, serialisable."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from testkit import shared_path

from workbench.color import convert, delta_e_2000
from workbench.model.lighting import add_lighting, fit_lighting
from workbench.model.matching import match_frames
from workbench.ops import Pipeline, Relight

DATA = shared_path()


def _photo(name: str, width: int = 128) -> torch.Tensor:
    rgb = cv2.cvtColor(cv2.imread(str(DATA / "photo" / name)), cv2.COLOR_BGR2RGB)
    h = round(rgb.shape[0] * width / rgb.shape[1])
    small = cv2.resize(rgb, (width, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    return convert(torch.from_numpy(small).permute(2, 0, 1)[None].contiguous(), "sRGB",
                   "ACEScg")


def _lamp(img: torch.Tensor) -> torch.Tensor:
    """A lamp off the left edge plus a fill, in linear light: the left about 1 stop hotter."""
    h, w = img.shape[-2:]
    ys, xs = torch.meshgrid((torch.arange(h) + 0.5) / h, (torch.arange(w) + 0.5) / w,
                            indexing="ij")
    dx, dy = (xs + 0.3) * w / h, ys - 0.5
    e = 0.6 / (dx * dx + dy * dy + 0.36) ** 1.5
    gain = 0.3 + e / e.median()
    return img * (gain / gain.median())


@pytest.fixture(scope="module")
def coffee() -> torch.Tensor:
    return _photo("skimage_coffee.png")


@pytest.fixture(scope="module")
def relit(coffee: torch.Tensor) -> tuple[Pipeline, Pipeline, str]:
    """The global grade (von Kries) of the relit coffee, and that grade with lighting."""
    shot = _lamp(coffee)
    grade = match_frames(shot, coffee, "mean-std").pipeline(DATA)  # plain CDL: writes nothing
    lit, note = add_lighting(grade, shot, coffee)
    return grade, lit, note


def _de(pipeline: Pipeline, shot: torch.Tensor, anchor: torch.Tensor) -> float:
    return float(delta_e_2000(pipeline.apply(shot), anchor).mean())


def test_fitted_lighting_beats_the_global_grade_on_a_relit_real_frame(coffee, relit):
    grade, lit, note = relit
    shot = _lamp(coffee)
    assert any(isinstance(op, Relight) for op in lit)
    lamp = next(op for op in lit if isinstance(op, Relight))
    assert lamp.stops < 0 and lamp.centre_x < 0.5  # it dims the hot left side
    assert "Relight" in note and "light error" in note
    global_de, lit_de = _de(grade, shot, coffee), _de(lit, shot, coffee)
    assert lit_de < 0.5 * global_de, (lit_de, global_de)


def test_each_lighting_operator_follows_the_strength_and_zero_is_identity(coffee, relit):
    _, lit, _ = relit
    shot = _lamp(coffee)
    assert torch.equal(lit.at_strength(0.0).apply(shot), shot)
    half = lit.at_strength(0.5)
    lamp = next(op for op in half if isinstance(op, Relight))
    assert lamp.strength == 0.5 and lamp.with_params(strength=1.0).stops == lamp.stops
    assert not torch.equal(half.apply(shot), lit.apply(shot))


def test_the_proposal_round_trips_through_versioned_json(coffee, relit):
    _, lit, _ = relit
    data = lit.to_dict()
    assert {"Relight.1", "CDL.1"} <= {op["schema"] for op in data["operators"]}
    back = Pipeline.from_json(lit.to_json())
    assert back == lit
    shot = _lamp(coffee)
    assert torch.equal(back.apply(shot), lit.apply(shot))


def test_no_lighting_when_the_shape_already_matches_or_the_views_differ(coffee):
    brighter = coffee * 2.0 ** 0.4          # a level, not a shape: the grade's job
    grade = match_frames(brighter, coffee, "mean-std").pipeline(DATA)
    assert add_lighting(grade, brighter, coffee) == (grade, "")
    other = _photo("skimage_astronaut.png", width=128)[..., :coffee.shape[-2], :]
    fit = fit_lighting(_lamp(other), coffee)
    assert fit.operators == [] and not fit.same_view
