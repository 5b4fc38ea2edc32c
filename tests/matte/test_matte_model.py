"""The per-title matte model: learns a keyer's mistakes from approved frames of a real matte.

The shot is built from real data: OpenCV's alphamat plant and its matte, sliding across an
unevenly lit green screen with spill and fresh noise each frame (green leaves on green). The
keyer is a plain colour-difference key (the Keyer's hue and shade keys off), which leaves holes
in the leaves for the model to learn to fill. The approved mattes are the plant's matte.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from testkit import shared_path

from workbench.errors import MediaError, ParameterError, ShapeError, TitleError
from workbench.matte.keyer import Keyer, key
from workbench.matte.model import (
    MATTE_MODEL_SCHEMA,
    ApprovedMatte,
    MatteModel,
    MatteModelSettings,
    MatteNet,
    load_matte_model,
    read_matte_model,
    save_to_title,
    train_matte_model,
    write_matte_model,
)
from workbench.matte.model.store import JSON_FILE, WEIGHTS_FILE
from workbench.matte.model.train import split_held_out

WIDTH = 200  # proxy-sized frames keep the suite fast
FAST = MatteModelSettings(steps=60, batch=4, crop=48, threads=1)
KEYER = Keyer(screen="green", hue=0.0, shade=0.0)  # a plain colour-difference key


def _plant() -> tuple[torch.Tensor, torch.Tensor]:
    from workbench.color import convert_array

    bgr = cv2.imread(str(shared_path("keying", "opencv_alphamat_plant.jpg")))
    matte = cv2.imread(str(shared_path("keying", "opencv_alphamat_plant_matte.png")),
                       cv2.IMREAD_GRAYSCALE)
    h = round(bgr.shape[0] * WIDTH / bgr.shape[1])
    rgb = cv2.cvtColor(cv2.resize(bgr, (WIDTH, h), interpolation=cv2.INTER_AREA),
                       cv2.COLOR_BGR2RGB).astype(np.float32) / 255
    alpha = cv2.resize(matte, (WIDTH, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    fg = convert_array(np.ascontiguousarray(rgb), "sRGB", "ACEScg")
    return (torch.from_numpy(fg).permute(2, 0, 1)[None].contiguous(),
            torch.from_numpy(alpha)[None, None].contiguous())


def _shot(frames: int = 6) -> list[ApprovedMatte]:
    """The plant sliding 3 px a frame over an uneven green screen, keyed with the Keyer."""
    fg, alpha = _plant()
    h, w = alpha.shape[-2:]
    yy, xx = torch.meshgrid(torch.linspace(-0.5, 0.5, h), torch.linspace(-0.5, 0.5, w),
                            indexing="ij")
    light = 1.0 + 0.3 * xx - 0.6 * (xx**2 + yy**2)
    screen = torch.tensor([0.08, 0.40, 0.10]).view(1, 3, 1, 1) * light
    gen = torch.Generator().manual_seed(3)
    out = []
    for i in range(frames):
        f, a = torch.roll(fg, 3 * i - 12, -1), torch.roll(alpha, 3 * i - 12, -1)
        spill = 0.2 * screen * (1 - a)  # screen light on the subject's edges
        plate = a * (f + spill) + (1 - a) * screen
        plate = plate + 0.004 * torch.randn(plate.shape, generator=gen)
        keyed = key(plate, KEYER).alpha
        out.append(ApprovedMatte(plate, keyed, a, f"plant frame {i}"))
    return out


def _mse(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.double() - b.double()).square().mean())


@pytest.fixture(scope="module")
def shot() -> list[ApprovedMatte]:
    return _shot()


@pytest.fixture(scope="module")
def trained(shot: list[ApprovedMatte]) -> MatteModel:
    """Trained on four approved frames (one held out); frames 4.. are the rest of the shot."""
    return train_matte_model(shot[:4], FAST, keyer=KEYER.to_dict(), progress=False)


def test_the_keyer_gets_the_leaves_wrong(shot: list[ApprovedMatte]) -> None:
    """The case is worth a model: the keyer alone misses the green leaves."""
    assert min(_mse(f.keyer_alpha, f.matte) for f in shot) > 0.01


def test_never_worse_than_the_keyer_on_held_out_frames(trained: MatteModel,
                                                       shot: list[ApprovedMatte]) -> None:
    m = trained.metadata["metrics"]
    assert m["held_out_model_mse"] <= m["held_out_keyer_mse"]
    held = [f for f in shot[:4] if f.name in trained.metadata["frames"]["held_out"]]
    assert len(held) == 1
    for f in held:  # the manifest's numbers are what apply gives
        assert _mse(trained.apply(f.plate, f.keyer_alpha), f.matte) == pytest.approx(
            m["held_out_model_mse"], rel=1e-6, abs=1e-12)
        assert _mse(trained.apply(f.plate, f.keyer_alpha), f.matte) <= _mse(f.keyer_alpha,
                                                                            f.matte)


def test_the_model_improves_the_rest_of_the_shot(trained: MatteModel,
                                                 shot: list[ApprovedMatte]) -> None:
    """On frames nobody approved the learned correction holds: lower error than the keyer."""
    assert trained.trust > 0
    for f in shot[4:]:
        alpha = trained.apply(f.plate, f.keyer_alpha)
        assert alpha.shape == f.keyer_alpha.shape
        assert float(alpha.min()) >= 0.0 and float(alpha.max()) <= 1.0
        assert _mse(alpha, f.matte) < 0.8 * _mse(f.keyer_alpha, f.matte), f.name


def test_trust_zero_and_untrained_are_the_keyer_bit_for_bit(trained: MatteModel,
                                                            shot: list[ApprovedMatte]) -> None:
    f = shot[5]
    assert torch.equal(trained.apply(f.plate, f.keyer_alpha, trust=0.0), f.keyer_alpha)
    untrained = MatteModel(MatteNet(), trust=1.0)
    assert torch.equal(untrained.apply(f.plate, f.keyer_alpha), f.keyer_alpha.clamp(0, 1))


def test_full_size_runs_the_network_at_the_proxy_scale(trained: MatteModel,
                                                       shot: list[ApprovedMatte]) -> None:
    """A frame twice as wide as the proxy gets a matte of its own size, close to the proxy's."""
    small = MatteModel(trained.net, trained.trust,
                       MatteModelSettings(**{**FAST.to_dict(), "proxy_width": 100}))
    f = shot[4]
    alpha = small.apply(f.plate, f.keyer_alpha)
    assert alpha.shape == f.keyer_alpha.shape
    assert torch.isfinite(alpha).all()


