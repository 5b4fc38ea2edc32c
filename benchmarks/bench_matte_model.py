"""The per-title matte model: training time, inference speed at 1080p, alpha error vs the keyer.

Each keying case (:mod:`benchmarks.keycases`: real object mattes over simulated uneven screens
with spill and noise) becomes a short shot: the case's plate and true matte moved ``STEP``
pixels a frame, with fresh noise each frame. The Keyer (its defaults, the case's screen) keys
every frame; four frames are "approved" with their true matte (what an artist's approved or
painted matte stands for) and the model learns from them at proxy resolution, on 2 torch
threads; the other frames of the shot, which no one approved, are where its alpha MSE is
measured against the keyer's, the anchor.

Speed: the model's inference at 1920x1080 (the network at its proxy scale, the residual
upsampled onto the full-size key) against the keyer's own time on the same frame.
"""

from __future__ import annotations

import time
from typing import Any

import cv2
import numpy as np
import torch

from benchmarks.common import best_seconds, entry
from benchmarks.keycases import CASES, build_case
from workbench.matte.keyer import Keyer, key
from workbench.matte.model import ApprovedMatte, MatteModelSettings, train_matte_model

FRAMES = 10
STEP = 4  # pixels a frame
APPROVED = (0, 3, 6, 9)
THREADS = 1
HD = (1080, 1920)
GOAL_TRAIN_S = 120.0


def _shift(x: torch.Tensor, dx: int, border: int) -> torch.Tensor:
    arr = x[0].permute(1, 2, 0).numpy()
    h, w = arr.shape[:2]
    m = np.float32([[1, 0, dx], [0, 1, 0]])
    out = cv2.warpAffine(arr, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=border)
    out = out[..., None] if out.ndim == 2 else out
    return torch.from_numpy(np.ascontiguousarray(out.transpose(2, 0, 1)))[None]


def shot(name: str) -> tuple[list[torch.Tensor], list[torch.Tensor], str]:
    """``FRAMES`` plates and true mattes of case ``name`` moving across its screen."""
    plates, alphas, screen = [], [], ""
    for i in range(FRAMES):
        case = build_case(name, seed=100 + i)  # fresh noise each frame
        dx = STEP * i - STEP * FRAMES // 2
        plates.append(_shift(case.plate, dx, cv2.BORDER_REPLICATE))
        alphas.append(_shift(case.alpha, dx, cv2.BORDER_CONSTANT))
        screen = case.screen
    return plates, alphas, screen


def _mse(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.double() - b.double()).square().mean())


def run() -> list[dict[str, Any]]:
    """Per case: held-out alpha MSE of model and keyer; training seconds; 1080p speed."""
    torch.set_num_threads(THREADS)
    settings = MatteModelSettings(threads=THREADS)
    entries, train_times, cpu_times, ratios = [], [], [], []
    model = keyer = plates = None
    for name in CASES:
        plates, alphas, screen = shot(name)
        keyer = Keyer(screen=screen)
        keys = [key(p, keyer).alpha for p in plates]
        approved = [ApprovedMatte(plates[i], keys[i], alphas[i], f"{name} frame {i}")
                    for i in APPROVED]
        start, cpu = time.perf_counter(), time.process_time()
        model = train_matte_model(approved, settings, keyer=keyer.to_dict(), progress=False)
        train_s, cpu_s = time.perf_counter() - start, time.process_time() - cpu
        train_times.append(train_s)
        cpu_times.append(cpu_s)
        rest = [i for i in range(FRAMES) if i not in APPROVED]
        keyer_mse = float(np.mean([_mse(keys[i], alphas[i]) for i in rest]))
        model_mse = float(np.mean([_mse(model.apply(plates[i], keys[i]), alphas[i])
                                   for i in rest]))
        ratios.append(keyer_mse / model_mse)
        m = model.metadata["metrics"]
        print(f"{name}: keyer MSE {keyer_mse:.5f}, model {model_mse:.5f} "
              f"({keyer_mse / model_mse:.2f}x lower) on {len(rest)} unapproved frames; trust "
              f"{model.trust:.2f} (held-out approved frame: keyer {m['held_out_keyer_mse']:.5f}"
              f", model {m['held_out_model_mse']:.5f}); trained in {train_s:.1f} s "
              f"({cpu_s:.1f} CPU-s)")
        entries.append(entry(f"matte_model_{name}_alpha_mse", model_mse, "MSE",
                             f"the Keyer it learned from (defaults, {screen} screen) on the "
                             f"{len(rest)} unapproved frames", keyer_mse,
                             higher_is_better=False))
    entries.append(entry("matte_model_worst_case_mse_ratio", min(ratios), "x",
                         "the Keyer (1.0 = as good; > 1: the model's MSE is lower)", 1.0))
    worst = max(train_times)
    print(f"training: {', '.join(f'{t:.1f}' for t in train_times)} s wall, "
          f"{', '.join(f'{t:.1f}' for t in cpu_times)} CPU-s on {THREADS} thread(s) "
          f"({settings.steps} steps, batch {settings.batch}, crop {settings.crop})")
    entries.append(entry("matte_model_train_s", worst, "s",
                         f"goal: {GOAL_TRAIN_S:.0f} s (slowest of {len(CASES)} cases, wall; "
                         f"{max(cpu_times):.1f} CPU-s; {THREADS} thread(s), proxy <= "
                         f"{settings.proxy_width} px)", GOAL_TRAIN_S, higher_is_better=False))

    assert model is not None and keyer is not None and plates is not None
    hd_plate = torch.nn.functional.interpolate(plates[0], size=HD, mode="bilinear",
                                               align_corners=False)
    with torch.inference_mode():
        hd_key = key(hd_plate, keyer).alpha
        key_s = best_seconds(lambda: key(hd_plate, keyer), repeat=3)
        model_s = best_seconds(lambda: model.apply(hd_plate, hd_key), repeat=3)
    print(f"1080p: model {model_s * 1e3:.0f} ms ({1 / model_s:.1f} fps) on top of the keyer's "
          f"{key_s * 1e3:.0f} ms ({1 / key_s:.1f} fps), {THREADS} threads")
    entries.append(entry("matte_model_1080p_fps", 1 / model_s, "fps",
                         f"the Keyer on the same 1080p frame ({THREADS} threads)", 1 / key_s))
    return entries
