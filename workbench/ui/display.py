"""Pictures in a notebook's output: frames as 8-bit display images, labelled, side by side.

The walkthrough notebooks build their contact sheets and before/after strips from these, so
what an artist sees in a saved notebook is the same view the grading panels use: the ACES 2.0
SDR view on an sRGB display (:func:`workbench.color.display_transform`).

Pictures here are ``(H, W, 3)`` uint8 **BGR** (OpenCV's order, which ``cv2.imencode`` and
``cv2.putText`` expect), display-encoded: they are for looking at, never for grading.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import torch

from workbench.color import display_transform
from workbench.errors import ShapeError

__all__ = ["BACKGROUND", "display_to_bgr8", "hstack", "labelled", "show", "to_display8"]

BACKGROUND = 24
"""Grey level (8-bit) of the sheet behind pictures of different heights."""


def display_to_bgr8(rgb_display: np.ndarray) -> np.ndarray:
    """Display-encoded RGB in [0, 1] ``(H, W, 3)`` → uint8 BGR ``(H, W, 3)``, rounded.

    Values outside [0, 1] are clipped (display code values, not scene values).
    """
    if rgb_display.ndim != 3 or rgb_display.shape[-1] != 3:
        raise ShapeError(f"display_to_bgr8 expects (H, W, 3) RGB, got {rgb_display.shape}")
    rgb = np.clip(rgb_display, 0.0, 1.0)
    return np.ascontiguousarray((rgb[..., ::-1] * 255 + 0.5).astype(np.uint8))


def to_display8(img_working: torch.Tensor) -> np.ndarray:
    """The first image of ``(B, 3, H, W)`` scene-linear ACEScg as 8-bit display BGR ``(H, W, 3)``.

    Through the ACES 2.0 SDR view on an sRGB display, as the grading panels show it.
    """
    rgb = display_transform(img_working[:1])[0].permute(1, 2, 0).numpy()
    return display_to_bgr8(rgb)


def labelled(bgr: np.ndarray, text: str) -> np.ndarray:
    """A copy of 8-bit BGR ``(H, W, 3)`` with ``text`` in its top-left corner (outlined)."""
    out = bgr.copy()
    for colour, width in (((0, 0, 0), 3), ((255, 255, 255), 1)):
        cv2.putText(out, text, (5, 15), cv2.FONT_HERSHEY_SIMPLEX, 0.42, colour, width, cv2.LINE_AA)
    return out


def hstack(images: Sequence[np.ndarray], gap: int = 4) -> np.ndarray:
    """8-bit BGR pictures side by side, top-aligned on a dark background.

    Parameters
    ----------
    images
        ``(H_i, W_i, 3)`` uint8 BGR each, any sizes.
    gap
        Pixels between pictures.

    Returns
    -------
    numpy.ndarray
        ``(max H_i, sum W_i + gap × (n − 1), 3)`` uint8 BGR.

    Example
    -------
    >>> import numpy as np
    >>> hstack([np.zeros((4, 3, 3), np.uint8), np.zeros((2, 5, 3), np.uint8)]).shape
    (4, 12, 3)
    """
    if not images:
        raise ShapeError("hstack needs at least one picture, got none")
    height = max(i.shape[0] for i in images)
    width = sum(i.shape[1] for i in images) + gap * (len(images) - 1)
    sheet = np.full((height, width, 3), BACKGROUND, np.uint8)
    x = 0
    for img in images:
        sheet[: img.shape[0], x : x + img.shape[1]] = img
        x += img.shape[1] + gap
    return sheet


def show(bgr: np.ndarray) -> None:
    """Display 8-bit BGR ``(H, W, 3)`` in the notebook's output as a PNG."""
    from IPython.display import Image, display

    ok, png = cv2.imencode(".png", bgr)
    if not ok:  # pragma: no cover - cv2 only fails on empty input
        raise ShapeError(f"PNG encoding failed for a picture of shape {bgr.shape}")
    display(Image(data=png.tobytes()))