def test_manifest_and_safetensors_round_trip(trained: MatteModel, tmp_path: Path,
                                             shot: list[ApprovedMatte]) -> None:
    folder = save_to_title(trained, tmp_path / "title")
    assert folder == tmp_path / "title" / "models" / "matte" / trained.version_id
    assert sorted(p.name for p in folder.iterdir()) == sorted([WEIGHTS_FILE, JSON_FILE])
    assert (tmp_path / "title/models/matte/current").read_text().strip() == trained.version_id
    # safetensors: an 8-byte little-endian header length, then a JSON header; no pickle.
    raw = (folder / WEIGHTS_FILE).read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    assert header["__metadata__"]["schema"] == MATTE_MODEL_SCHEMA
    assert b"\x80\x04" not in raw[:2] and not raw.startswith(b"PK")
    doc = json.loads((folder / JSON_FILE).read_text())
    assert doc["schema"] == MATTE_MODEL_SCHEMA
    assert len(doc["training_data_sha256"]) == 64
    assert doc["settings"] == FAST.to_dict()
    assert doc["keyer"] == KEYER.to_dict()
    assert doc["trust"] == trained.trust
    assert doc["metrics"]["held_out_model_mse"] <= doc["metrics"]["held_out_keyer_mse"]

    for loaded in (load_matte_model(tmp_path / "title"), load_matte_model(folder),
                   read_matte_model(folder)):
        assert loaded.trust == trained.trust and loaded.settings == trained.settings
        f = shot[5]
        assert torch.equal(loaded.apply(f.plate, f.keyer_alpha),
                           trained.apply(f.plate, f.keyer_alpha))


