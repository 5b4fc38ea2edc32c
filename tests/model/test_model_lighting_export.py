"""A proposal with lighting operators renders whole, and exports the rest of it as a .cube."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from workbench.color import convert_array
from workbench.demo import sample_dir
from workbench.export import export_delivery
from workbench.io import read_image, read_movie_frames
from workbench.ops import CDL, Pipeline, Relight, ShadowsHighlights
from workbench.render import render
from workbench.title import Title, add_proposal, decide, ingest


def test_a_lighting_grade_renders_whole_and_exports_its_global_part(tmp_path: Path):
    lamp = Relight(centre_x=-0.3, centre_y=0.5, radius=0.2, falloff=1.2, stops=-1.0)
    grade = Pipeline([CDL(slope_r=1.1), lamp, ShadowsHighlights(shadows=0.2)])
    with Title.create(tmp_path / "title") as title:
        ingest(title, [sample_dir() / "carphone.mp4"], progress=False)
        shot = title.shot("carphone_001")
        proposal = add_proposal(title, shot, grade, model_version="test/1", strength=1.0,
                                confidence=1.0, summary="a CDL and a lamp")
        decide(title, shot, "accept", proposal_id=proposal.id)
        exr = render(title, tmp_path / "renders", "exr", progress=False)[0]
        export_delivery(title, tmp_path / "handoff")   # refused a Relight before

    grades = tmp_path / "handoff" / "grades"
    assert sorted(p.name for p in grades.iterdir()) == ["carphone_001.cc", "carphone_001.cube"]
    cc = (grades / "carphone_001.cc").read_text()
    assert "Relight, ShadowsHighlights, which only the rendered frames carry" in cc
    # The rendered frame is the whole grade, the lamp included.
    _, frame = next(iter(read_movie_frames(sample_dir() / "carphone.mp4", 5, 6)))
    src = convert_array(frame.astype(np.float32) / 255, "Rec.709", "ACEScg")
    img = torch.from_numpy(np.ascontiguousarray(src)).permute(2, 0, 1)[None]
    rendered = read_image(sorted(exr.path.glob("*.exr"))[5])[0]
    whole = grade.apply(img)[0].permute(1, 2, 0).numpy()
    without_lamp = Pipeline([CDL(slope_r=1.1)]).apply(img)[0].permute(1, 2, 0).numpy()
    assert np.abs(rendered - whole).mean() < 2e-3
    assert np.abs(rendered - without_lamp).mean() > 10 * np.abs(rendered - whole).mean()
