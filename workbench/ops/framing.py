"""The active picture area: what is left once letterbox or pillarbox bars are cropped.

Pure image geometry on torch tensors: found at propose time (:mod:`workbench.model.propose`),
kept by every render of a decision (:func:`keep_blanking`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

__all__ = ["ActiveArea", "active_area", "keep_blanking"]

BAR_LEVEL = 0.004     # ACEScg: a bar row/column never rises above this (about 3/255 on video)


@dataclass(frozen=True)
class ActiveArea:
    """Rows ``[top, bottom)`` and columns ``[left, right)`` that hold picture."""

    top: int
    bottom: int
    left: int
    right: int

    def crop(self, img: torch.Tensor) -> torch.Tensor:
        """``img`` (…, H, W) cropped to the area."""
        return img[..., self.top:self.bottom, self.left:self.right]

    def scaled(self, height: int, width: int, from_height: int, from_width: int) -> ActiveArea:
        """The same area on a ``height`` × ``width`` frame, measured on a ``from_`` one.

        Rounded outwards, so every row that may hold picture stays inside the area.
        """
        sy, sx = height / from_height, width / from_width
        return ActiveArea(max(0, math.floor(self.top * sy)),
                          min(height, math.ceil(self.bottom * sy)),
                          max(0, math.floor(self.left * sx)),
                          min(width, math.ceil(self.right * sx)))

    def is_full(self, height: int, width: int) -> bool:
        """True when the area is the whole ``height`` × ``width`` frame (no bars)."""
        return (self.top, self.bottom, self.left, self.right) == (0, height, 0, width)

    def to_dict(self) -> dict[str, int]:
        """JSON-ready form."""
        return {"top": self.top, "bottom": self.bottom, "left": self.left, "right": self.right}

    @classmethod
    def from_dict(cls, data: dict[str, int]) -> ActiveArea:
        """Inverse of :meth:`to_dict`."""
        return cls(int(data["top"]), int(data["bottom"]), int(data["left"]), int(data["right"]))


def active_area(frames: torch.Tensor, margin: int = 0) -> ActiveArea:
    """Find black bars that stay black on every frame of ``frames`` (N,3,H,W) ACEScg.

    Only bars at the edges count; a dark picture inside them is kept. ``margin`` more pixels
    are cropped on each side that has a bar (codecs smear the bar's edge into the picture;
    statistics want them out, blanking wants them graded). If nothing would be left (a black
    shot), the whole frame is the active area.
    """
    h, w = frames.shape[-2:]
    peak = frames.amax(dim=(0, 1))                     # (H, W): brightest value over frames
    rows = (peak.amax(dim=1) > BAR_LEVEL).nonzero().flatten()
    cols = (peak.amax(dim=0) > BAR_LEVEL).nonzero().flatten()
    if rows.numel() == 0 or cols.numel() == 0:
        return ActiveArea(0, h, 0, w)
    top = int(rows[0]) + (margin if int(rows[0]) > 0 else 0)
    bottom = int(rows[-1]) + 1 - (margin if int(rows[-1]) < h - 1 else 0)
    left = int(cols[0]) + (margin if int(cols[0]) > 0 else 0)
    right = int(cols[-1]) + 1 - (margin if int(cols[-1]) < w - 1 else 0)
    if bottom - top < 2 or right - left < 2:
        return ActiveArea(0, h, 0, w)
    return ActiveArea(top, bottom, left, right)


def keep_blanking(graded: torch.Tensor, source: torch.Tensor, area: ActiveArea) -> torch.Tensor:
    """``graded`` inside ``area``, ``source`` outside it: bars stay as shot, whatever the grade.

    A grade's offset would otherwise lift letterbox black to a coloured grey; blanking is
    restored after grading, as a finishing suite does.

    Shape
    -----
    ``(B, 3, H, W)`` and ``(B, 3, H, W)`` → ``(B, 3, H, W)``
    """
    out = source.clone()
    out[..., area.top:area.bottom, area.left:area.right] = area.crop(graded)
    return out
