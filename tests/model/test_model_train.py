"""Training a title model end to end on a tiny real title, storing it, loading it, using it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from workbench.cli import main
from workbench.errors import ParameterError, TitleError
from workbench.model import propose
from workbench.model.progress import TrainProgress
from workbench.model.propose import MODEL_VERSION, skin_hue_shift
from workbench.model.title_model import TITLE_MODEL_VERSION, TitleModel, has_title_model
from workbench.model.train import allot_frames, train_title
from workbench.title import Title, decide, shot_working_frames

SMALL = {"frames": 8, "steps": 12, "progress": False}


def make_title(root: Path, dailies: Path) -> Path:
    assert main(["-q", "init", str(root), "--name", "Tiny"]) == 0
    assert main(["-q", "ingest", str(root), str(dailies / "street.mov"),
                 str(dailies / "face.mov")]) == 0
    return root


@pytest.fixture(scope="module")
def trained(tiny_dailies: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[Path, TitleModel]:
    root = make_title(tmp_path_factory.mktemp("trained") / "title", tiny_dailies)
    with Title.open(root) as title:
        model = train_title(title, seed=0, **SMALL)
    return root, model


def test_trained_model_is_safetensors_and_json(trained):
    root, model = trained
    folder = root / "models" / model.version_id
    assert (root / "models" / "current").read_text().strip() == model.version_id
    assert sorted(p.name for p in folder.iterdir()) == ["matcher.safetensors", "model.json"]
    assert not list(folder.rglob("*.pt")) and not list(folder.rglob("*.pkl"))
    doc = json.loads((folder / "model.json").read_text())
    assert doc["schema"] == "TitleModel.1" and doc["seed"] == 0
    assert doc["model_version"] == model.model_version
    assert doc["model_version"].startswith(TITLE_MODEL_VERSION)
    assert len(doc["training_data_sha256"]) == 64
    assert {d["shot"] for d in doc["training_data"]} == {"street_001", "street_002", "face_001"}
    assert doc["metrics"]["frames"] == 8 and doc["metrics"]["matcher"]["steps"] == 12
    assert set(doc["profiles"]) == {"title", "scenes", "shots"}
    assert set(doc["profiles"]["shots"]) == {"street_001", "street_002", "face_001"}
    assert doc["look_pairs"] == []  # no hero stills and no accepted grades: no look
    weights = load_file(str(folder / "matcher.safetensors"))
    # The network's weights; the remembered proxy frames (library.NNN) are float16 pixels.
    assert all(t.dtype == (torch.float16 if k.startswith("library.") else torch.float32)
               for k, t in weights.items())
    assert sum(k.startswith("library.") for k in weights) == 8


def test_load_round_trip_gives_identical_predictions(trained):
    root, model = trained
    loaded = TitleModel.load(root)
    assert loaded.version_id == model.version_id and loaded.look is None
    assert loaded.profiles == json.loads(json.dumps(model.profiles))
    with Title.open(root) as title:
        _, shot = shot_working_frames(title.shot("street_002"), 3, 128)
        _, ref = shot_working_frames(title.shot("street_001"), 3, 128)
    a, b = model.matcher.match(shot, ref), loaded.matcher.match(shot, ref)
    assert a == b
    assert torch.equal(a.apply(shot), b.apply(shot))


def test_same_seed_same_model_other_seed_differs(trained, tiny_dailies, tmp_path):
    _, model = trained
    again = make_title(tmp_path / "again", tiny_dailies)
    with Title.open(again) as title:
        same = train_title(title, seed=0, **SMALL)
        other = train_title(title, seed=1, **SMALL)
    assert same.metadata["training_data_sha256"] == model.metadata["training_data_sha256"]
    for k, v in model.matcher.state_dict().items():
        assert torch.equal(v, same.matcher.state_dict()[k]), k
    assert other.metadata["training_data_sha256"] != model.metadata["training_data_sha256"]
    assert any(not torch.equal(v, other.matcher.state_dict()[k])
               for k, v in model.matcher.state_dict().items())
    # The newest training is current; the older version stays loadable by name.
    assert TitleModel.load(again).version_id == other.version_id
    assert TitleModel.load(again, same.version_id).version_id == same.version_id


def test_callback_stops_training_cleanly(tiny_dailies, tmp_path):
    root = make_title(tmp_path / "title", tiny_dailies)
    seen: list[TrainProgress] = []

    def stop_after_3(p: TrainProgress) -> bool:
        seen.append(p)
        return len(seen) < 3

    with Title.open(root) as title:
        model = train_title(title, seed=0, frames=4, steps=50, progress=False,
                            callback=stop_after_3)
    assert [(p.stage, p.step) for p in seen] == [("matcher", 1), ("matcher", 2), ("matcher", 3)]
    assert model.metadata["metrics"]["stopped_early"]
    assert model.metadata["metrics"]["matcher"]["steps"] == 3
    assert TitleModel.load(root).version_id == model.version_id  # saved, usable


def corrupt_copy(trained, tmp_path: Path) -> tuple[Path, Path]:
    root, model = trained
    copy = tmp_path / "title"
    shutil.copytree(root / "models", copy / "models")
    return copy, copy / "models" / model.version_id


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(TitleError, match=r"no trained title model.*workbench train"):
        TitleModel.load(tmp_path)
    assert not has_title_model(tmp_path)


@pytest.mark.parametrize("damage", ["truncate_weights", "edit_json", "drop_weights",
                                    "bad_pointer"])
def test_corrupt_model_is_a_clear_error(trained, tmp_path, damage):
    copy, folder = corrupt_copy(trained, tmp_path)
    weights = folder / "matcher.safetensors"
    if damage == "truncate_weights":
        weights.write_bytes(weights.read_bytes()[:100])
        expect = r"matcher\.safetensors: changed or corrupt"
    elif damage == "edit_json":
        (folder / "model.json").write_text("{ not json")
        expect = r"model\.json: not readable JSON"
    elif damage == "drop_weights":
        weights.unlink()
        expect = r"matcher\.safetensors: missing"
    else:
        (copy / "models" / "current").write_text("no-such-version\n")
        expect = r"model\.json: missing; model 'no-such-version'"
    with pytest.raises(TitleError, match=expect):
        TitleModel.load(copy)


def test_propose_uses_the_trained_model_and_records_its_version(trained, tiny_dailies,
                                                                tmp_path, capsys):
    root = make_title(tmp_path / "title", tiny_dailies)
    with Title.open(root) as title:
        classical = propose(title, progress=False)
        assert {p.model_version for p in classical} == {MODEL_VERSION}
        model = train_title(title, seed=0, **SMALL)
        learned = propose(title, progress=True)
        assert "using title model " + model.version_id in capsys.readouterr().err
        assert {p.model_version for p in learned} == {model.model_version}
        graded = next(p for p in learned if p.shot == "street_002")
        # The title method keeps whichever of its network, `views` and von Kries leaves the
        # lowest held-out residual; the proposal records that fit beside the classical one.
        assert graded.pipeline.operators and model.version_id in graded.summary
        assert graded.details["model"]["version"] == model.version_id
        assert graded.details["classical"]["method"] == "mean-std"
        explicit = propose(title, progress=False, method="mean-std")
        assert {p.model_version for p in explicit} == {MODEL_VERSION}
        with pytest.raises(ParameterError, match="unknown propose method 'nope'; known: auto"):
            propose(title, progress=False, method="nope")
        # An artist's decision is journaled with the model version that proposed it.
        d = decide(title, title.shot("street_002"), "accept", by="ana", proposal_id=graded.id)
        assert d.model_version == model.model_version


def test_title_method_without_a_model_says_how_to_train(tiny_dailies, tmp_path):
    root = make_title(tmp_path / "title", tiny_dailies)
    with Title.open(root) as title, pytest.raises(TitleError, match="workbench train"):
        propose(title, progress=False, method="title")


def test_strength_cap_holds_for_learned_proposals(trained, tiny_dailies, tmp_path):
    root = tmp_path / "capped"
    assert main(["-q", "init", str(root), "--strength-cap", "0.4"]) == 0
    assert main(["-q", "ingest", str(root), str(tiny_dailies / "street.mov")]) == 0
    with Title.open(root) as title:
        train_title(title, seed=0, **SMALL)
        assert all(p.strength <= 0.4 for p in propose(title, progress=False))


def test_skin_hue_shift_flags_a_grade_that_turns_skin_green():
    skin = torch.tensor([[0.45, 0.25, 0.17]]).repeat(400, 1)  # a light skin tone, ACEScg
    greener = skin * torch.tensor([0.85, 1.1, 0.9])
    shift, count = skin_hue_shift(skin, greener)
    assert count == 400 and shift > 5
    assert abs(skin_hue_shift(skin, skin * 1.5)[0]) < 0.01  # exposure leaves hue alone
    cast = skin * torch.tensor([0.9, 1.0, 1.25])  # a blue cast moves skin off the locus...
    back, _ = skin_hue_shift(cast, skin)          # ...and undoing it is never held back
    assert back < -5
    assert skin_hue_shift(skin[:50], greener[:50]) == (0.0, 50)  # too few to judge


def test_allot_frames_shares_by_length_with_one_each():
    class S:
        def __init__(self, name: str, n: int) -> None:
            self.name, self.frame_count = name, n

    shots = [S("a", 100), S("b", 10), S("c", 1)]
    counts = allot_frames(shots, 20)  # type: ignore[arg-type]
    assert counts["c"] == 1 and counts["b"] >= 1 and sum(counts.values()) == 20
    assert counts["a"] > counts["b"]


def test_hero_pairs_and_accepted_grades_teach_the_look(tiny_dailies, tmp_path, shared_data):
    """A colourist's before/after stills (real photo, a warm grade) give the model a look."""
    import numpy as np

    from workbench.io import read_image, write_png16
    from workbench.model.look import LookModel

    root = make_title(tmp_path / "title", tiny_dailies)
    photo = shared_data / "photo" / "skimage_coffee.png"
    rgb, _ = read_image(photo)
    rgb = rgb[::4, ::4]
    warm = np.clip(rgb * [1.08, 1.0, 0.88], 0, 1) ** 1.1
    for side, img in (("before", rgb), ("after", warm)):
        (root / "hero" / side).mkdir(parents=True)
        write_png16(root / "hero" / side / "coffee.png", img)
    seen: set[str] = set()
    with Title.open(root) as title:
        propose(title, progress=False)
        decide(title, title.shot("street_002"), "accept", by="ana")  # a graded shot: 2 pairs
        decide(title, title.shot("face_001"), "accept", by="ana")    # an anchor: no grade
        model = train_title(title, seed=0, frames=4, steps=4, look_steps=5, progress=False,
                            callback=lambda p: seen.add(p.stage))
    assert seen == {"matcher", "profiles", "look"}
    pairs = model.metadata["look_pairs"]
    assert pairs[0] == "hero/coffee.png" and len(pairs) == 3
    assert all(p.startswith("decision ") and p.endswith("(street_002)") for p in pairs[1:])
    folder = root / "models" / model.version_id
    assert sorted(p.name for p in (folder / "look").iterdir()) == ["look.json",
                                                                   "model.safetensors"]
    loaded = TitleModel.load(root)
    assert isinstance(loaded.look, LookModel) and loaded.look.space == "ACEScct"
    x = torch.rand(1, 3, 8, 8)
    assert torch.equal(loaded.look.apply(x), model.look.apply(x))


def test_a_letterboxed_shot_teaches_the_look_its_picture_not_its_bars(tmp_path):
    """Renders keep bars as shot, so look pairs from accepted grades hold only the picture."""
    from testkit import letterboxed_title

    from workbench.model.train import hero_pairs

    _, area = letterboxed_title(tmp_path, last_frame=352)
    with Title.open(tmp_path / "title") as title:
        before, after, sources = hero_pairs(title)
    assert sources and all(s.endswith("(live_001)") for s in sources)
    for b, a in zip(before, after, strict=True):
        assert b.shape == a.shape and b.shape[-2] == area["bottom"] - area["top"]
        # Only picture: the darkest row of the 'before' is not a black bar.
        assert float(b.mean(dim=(0, 1, 3)).min()) > 0.05
