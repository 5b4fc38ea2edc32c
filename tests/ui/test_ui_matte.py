"""MatteView (Python side): controls generated from the Keyer, live re-key, modes, the model."""

from __future__ import annotations

import cv2
import numpy as np
import param
import pytest
import torch
from testkit import shared_path

from workbench.color import convert_array
from workbench.matte.keyer import Keyer
from workbench.matte.model import MatteModel, MatteNet
from workbench.ui.matte import MATTE_MODES, MatteView, keyer_spec

WIDTH, PROXY = 160, 80


@pytest.fixture(scope="module")
def plate() -> torch.Tensor:
    """The real green-screen person, 160 px wide, ACEScg."""
    bgr = cv2.imread(str(shared_path("keying", "greenremover_greenscreen_input.png")))
    h = round(bgr.shape[0] * WIDTH / bgr.shape[1])
    rgb = cv2.cvtColor(cv2.resize(bgr, (WIDTH, h), interpolation=cv2.INTER_AREA),
                       cv2.COLOR_BGR2RGB).astype(np.float32) / 255
    lin = convert_array(np.ascontiguousarray(rgb), "sRGB", "ACEScg")
    return torch.from_numpy(lin).permute(2, 0, 1)[None].contiguous()


def _decode(jpeg: bytes) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert img is not None
    return img


def test_one_control_per_declared_keyer_parameter() -> None:
    keyer = Keyer(screen="green")
    spec = {s["name"]: s for s in keyer_spec(keyer)}
    numeric = [n for n in keyer.parameter_names()
               if isinstance(keyer.param[n], param.Number) and n != "strength"]
    assert set(numeric) <= set(spec)
    assert "strength" not in spec and "screen_colour" not in spec
    assert spec["clip_black"]["kind"] == "number"
    assert (spec["clip_black"]["min"], spec["clip_black"]["max"]) == (0.0, 0.5)  # soft bounds
    assert (spec["clip_black"]["hard_min"], spec["clip_black"]["hard_max"]) == (0.0, 0.99)
    assert spec["erode"]["integer"] and spec["erode"]["step"] >= 1
    assert spec["screen"] == {**spec["screen"], "kind": "select", "value": "green",
                              "options": ["auto", "green", "blue"]}


def test_a_slider_rekeys_the_plate_live(plate: torch.Tensor) -> None:
    view = MatteView(plate, Keyer(screen="green"), threaded=False, proxy_width=PROXY)
    assert view.seq == 1 and view.mode == "composite" and not view.proxy
    assert _decode(view.image).shape[:2] == plate.shape[-2:]
    before, seq = view.coverage, view.seq
    assert 0.05 < before < 0.95  # a person on a screen: some of each
    view.set_value("clip_white", 0.5)  # more of the raw key counts as solid
    assert view.seq == seq + 1 and view.coverage > before
    assert view.keyer().clip_white == 0.5
    view.set_value("clip_white", 5.0)  # held to the hard bound
    assert view.values["clip_white"] == 1.0
    view.reset()
    assert view.values["clip_white"] == Keyer().clip_white
    assert view.coverage == pytest.approx(before)


def test_dragging_shows_the_proxy_and_release_the_full_frame(plate: torch.Tensor) -> None:
    view = MatteView(plate, Keyer(screen="green"), threaded=False, proxy_width=PROXY)
    view.dragging = True
    view.values = {**view.values, "clip_black": 0.2}
    assert view.proxy and _decode(view.image).shape[1] == PROXY
    view.dragging = False
    assert not view.proxy and _decode(view.image).shape[1] == WIDTH


def test_the_four_views(plate: torch.Tensor) -> None:
    view = MatteView(plate, Keyer(screen="green"), threaded=False, proxy_width=PROXY)
    pictures = {}
    for mode in MATTE_MODES:
        view.mode = mode
        pictures[mode] = _decode(view.image).astype(np.float32)
    assert len({p.tobytes() for p in pictures.values()}) == 4
    alpha = view.matte()[0, 0].numpy() * 255
    assert np.abs(pictures["matte"][..., 1] - alpha).mean() < 3  # the matte, as grey
    # the overlay tints only what is keyed out; the composite shows the checkerboard there
    keyed_out = alpha < 10
    red_gain = pictures["overlay"][..., 2] - pictures["plate"][..., 2]  # BGR: 2 is red
    assert red_gain[keyed_out].mean() > 30 > abs(red_gain[alpha > 245].mean())
    background = torch.full((1, 3, 20, 30), 0.5)
    with_bg = MatteView(plate, Keyer(screen="green"), threaded=False, background=background,
                        mode="composite")
    grey = _decode(with_bg.image).astype(np.float32)[keyed_out]
    assert grey.std(axis=0).max() < 6  # the flat new background where the screen was


def test_the_matte_model_can_be_shown(plate: torch.Tensor) -> None:
    net = MatteNet()
    with torch.no_grad():
        net.head.bias.fill_(0.5)  # a model that adds half a stop of alpha everywhere
    model = MatteModel(net, trust=1.0, metadata={"version_id": "v1", "metrics": {
        "held_out_model_mse": 0.01, "held_out_keyer_mse": 0.02}})
    view = MatteView(plate, Keyer(screen="green"), threaded=False, model=model)
    assert view.has_model and view.use_model and "v1" in view.model_info
    with_model = view.coverage
    view.use_model = False
    assert view.coverage < with_model
    assert torch.equal(view.matte(), view.matte())  # cached, not recomputed differently
    plain = MatteView(plate, Keyer(screen="green"), threaded=False)
    assert not plain.has_model and not plain.use_model
    assert plain.coverage == pytest.approx(view.coverage)


def test_an_impossible_setting_shows_an_error_and_keeps_the_picture(plate: torch.Tensor) -> None:
    view = MatteView(plate, Keyer(screen="green"), threaded=False)
    image, seq = view.image, view.seq
    view.set_value("clip_black", 0.98)  # above clip_white: no key can be pulled
    assert "clip_black must be below clip_white" in view.error
    assert view.image == image and view.seq == seq
    view.set_value("clip_black", 0.1)
    assert view.error == "" and view.seq == seq + 1


def test_front_end_messages(plate: torch.Tensor) -> None:
    view = MatteView(plate, Keyer(screen="green"), threaded=False)
    view.values = {**view.values, "erode": 2.0}  # a slider sends a float
    assert view.keyer().erode == 2 and view.error == ""
    view._on_front_end(view, {"type": "reset", "name": "erode"}, [])
    assert view.values["erode"] == 0


def test_threaded_keys_skip_to_the_newest_settings(plate: torch.Tensor) -> None:
    view = MatteView(plate, Keyer(screen="green"))  # threaded, as in a notebook
    for clip in (0.9, 0.8, 0.7, 0.6, 0.5):  # a fast drag
        view.set_value("clip_white", clip)
    assert view.wait(60)
    same = MatteView(plate, Keyer(screen="green", clip_white=0.5), threaded=False)
    assert view.coverage == pytest.approx(same.coverage)
    assert view.image == same.image
