"""Difference key against a clean plate, and the clean plate from the temporal median of a real
locked-off shot (OpenCV's vtest walkway: pedestrians come and go)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from keyplates import plant, tensor
from testkit import one_thread, shared_path  # noqa: F401  (one torch thread for the module)

from workbench.color import convert
from workbench.errors import ShapeError
from workbench.io import read_movie_frames
from workbench.matte.cleanplate import median_clean_plate, movie_clean_plate
from workbench.matte.difference import difference_alpha
from workbench.matte.keyer import Keyer, key

VTEST = shared_path("video", "opencv_vtest.avi")
WIDTH = 192


@pytest.fixture(scope="module")
def walkway() -> tuple[torch.Tensor, torch.Tensor]:
    """Frames 0-239 every 12th at 192 wide (Rec.709 values) and their median."""
    frames = [torch.from_numpy(rgb.astype(np.float32) / 255.0).permute(2, 0, 1)
              for i, rgb in read_movie_frames(VTEST, stop=240, step=12, max_width=WIDTH)]
    stack = torch.stack(frames)
    return stack, median_clean_plate(stack)


def test_the_median_leaves_the_walkers_out(walkway: tuple[torch.Tensor, torch.Tensor]) -> None:
    frames, clean = walkway
    assert clean.shape == (1, 3, frames.shape[2], frames.shape[3])
    moving = (frames - clean).abs().amax(dim=1) > 0.1  # per frame: where someone walks
    share = moving.float().mean(dim=(1, 2))
    assert float(share.max()) < 0.15 and float(share.sum()) > 0  # people pass, most is still
    # The background is the same whichever frames vote: even and odd frames agree.
    even, odd = median_clean_plate(frames[0::2]), median_clean_plate(frames[1::2])
    assert float((even - odd).abs().mean()) < 0.01
    # A walker in a frame is not in the clean plate: the frame differs there, the plate's
    # neighbourhood does not.
    assert float((frames - clean).abs().amax(dim=1)[moving].mean()) > 0.15


def test_movie_clean_plate_matches_the_frame_median(
        walkway: tuple[torch.Tensor, torch.Tensor]) -> None:
    frames, clean = walkway
    plate = movie_clean_plate(VTEST, samples=frames.shape[0], max_width=WIDTH, stop=229,
                              progress=False)
    torch.testing.assert_close(plate, clean)


def test_difference_key_finds_a_real_object_on_the_walkway(
        walkway: tuple[torch.Tensor, torch.Tensor]) -> None:
    _, clean = walkway
    clean_lin = convert(clean.contiguous(), "Rec.709", "ACEScg")
    fg, alpha = plant(scale=0.25)
    h, w = alpha.shape
    y0, x0 = 20, 60
    a = torch.zeros(1, 1, *clean.shape[-2:])
    a[..., y0:y0 + h, x0:x0 + w] = tensor(alpha)
    f = clean_lin.clone()
    f[..., y0:y0 + h, x0:x0 + w] = tensor(fg)
    rng = torch.Generator().manual_seed(5)
    plate = a * f + (1 - a) * clean_lin + 0.003 * torch.randn(clean_lin.shape, generator=rng)
    r = key(plate, Keyer(), clean_plate=clean_lin)
    assert r.screen_name == "clean plate"
    found, truth = r.alpha > 0.5, a > 0.5
    iou = float((found & truth).sum()) / float((found | truth).sum())
    assert iou > 0.85, iou
    outside = torch.ones_like(a, dtype=torch.bool)
    outside[..., y0 - 4:y0 + h + 4, x0 - 4:x0 + w + 4] = False
    assert float(r.alpha[outside].mean()) < 0.01
    # Unmixing against the clean plate gives the object's own colour where it is solid.
    solid = (a == 1).expand_as(plate)
    assert float((r.foreground - a * f)[solid].abs().mean()) < 0.02


def test_difference_alpha_contract() -> None:
    clean = torch.rand(1, 3, 8, 8)
    assert torch.equal(difference_alpha(clean, clean), torch.zeros(1, 1, 8, 8))
    with pytest.raises(ShapeError, match="clean plate"):
        difference_alpha(clean, torch.rand(1, 3, 4, 4))
    moved = clean.clone()
    moved[..., 2:6, 2:6] += 1.0
    assert float(difference_alpha(moved, clean, denoise=0.0)[0, 0, 4, 4]) == 1.0
