"""Every batch template runs for real under papermill, and the notebooks are stored clean."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import nbformat
import numpy as np
import OpenImageIO as oiio
import pytest

from workbench.batch import read_results, run_template, template_parameters
from workbench.model import propose
from workbench.title import Title, decide, ingest, latest_decision, latest_proposal

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TEMPLATES = sorted((ROOT / "templates").glob("*.ipynb"))


@pytest.fixture(scope="module")
def title_dir(tiny_dailies, tmp_path_factory) -> Path:
    """The tiny dailies ingested and proposed; ``face_001`` accepted at half strength."""
    root = tmp_path_factory.mktemp("templates")
    shutil.copytree(tiny_dailies, root / "dailies")
    with Title.create(root / "title") as title:
        ingest(title, [root / "dailies" / "face.mov", root / "dailies" / "street.mov"],
               progress=False)
        propose(title, progress=False)
        decide(title, title.shot("face_001"), "adjust", strength=0.5, by="test")
    return root / "title"


def run(name: str, tmp_path: Path, **params) -> dict:
    """Run template ``name`` under papermill; the record it leaves in the notebook's metadata."""
    executed = tmp_path / f"{name}.ipynb"
    record = run_template(ROOT / "templates" / f"{name}.ipynb", executed, params, cwd=tmp_path)
    nb = nbformat.read(executed, as_version=4)
    assert nb.metadata.workbench.batch == record == read_results(executed)
    assert nb.metadata.papermill.parameters == params
    return record


@pytest.mark.slow
def test_render_accepted_renders_the_accepted_shot_and_refuses_the_other(title_dir, tmp_path):
    with Title.open(title_dir, "ro") as title:
        face, unaccepted = title.shot("face_001"), title.shots()[-1]
        decision = latest_decision(title, face)
    out = tmp_path / "batch"
    record = run("render_accepted", tmp_path, title_dir=str(title_dir),
                 shots=[face.name, unaccepted.name], out_dir=str(out), fmt="png")
    assert record["status"] == "failed" and record["error_name"] == "DecisionError"
    done, refused = record["results"]
    assert done["key"] == face.name and done["status"] == "done" and done["strength"] == 0.5
    assert done["decision"] == decision.id
    frames = sorted(Path(done["path"]).glob("*.png"))
    assert done["frames"] == len(frames) == face.frame_count
    assert oiio.ImageBuf(str(frames[0])).get_pixels(oiio.FLOAT).std() > 0.01
    assert refused["key"] == unaccepted.name and refused["status"] == "failed"
    assert refused["error_name"] == "DecisionError" and unaccepted.name in refused["error_value"]
    assert not (out / unaccepted.name).exists()


@pytest.mark.slow
def test_bad_parameter_fails_with_a_clear_message_before_any_work(title_dir, tmp_path):
    record = run("render_accepted", tmp_path, title_dir=str(title_dir), shots=[],
                 out_dir=str(tmp_path / "o"), fmt="tiff")
    assert record["status"] == "failed" and record["error_name"] == "ParameterError"
    assert "fmt='tiff'" in record["error_value"] and "'exr'" in record["error_value"]
    assert record["results"] == [] and not (tmp_path / "o").exists()


@pytest.mark.slow
def test_propose_stores_proposals_for_the_named_shots_with_the_method(title_dir, tmp_path):
    with Title.open(title_dir, "ro") as title:
        before = {s.name: latest_proposal(title, s).id for s in title.shots()}
    record = run("propose", tmp_path, title_dir=str(title_dir), shots=["street_002"],
                 method="reinhard", out_dir=str(tmp_path / "p"))
    assert record["status"] == "done"
    (made,) = record["results"]
    with Title.open(title_dir, "ro") as title:
        after = {s.name: latest_proposal(title, s) for s in title.shots()}
    assert made["key"] == "street_002" and made["proposal"] == after["street_002"].id
    assert after["street_002"].id != before["street_002"]
    assert "reinhard" in after["street_002"].model_version.lower()
    assert {n: p.id for n, p in after.items() if n != "street_002"} == {
        n: i for n, i in before.items() if n != "street_002"}
    assert json.loads((tmp_path / "p" / "proposals.json").read_text())[0]["proposal"] == made[
        "proposal"]


