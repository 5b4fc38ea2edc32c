"""Keying cases with a known answer, built from real object mattes over simulated screens.

There is no real green-screen footage with a true matte in ../shared/data, so each case is
*built*: a real photograph's object and its matte, composited in linear light (ACEScg) over a
green or blue screen that is unevenly lit (a gradient, a fall-off toward the corners and a hot
spot, about 0.6x to 1.2x), with screen spill on the subject (strongest near its edges) and
sensor noise. The matte and unspilled foreground it was built from are the ground truth.

* ``plant_green`` (hard: green leaves on green) and ``plant_blue``: OpenCV's alphamat example
  plant (``keying/opencv_alphamat_plant.jpg``) with its matte (``..._matte.png``).
* ``person_green`` and ``person_blue``: the greenremover person, its keyed RGBA's alpha remapped
  so the grey background it leaves (about 0.55 to 0.65) is 0: ``clip((a - 0.65) / 0.35, 0, 1)``;
  its colour from the same keyed RGBA.
* ``blueplant_blue`` (hard: a blue object on blue): the plant with its channels rotated (RGB
  → BRG), so its yellow-green leaves turn blue-cyan, over a blue screen; the plant case on blue
  holds a second hard part, the blue clothes-peg.

The ``jxl_*`` RGBA alphas in ../shared/data/keying are synthetic (a luminance copy, a radial
ramp): fine for compositing maths, not for keying, so no case uses them.

:func:`moving_case` is a short moving shot (the plant sliding across the uneven green screen,
fresh noise each frame) for temporal stability.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

from benchmarks.common import SHARED_DATA

__all__ = ["CASES", "KeyCase", "build_case", "display_u8", "moving_case"]

KEYING = SHARED_DATA / "keying"
PERSON_ALPHA_FLOOR = 0.65  # the keyed person's grey background lies between 0.55 and 0.65

# Screen colours, linear Rec.709 (a chroma-key paint lit to about 45% reflectance).
SCREEN_REC709 = {"green": (0.04, 0.42, 0.07), "blue": (0.02, 0.07, 0.45)}
SPILL = 0.25   # screen light added to the subject at its edge (times the local screen colour)
NOISE = 0.004  # sensor noise: sigma = NOISE + 0.01 * sqrt(signal), linear


@dataclass(frozen=True)
class KeyCase:
    """One keying case: the plate and its ground truth, linear ACEScg.

    ``plate`` ``(1, 3, H, W)``; ``alpha`` ``(1, 1, H, W)`` in [0, 1]; ``foreground``
    ``(1, 3, H, W)`` unpremultiplied, without spill; ``screen`` ``"green"`` or ``"blue"``.
    """

    name: str
    plate: torch.Tensor
    alpha: torch.Tensor
    foreground: torch.Tensor
    screen: str
    hard: bool
    about: str


CASES: dict[str, tuple[str, str, bool, str]] = {
    "plant_green": ("plant", "green", True, "plant (green leaves) over a green screen"),
    "plant_blue": ("plant", "blue", False, "plant over a blue screen"),
    "person_green": ("person", "green", False, "person over a green screen"),
    "person_blue": ("person", "blue", True, "person in a blue shirt over a blue screen"),
    "blueplant_blue": ("blueplant", "blue", True,
                       "plant recoloured blue (RGB channels rotated to BRG) over a blue screen"),
}


def _read_rgb(path: str, flags: int = cv2.IMREAD_COLOR) -> np.ndarray:
    img = cv2.imread(str(KEYING / path), flags)
    if img is None:
        raise FileNotFoundError(f"{KEYING / path}: needed for the keying cases")
    return img


def _srgb_to_acescg(rgb: np.ndarray) -> np.ndarray:
    from workbench.color import convert_array

    return convert_array(np.ascontiguousarray(rgb, dtype=np.float32), "sRGB", "ACEScg")


def _subject(kind: str) -> tuple[np.ndarray, np.ndarray]:
    """The subject's linear ACEScg colour ``(H, W, 3)`` and matte ``(H, W)``."""
    if kind in ("plant", "blueplant"):
        bgr = _read_rgb("opencv_alphamat_plant.jpg")
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
        if kind == "blueplant":
            rgb = rgb[..., [2, 0, 1]]
        alpha = _read_rgb("opencv_alphamat_plant_matte.png", cv2.IMREAD_GRAYSCALE)
        alpha = alpha.astype(np.float32) / 255.0
    else:
        bgra = _read_rgb("greenremover_greenscreen_output_rgba.png", cv2.IMREAD_UNCHANGED)
        rgb = cv2.cvtColor(bgra[..., :3], cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
        raw = bgra[..., 3].astype(np.float32) / 255.0
        alpha = np.clip((raw - PERSON_ALPHA_FLOOR) / (1.0 - PERSON_ALPHA_FLOOR), 0.0, 1.0)
    return _srgb_to_acescg(rgb), alpha.astype(np.float32)


def screen_light(h: int, w: int, shift: float = 0.0) -> np.ndarray:
    """Uneven light on the screen ``(H, W)``: a gradient, corner fall-off and a hot spot."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    u, v = x / w - 0.5 + shift, y / h - 0.5
    light = 1.0 + 0.3 * u - 0.6 * (u * u + v * v)
    light += 0.25 * np.exp(-((u - 0.25) ** 2 + (v + 0.2) ** 2) / 0.02)
    return light.astype(np.float32)


def _screen_acescg(screen: str) -> np.ndarray:
    from workbench.color import convert_array

    c = np.array(SCREEN_REC709[screen], dtype=np.float32).reshape(1, 1, 3)
    return convert_array(c, "Linear Rec.709", "ACEScg").reshape(3)


def _composite(fg: np.ndarray, alpha: np.ndarray, screen: str, light: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
    colour = _screen_acescg(screen)
    bg = light[..., None] * colour
    near_edge = cv2.GaussianBlur(1.0 - alpha, (0, 0), 6.0)[..., None]
    spilled = fg + SPILL * near_edge * bg + 0.02 * bg
    plate = alpha[..., None] * spilled + (1.0 - alpha[..., None]) * bg
    sigma = NOISE + 0.01 * np.sqrt(np.clip(plate, 0.0, None))
    return (plate + sigma * rng.standard_normal(plate.shape)).astype(np.float32)


def _t(x: np.ndarray) -> torch.Tensor:
    x = x[..., None] if x.ndim == 2 else x
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None].float()


def build_case(name: str, seed: int = 13) -> KeyCase:
    """Build the case ``name`` (a key of :data:`CASES`); the same seed gives the same plate."""
    kind, screen, hard, about = CASES[name]
    fg, alpha = _subject(kind)
    rng = np.random.default_rng(seed)
    plate = _composite(fg, alpha, screen, screen_light(*alpha.shape), rng)
    return KeyCase(name, _t(plate), _t(alpha), _t(fg), screen, hard, about)


def moving_case(frames: int = 12, step: int = 3, seed: int = 7) -> tuple[torch.Tensor,
                                                                          torch.Tensor]:
    """The plant sliding ``step`` pixels a frame over the uneven green screen, new noise each frame.

    Returns ``(plates (N, 3, H, W), alphas (N, 1, H, W))``, linear ACEScg.
    """
    fg, alpha = _subject("plant")
    h, w = alpha.shape
    pad = frames * step
    rng = np.random.default_rng(seed)
    light = screen_light(h, w)
    plates, alphas = [], []
    for i in range(frames):
        dx = i * step - pad // 2
        m = np.float32([[1, 0, dx], [0, 1, 0]])
        a = cv2.warpAffine(alpha, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
        f = cv2.warpAffine(fg, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        plates.append(_t(_composite(f, a, "green", light, rng)))
        alphas.append(_t(a))
    return torch.cat(plates), torch.cat(alphas)


def display_u8(plate: torch.Tensor) -> np.ndarray:
    """A plate ``(1, 3, H, W)`` ACEScg as the 8-bit sRGB ``(H, W, 3)`` picture a photo tool keys."""
    from workbench.color import convert_array

    rgb = plate[0].permute(1, 2, 0).numpy()
    srgb = convert_array(np.ascontiguousarray(rgb), "ACEScg", "sRGB")
    return (np.clip(srgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
