"""Keying quality and speed: the workbench's keyer against OpenCV's threshold key and alphamat.

Cases are :mod:`benchmarks.keycases` (real object mattes over simulated, unevenly lit screens
with spill and noise; the ground truth is the matte each was built from). Per case: alpha SAD
(sum of |error|, in thousands of pixels) and MSE, and the foreground colour error (mean
|premultiplied colour - truth| in linear ACEScg, over pixels where either alpha is above 0).

Anchors, run in the same pass:

* the **threshold key**: OpenCV's HSV ``cv2.inRange`` on the 8-bit sRGB picture, the hue
  window ±20 (of 180) around the border's median hue, saturation and value above 40% and 30% of
  the border's (and at least 40 and 30 of 255); alpha is the complement of the mask.
* OpenCV contrib, run in a separate venv (``benchmarks/.anchor-venv``, created here on first
  use with ``opencv-contrib-python-headless==5.0.0.93`` and numpy from PyPI, because contrib
  and the workbench's headless OpenCV overwrite each other's ``cv2``; images go over ``.npy``
  files): **alphamat** (information-flow matting) with an automatic trimap (the threshold
  key's foreground and background each eroded by 5 pixels, unknown between) *when that OpenCV
  has it*. The PyPI contrib wheels do not: alphamat needs Eigen at build time and they are
  built without it (``cv2.getBuildInformation()`` lists it under "Unavailable"). What always
  runs is contrib's **guided filter** (``cv2.ximgproc.guidedFilter``, radius 4) of the
  threshold key, guided by the picture: the classic soft refinement of a hard key.

Their foreground is the plate times their alpha (no screen unmixing, no despill).
Speed: the chroma keyer (default settings) on a 1080p frame against the threshold key at the
same size. Temporal stability: on a moving shot, the mean frame-to-frame alpha change where
the true matte does not change, with and without the stabiliser.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from benchmarks.common import best_seconds, entry
from benchmarks.keycases import CASES, KeyCase, build_case, display_u8, moving_case
from workbench.matte.keyer import Keyer, key
from workbench.matte.temporal import TemporalStabiliser

ANCHOR_VENV = Path(__file__).with_name(".anchor-venv")
ANCHOR_PACKAGES = ("opencv-contrib-python-headless==5.0.0.93", "numpy")
CONTRIB = Path(__file__).with_name("anchors") / "alphamat.py"
TRIMAP_ERODE = 5
SOFT_ANCHORS = {
    "alphamat": "OpenCV alphamat, automatic trimap",
    "guided": "OpenCV ximgproc guided filter of the threshold key",
}


def threshold_key(rgb8: np.ndarray) -> np.ndarray:
    """OpenCV's HSV threshold key of an 8-bit RGB picture: alpha ``(H, W)`` float32 0 or 1."""
    hsv = cv2.cvtColor(rgb8, cv2.COLOR_RGB2HSV)
    border = np.concatenate([hsv[:10].reshape(-1, 3), hsv[-10:].reshape(-1, 3),
                             hsv[:, :10].reshape(-1, 3), hsv[:, -10:].reshape(-1, 3)])
    h, s, v = np.median(border, axis=0)
    lo = np.array([max(0, h - 20), max(40, 0.4 * s), max(30, 0.3 * v)], np.uint8)
    hi = np.array([min(180, h + 20), 255, 255], np.uint8)
    return 1.0 - cv2.inRange(hsv, lo, hi).astype(np.float32) / 255.0


def auto_trimap(alpha: np.ndarray) -> np.ndarray:
    """A trimap from a hard key: eroded foreground 255, eroded background 0, unknown 128."""
    k = np.ones((2 * TRIMAP_ERODE + 1,) * 2, np.uint8)
    fg = cv2.erode((alpha > 0.5).astype(np.uint8), k)
    bg = cv2.erode((alpha <= 0.5).astype(np.uint8), k)
    trimap = np.full(alpha.shape, 128, np.uint8)
    trimap[fg > 0] = 255
    trimap[bg > 0] = 0
    return trimap


def anchor_python() -> Path:
    """The anchor venv's python, creating the venv on first use."""
    python = ANCHOR_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(ANCHOR_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *ANCHOR_PACKAGES], check=True)
    return python


def contrib_mattes(rgb8: np.ndarray, hard: np.ndarray) -> dict[str, np.ndarray]:
    """OpenCV contrib's mattes ``(H, W)`` by name, run in the anchor venv.

    ``"guided"`` always; ``"alphamat"`` when that OpenCV was built with it (the PyPI wheels are
    not: no Eigen).
    """
    with tempfile.TemporaryDirectory() as tmp:
        paths = [os.path.join(tmp, n) for n in ("image.npy", "trimap.npy", "hard.npy")]
        np.save(paths[0], np.ascontiguousarray(rgb8[..., ::-1]))
        np.save(paths[1], auto_trimap(hard))
        np.save(paths[2], hard.astype(np.float32))
        subprocess.run([str(anchor_python()), str(CONTRIB), *paths, tmp], check=True,
                       capture_output=True, text=True)
        return {p.stem: np.load(p) for p in Path(tmp).glob("*.npy")
                if p.stem in ("alphamat", "guided")}


def scores(case: KeyCase, alpha: torch.Tensor, foreground: torch.Tensor) -> dict[str, float]:
    """Alpha SAD (thousands), MSE and foreground error of one key against the case's truth."""
    err = alpha - case.alpha
    truth = case.alpha * case.foreground
    where = ((case.alpha > 0) | (alpha > 0)).expand_as(truth)
    return {"sad": float(err.abs().sum()) / 1000.0, "mse": float(err.square().mean()),
            "fg": float((foreground - truth)[where].abs().mean())}


