"""The preview path: display LUT accuracy on a real photo, encoding, and newest-only rendering."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import torch
from testkit import shared_path

from workbench.color import convert, display_transform, to_working
from workbench.ops import CDL, Contrast, Exposure, Pipeline, Saturation
from workbench.ui.frames import apply_to_last_space, display_encode, render_baked, render_preview
from workbench.ui.latest import LatestOnly

DATA = shared_path()


def _photo(width: int = 512) -> torch.Tensor:
    """A real photo (daisies, 2268x1512) at ``width``, in ACEScg."""
    rgb = cv2.imread(str(DATA / "photo" / "jxl_flower.png"), cv2.IMREAD_COLOR)[..., ::-1]
    h = round(rgb.shape[0] * width / rgb.shape[1])
    rgb = cv2.resize(rgb, (width, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    return to_working(torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous(), "sRGB")


def test_display_lut_matches_the_exact_display_transform():
    img = _photo() * torch.tensor([4.0, 1.0, 0.5]).reshape(1, 3, 1, 1)  # push some highlights
    exact = (display_transform(img)[0].permute(1, 2, 0).clamp(0, 1) * 255).numpy()
    fast = display_encode(img).astype(np.float32)
    err = np.abs(fast - exact)
    assert err.mean() < 0.6 and np.percentile(err, 99) <= 2.5, (err.mean(), err.max())


def test_preview_stays_in_the_last_operator_space_and_agrees_with_the_pipeline():
    img = _photo(256)
    pipe = Pipeline([Exposure(stops=0.5), CDL(slope_r=1.2, offset_b=-0.03),
                     Saturation(saturation=1.3)])
    out, space = apply_to_last_space(img, pipe)
    assert space == pipe.operators[-1].space
    torch.testing.assert_close(convert(out, space, "ACEScg"), pipe.apply(img),
                               atol=2e-5, rtol=1e-4)

    frame = render_preview(img, pipe)
    decoded = cv2.imdecode(np.frombuffer(frame.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == (img.shape[2], img.shape[3], 3) == frame.display.shape
    assert {"pipeline", "display", "jpeg"} <= frame.ms.keys()
    # The JPEG is the graded picture (q85 on fine detail: a few code values of loss).
    source = display_encode(img).astype(np.float32)
    got = decoded[..., ::-1].astype(np.float32)
    assert np.abs(got - frame.display).mean() < 10 < 2 * 10 < np.abs(got - source).mean()


def test_stale_requests_are_dropped():
    started, release = threading.Event(), threading.Event()
    done: list[int] = []

    def work(seq: int, _request: object) -> None:
        if seq == 1:
            started.set()
            release.wait(5)
        done.append(seq)

    worker = LatestOnly(work)
    worker.submit(1, "first")
    assert started.wait(5)
    for seq in range(2, 7):  # a slider sweeping while the first frame renders
        worker.submit(seq, seq)
    worker.submit(4, "late echo")  # older than what is queued
    release.set()
    assert worker.wait(5)
    assert done == [1, 6] and worker.dropped == 5


def test_unthreaded_runs_each_new_request_once():
    done: list[int] = []
    worker = LatestOnly(lambda seq, _r: done.append(seq), threaded=False)
    for seq in (1, 2, 2, 3):
        worker.submit(seq, None)
    assert done == [1, 2, 3] and worker.dropped == 1


def test_baked_preview_matches_the_per_pixel_preview():
    img = _photo()
    cct = convert(img, "ACEScg", "ACEScct")
    pipe = Pipeline([CDL(slope_r=1.15, slope_b=0.9, offset_g=0.01, power_r=0.95, saturation=1.1),
                     Contrast(contrast=1.25), Saturation(saturation=1.2, strength=0.7)])
    exact = render_preview(img, pipe).display.astype(np.float32)
    baked = render_baked(cct, pipe).display.astype(np.float32)
    err = np.abs(baked - exact)  # in 8-bit code values, on saturated daisies
    assert err.mean() < 0.4 and np.percentile(err, 99) <= 3, (err.mean(), err.max())
