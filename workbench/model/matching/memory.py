"""The title's own frames at its intended light, and a shot matched through the ones it shares.

A title model remembers a few dozen proxy frames of the dailies it was trained on
(:class:`FrameLibrary`). A pickup shot under other light usually shows a setup the dailies
already show (the same set, the same camera position, a little later or earlier), even when
the reference it is to be matched to shows something else (a close-up against a wide). So the
shot is matched to the title rather than only to the reference:

1. :meth:`FrameLibrary.correspondences`: the library frames that look most like the shot
   (a light-robust signature: the percentile-stretched ACEScct luma on a coarse grid,
   normalised, compared by correlation) are searched for shared surfaces
   (:func:`~workbench.model.matching.correspond.find_correspondences`: SIFT, RANSAC, dense
   flow with a forward-backward check); the pixel pairs of the best few are pooled.
2. The change of light is fitted on those pairs
   (:func:`~workbench.model.matching.correspond.fit_light`): the shot under the title's light.
3. :meth:`FrameLibrary.look_of`: the reference is compared with the library the same way;
   only when a fitted change explains its shared pixels better than "no change" on held-out
   tiles is the reference taken to be off the title's look, and that change is appended.

Every fit is scored on held-out tiles of those shared pixels: a ΔE2000 a person would see,
so the choice among candidates (:mod:`.select`) and the confidence rest on evidence even
when the shot and the reference share no surface at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import torch

from workbench.errors import ShapeError
from workbench.model.matching.classical import LIGHT_CURVES
from workbench.model.matching.correspond import (
    Correspondence,
    LightFit,
    _tile_median_delta_e,
    find_correspondences,
    fit_light,
    split,
)

__all__ = ["LIBRARY_FRAMES", "LIBRARY_WIDTH", "FrameLibrary", "pool_pairs"]

LIBRARY_FRAMES = 64     # frames a title model remembers (evenly spread over its training set)
LIBRARY_WIDTH = 192     # ... at most this wide (a light change needs no detail)
CANDIDATES = 5          # most similar library frames searched for shared surfaces
POOLED = 4              # of those, how many frames' pixel pairs are pooled (frames of a live
                        # session differ a little in light: pooling averages that out)
SIGNATURE = (24, 16)    # (width, height) of the light-robust signature
LOOK_MARGIN = 0.25      # ΔE2000 a fitted change must save on held-out tiles to count
# RANSAC inliers a library frame needs: proxies of small video frames give few features (a
# camera's own later frame of the live session: 13-30), and a fit that the inliers do not
# support shows as a large held-out residual, so fewer are trusted than between two views.
MIN_INLIERS = 12


def _signature(frame: torch.Tensor) -> np.ndarray:
    """Light-robust signature of ``frame`` (3, H, W) ACEScg: normalised coarse ACEScct luma."""
    import cv2

    from workbench.model.matching.correspond import _detection_image

    small = cv2.resize(_detection_image(frame.float(), 1.0).astype(np.float32), SIGNATURE,
                       interpolation=cv2.INTER_AREA).ravel()
    small = small - small.mean()
    return small / max(float(np.linalg.norm(small)), 1e-6)


def pool_pairs(found: list[Correspondence]) -> Correspondence:
    """Pixel pairs of several frame pairs as one set; tile ids kept apart (parity kept).

    Marked ``by_tile``: pairs of different moments are scored by tile means (see
    :class:`~workbench.model.matching.correspond.Correspondence`).
    """
    offset = [2 ** 20 * k for k in range(len(found))]  # even offsets: held-out tiles stay odd
    return Correspondence(torch.cat([c.shot for c in found]),
                          torch.cat([c.reference for c in found]),
                          torch.cat([c.weight for c in found]),
                          torch.cat([c.tile + o for c, o in zip(found, offset, strict=True)]),
                          sum(c.inliers for c in found), by_tile=True)


@dataclass
class FrameLibrary:
    """Frames of the title at its intended light: each ``(3, h, w)`` linear ACEScg, float16."""

    frames: list[torch.Tensor]
    _signatures: np.ndarray | None = field(default=None, repr=False)
    # look_of per reference (by content): a scene's anchor is every other shot's reference
    _looks: dict[bytes, LightFit | None] = field(default_factory=dict, repr=False)

    @classmethod
    def from_frames(cls, frames: list[torch.Tensor], limit: int = LIBRARY_FRAMES,
                    width: int = LIBRARY_WIDTH) -> FrameLibrary:
        """Up to ``limit`` of ``frames`` ((3, H, W) ACEScg), evenly spread, ≤ ``width`` wide."""
        if not frames:
            raise ShapeError("FrameLibrary: no frames to remember")
        pick = np.unique(np.linspace(0, len(frames) - 1, min(limit, len(frames))).round()
                         .astype(int))
        kept = []
        for i in pick:
            f = frames[int(i)].float()
            if f.ndim != 3 or f.shape[0] != 3:
                raise ShapeError(f"FrameLibrary: frame {i} must be (3, H, W), got "
                                 f"{tuple(f.shape)}")
            if f.shape[-1] > width:
                h = max(8, round(f.shape[-2] * width / f.shape[-1]))
                f = torch.nn.functional.interpolate(f[None], size=(h, width), mode="area")[0]
            kept.append(torch.nan_to_num(f).clamp(-65504, 65504).half().contiguous())
        return cls(kept)

    def state(self) -> dict[str, torch.Tensor]:
        """The frames as named tensors (``library.000`` …), for safetensors."""
        return {f"library.{i:03d}": f.contiguous() for i, f in enumerate(self.frames)}

    @classmethod
    def from_state(cls, tensors: dict[str, torch.Tensor]) -> FrameLibrary | None:
        """Inverse of :meth:`state`; ``None`` when there are no library tensors."""
        names = sorted(k for k in tensors if k.startswith("library."))
        return cls([tensors[k].half() for k in names]) if names else None

    def signatures(self) -> np.ndarray:
        """``(K, G)`` signatures of the library frames (computed once)."""
        if self._signatures is None:
            self._signatures = np.stack([_signature(f) for f in self.frames])
        return self._signatures

    def nearest(self, frames: torch.Tensor, count: int = CANDIDATES) -> list[int]:
        """Indices of the ``count`` library frames most like any of ``frames`` (N, 3, H, W)."""
        pick = np.unique(np.linspace(0, frames.shape[0] - 1, min(2, frames.shape[0])).round()
                         .astype(int))
        sim = np.max([self.signatures() @ _signature(frames[int(i)]) for i in pick], axis=0)
        return [int(i) for i in np.argsort(-sim)[:count]]

    def _pairs(self, frames: torch.Tensor) -> Correspondence | None:
        """Pooled pixel pairs of ``frames`` with the library frames most like them, or None."""
        found = []
        for i in self.nearest(frames):
            pairs = find_correspondences(frames, self.frames[i][None].float(), max_frames=2,
                                         min_inliers=MIN_INLIERS)
            if pairs is not None:
                found.append(pairs)
        if not found:
            return None
        found.sort(key=lambda c: -c.inliers)
        pooled = pool_pairs(found[:POOLED])
        fit_on, test = split(pooled)
        return pooled if min(fit_on.shot.shape[0], test.shot.shape[0]) >= 256 else None

    def correspondences(self, frames: torch.Tensor) -> Correspondence | None:
        """Pixel pairs of ``frames`` (N, 3, H, W) ACEScg (``shot`` side) with library frames.

        ``None`` when no library frame shares enough surface with them. Scored by tile
        (``by_tile``), with the ``floor`` the held-out tiles leave under a change of light
        fitted on them alone.
        """
        pooled = self._pairs(frames)
        if pooled is None:
            return None
        test = split(pooled)[1]
        own = fit_light(test.shot, test.reference, test.weight, iterations=10)
        floor = _tile_median_delta_e(own(test.shot), test.reference, test.weight, test.tile)
        return replace(pooled, floor=floor)

    def look_of(self, reference: torch.Tensor) -> LightFit | None:
        """The change from the title's light to ``reference``'s (N, 3, H, W), if it has one.

        ``None`` (the reference is in the title's look, or nothing shows otherwise) unless a
        change fitted on the even tiles of the shared pixels lowers the odd tiles' ΔE2000
        (median of tile means) by more than :data:`LOOK_MARGIN` and by a tenth against
        leaving the library as it is; then that change. Found once per reference (the same
        frames give the same change), as every shot of a scene is matched to its anchor.
        """
        import hashlib

        ref = reference.detach().float().contiguous()
        key = hashlib.sha1(ref.numpy().tobytes() + str(tuple(ref.shape)).encode()).digest()
        if key not in self._looks:
            self._looks[key] = self._look_of(ref)
        return self._looks[key]

    def _look_of(self, reference: torch.Tensor) -> LightFit | None:
        pairs = self._pairs(reference)
        if pairs is None:
            return None
        fit_on, test = split(pairs)
        fitted = fit_light(fit_on.reference, fit_on.shot, fit_on.weight, curves=LIGHT_CURVES)
        plain = _tile_median_delta_e(test.reference, test.shot, test.weight, test.tile)
        moved = _tile_median_delta_e(fitted(test.reference), test.shot, test.weight, test.tile)
        return fitted if moved < plain - LOOK_MARGIN and moved < 0.9 * plain else None
