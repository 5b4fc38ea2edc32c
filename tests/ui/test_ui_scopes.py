"""Scopes: shapes, and known colours landing where a colourist expects them."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from workbench.ui import Scopes
from workbench.ui.scopes import (
    SKIN_TONE_DEGREES,
    histogram,
    vectorscope,
    vectorscope_targets,
    waveform,
)


def _flat(rgb: tuple[float, float, float], h: int = 8, w: int = 16) -> torch.Tensor:
    return torch.tensor(rgb, dtype=torch.float32).reshape(1, 3, 1, 1).expand(1, 3, h, w)


@pytest.mark.parametrize("name, rgb", [("R", (1, 0, 0)), ("G", (0, 1, 0)), ("B", (0, 0, 1)),
                                       ("Yl", (1, 1, 0)), ("Cy", (0, 1, 1)), ("Mg", (1, 0, 1))])
def test_primaries_land_on_their_vectorscope_targets(name, rgb):
    counts = vectorscope(_flat(rgb))
    y, x = divmod(int(counts.argmax()), counts.shape[1])
    tx, ty = vectorscope_targets()[name]
    assert abs(x - tx) <= 0.5 and abs(y - ty) <= 0.5
    assert counts.sum() == 8 * 16


def test_grey_sits_at_the_centre_and_skin_near_the_skin_line():
    counts = vectorscope(_flat((0.5, 0.5, 0.5)))
    assert divmod(int(counts.argmax()), 256) == (128, 128) or divmod(
        int(counts.argmax()), 256) == (127, 127)
    y, x = divmod(int(vectorscope(_flat((0.80, 0.60, 0.50))).argmax()), 256)  # a skin tone
    angle = np.degrees(np.arctan2(127.5 - y, x - 127.5))
    assert abs(angle - SKIN_TONE_DEGREES) < 10


def test_waveform_and_histogram_of_a_ramp():
    ramp = torch.linspace(0, 1, 256).reshape(1, 1, 1, 256).expand(1, 3, 10, 256)
    wave = waveform(ramp)
    assert wave.shape == (1, 256, 256)
    # Column c holds level c: the trace is the anti-diagonal (top row is level 1.0).
    assert [int(wave[0, :, c].argmax()) for c in (0, 128, 255)] == [255, 127, 0]
    parade = waveform(ramp * torch.tensor([1.0, 0.5, 0.0]).reshape(1, 3, 1, 1), parade=True)
    assert parade.shape == (3, 256, 256)
    assert int(parade[2].sum(1).argmax()) == 255  # blue is 0 everywhere: bottom row
    hist = histogram(ramp)
    assert hist.shape == (4, 256) and torch.all(hist.sum(1) == 2560)


def test_widget_sends_images_as_bytes():
    from ipywidgets.widgets.widget import _remove_buffers

    rgb = (np.random.default_rng(0).random((300, 700, 3)) * 255).astype(np.uint8)
    scopes = Scopes()
    ms = scopes.update(rgb)
    assert scopes.seq == 1 and ms["scopes"] > 0
    for key in ("waveform", "parade", "vectorscope"):
        img = cv2.imdecode(np.frombuffer(getattr(scopes, key), np.uint8), cv2.IMREAD_UNCHANGED)
        assert img.shape[0] == 256
    assert np.frombuffer(scopes.histogram, np.float32).reshape(4, 256).max() == 1.0
    state, paths, _buffers = _remove_buffers(scopes.get_state())
    assert ["vectorscope"] in paths and "vectorscope" not in state  # binary, not JSON
