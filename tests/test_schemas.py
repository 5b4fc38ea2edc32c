"""What an older workbench wrote opens in this one; what a newer one wrote is refused, clearly.

The files under ``fixtures/schemas/workbench-0.1.0/`` were written once by workbench 0.1.0 and are
never regenerated (see its README): a pipeline, a look, a title (``title.json`` and a catalog
without ``user_version``) and a title model with its matcher and profiles. Each test copies what
it opens, and checks the loaded object does what it did then (same pixels, same grade, same
journal), not only that it parses.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from workbench.errors import ParameterError, TitleError
from workbench.model.look import LookModel
from workbench.model.profiles import SceneProfile, ShotProfile, TitleProfile
from workbench.model.title_model import TitleModel
from workbench.ops import Operator, Pipeline, UnknownOperator
from workbench.schema import UPGRADES, register_upgrade, upgrade
from workbench.title import Title, TitleSettings, decide, journal
from workbench.title.migrations import CATALOG_VERSION

V010 = Path(__file__).parent / "fixtures" / "schemas" / "workbench-0.1.0"


def _copy(name: str, tmp_path: Path) -> Path:
    out = tmp_path / name
    (shutil.copytree if (V010 / name).is_dir() else shutil.copy2)(V010 / name, out)
    return out


def _edit_json(path: Path, **changes: Any) -> None:
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def _user_version(path: Path) -> int:
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return int(db.execute("PRAGMA user_version").fetchone()[0])
    finally:
        db.close()


def _tree(root: Path) -> dict[str, str]:
    """Every file's SHA-256 but SQLite's ``-shm`` index and an empty ``-wal`` (``mode=ro``
    makes both beside a WAL catalog that others may be writing)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.endswith("-shm")
            and not (p.name.endswith("-wal") and p.stat().st_size == 0)}


# -- the mechanism ---------------------------------------------------------------------------

def test_upgrade_walks_every_step_and_refuses_what_it_cannot_read(monkeypatch):
    monkeypatch.setitem(UPGRADES, ("Thing", 1),
                        lambda d: {"schema": d["schema"], "gain": d["scale"]})
    monkeypatch.setitem(UPGRADES, ("Thing", 2), lambda d: {**d, "gain": [d["gain"]] * 3})
    doc = {"schema": "Thing.1", "scale": 2.0}
    assert upgrade(doc, "Thing.3", "thing.json") == {"schema": "Thing.3", "gain": [2.0] * 3}
    assert doc == {"schema": "Thing.1", "scale": 2.0}  # the caller's dict is left as read
    with pytest.raises(ParameterError, match=r"^thing\.json: schema Thing\.4 was written by a "
                                             r"newer workbench .*Thing\.3.*upgrade workbench"):
        upgrade({"schema": "Thing.4"}, "Thing.3", "thing.json")
    with pytest.raises(TitleError, match=r"^thing\.json: schema Thing\.0 is too old .*Thing\.0 "
                                         r"to Thing\.1"):
        upgrade({"schema": "Thing.0"}, "Thing.3", "thing.json", TitleError)
    with pytest.raises(ParameterError, match=r"^thing\.json: expected schema Thing\.N, got "
                                             r"'Other\.1'"):
        upgrade({"schema": "Other.1"}, "Thing.3", "thing.json")


def test_operators_upgrade_through_the_shared_registry(monkeypatch):
    from workbench.ops.base import UPGRADES as OPS_UPGRADES
    from workbench.ops.base import register_upgrade as ops_register_upgrade

    assert ops_register_upgrade is register_upgrade and OPS_UPGRADES is UPGRADES
    # An Exposure.2 that stores f-stops under another name, as a later workbench might.
    monkeypatch.setattr("workbench.ops.Exposure.schema_version", 2)
    monkeypatch.setitem(UPGRADES, ("Exposure", 1), lambda d: d)
    old = Pipeline.from_json(json.dumps({"schema": "Pipeline.1", "operators": [
        {"schema": "Exposure.1", "space": "ACEScg", "strength": 0.5, "params": {"stops": 1}}]}))
    (op,) = old
    assert isinstance(op, Operator) and op.to_dict()["schema"] == "Exposure.2"
    assert (op.stops, op.strength) == (1.0, 0.5)


# -- Pipeline --------------------------------------------------------------------------------

