"""Gaussian blur at 2K and UHD on the CPU: the workbench's (kornia) against the old and OpenCV.

The workbench blurs with kornia's ``gaussian_blur2d``; the anchor is the blur it replaced
(``2R`` ``index_select`` shifts per axis), and OpenCV's ``GaussianBlur`` a second one.

All three use the same taps (``exp(-k²/2σ²)`` over ``R = ceil(3σ)``, normalised) and replicate
the border, so they agree to float32 rounding; the largest difference is printed and checked.
"""

from __future__ import annotations

import math
import os
import time
from functools import partial
from typing import Any

import cv2
import numpy as np
import torch

from benchmarks.common import UHD, best_seconds, entry, uhd_frame
from workbench.color import convert_array
from workbench.ops.lens import apply_blur, gaussian_weights

SIZES = {"2k": (1080, 2048), "uhd": UHD}
SIGMAS = (2.0, 8.0, 32.0)
TOLERANCE = 1e-5  # relative to the frame's largest |value|: float32 rounding of 2R+1 taps


def index_select_blur(img: torch.Tensor, sigma: float) -> torch.Tensor:
    """The workbench's blur before kornia: ``x + Σ w_k (x[i+k] - x[i])``, one gather per tap."""
    w, radius = gaussian_weights(torch.tensor([sigma], dtype=img.dtype))
    out = img
    for dim in (3, 2):
        x, n = out, out.shape[dim]
        idx = torch.arange(n)
        for k in range(-radius, radius + 1):
            if k:
                shifted = x.index_select(dim, (idx + k).clamp(0, n - 1))
                out = out + w[:, k + radius].reshape(-1, 1, 1, 1) * (shifted - x)
    return out


def opencv_blur(frame: np.ndarray, sigma: float) -> np.ndarray:
    """``cv2.GaussianBlur`` with the same kernel size and a replicated border."""
    size = 2 * math.ceil(3.0 * sigma) + 1
    return cv2.GaussianBlur(frame, (size, size), sigma, sigmaY=sigma,
                            borderType=cv2.BORDER_REPLICATE)


def run() -> list[dict[str, Any]]:
    """Milliseconds per frame of each blur, best of a few, all on every core."""
    torch.set_num_threads(os.cpu_count() or 1)
    uhd = convert_array(uhd_frame("ACEScct"), "ACEScct", "ACEScg")  # linear, highlights > 1
    entries = []
    for label, (h, w) in SIZES.items():
        frame = np.ascontiguousarray(cv2.resize(uhd, (w, h), interpolation=cv2.INTER_AREA))
        img = torch.from_numpy(frame).permute(2, 0, 1)[None].contiguous()
        scale = float(np.abs(frame).max())
        for sigma in SIGMAS:
            with torch.inference_mode():
                ours = apply_blur(img, sigma)
                ours_s = best_seconds(partial(apply_blur, img, sigma), repeat=3)
                # The old blur takes seconds to a minute at large sigma: time it once.
                start = time.perf_counter()
                old = index_select_blur(img, sigma)
                old_s = time.perf_counter() - start
            cv_out = opencv_blur(frame, sigma)
            cv_s = best_seconds(partial(opencv_blur, frame, sigma), repeat=3)
            d_old = float((ours - old).abs().max()) / scale
            d_cv = float(np.abs(ours[0].permute(1, 2, 0).numpy() - cv_out).max()) / scale
            if max(d_old, d_cv) > TOLERANCE:
                raise AssertionError(f"blur {label} sigma {sigma}: differs by {d_old:.1e} "
                                     f"(index_select) / {d_cv:.1e} (OpenCV) of the peak")
            print(f"blur {label} sigma {sigma:g}: kornia {ours_s * 1e3:.0f} ms, index_select "
                  f"{old_s * 1e3:.0f} ms, OpenCV {cv_s * 1e3:.0f} ms; max |diff| / peak "
                  f"{d_old:.1e} vs index_select, {d_cv:.1e} vs OpenCV")
            name = f"blur_{label}_sigma{sigma:g}_ms"
            entries.append(entry(name, ours_s * 1e3, "ms",
                                 "index_select blur (the workbench's before kornia)",
                                 old_s * 1e3, higher_is_better=False))
            entries.append(entry(f"{name}_vs_opencv", ours_s * 1e3, "ms",
                                 f"OpenCV {cv2.__version__} GaussianBlur (BORDER_REPLICATE)",
                                 cv_s * 1e3, higher_is_better=False))
    return entries
