"""One shot's profile: every measurement of this package on frames sampled across it."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

from workbench.errors import ShapeError
from workbench.model.framing import ActiveArea, active_area
from workbench.model.profiles.colour import acescct_luma
from workbench.model.profiles.grain import Grain, measure_grain
from workbench.model.profiles.lens import Lens, measure_lens
from workbench.model.profiles.light import Lighting, measure_lighting
from workbench.model.profiles.motion import Motion, global_motion
from workbench.model.profiles.palette import Palette, measure_palette
from workbench.schema import upgrade

__all__ = ["MAX_PIXELS", "ShotProfile", "sample_pixels", "shot_profile"]

MAX_PIXELS = 120_000            # pixels sampled for the pooled statistics


@dataclass(frozen=True)
class ShotProfile:
    """Everything measured on one shot (or one still) in ACEScg. ``schema``: ShotProfile.1."""

    width: int
    height: int
    frames: int
    area: ActiveArea
    lighting: Lighting
    palette: Palette
    lens: Lens
    grain: Grain
    motion: Motion | None
    metadata: dict[str, Any] = field(default_factory=dict)

    SCHEMA = "ShotProfile.1"

    @property
    def aspect(self) -> float:
        """Width over height of the active picture area."""
        return (self.area.right - self.area.left) / max(self.area.bottom - self.area.top, 1)

    @property
    def fill(self) -> float:
        """Fraction of the frame that is picture (1 without bars)."""
        return ((self.area.right - self.area.left) * (self.area.bottom - self.area.top)
                / max(self.width * self.height, 1))

    def metrics(self) -> dict[str, float]:
        """The profile's scalars by name (what scenes aggregate and continuity compares)."""
        out = {
            "exposure": self.lighting.exposure, "contrast": self.lighting.contrast,
            "key_to_fill": self.lighting.key_to_fill, "cct": self.lighting.cct,
            "duv": self.lighting.duv, "saturation": self.lighting.saturation,
            "skin_fraction": self.palette.skin_fraction, "vignetting": self.lens.vignetting,
            "sharpness": self.lens.sharpness, "grain": self.grain.level,
            "aspect": self.aspect, "fill": self.fill,
        }
        if self.motion is not None:
            out.update(motion_speed=self.motion.speed, shakiness=self.motion.shakiness)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"schema": self.SCHEMA, "width": self.width, "height": self.height,
                "frames": self.frames, "area": self.area.to_dict(),
                "lighting": asdict(self.lighting), "palette": asdict(self.palette),
                "lens": asdict(self.lens), "grain": asdict(self.grain),
                "motion": None if self.motion is None else asdict(self.motion),
                "metadata": dict(self.metadata)}

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "shot profile") -> ShotProfile:
        """Inverse of :meth:`to_dict`; an older schema is upgraded, a newer one refused.

        ``where`` (the file it came from) is named in a :class:`ParameterError`.
        """
        data = upgrade(data, cls.SCHEMA, where)
        lighting = dict(data["lighting"])
        lighting["log2_quantiles"] = tuple(lighting["log2_quantiles"])
        lighting["illuminant_rgb"] = tuple(lighting["illuminant_rgb"])
        grain = dict(data["grain"])
        grain["bands"] = tuple(grain["bands"])
        grain["band_edges"] = tuple(grain["band_edges"])
        motion = data.get("motion")
        return cls(int(data["width"]), int(data["height"]), int(data["frames"]),
                   ActiveArea.from_dict(data["area"]), Lighting(**lighting),
                   Palette.from_dict(data["palette"]), Lens(**data["lens"]), Grain(**grain),
                   None if motion is None else Motion(**motion),
                   dict(data.get("metadata", {})))


def sample_pixels(frames: np.ndarray, limit: int) -> np.ndarray:
    """``(N,3,H,W)`` → ``(P,3)`` float64, an even deterministic subsample of at most ``limit``."""
    px = np.moveaxis(frames, 1, -1).reshape(-1, 3)
    if px.shape[0] > limit:
        px = px[:: math.ceil(px.shape[0] / limit)]
    return px.astype(np.float64)


def shot_profile(frames: torch.Tensor, area: ActiveArea | None = None,
                 frame_indices: Sequence[int] | None = None) -> ShotProfile:
    """Measure a shot's profile from frames sampled across it.

    Parameters
    ----------
    frames
        ``(N, 3, H, W)`` float32 scene-linear ACEScg, in shot order (a still: N = 1).
    area
        The active picture area; detected (letterbox bars, 1 px margin) when ``None``.
    frame_indices
        The frames' indices in the clip, for motion per frame; successive when ``None``.

    Returns
    -------
    ShotProfile

    Example
    -------
    >>> import torch
    >>> p = shot_profile(torch.full((1, 3, 32, 32), 0.18))
    >>> round(p.lighting.exposure, 3), round(p.lighting.cct, -2)
    (0.0, 6000.0)
    """
    if frames.ndim != 4 or frames.shape[1] != 3 or frames.shape[0] < 1:
        raise ShapeError(f"shot_profile expects (N, 3, H, W) frames, got {tuple(frames.shape)}")
    frames = torch.nan_to_num(frames.detach().float().cpu(), nan=0.0, posinf=0.0, neginf=0.0)
    n, _, h, w = frames.shape
    area = active_area(frames, 1) if area is None else area
    inner = np.ascontiguousarray(area.crop(frames).numpy())
    if inner.shape[-1] < 8 or inner.shape[-2] < 8:
        inner = np.ascontiguousarray(frames.numpy())
    px = sample_pixels(inner, MAX_PIXELS)
    luma_cct = acescct_luma(inner)
    gaps = None
    if frame_indices is not None:
        gaps = [int(b) - int(a) for a, b in itertools.pairwise(frame_indices)]
    return ShotProfile(w, h, n, area, measure_lighting(inner, px), measure_palette(px),
                       measure_lens(inner, luma_cct), measure_grain(inner, luma_cct),
                       global_motion(luma_cct, gaps))