def test_a_pipeline_of_0_1_0_applies_as_it_did():
    text = (V010 / "pipeline.json").read_text()
    pipeline = Pipeline.from_json(text)
    assert [type(op).__name__ for op in pipeline] == [
        "Exposure", "WhiteBalance", "CDL", "Contrast", "Saturation", "Matrix3x3", "LUT3D"]
    assert pipeline.to_dict() == json.loads(text)  # read and written back unchanged
    probe = torch.from_numpy(np.load(V010 / "probe_acescg.npy"))
    expected = np.load(V010 / "pipeline_expected.npy")
    out = pipeline.apply(probe).numpy()
    assert float(expected.max()) > 1.5  # the probe keeps scene-linear values above white
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_an_unknown_operator_in_an_old_pipeline_survives_a_round_trip():
    doc = json.loads((V010 / "pipeline.json").read_text())
    future = {"schema": "FilmPrint.3", "space": "ACEScct", "strength": 1.0,
              "params": {"stock": "2383"}, "metadata": {"acme": {"x": 1}}}
    newer_cdl = {**doc["operators"][2], "schema": "CDL.9"}
    doc["operators"] += [future, newer_cdl]
    pipeline = Pipeline.from_dict(doc)
    assert isinstance(pipeline.operators[-2], UnknownOperator)
    assert isinstance(pipeline.operators[-1], UnknownOperator)  # a newer CDL is kept, not guessed
    assert pipeline.to_dict() == doc


def test_a_newer_pipeline_is_refused_naming_its_file(tmp_path: Path):
    grade = tmp_path / "grade.json"
    _edit_json(_copy("pipeline.json", tmp_path).rename(grade), schema="Pipeline.2")
    with pytest.raises(ParameterError, match=r"grade\.json: schema Pipeline\.2 was written by a "
                                             r"newer workbench.*upgrade workbench"):
        Pipeline.from_json(grade.read_text(), where=grade.name)
    # A table inside an operator is a stored schema of its own.
    doc = json.loads((V010 / "pipeline.json").read_text())
    doc["operators"][6]["lut"]["schema"] = "CubeLUT.2"
    with pytest.raises(ParameterError, match=r"operator 7 \(LUT3D\.2\): .*schema CubeLUT\.2 was "
                                             r"written by a newer workbench"):
        Pipeline.from_dict(doc)


# -- LookModel -------------------------------------------------------------------------------

def test_a_look_of_0_1_0_loads_and_grades_as_it_did(tmp_path: Path):
    look = LookModel.load(_copy("look", tmp_path))
    assert look.space == "sRGB" and look.colours is not None
    probe = torch.from_numpy(np.load(V010 / "look_probe_srgb.npy"))
    np.testing.assert_allclose(look.apply(probe, strength=0.7).numpy(),
                               np.load(V010 / "look_expected.npy"), rtol=1e-5, atol=1e-6)
    again = LookModel.load(look.save(tmp_path / "again"))
    assert torch.equal(again.apply(probe, strength=0.7), look.apply(probe, strength=0.7))


def test_a_newer_look_is_refused_naming_its_file(tmp_path: Path):
    folder = _copy("look", tmp_path)
    _edit_json(folder / "look.json", schema="LookModel.5")
    with pytest.raises(ParameterError, match=r"look\.json: schema LookModel\.5 was written by a "
                                             r"newer workbench.*upgrade workbench"):
        LookModel.load(folder)


# -- the title: title.json and catalog.sqlite ------------------------------------------------

def test_a_title_of_0_1_0_opens_upgrades_its_catalog_and_keeps_its_journal(tmp_path: Path):
    root = _copy("title", tmp_path)
    assert _user_version(root / "catalog.sqlite") == 0  # written before versions were recorded
    with Title.open(root) as title:
        assert title.settings.name == "fixture title" and title.settings.strength_cap == 0.8
        assert [s.name for s in title.shots()] == ["street_001", "street_002"]
        assert [(e.shot, e.verdict, e.strength, e.decided_by, e.note)
                for e in journal(title)] == [("street_002", "adjust", 0.5, "ana", "softer"),
                                             ("street_001", "reject", None, "ben", "")]
        (adjusted,) = [e for e in journal(title) if e.verdict == "adjust"]
        assert any(isinstance(op, Operator) for op in adjusted.pipeline)
        latest = decide(title, title.shot("street_001"), "accept", by="cy")
        assert latest.seq == 3
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            title.db.execute("UPDATE decisions SET note='x'")
    assert _user_version(root / "catalog.sqlite") == CATALOG_VERSION


def test_an_old_title_opened_read_only_is_read_in_memory_and_left_as_it_was(tmp_path: Path):
    root = _copy("title", tmp_path)
    before = _tree(root)
    with Title.open(root, mode="ro") as title:
        assert title.read_only
        assert [(e.verdict, e.strength) for e in journal(title)] == [("adjust", 0.5),
                                                                     ("reject", None)]
        assert title.db.execute("PRAGMA user_version").fetchone()[0] == CATALOG_VERSION
        with pytest.raises(sqlite3.OperationalError, match=r"readonly|read-only|query_only"):
            title.db.execute("INSERT INTO days(label) VALUES ('x')")
    assert _tree(root) == before
    wal = root / "catalog.sqlite-wal"
    assert not wal.exists() or wal.stat().st_size == 0  # SQLite's own, and nothing in it


