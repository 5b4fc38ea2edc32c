"""The notebooks' picture helpers: display pixels equal OpenColorIO's view, sheets lay out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import PyOpenColorIO as ocio
import pytest
import torch

from workbench.color import CONFIG_URI, DISPLAY, VIEW, convert
from workbench.errors import ShapeError
from workbench.io import read_image
from workbench.ui.display import display_to_bgr8, hstack, labelled, to_display8

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def test_to_display8_is_ocios_display_view_in_bgr():
    rgb, _ = read_image(DATA / "photo" / "skimage_coffee.png")
    img = convert(torch.from_numpy(np.ascontiguousarray(rgb[::4, ::4], np.float32))
                  .permute(2, 0, 1)[None].contiguous(), "sRGB", "ACEScg")
    img = torch.cat([img * 4.0, img])   # the first image, over-exposed: highlights clip
    out = to_display8(img)

    config = ocio.Config.CreateFromFile(CONFIG_URI)
    view = ocio.DisplayViewTransform(src="ACEScg", display=DISPLAY, view=VIEW)
    cpu = config.getProcessor(view).getDefaultCPUProcessor()
    expected = np.ascontiguousarray(img[0].permute(1, 2, 0).numpy(), np.float32)
    cpu.applyRGB(expected)
    expected = (np.clip(expected, 0, 1)[..., ::-1] * 255 + 0.5).astype(np.uint8)

    assert out.shape == (img.shape[2], img.shape[3], 3) and out.dtype == np.uint8
    assert np.abs(out.astype(int) - expected).max() <= 1
    assert (out == 255).any()   # a display picture, clipped, not wrapped


def test_display_to_bgr8_reverses_channels_and_rounds():
    rgb = np.zeros((1, 2, 3), np.float32)
    rgb[0, 0] = (1.0, 0.5, 0.0)
    rgb[0, 1] = (-0.2, 1.7, 0.25)
    assert display_to_bgr8(rgb).tolist() == [[[0, 128, 255], [64, 255, 0]]]
    with pytest.raises(ShapeError, match=r"\(H, W, 3\)"):
        display_to_bgr8(np.zeros((2, 2), np.float32))


def test_hstack_places_pictures_top_aligned_with_gaps():
    a = np.full((4, 3, 3), 200, np.uint8)
    b = np.full((2, 5, 3), 100, np.uint8)
    sheet = hstack([a, b], gap=2)
    assert sheet.shape == (4, 10, 3)
    assert (sheet[:, :3] == 200).all() and (sheet[:2, 5:] == 100).all()
    assert (sheet[:, 3:5] == 24).all() and (sheet[2:, 5:] == 24).all()
    with pytest.raises(ShapeError, match="at least one"):
        hstack([])


def test_labelled_writes_on_a_copy():
    bgr = np.full((24, 80, 3), 24, np.uint8)
    out = labelled(bgr, "bikes_001")
    assert (bgr == 24).all()
    assert (out[:20, :60] == 255).any() and (out[:20, :60] == 0).any()
