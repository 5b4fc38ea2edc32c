"""A plain-CDL decision renders on OpenColorIO alone, with the pixels of the operator chain."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import torch
from testkit import letterboxed_title

import workbench.render as render_module
from workbench.color import convert_array
from workbench.demo import sample_dir
from workbench.io import read_image, read_movie_frames, write_prores
from workbench.model import MODEL_VERSION
from workbench.ops import CDL, Pipeline
from workbench.render import BATCH, render
from workbench.title import Title, accepted_decisions, add_proposal, decide, ingest


def test_plain_cdl_renders_on_ocio_with_the_operators_pixels(tmp_path: Path, monkeypatch):
    """Letterboxed shot, CDL at strength 0.6, frames = 2 batches + 1 (a one-frame last batch).

    The grade goes through one OCIO processor (torch's grade is never called) and every frame,
    the last one of its batch included, holds what the CDL operator in torch gives, within
    half-float rounding, with the bars converted but not graded.
    """
    count = 2 * BATCH + 1
    cdl = CDL(slope_r=1.3, slope_g=1.1, slope_b=0.9, offset_r=0.05, offset_g=0.02,
              offset_b=-0.03, power_r=1.2, power_g=0.9, power_b=1.0, saturation=1.3)
    movie, area = letterboxed_title(tmp_path, 340 + count, Pipeline([cdl]), strength=0.6)
    with Title.open(tmp_path / "title") as title:
        (shot, decision), = accepted_decisions(title)
        clip = shot.clip
        frames_in = [f for _, f in read_movie_frames(movie, depth=32)]
        torch_grade = render_module.apply_decided

        def refuse(*args: object, **kwargs: object) -> torch.Tensor:
            raise AssertionError("a plain CDL was graded in torch")

        monkeypatch.setattr(render_module, "apply_decided", refuse)
        exr = render(title, tmp_path / "exr", "exr", progress=False)[0]
        working = convert_array(np.stack(frames_in), clip.input_space, "ACEScg")
        img = torch.from_numpy(working).permute(0, 3, 1, 2).contiguous()
        expected = torch_grade(decision, img, "ACEScg", clip).permute(0, 2, 3, 1).numpy()
    files = sorted(exr.path.glob("*.exr"))
    assert len(files) == count
    top = area["top"]
    for i, path in enumerate(files):
        rgb, _ = read_image(path)
        np.testing.assert_allclose(rgb, expected[i], rtol=1e-3, atol=1e-4,
                                   err_msg=f"{path.name}")
        np.testing.assert_allclose(rgb[:top], working[i, :top], rtol=1e-3, atol=1e-4,
                                   err_msg=f"{path.name}: bars")
    # The grade did something: the picture area is not the ungraded conversion.
    assert np.abs(expected[-1, top:area["bottom"]] - working[-1, top:area["bottom"]]).max() > 0.05


def test_frames_graded_on_ocio_do_not_count_towards_compiling(tmp_path: Path, monkeypatch):
    """torch kernels compile once the frames they will grade pay for it: a plain CDL's are not
    theirs, so a render of plain CDLs announces no torch work (no compile of seconds for none)."""
    from contextlib import contextmanager

    announced: list[int] = []
    real = render_module.planned_work

    @contextmanager
    def spy(frames: int):
        announced.append(frames)
        with real(frames):
            yield

    monkeypatch.setattr(render_module, "planned_work", spy)
    frames = [f.astype(np.float32) / 255 for _, f in
              read_movie_frames(sample_dir() / "bikes.mp4", 0, 6, max_width=160)]
    movie = tmp_path / "bikes.mov"
    write_prores(movie, frames, Fraction(24))
    with Title.create(tmp_path / "title") as title:
        ingest(title, [movie], progress=False)
        shot = title.shot("bikes_001")
        add_proposal(title, shot, Pipeline([CDL(slope_r=1.2)]), model_version=MODEL_VERSION,
                     strength=1.0, confidence=1.0, summary="test: a plain CDL")
        decide(title, shot, "accept")
        delivered = render(title, tmp_path / "exr", "exr", progress=False)
    assert delivered[0].frames == 6
    assert announced == [0]