@pytest.mark.slow
def test_train_title_model_records_its_version_and_metrics(title_dir, tmp_path):
    record = run("train_title_model", tmp_path, title_dir=str(title_dir), frames=6, steps=5,
                 out_dir=str(tmp_path / "t"))
    assert record["status"] == "done", record
    (trained,) = record["results"]
    assert (title_dir / "models" / "current").read_text().strip() == trained["version_id"]
    assert trained["metrics"]["frames"] == 6
    saved = json.loads((tmp_path / "t" / "metrics.json").read_text())
    assert saved["version_id"] == trained["version_id"]


@pytest.mark.slow
def test_continuity_report_writes_findings_with_reasons_per_scene(title_dir, tmp_path):
    with Title.open(title_dir, "ro") as title:
        scenes = [s.name for s in title.scenes()]
        shots = {s.name for s in title.shots()}
    record = run("continuity_report", tmp_path, title_dir=str(title_dir), scenes=[],
                 out_dir=str(tmp_path / "c"))
    assert record["status"] == "done"
    assert [r["key"] for r in record["results"]] == scenes
    found = set()
    for r in record["results"]:
        report = json.loads((tmp_path / "c" / f"{r['key']}.json").read_text())
        assert report["findings"] == r["findings"]
        for f in report["findings"]:
            found.add(f["item"])
            assert not f["flag"] or (f["reasons"] and f["fix"])
    assert found == shots


@pytest.mark.slow
def test_review_copies_are_burnt_in_and_apart_from_delivery(title_dir, tmp_path):
    with Title.open(title_dir, "ro") as title:
        proposal = latest_proposal(title, title.shot("street_001"))
    out = tmp_path / "review"
    record = run("review_copies", tmp_path, title_dir=str(title_dir), shots=["street_001"],
                 out_dir=str(out), frames=2, strength=-1.0)
    assert record["status"] == "done"
    (r,) = record["results"]
    assert r["strength"] == proposal.strength and r["model_version"] == proposal.model_version
    assert len(r["outputs"]) == 2
    for still in map(Path, r["outputs"]):
        assert still.parent == out / "street_001" and f"proposal{proposal.id}" in still.name
        pixels = oiio.ImageBuf(str(still)).get_pixels(oiio.FLOAT)
        band, picture = pixels[:12], pixels[pixels.shape[0] // 2:]
        assert band.max() > 0.8 > np.percentile(band, 50), "white burnt-in text on the band"
        assert np.median(band) < np.median(picture), "the darkened band under it"
    # A folder holding deliveries is refused.
    delivered = run("render_accepted", tmp_path, title_dir=str(title_dir), shots=["face_001"],
                    out_dir=str(tmp_path / "delivery"), fmt="png")
    assert delivered["status"] == "done"
    refused = run("review_copies", tmp_path, title_dir=str(title_dir), shots=[],
                  out_dir=str(tmp_path / "delivery"), frames=1, strength=-1.0)
    assert refused["error_name"] == "ParameterError" and "delivery" in refused["error_value"]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_template_has_one_parameters_cell_of_typed_commented_assignments(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    lines = [line for line in tagged[0].source.splitlines() if line.strip()]
    assert all(isinstance(n, ast.AnnAssign) for n in ast.parse(tagged[0].source).body)
    assert all("  # " in line for line in lines), "every parameter says what it is for"
    params = template_parameters(path)
    assert {"title_dir", "out_dir"} <= set(params)
    assert all(p["help"] for p in params.values())


@pytest.mark.parametrize("path", NOTEBOOKS + TEMPLATES, ids=lambda p: p.name)
def test_notebook_is_stored_clean_on_the_workbench_kernel(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "workbench"
    assert nb.cells[0].cell_type == "markdown"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_says_what_it_is_for_and_what_it_produced(path):
    nb = nbformat.read(path, as_version=4)
    assert "What this is for" in nb.cells[0].source
    assert nb.cells[-1].cell_type == "markdown" and "What this produced" in nb.cells[-1].source
