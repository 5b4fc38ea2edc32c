"""Green/blue-screen plates with a known matte for the keying tests, from the real plant photo.

The same recipe as the keying benchmark's cases (benchmarks/keycases.py), at half size: the
alphamat plant and its matte composited in linear ACEScg over an unevenly lit screen, with
spill near the subject's edges and sensor noise. Returns torch ``(1, C, H, W)`` tensors.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
from testkit import shared_path

from workbench.color import convert_array

PLANT = shared_path("keying", "opencv_alphamat_plant.jpg")
PLANT_MATTE = shared_path("keying", "opencv_alphamat_plant_matte.png")
SCREEN_REC709 = {"green": (0.04, 0.42, 0.07), "blue": (0.02, 0.07, 0.45)}


def plant(scale: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """The plant's linear ACEScg colour ``(H, W, 3)`` and its matte ``(H, W)``, resized."""
    bgr = cv2.imread(str(PLANT), cv2.IMREAD_COLOR)
    matte = cv2.imread(str(PLANT_MATTE), cv2.IMREAD_GRAYSCALE)
    size = (round(bgr.shape[1] * scale), round(bgr.shape[0] * scale))
    rgb = cv2.cvtColor(cv2.resize(bgr, size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
    alpha = cv2.resize(matte, size, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    lin = convert_array(np.ascontiguousarray(rgb, dtype=np.float32) / 255.0, "sRGB", "ACEScg")
    return lin, alpha


def screen_colour(screen: str) -> np.ndarray:
    """The screen paint's linear ACEScg colour."""
    c = np.array(SCREEN_REC709[screen], dtype=np.float32).reshape(1, 1, 3)
    return convert_array(c, "Linear Rec.709", "ACEScg").reshape(3)


def uneven_light(h: int, w: int) -> np.ndarray:
    """A gradient, corner fall-off and a hot spot: about 0.6x to 1.2x."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    u, v = x / w - 0.5, y / h - 0.5
    light = 1.0 + 0.3 * u - 0.6 * (u * u + v * v)
    return (light + 0.25 * np.exp(-((u - 0.25) ** 2 + (v + 0.2) ** 2) / 0.02)).astype(np.float32)


def tensor(x: np.ndarray) -> torch.Tensor:
    """``(H, W)`` or ``(H, W, C)`` → ``(1, C, H, W)`` float32."""
    x = x[..., None] if x.ndim == 2 else x
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1), dtype=np.float32))[None]


def screen_plate(screen: str = "green", seed: int = 3, fg: np.ndarray | None = None,
                 alpha: np.ndarray | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(plate (1, 3, H, W), true alpha (1, 1, H, W))``: the plant over an uneven screen."""
    if fg is None or alpha is None:
        fg, alpha = plant()
    h, w = alpha.shape
    bg = uneven_light(h, w)[..., None] * screen_colour(screen)
    near = cv2.GaussianBlur(1.0 - alpha, (0, 0), 3.0)[..., None]
    a = alpha[..., None]
    plate = a * (fg + 0.25 * near * bg + 0.02 * bg) + (1.0 - a) * bg
    rng = np.random.default_rng(seed)
    plate = plate + (0.004 + 0.01 * np.sqrt(np.clip(plate, 0, None))) * rng.standard_normal(
        plate.shape)
    return tensor(plate.astype(np.float32)), tensor(alpha)


def threshold_key(plate: torch.Tensor) -> torch.Tensor:
    """OpenCV's HSV ``inRange`` key of the plate's 8-bit sRGB picture (as the benchmark's)."""
    rgb = convert_array(np.ascontiguousarray(plate[0].permute(1, 2, 0).numpy()), "ACEScg",
                        "sRGB")
    hsv = cv2.cvtColor((np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8), cv2.COLOR_RGB2HSV)
    border = np.concatenate([hsv[:10].reshape(-1, 3), hsv[-10:].reshape(-1, 3),
                             hsv[:, :10].reshape(-1, 3), hsv[:, -10:].reshape(-1, 3)])
    h, s, v = np.median(border, axis=0)
    lo = np.array([max(0, h - 20), max(40, 0.4 * s), max(30, 0.3 * v)], np.uint8)
    hi = np.array([min(180, h + 20), 255, 255], np.uint8)
    return tensor(1.0 - cv2.inRange(hsv, lo, hi).astype(np.float32) / 255.0)
