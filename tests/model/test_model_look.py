"""The learned look on real photographs: it generalises, stores, reloads and exports faithfully."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import PyOpenColorIO as ocio
import pytest
import torch
from testkit import one_thread, shared_path  # noqa: F401  (one_thread: autouse fixture)

from workbench.color import convert, mean_delta_e_2000
from workbench.errors import ColourSpaceError, MediaError, ParameterError, ShapeError, TitleError
from workbench.interchange import write_cube
from workbench.model.look import LOOK_SCHEMA, LookModel, fit_look
from workbench.model.progress import TrainProgress

DATA = shared_path()
STEPS = 100


def photo(rel: str, width: int = 128) -> torch.Tensor:
    """A real still, sRGB-encoded ``(1, 3, H, W)`` float32, ``width`` pixels wide."""
    bgr = cv2.imread(str(DATA / rel), cv2.IMREAD_COLOR)
    assert bgr is not None, f"{DATA / rel} is needed by these tests"
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255
    h, w = rgb.shape[:2]
    rgb = cv2.resize(rgb, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)
    return torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous()


def split_tone(img: torch.Tensor) -> torch.Tensor:
    """Teal shadows, orange highlights and a gentle S-curve: a look a colourist might make."""
    luma = (img * torch.tensor([0.2126, 0.7152, 0.0722]).view(1, 3, 1, 1)).sum(1, keepdim=True)
    teal = torch.tensor([-0.05, 0.015, 0.06]).view(1, 3, 1, 1)
    orange = torch.tensor([0.06, 0.015, -0.05]).view(1, 3, 1, 1)
    graded = img + (1 - luma) ** 2 * teal + luma ** 2 * orange
    return (graded + 0.08 * torch.sin(2 * torch.pi * graded) / (2 * torch.pi) * -1).clamp(0, 1)


@pytest.fixture(scope="module")
def train() -> list[torch.Tensor]:
    return [photo("photo/skimage_astronaut.png"), photo("pairs/opencv_rubberwhale1.png")]


@pytest.fixture(scope="module")
def held_out() -> torch.Tensor:
    return photo("photo/skimage_coffee.png")


@pytest.fixture(scope="module")
def look(train: list[torch.Tensor]) -> LookModel:
    return fit_look(train, [split_tone(t) for t in train], space="sRGB", seed=3, steps=STEPS,
                    progress=False)


def test_held_out_photo_takes_the_look(look: LookModel, held_out: torch.Tensor):
    truth = split_tone(held_out)
    before = mean_delta_e_2000(held_out, truth, "sRGB")
    after = mean_delta_e_2000(look.apply(held_out), truth, "sRGB")
    assert before > 2.0
    assert after < 0.5
    assert after < before / 8


def test_strength_zero_is_the_input_bit_for_bit(look: LookModel, held_out: torch.Tensor):
    assert torch.equal(look.apply(held_out, 0.0), held_out)
    batch = torch.cat([held_out, held_out])
    out = look.apply(batch, torch.tensor([0.0, 1.0]))
    assert torch.equal(out[0], held_out[0])
    assert torch.equal(out[1], look.apply(held_out)[0])


def test_half_strength_is_half_way(look: LookModel, held_out: torch.Tensor):
    full = look.apply(held_out)
    half = look.apply(held_out, 0.5)
    torch.testing.assert_close(half, (held_out + full) / 2, atol=1e-6, rtol=0)


def test_strength_out_of_range_is_refused(look: LookModel, held_out: torch.Tensor):
    with pytest.raises(ParameterError, match="strength"):
        look.apply(held_out, 1.5)


def test_save_load_round_trip_is_bit_exact(look: LookModel, held_out: torch.Tensor,
                                           tmp_path: Path):
    look.save(tmp_path / "look")
    doc = json.loads((tmp_path / "look" / "look.json").read_text())
    assert doc["schema"] == LOOK_SCHEMA
    assert doc["space"] == "sRGB"
    assert doc["seed"] == 3
    assert len(doc["training_data_sha256"]) == 64
    assert doc["metrics"]["train_de2000_mean"] < 0.5
    again = LookModel.load(tmp_path / "look")
    assert again.space == "sRGB"
    assert torch.equal(again.apply(held_out), look.apply(held_out))
    # The training colours travel with the weights: the CDL export fits on them after a reload.
    assert look.colours is not None and again.colours is not None
    assert torch.equal(again.colours, look.colours)
    assert again.cdl_fit() == look.cdl_fit()


def test_a_look_saved_without_training_colours_exports_a_cdl_on_the_gamut(
        look: LookModel, held_out: torch.Tensor, tmp_path: Path):
    from safetensors.torch import load_file, save_file

    folder = look.save(tmp_path / "look")
    doc = json.loads((folder / "look.json").read_text())
    (folder / "look.json").write_text(json.dumps({**doc, "schema": "LookModel.2"}))
    tensors = load_file(str(folder / "model.safetensors"))
    del tensors["training_colours"], tensors["training_counts"]
    save_file(tensors, str(folder / "model.safetensors"))
    old = LookModel.load(folder)
    assert old.colours is None
    fit = old.cdl_fit()
    assert fit.pixels_label == "Rec.709 gamut" and "Rec.709 gamut mean" in fit.describe()
    graded = look.apply(held_out)
    v = fit.values
    from workbench.ops import apply_cdl
    # Still much closer to the look than no grade at all.
    assert (mean_delta_e_2000(apply_cdl(held_out, v.slope, v.offset, v.power, v.saturation),
                              graded, "sRGB")
            < 0.75 * mean_delta_e_2000(held_out, graded, "sRGB"))


def test_corrupt_training_colours_name_the_file(look: LookModel, tmp_path: Path):
    from safetensors.torch import load_file, save_file

    folder = look.save(tmp_path / "look")
    tensors = load_file(str(folder / "model.safetensors"))
    tensors["training_counts"] = tensors["training_counts"][:-1].contiguous()
    save_file(tensors, str(folder / "model.safetensors"))
    with pytest.raises(TitleError, match=r"model\.safetensors.*training colours"):
        LookModel.load(folder)


def test_a_look_saved_before_the_hue_terms_still_loads(train: list[torch.Tensor],
                                                       held_out: torch.Tensor, tmp_path: Path):
    from safetensors.torch import load_file, save_file

    from workbench.model.look import LookSettings

    old = fit_look(train, [split_tone(t) for t in train], space="sRGB", steps=20,
                   progress=False, settings=LookSettings(hue_order=0, clip_output=False,
                                                         linear_saturation=False))
    folder = old.save(tmp_path / "look")
    # What LookModel.1 wrote: no hue settings, no hue weights, no clipping.
    doc = json.loads((folder / "look.json").read_text())
    for key in ("hue_order", "hue_smooth", "clip_output", "linear_saturation"):
        del doc["settings"][key]
    (folder / "look.json").write_text(json.dumps({**doc, "schema": "LookModel.1"}))
    tensors = load_file(str(folder / "model.safetensors"))
    del tensors["hue_coef"]
    save_file(tensors, str(folder / "model.safetensors"))
    again = LookModel.load(folder)
    assert torch.equal(again.apply(held_out), old.apply(held_out))


def test_missing_and_corrupt_files_name_the_file(look: LookModel, tmp_path: Path):
    folder = look.save(tmp_path / "look")
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(TitleError, match=r"model\.safetensors"):
        LookModel.load(folder)
    weights.unlink()
    with pytest.raises(TitleError, match=r"model\.safetensors"):
        LookModel.load(folder)
    look.save(folder)
    doc = json.loads((folder / "look.json").read_text())
    (folder / "look.json").write_text(json.dumps({**doc, "schema": "LookModel.99"}))
    with pytest.raises(ParameterError, match=r"look\.json.*LookModel\.99"):
        LookModel.load(folder)
    (folder / "look.json").write_text("{not json")
    with pytest.raises(TitleError, match=r"look\.json"):
        LookModel.load(folder)


def test_same_seed_same_model(train: list[torch.Tensor]):
    after = [split_tone(t) for t in train]
    a = fit_look(train, after, space="sRGB", seed=7, steps=5, progress=False)
    b = fit_look(train, after, space="sRGB", seed=7, steps=5, progress=False)
    for (name, p), q in zip(a.net.named_parameters(), b.net.parameters(), strict=True):
        assert torch.equal(p, q), name
    assert a.metadata["training_data_sha256"] == b.metadata["training_data_sha256"]


def test_callback_sees_steps_and_can_stop(train: list[torch.Tensor], held_out: torch.Tensor):
    seen: list[TrainProgress] = []

    def stop_at_twenty(p: TrainProgress) -> bool:
        seen.append(p)
        return p.step < 20

    model = fit_look(train, [split_tone(t) for t in train], space="sRGB", steps=50,
                     callback=stop_at_twenty, progress=False)
    assert [p.step for p in seen] == list(range(1, 21))
    assert all(p.stage == "look" and p.total == 50 for p in seen)
    assert seen[-1].loss < seen[0].loss
    assert model.metadata["metrics"]["steps_run"] == 20
    assert seen[-1].preview is not None
    assert seen[-1].preview(held_out).shape == held_out.shape


def test_cube_read_by_opencolorio_reproduces_apply(look: LookModel, held_out: torch.Tensor,
                                                  tmp_path: Path):
    path = write_cube(tmp_path / "look.cube", look.to_cube(33))
    transform = ocio.FileTransform(src=str(path), interpolation=ocio.INTERP_LINEAR)
    proc = ocio.Config.CreateRaw().getProcessor(transform).getDefaultCPUProcessor()
    rgb = held_out[0].permute(1, 2, 0).contiguous().numpy().copy()
    proc.applyRGB(rgb)
    via_ocio = torch.from_numpy(rgb).permute(2, 0, 1)[None]
    assert mean_delta_e_2000(via_ocio, look.apply(held_out), "sRGB") < 0.1


def test_cdl_recovers_a_cdl_look_in_acescct(train: list[torch.Tensor]):
    before = [convert(t, "sRGB", "ACEScct") for t in train]
    slope, offset, power, sat = (1.1, 1.0, 0.9), (0.02, 0.0, -0.01), (1.05, 1.0, 0.95), 1.2
    cdl = ocio.CDLTransform(slope=slope, offset=offset, power=power, sat=sat)
    cdl.setStyle(ocio.CDL_NO_CLAMP)
    proc = ocio.Config.CreateRaw().getProcessor(cdl).getDefaultCPUProcessor()
    after = []
    for b in before:
        rgb = b[0].permute(1, 2, 0).contiguous().numpy().copy()
        proc.applyRGB(rgb)
        after.append(torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous())
    model = fit_look(before, after, space="ACEScct", steps=STEPS, progress=False)
    values = model.to_cdl(for_image=before[0])
    assert np.allclose(values.slope, slope, atol=0.04)
    assert np.allclose(values.offset, offset, atol=0.02)
    assert np.allclose(values.power, power, atol=0.06)
    assert abs(values.saturation - sat) < 0.05
    cube = model.to_cube(17)
    assert np.allclose(cube.domain, [[0.0] * 3, [1.25] * 3])


def test_bad_pairs_are_refused(train: list[torch.Tensor]):
    with pytest.raises(ShapeError, match="pair 1"):
        fit_look(train, [train[0], train[0]], space="sRGB", steps=1, progress=False)
    bad = train[1].clone()
    bad[0, 0, 0, 0] = float("nan")
    with pytest.raises(MediaError, match="pair 1 after"):
        fit_look(train, [train[0], bad], space="sRGB", steps=1, progress=False)
    with pytest.raises(ColourSpaceError, match="look space"):
        fit_look(train, train, space="ARRI LogC9", steps=1, progress=False)
    with pytest.raises(ShapeError, match="same, non-zero number"):
        fit_look(train, train[:1], space="sRGB", steps=1, progress=False)


def test_settings_are_chosen_by_leaving_one_hue_sector_out(train: list[torch.Tensor]):
    from workbench.model.look.validate import choose_settings

    small = [torch.nn.functional.interpolate(t, scale_factor=0.5, mode="area") for t in train]
    after = [split_tone(t) for t in small]
    # A candidate that cannot learn (a learning rate of zero) must lose to one that can.
    found = choose_settings(small, after, space="sRGB", steps=30,
                            candidates=[{"lr": 0.0}, {}])
    assert found.settings.lr > 0 and found.scores[1] < found.scores[0] and found.chosen == 1
    assert found.candidates == [{"lr": 0.0}, {}]
    assert found.folds >= 2 and all(len(f) == found.folds for f in found.fold_scores)
    # The first candidate stands unless beaten by the margin (here: never).
    kept = choose_settings(small, after, space="sRGB", steps=30, candidates=[{"lr": 0.0}, {}],
                           margin=1.0)
    assert kept.settings.lr == 0.0 and kept.chosen == 0 and kept.scores == found.scores
    # One pair is enough: the folds are hues, not pairs.
    assert choose_settings(small[:1], after[:1], space="sRGB", steps=5,
                           candidates=[{}]).folds >= 2
    grey = [small[0].mean(1, keepdim=True).expand(-1, 3, -1, -1).contiguous()]
    with pytest.raises(ParameterError, match=r"colour in 0 of 4 hue sectors"):
        choose_settings(grey, grey, space="sRGB", steps=5)


def test_hue_folds_hold_out_one_hue_each_and_keep_the_neutrals(train: list[torch.Tensor]):
    from workbench.model.look.validate import CHROMA_MIN, hue_folds
    from workbench.model.look_data import bin_pairs
    from workbench.model.look_net import opponent_hue

    data = bin_pairs(train, train, (0.0, 1.0), 32)
    folds = hue_folds(data, sectors=4)
    chroma, hue = opponent_hue(data.before)
    assert len(folds) >= 2
    held = torch.stack(folds)
    assert int(held.sum(0).max()) == 1  # no bin is held out twice
    assert not bool(held.any(0)[chroma <= CHROMA_MIN].any())  # neutrals always train
    for fold in folds:  # each fold is one quarter of the hue circle
        sector = ((hue[fold] + torch.pi) / (torch.pi / 2)).long().clamp(0, 3)
        assert bool((sector == sector[0]).all())


def _saturate(img: torch.Tensor, gain: float = 1.6) -> torch.Tensor:
    """A strong saturation boost about Rec.709 luma, clipped to the display range."""
    luma = (img * torch.tensor([0.2126, 0.7152, 0.0722]).view(1, 3, 1, 1)).sum(1, keepdim=True)
    return (luma + gain * (img - luma)).clamp(0, 1)


def test_clipped_afters_teach_the_grade_not_its_clipping(train: list[torch.Tensor],
                                                         held_out: torch.Tensor):
    """Saturated training colours clip; treated as clipped (the grade went at least that far),
    they leave the smooth terms learning the boost itself, which carries to held-out colours.
    Fitted as if the clipped values were the grade, the boost is learned too weak."""
    from workbench.model.look import LookSettings

    after = [_saturate(t) for t in train]
    clipped = [float(((a <= 0) | (a >= 1)).any(1).float().mean()) for a in after]
    assert max(clipped) > 0.1  # the pairs really clip
    truth = _saturate(held_out)
    errors = {}
    for clip in (True, False):
        model = fit_look(train, after, space="sRGB", steps=STEPS, seed=1, progress=False,
                         settings=LookSettings(clip_output=clip))
        graded = model.apply(held_out)
        if clip:
            assert float(graded.min()) >= 0 and float(graded.max()) <= 1
        errors[clip] = mean_delta_e_2000(graded, truth, "sRGB")
    assert errors[True] < 0.8 * errors[False]