def test_an_archived_old_title_is_logged_without_being_written(tmp_path: Path):
    root = _copy("title", tmp_path)
    for p in [root, *root.rglob("*")]:
        p.chmod(p.stat().st_mode & ~0o222)
    before = _tree(root)
    cmd = [sys.executable, "-m", "workbench.cli", "-q", "log", str(root), "--json"]
    if os.geteuid() == 0:  # root ignores permission bits: drop the capability that does
        cmd = ["setpriv", "--bounding-set=-all", *cmd]
    try:
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        assert [(e["verdict"], e["strength"]) for e in json.loads(run.stdout)] == [
            ("adjust", 0.5), ("reject", None)]
        assert _tree(root) == before and not list(root.glob("catalog.sqlite-*"))
    finally:
        for p in [root, *root.rglob("*")]:
            p.chmod(p.stat().st_mode | 0o200)


@pytest.mark.parametrize("mode", ["rw", "ro"])
def test_a_catalog_from_a_newer_workbench_is_refused_and_left_alone(tmp_path: Path, mode: str):
    root = _copy("title", tmp_path)
    db = sqlite3.connect(root / "catalog.sqlite")
    db.execute(f"PRAGMA user_version={CATALOG_VERSION + 1}")
    db.close()
    before = _tree(root)
    with pytest.raises(TitleError, match=rf"catalog\.sqlite: catalog version {CATALOG_VERSION + 1}"
                                         rf" was written by a newer workbench.*upgrade workbench"):
        Title.open(root, mode=mode)
    assert _tree(root) == before


def test_a_new_title_records_its_catalog_version(tmp_path: Path):
    Title.create(tmp_path / "t").close()
    assert _user_version(tmp_path / "t" / "catalog.sqlite") == CATALOG_VERSION


def test_a_newer_title_json_is_refused_not_rewritten_without_what_it_added(tmp_path: Path):
    root = _copy("title", tmp_path)
    _edit_json(root / "title.json", schema="TitleSettings.2", look_budget={"stops": 1})
    before = _tree(root)
    with pytest.raises(TitleError, match=r"title\.json: schema TitleSettings\.2 was written by "
                                         r"a newer workbench.*upgrade workbench"):
        TitleSettings.load(root)
    assert _tree(root) == before


# -- TitleModel, TitleMatcher, profiles -------------------------------------------------------

def test_a_title_model_of_0_1_0_loads_and_matches_as_it_did(tmp_path: Path):
    model = TitleModel.load(_copy("title", tmp_path))
    assert model.version_id == "20260101T000000Z-fixture" and model.look is None
    shot = torch.from_numpy(np.load(V010 / "matcher_shot.npy"))
    ref = torch.from_numpy(np.load(V010 / "matcher_reference.npy"))
    got = model.matcher.match(shot, ref).to_dict()
    want = json.loads((V010 / "matcher_expected.json").read_text())
    assert [op["schema"] for op in got["operators"]] == [op["schema"] for op in want["operators"]]
    for g, w in zip(got["operators"], want["operators"], strict=True):
        assert g["params"].keys() == w["params"].keys()
        np.testing.assert_allclose(list(g["params"].values()), list(w["params"].values()),
                                   rtol=1e-4, atol=1e-5)


def test_the_profiles_of_0_1_0_load_and_round_trip(tmp_path: Path):
    model = TitleModel.load(_copy("title", tmp_path))
    shot_doc = model.profiles["shots"]["street_001"]
    shot = ShotProfile.from_dict(shot_doc)
    assert json.loads(json.dumps(shot.to_dict())) == shot_doc
    assert (shot.width, shot.frames) == (160, 4)
    scene = SceneProfile.from_dict(model.profiles["scenes"]["street"])
    title = TitleProfile.from_dict(model.profiles["title"])
    assert scene.median == title.median and scene.median["exposure"] == shot.metrics()["exposure"]
    assert json.loads(json.dumps(title.to_dict())) == model.profiles["title"]
    with pytest.raises(ParameterError, match=r"model\.json: schema ShotProfile\.2 was written by "
                                             r"a newer workbench"):
        ShotProfile.from_dict({**shot_doc, "schema": "ShotProfile.2"}, where="model.json")


@pytest.mark.parametrize(("key", "schema"), [("schema", "TitleModel.2"),
                                             ("matcher", "TitleMatcher.3")])
def test_a_newer_title_model_is_refused_saying_to_upgrade(tmp_path: Path, key: str, schema: str):
    root = _copy("title", tmp_path)
    path = root / "models" / "20260101T000000Z-fixture" / "model.json"
    doc = json.loads(path.read_text())
    if key == "matcher":
        doc["matcher"]["schema"] = schema
    else:
        doc["schema"] = schema
    path.write_text(json.dumps(doc))
    escaped = re.escape(schema)
    with pytest.raises(TitleError, match=rf"model\.json: .*schema {escaped} was written by a "
                                         rf"newer workbench.*upgrade workbench"):
        TitleModel.load(root)
