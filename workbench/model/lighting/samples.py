"""Where a shot and its anchor can be compared pixel by pixel: the same view, aligned.

A difference in the *shape* of the light (a hot side, a darker corner, a different
key-to-fill) can only be measured where both frames show the same surface: elsewhere a bright
wall in one and a dark coat in the other look like a lamp. The frames are aligned by phase
correlation (a global shift, as between frames of one set-up or a locked-off camera), and the
pair counts as one view when the fine detail of their log luminance (the image minus its
Gaussian blur, which a smooth gain field leaves alone: it is a slowly varying offset in log
light) correlates by :data:`MIN_SAME` or more over the overlap. Two frames a few apart of one
real shot, people moving, score about 0.3 at this size; different pictures under 0.1.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

from workbench.model.profiles import LUMA, acescct_encode

__all__ = ["FIT_WIDTH", "MIN_SAME", "ViewPair", "view_pair"]

FIT_WIDTH = 96      # the light's shape is smooth: it is fitted on frames this wide
MIN_SAME = 0.2      # correlation of fine detail over the overlap: one view
MIN_OVERLAP = 0.5   # of the frame, after aligning


@dataclass(frozen=True)
class ViewPair:
    """A shot's key frame and its anchor's, aligned on the shot's pixel grid.

    ``shot`` and ``anchor`` are ``(1, 3, h, w)`` ACEScg at :data:`FIT_WIDTH`, the anchor
    shifted onto the shot's grid; ``valid`` ``(1, 1, h, w)`` marks pixels that both show,
    exposed and not clipped, where the same structure was found. Window coordinates fitted
    on this grid are fractions of the shot's frame, so they hold at any resolution.
    """

    shot: torch.Tensor
    anchor: torch.Tensor
    valid: torch.Tensor


def _key(frames: torch.Tensor) -> torch.Tensor:
    """The middle frame ``(1, 3, H, W)``, non-finite values zeroed."""
    return torch.nan_to_num(frames[frames.shape[0] // 2:frames.shape[0] // 2 + 1].float(),
                            0.0, 0.0, 0.0)


def _small(img: torch.Tensor, width: int) -> np.ndarray:
    """``img`` ``(1, 3, H, W)`` resized (area) to ``width``, as ``(h, w, 3)`` float32."""
    arr = img[0].permute(1, 2, 0).contiguous().numpy().astype(np.float32)
    h, w = arr.shape[:2]
    if w <= width:
        return arr
    size = (width, max(8, round(h * width / w)))
    return cv2.resize(arr, size, interpolation=cv2.INTER_AREA)


def _detail_correlation(la: np.ndarray, lb: np.ndarray, region: np.ndarray) -> float:
    """Correlation of the fine detail (log luminance minus its blur, σ 2 px) on ``region``."""
    # Three blur radii in from the region's edge, so a letterbox bar's edge never counts.
    inner = cv2.erode(region.astype(np.uint8), np.ones((13, 13), np.uint8)) > 0
    if inner.sum() < 64:
        return 0.0
    fa = (la - cv2.GaussianBlur(la, (0, 0), 2.0))[inner]
    fb = (lb - cv2.GaussianBlur(lb, (0, 0), 2.0))[inner]
    den = float(np.sqrt((fa * fa).sum() * (fb * fb).sum()))
    return float((fa * fb).sum()) / den if den > 0 else 0.0


def view_pair(shot: torch.Tensor, anchor: torch.Tensor,
              area: tuple[slice, slice] | None = None) -> ViewPair | None:
    """The aligned pair when ``shot`` and ``anchor`` show the same view, else ``None``.

    Parameters
    ----------
    shot, anchor
        ``(N, 3, H, W)`` linear ACEScg frames of each (the middle frame of each is used); the
        same frame size.
    area
        Rows and columns of the picture (letterbox bars excluded), at the frames' size.
    """
    if shot.shape[-2:] != anchor.shape[-2:]:
        return None
    a, b = _small(_key(shot), FIT_WIDTH), _small(_key(anchor), FIT_WIDTH)
    h, w = a.shape[:2]
    inside = np.ones((h, w), dtype=bool)
    if area is not None:
        sy, sx = h / shot.shape[-2], w / shot.shape[-1]
        inside[:] = False
        inside[int(np.ceil((area[0].start or 0) * sy)):int((area[0].stop or shot.shape[-2]) * sy),
               int(np.ceil((area[1].start or 0) * sx)):int((area[1].stop or shot.shape[-1]) * sx)
               ] = True
    ya, yb = np.maximum(a @ LUMA, 2 ** -14), np.maximum(b @ LUMA, 2 ** -14)
    la, lb = acescct_encode(ya).astype(np.float64), acescct_encode(yb).astype(np.float64)
    window = cv2.createHanningWindow((w, h), cv2.CV_64F)
    (dx, dy), _ = cv2.phaseCorrelate(la, lb, window)
    sx, sy = round(dx), round(dy)
    if (h - abs(sy)) * (w - abs(sx)) < MIN_OVERLAP * h * w:
        return None
    # The anchor moved onto the shot's grid; uncovered pixels are marked invalid.
    m = np.array([[1, 0, -sx], [0, 1, -sy]], dtype=np.float32)
    b_on_a = cv2.warpAffine(b, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=(0, 0, 0))
    covered = cv2.warpAffine(np.ones((h, w), np.uint8), m, (w, h), flags=cv2.INTER_NEAREST) > 0
    lb_on_a = cv2.warpAffine(lb, m, (w, h), flags=cv2.INTER_NEAREST)
    region = covered & inside
    if region.sum() < 64 or _detail_correlation(la, lb_on_a, region) < MIN_SAME:
        return None
    yb_on_a = np.maximum(b_on_a @ LUMA, 2 ** -14)
    exposed = ((ya > 2 ** -9) & (yb_on_a > 2 ** -9) & (ya < np.quantile(ya[region], 0.99))
               & (yb_on_a < np.quantile(yb_on_a[region], 0.99)))
    valid = region & exposed
    if valid.sum() < 64:
        return None

    def t(x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(x)).permute(2, 0, 1)[None].float()

    return ViewPair(t(a), t(b_on_a), torch.from_numpy(valid)[None, None])