def run_cases() -> dict[str, dict[str, dict[str, float]]]:
    """Scores of the keyer, the threshold key and alphamat on every case."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name in CASES:
        case = build_case(name)
        ours = key(case.plate, Keyer())
        rgb8 = display_u8(case.plate)
        hard = torch.from_numpy(threshold_key(rgb8))[None, None]
        out[name] = {"keyer": scores(case, ours.alpha, ours.foreground),
                     "threshold": scores(case, hard, case.plate * hard)}
        for anchor, matte in contrib_mattes(rgb8, hard[0, 0].numpy()).items():
            soft = torch.from_numpy(np.clip(matte, 0.0, 1.0))[None, None]
            out[name][anchor] = scores(case, soft, case.plate * soft)
        row = "  ".join(f"{m} mse {s['mse']:.5f} sad {s['sad']:6.2f}k fg {s['fg']:.4f}"
                        for m, s in out[name].items())
        print(f"{name:15s} {row}", flush=True)
    return out


def run_speed() -> dict[str, float]:
    """Frames per second at 1080p: the keyer (defaults) and the threshold key."""
    plate = F.interpolate(build_case("person_green").plate, size=(1080, 1920), mode="bilinear")
    rgb8 = display_u8(plate)
    settings = Keyer()
    ours = best_seconds(lambda: key(plate, settings), repeat=3)
    fast = best_seconds(lambda: key(plate, Keyer(refine_radius=0, edge_unmix=0)), repeat=3)
    anchor = best_seconds(lambda: threshold_key(rgb8), repeat=5)
    # On a loaded machine torch's OpenMP threads spin at every barrier: one thread says what
    # the keyer costs without that.
    single = best_seconds(lambda: key(plate, settings, threads=1), repeat=3)
    return {"keyer": 1.0 / ours, "keyer_plain": 1.0 / fast, "keyer_one_thread": 1.0 / single,
            "threshold": 1.0 / anchor}


def run_temporal() -> dict[str, float]:
    """Mean |alpha_t - alpha_t-1| where the true matte is unchanged, per frame and stabilised."""
    plates, truth = moving_case()
    settings = Keyer()
    stabiliser = TemporalStabiliser()
    per_frame, stable = [], []
    for i in range(plates.shape[0]):
        a = key(plates[i:i + 1], settings).alpha
        per_frame.append(a)
        stable.append(stabiliser(plates[i:i + 1], a))
    still = (truth[1:] - truth[:-1]).abs() < 1e-6

    def change(seq: list[torch.Tensor]) -> float:
        s = torch.cat(seq)
        return float((s[1:] - s[:-1]).abs()[still].mean())

    def mse(seq: list[torch.Tensor]) -> float:
        return float((torch.cat(seq) - truth).square().mean())

    return {"per_frame": change(per_frame), "stable": change(stable),
            "per_frame_mse": mse(per_frame), "stable_mse": mse(stable)}


def run() -> list[dict[str, Any]]:
    """Every keying entry for results.json."""
    start = time.perf_counter()
    cases = run_cases()
    entries = []
    for name, r in cases.items():
        ours, thr = r["keyer"], r["threshold"]
        entries.append(entry(f"key_{name}_alpha_mse", ours["mse"], "MSE",
                             "OpenCV HSV threshold key", thr["mse"], higher_is_better=False))
        for anchor, label in SOFT_ANCHORS.items():
            if anchor not in r:
                continue
            other = r[anchor]
            entries += [
                entry(f"key_{name}_alpha_mse_vs_{anchor}", ours["mse"], "MSE", label,
                      other["mse"], higher_is_better=False),
                entry(f"key_{name}_alpha_sad_vs_{anchor}", ours["sad"], "SAD (thousands)",
                      label, other["sad"], higher_is_better=False),
                entry(f"key_{name}_fg_error_vs_{anchor}", ours["fg"],
                      "mean abs. premultiplied colour error", label, other["fg"],
                      higher_is_better=False),
            ]
    speed = run_speed()
    print(f"1080p: keyer {speed['keyer']:.2f} fps (without edge unmix and refinement "
          f"{speed['keyer_plain']:.2f}; one torch thread {speed['keyer_one_thread']:.2f}), "
          f"threshold key {speed['threshold']:.1f} fps", flush=True)
    temporal = run_temporal()
    print(f"temporal: static change per frame {temporal['per_frame']:.5f} -> stabilised "
          f"{temporal['stable']:.5f}; alpha MSE {temporal['per_frame_mse']:.5f} -> "
          f"{temporal['stable_mse']:.5f}", flush=True)
    entries += [
        entry("key_chroma_1080p_fps", speed["keyer"], "fps", "OpenCV HSV threshold key, 1080p",
              speed["threshold"]),
        entry("key_chroma_1080p_fps_one_thread", speed["keyer_one_thread"], "fps",
              "OpenCV HSV threshold key, 1080p", speed["threshold"]),
        entry("key_chroma_plain_1080p_fps", speed["keyer_plain"], "fps",
              "OpenCV HSV threshold key, 1080p", speed["threshold"]),
        entry("key_temporal_static_alpha_change", temporal["stable"], "mean |dalpha|",
              "the same keyer per frame", temporal["per_frame"], higher_is_better=False),
        entry("key_temporal_alpha_mse", temporal["stable_mse"], "MSE",
              "the same keyer per frame", temporal["per_frame_mse"], higher_is_better=False),
    ]
    print(f"bench_key: {time.perf_counter() - start:.0f} s")
    return entries
