"""The keyer's fast filters: OpenCV on CPU planes gives what the torch forms give, the guided
filter equals kornia's, and a 1080p-style half-size key refined back to full size matches the
full-size refinement away from the subsampling's own blur."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from testkit import one_thread  # noqa: F401  (one torch thread for the module)

from workbench.matte._filters import box_mean, gaussian, max_filter, min_filter, resize
from workbench.matte.refine import edge_boxes, guide, guided_refine
from workbench.ops.lens.blur import gaussian_blur


def picture(h: int = 48, w: int = 64, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(2, 3, h, w, generator=g)


@pytest.mark.parametrize("radius", [1, 3])
def test_opencv_filters_equal_the_torch_forms(radius: int) -> None:
    x = picture()
    # float64 takes the torch path, float32 the OpenCV one.
    ref = x.double()
    assert torch.equal(max_filter(x, radius).double(), max_filter(ref, radius))
    assert torch.equal(min_filter(x, radius).double(), min_filter(ref, radius))
    for reflect in (False, True):
        assert torch.allclose(box_mean(x, radius, reflect).double(),
                              box_mean(ref, radius, reflect), atol=1e-6)
    assert torch.allclose(gaussian(x, 1.5 * radius),
                          gaussian_blur(x, torch.tensor([1.5 * radius])), atol=1e-6)


def test_opencv_resize_equals_torch_interpolate() -> None:
    x = picture()
    assert torch.allclose(resize(x, (96, 128)),
                          F.interpolate(x, size=(96, 128), mode="bilinear", align_corners=False),
                          atol=1e-6)
    assert torch.allclose(resize(x, (24, 32), "area"), F.avg_pool2d(x, 2), atol=1e-6)
    assert torch.equal(resize(x, (96, 128), "nearest"),
                       F.interpolate(x, size=(96, 128), mode="nearest"))


def test_guided_refine_equals_kornia() -> None:
    from kornia.filters import guided_blur

    plate = picture()
    alpha = (picture(seed=1)[:, :1] > 0.5).float()
    g = torch.log2(1.0 + 16.0 * plate) / 4.0
    assert torch.allclose(guide(plate), g, atol=1e-6)
    ref = guided_blur(g, alpha, 5, 1e-3, border_type="reflect").clamp(0.0, 1.0)
    assert torch.allclose(guided_refine(alpha, plate, 2, 1e-3), ref, atol=1e-4)


def test_half_size_refinement_follows_the_full_size_one() -> None:
    # A soft-edged disc on a smooth picture: the fast guided filter from a half-size matte
    # lands close to the full-size filter; far from it if it ignored the guide's edges.
    h, w = 96, 128
    yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    r = ((yy - h / 2) ** 2 + (xx - w / 2) ** 2).sqrt()
    truth = (1.0 - (r - 30.0) / 3.0).clamp(0.0, 1.0)[None, None]
    plate = truth * torch.tensor([0.6, 0.3, 0.2]).reshape(1, 3, 1, 1) \
        + (1 - truth) * torch.tensor([0.05, 0.5, 0.08]).reshape(1, 3, 1, 1)
    full = guided_refine(truth, plate, 4, 1e-3)
    half = guided_refine(F.avg_pool2d(truth, 2), plate, 4, 1e-3, subsample=2)
    assert half.shape == truth.shape
    assert float((half - full).abs().max()) < 0.05
    assert float((half - truth).abs().mean()) < 0.01


@pytest.mark.parametrize("subsample", [1, 2])
def test_tiled_refinement_equals_the_whole_frame_one(subsample: int) -> None:
    # The real plant over a green screen: filtering only the tiles near an edge gives what
    # filtering the whole frame gives, while the flat screen and the solid leaves are skipped.
    from keyplates import plant, screen_plate

    from workbench.matte.keyer import Keyer, _chroma

    fg, matte = plant(0.5 * subsample)  # a key of the same size either way
    plate, _ = screen_plate("green", fg=fg, alpha=matte)
    h, w = (s // 4 * 4 for s in plate.shape[-2:])
    plate = plate[..., :h, :w].contiguous()
    work = resize(plate, (h // 2, w // 2), "area") if subsample == 2 else plate
    alpha, _ = _chroma(work, Keyer(), "green")
    r = 2 * subsample
    whole = guided_refine(alpha, plate, r, 1e-3, subsample)
    tiled = guided_refine(alpha, plate, r, 1e-3, subsample, tile=8)
    assert float((tiled - whole).abs().max()) < 1e-5
    small = resize(alpha, (h // subsample, w // subsample), "area")
    covered = sum((y1 - y0) * (x1 - x0) for y0, y1, x0, x1 in edge_boxes(small, 2 * 2 + 1, 8))
    assert 0 < covered < 0.95 * small.numel()  # tiles were skipped
    soft = (whole > 0) & (whole < 1)
    assert float(soft.float().mean()) > 0.01  # there are edges to refine
