"""A grade that is more than one CDL leaves as a baked .cube that reproduces the render."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import PyOpenColorIO as ocio

from workbench.color import convert_array
from workbench.demo import sample_dir
from workbench.export import export_delivery
from workbench.interchange import read_cc
from workbench.io import read_image, read_movie_frames
from workbench.ops import CDL, Exposure, Pipeline, Saturation
from workbench.render import render
from workbench.title import Title, add_proposal, decide, ingest


def test_a_learned_style_grade_exports_as_an_exact_cube(tmp_path: Path):
    grade = Pipeline([Exposure(stops=0.5), CDL(slope_r=1.1, slope_b=0.9, power_g=1.05),
                      Saturation(saturation=1.2)])
    with Title.create(tmp_path / "title") as title:
        ingest(title, [sample_dir() / "carphone.mp4"], progress=False)
        shot = title.shot("carphone_001")
        proposal = add_proposal(title, shot, grade, model_version="test/1", strength=1.0,
                                confidence=1.0, summary="three operators")
        decide(title, shot, "adjust", strength=0.8, proposal_id=proposal.id)
        exr = render(title, tmp_path / "renders", "exr", progress=False)[0]
        out = export_delivery(title, tmp_path / "handoff")

    grades = tmp_path / "handoff" / "grades"
    assert sorted(p.name for p in grades.iterdir()) == ["carphone_001.cc", "carphone_001.cube"]
    assert "approximates carphone_001.cube" in (grades / "carphone_001.cc").read_text()
    assert read_cc(grades / "carphone_001.cc")[1].slope[0] > 1.0  # +0.5 stop x 1.1 slope
    # The cube, applied by OCIO in ACEScct to the source, gives the rendered frame.
    _, frame = next(iter(read_movie_frames(sample_dir() / "carphone.mp4", 5, 6)))
    src = convert_array(frame.astype(np.float32) / 255, "Rec.709", "ACEScct")
    cube = ocio.FileTransform(str(grades / "carphone_001.cube"),
                              interpolation=ocio.INTERP_TETRAHEDRAL)
    proc = ocio.GetCurrentConfig().getProcessor(cube).getDefaultCPUProcessor()
    via_cube = np.ascontiguousarray(src.copy())
    proc.applyRGB(via_cube)
    rendered = read_image(sorted(exr.path.glob("*.exr"))[5])[0]
    expected = convert_array(via_cube, "ACEScct", "ACEScg")
    assert np.abs(rendered - expected).mean() < 2e-3
    # OCIO's look uses the cube, and the EDL/OTIO carry no CDL that would be only part of it.
    assert "carphone_001.cube" in out.looks.read_text()
    clip = json.loads(out.timeline.read_text())["tracks"]["children"][0]["children"][0]
    assert "cdl" not in clip["metadata"]
