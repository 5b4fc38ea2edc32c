"""The batch template runs for real under papermill, and the notebooks are stored clean."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from workbench.model import propose
from workbench.title import Title, decide, ingest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "templates" / "render_accepted.ipynb"
BATCH_MIME = "application/vnd.workbench.batch+json"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
TEMPLATES = sorted((ROOT / "templates").glob("*.ipynb"))


def record_batch_results(executed: Path) -> dict:
    """What notebooks/05 does: lift the template's summary into ``metadata.workbench.batch``."""
    nb = nbformat.read(executed, as_version=4)
    summary = next(out["data"][BATCH_MIME] for cell in nb.cells if cell.cell_type == "code"
                   for out in cell.get("outputs", []) if BATCH_MIME in out.get("data", {}))
    nb.metadata.setdefault("workbench", {})["batch"] = summary
    nbformat.write(nb, executed)
    return summary


@pytest.mark.slow
def test_template_renders_accepted_shots_and_records_a_refused_one(dailies, title_dir, tmp_path):
    with Title.create(title_dir) as title:
        ingest(title, [dailies / "face.mov", dailies / "street.mov"], progress=False)
        propose(title, progress=False)
        face, unaccepted = title.shot("face_001"), title.shots()[-1]
        decide(title, face, "adjust", strength=0.5, by="test")
    params = {"title_dir": str(title_dir), "shots": [face.name, unaccepted.name],
              "out_dir": str(tmp_path / "batch"), "fmt": "png"}
    executed = tmp_path / "run.ipynb"
    pm.execute_notebook(TEMPLATE, executed, parameters=params, kernel_name="workbench",
                        progress_bar=False, cwd=str(tmp_path))
    summary = record_batch_results(executed)

    nb = nbformat.read(executed, as_version=4)
    assert nb.metadata.workbench.batch == summary
    assert nb.metadata.papermill.parameters == params
    assert (summary["ok"], summary["failed"]) == (1, 1)
    done, refused = summary["results"]
    assert done["shot"] == face.name and done["status"] == "ok" and done["strength"] == 0.5
    frames = sorted(Path(done["path"]).glob("*.png"))
    assert done["frames"] == len(frames) == face.frame_count
    assert refused["shot"] == unaccepted.name and refused["status"] == "failed"
    assert refused["error_name"] == "DecisionError"
    assert unaccepted.name in refused["error_value"]
    assert not (tmp_path / "batch" / unaccepted.name).exists()


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_template_has_one_parameters_cell_of_typed_commented_assignments(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    lines = [line for line in tagged[0].source.splitlines() if line.strip()]
    assert all(isinstance(n, ast.AnnAssign) for n in ast.parse(tagged[0].source).body)
    assert all("  # " in line for line in lines), "every parameter says what it is for"


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
