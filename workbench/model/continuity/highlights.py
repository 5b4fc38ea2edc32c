"""Where each item's highlights clip: a continuity measure that content hardly moves.

A picture's clipped highlights (a window, a lamp, a white shirt past the top of the
encoding) sit at the encoding's white, whatever the picture shows. A grade applied after
that moves them: a gain moves their level, a white balance or tint change their colour, a
contrast change (a power about mid grey) their level too. So between items of a group that
clip, the clip's level and colour compare like for like even when the items show different
things, where whole-picture statistics mix content with grade.

An item *clips* when at least :data:`CLIP_SHARE` of its key frame's pixels sit, in all three
channels at once, within 0.5 % of the frame's per-channel maximum (one plateau, not three
unrelated bright colours). Its clip level is the median of those pixels (ACEScg). The
reference is the per-channel median over the group's clipping items (at least
:data:`MIN_CLIPPED`), or the anchor's when it clips.
"""

from __future__ import annotations

import numpy as np

from workbench.model.continuity.items import ContinuityItem
from workbench.model.profiles import LUMA, xy_to_cct_duv
from workbench.model.profiles.colour import acescg_to_xyz

__all__ = ["CLIP_SHARE", "HIGHLIGHT_CHECKS", "MIN_CLIPPED", "clip_level", "highlight_diffs"]

CLIP_SHARE = 2e-4     # of the key frame's pixels on one plateau at its per-channel maximum
MIN_CLIPPED = 3       # clipping items a consensus needs
HIGHLIGHT_CHECKS = ("clip level", "clip white balance", "clip tint")


def clip_level(frames: np.ndarray) -> np.ndarray | None:
    """The clipped highlights' ACEScg ``(3,)`` of the middle of ``frames`` ``(N, 3, H, W)``.

    ``None`` when the frame does not clip (fewer than :data:`CLIP_SHARE` of its pixels within
    0.5 % of the per-channel maximum in all three channels) or has no positive maximum.
    """
    key = np.nan_to_num(np.asarray(frames[frames.shape[0] // 2], dtype=np.float64))
    px = key.reshape(3, -1).T
    top = px.max(axis=0)
    if (top <= 0).any():
        return None
    plateau = (px >= 0.995 * top).all(axis=1)
    if plateau.mean() < CLIP_SHARE:
        return None
    return np.median(px[plateau], axis=0)


def _cct(rgb: np.ndarray) -> tuple[float, float]:
    xyz = acescg_to_xyz(np.maximum(rgb, 1e-9))
    return xy_to_cct_duv(xyz[:2] / xyz.sum())


def highlight_diffs(members: list[ContinuityItem], anchor: str | None
                    ) -> dict[str, dict[str, float]]:
    """Per clipping item: its clip's level (stops), white balance (mired) and tint (Duv).

    Each is the item's clip less the reference's (see the module): ``clip level`` in stops
    of luminance, ``clip white balance`` in mired (positive: warmer), ``clip tint`` in Duv
    (positive: greener). Empty when fewer than :data:`MIN_CLIPPED` items clip and the anchor
    does not.
    """
    levels: dict[str, np.ndarray] = {}
    for m in members:
        if m.frames is not None:
            level = clip_level(m.frames.float().numpy())
            if level is not None:
                levels[m.name] = level
    if anchor is not None and anchor in levels:
        ref = levels[anchor]
    elif anchor is None and len(levels) >= MIN_CLIPPED:
        ref = np.median(np.stack(list(levels.values())), axis=0)
    else:
        return {}
    cct_r, duv_r = _cct(ref)
    out = {}
    for name, level in levels.items():
        if name == anchor:
            continue
        cct, duv = _cct(level)
        out[name] = {"clip level": float(np.log2(max(level @ LUMA, 1e-9) / max(ref @ LUMA,
                                                                               1e-9))),
                     "clip white balance": 1e6 / cct - 1e6 / cct_r,
                     "clip tint": duv - duv_r}
    return out