def test_same_data_same_hash_other_data_other_hash(shot: list[ApprovedMatte]) -> None:
    one = MatteModelSettings(steps=1, batch=1, crop=16, threads=1)
    a = train_matte_model(shot[:2], one, progress=False)
    b = train_matte_model(shot[:2], one, progress=False)
    c = train_matte_model(shot[1:3], one, progress=False)
    digest = a.metadata["training_data_sha256"]
    assert digest == b.metadata["training_data_sha256"] != c.metadata["training_data_sha256"]


@pytest.mark.parametrize("damage", ["flip", "truncate", "json", "missing", "nan"])
def test_a_damaged_model_folder_is_refused_naming_the_file(trained: MatteModel, tmp_path: Path,
                                                           damage: str) -> None:
    folder = write_matte_model(trained, tmp_path / "m")
    weights, manifest = folder / WEIGHTS_FILE, folder / JSON_FILE
    if damage == "flip":
        raw = bytearray(weights.read_bytes())
        raw[-5] ^= 0xFF
        weights.write_bytes(bytes(raw))
    elif damage == "truncate":
        weights.write_bytes(weights.read_bytes()[:100])
    elif damage == "json":
        manifest.write_text(manifest.read_text()[:50])
    elif damage == "missing":
        weights.unlink()
    else:  # NaN weights with a manifest that vouches for them: still refused
        from safetensors.torch import save_file

        from workbench.io.hashing import sha256_file

        state = {k: v.clone() for k, v in trained.net.state_dict().items()}
        state["head.bias"][:] = float("nan")
        save_file(state, str(weights))
        doc = json.loads(manifest.read_text())
        doc["files"][WEIGHTS_FILE] = sha256_file(weights)
        manifest.write_text(json.dumps(doc))
    named = manifest.name if damage == "json" else weights.name
    with pytest.raises(TitleError, match=named):
        read_matte_model(folder)


def test_no_model_here_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TitleError, match="no matte model"):
        load_matte_model(tmp_path)


def test_bad_training_input_is_refused_naming_the_frame(shot: list[ApprovedMatte]) -> None:
    f = shot[0]
    with pytest.raises(ParameterError, match="at least 2 approved"):
        train_matte_model(shot[:1], FAST, progress=False)
    small = ApprovedMatte(f.plate, f.keyer_alpha[..., :10, :10], f.matte, "A001 frame 7")
    with pytest.raises(ShapeError, match="A001 frame 7"):
        train_matte_model([small, shot[1]], FAST, progress=False)
    nan = f.plate.clone()
    nan[0, 1, 3, 3] = float("nan")
    with pytest.raises(MediaError, match="A001 frame 9: NaN"):
        train_matte_model([ApprovedMatte(nan, f.keyer_alpha, f.matte, "A001 frame 9"),
                           shot[1]], FAST, progress=False)
    with pytest.raises(ParameterError, match=r"outside \[0, 1\]"):
        train_matte_model([ApprovedMatte(f.plate, f.keyer_alpha, f.matte * 2, "x"), shot[1]],
                          FAST, progress=False)
    with pytest.raises(ParameterError, match="steps"):
        MatteModelSettings(steps=0)


def test_held_out_frames_are_spread_and_never_all(shot: list[ApprovedMatte]) -> None:
    train, held = split_held_out(2, 0.25)
    assert sorted(train + held) == [0, 1] and len(held) == 1
    train, held = split_held_out(8, 0.25)
    assert held == [2, 5] and len(train) == 6
    assert split_held_out(3, 0.9)[0]  # something is always left to learn from


def test_progress_feeds_a_training_view_and_stop_ends_early(shot: list[ApprovedMatte]) -> None:
    from workbench.ui.training import TrainingView

    held = shot[:4][split_held_out(4, FAST.held_out)[1][0]]
    view = TrainingView(held_out=held.plate, rate_hz=1000.0, preview_hz=1000.0)
    steps = []

    def stop_at_5(progress: object) -> bool:
        steps.append(progress)
        return view.callback(progress) and len(steps) < 5  # type: ignore[arg-type]

    model = train_matte_model(shot[:4], FAST, callback=stop_at_5, progress=False)
    assert model.metadata["metrics"]["steps"] == 5
    assert view.stage == "matte" and view.step == 5 and view.total == FAST.steps
    assert view.preview and view.preview != view.before  # the plate over grey through the matte
    assert model.metadata["metrics"]["held_out_model_mse"] <= \
        model.metadata["metrics"]["held_out_keyer_mse"]
