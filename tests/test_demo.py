"""`workbench demo` on the bundled sample title: the product's whole path, for real."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio
import PyOpenColorIO as ocio
import pytest
from testkit import sha256

from workbench.cli import main
from workbench.demo import SAMPLE_CLIPS, sample_dir
from workbench.io import read_image
from workbench.model.title_model import TitleModel
from workbench.title import Title, get_proposal, journal


@pytest.mark.slow
def test_demo_delivers_a_traceable_graded_render(tmp_path: Path, capsys):
    sample_before = {n: sha256(sample_dir() / n) for n in SAMPLE_CLIPS}
    out = tmp_path / "demo-out"
    assert main(["-q", "demo", "--out", str(out)]) == 0
    summary = capsys.readouterr().out
    assert "24 in 3 scene(s) from 3 clip(s)" in summary and "report.html" in summary
    assert "made the proposals; better than the classical fit on" in summary

    with Title.open(out / "title") as title:
        decisions = journal(title)
        shots = title.shots()
        assert len(decisions) == len(shots) == 24
        assert {d.decided_by for d in decisions} == {"demo"}
        assert {d.verdict for d in decisions} == {"accept"}
        assert {s.scene for s in shots} == {"12 STREET", "27 STUDIO", "31 CAR"}  # from the ALE
        by_shot = {d.shot: d for d in decisions}
        # The demo trained the title model and every proposal is its own; each matched shot
        # records the model's held-out residual beside the classical fit's on that shot.
        model = TitleModel.load(title)
        assert model.version_id in summary
        assert {d.model_version for d in decisions} == {model.model_version}
        proposals = [get_proposal(title, d.proposal_id) for d in decisions if d.proposal_id]
        matched = [p for p in proposals if p.anchor_shot != p.shot]
        assert len(matched) == 21  # 24 shots, 3 scene anchors left as shot
        for p in matched:
            fits = p.details or {}
            assert fits["model"]["method"] == "title"
            assert fits["model"]["version"] == model.version_id
            assert fits["classical"]["method"] == "mean-std"
            assert model.version_id in p.summary and "classical mean-std" in p.summary

    # Every shot rendered, each EXR traceable to its decision.
    for shot in shots:
        frames = sorted((out / "renders" / shot.name).glob("*.exr"))
        assert len(frames) == shot.frame_count
        _, info = read_image(frames[0])
        assert info.metadata["workbench:decision"] == by_shot[shot.name].id

    # Grades read by OpenColorIO; timeline read by OpenTimelineIO.
    ccs = sorted((out / "grades").glob("*.cc"))
    assert len(ccs) == 24
    for cc in ccs:
        ocio.CDLTransform.CreateFromFile(str(cc), "").validate()
    clips = list(otio.adapters.read_from_file(str(out / "timeline.otio")).find_clips())
    assert [c.name for c in clips] == [s.name for s in shots]
    assert all(c.metadata["workbench"]["decision_id"] == by_shot[c.name].id for c in clips)
    # The same grades as OCIO looks and in a CMX 3600 EDL.
    looks = ocio.Config.CreateFromFile(str(out / "looks.ocio"))
    looks.validate()
    assert {s.name for s in shots} <= set(looks.getLookNames())  # beside the config's own
    # One EDL per frame rate: 25 (street), 24 (live session), 29.97 (car).
    edls = {"25": 5, "24": 18, "29.97": 1}
    for rate, count in edls.items():
        path = out / f"timeline_{rate}.edl"
        edl = otio.adapters.read_from_file(str(path), adapter_name="cmx_3600", rate=float(
            rate if rate != "29.97" else 30000 / 1001))
        assert len(edl.find_clips()) == count
        # An EDL carries a grade only when it is a CDL; the title model's grades are more
        # (a matrix, a contrast), so those shots ship as grades/<shot>.cube and no ASC_SOP.
        text = path.read_text()
        listed = [line.split()[2] for line in text.splitlines() if line.startswith("* SHOT:")]
        assert len(listed) == count
        as_cdl = [s for s in listed if not (out / "grades" / f"{s}.cube").exists()]
        assert text.count("* ASC_SOP") == len(as_cdl) >= 1
    report = (out / "report.html").read_text()
    assert report.count("<tr>") == 25 and all(d.id in report for d in decisions)
    assert report.count("<span class=k>made by</span> title") == 21
    assert report.count("<span class=k>classical</span> mean-std on this shot") == 21

    # The title's sources (the demo's copies in dailies/) were only read, through ingest,
    # propose, render and export: they still equal the bundled originals.
    assert {n: sha256(out / "dailies" / n) for n in SAMPLE_CLIPS} == sample_before
    assert {n: sha256(sample_dir() / n) for n in SAMPLE_CLIPS} == sample_before

    # A second run replaces the first; a folder the demo did not make is refused.
    assert main(["-q", "demo", "--out", str(out)]) == 0
    other = tmp_path / "mine"
    other.mkdir()
    (other / "keep.txt").write_text("precious")
    assert main(["-q", "demo", "--out", str(other)]) == 2
    assert (other / "keep.txt").read_text() == "precious"
