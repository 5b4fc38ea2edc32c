"""Scene and title profiles: the median and robust spread of their members' metrics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from workbench.errors import ShapeError
from workbench.model.profiles.palette import Palette, merge_palettes
from workbench.model.profiles.shot import ShotProfile
from workbench.schema import upgrade

__all__ = ["SceneProfile", "TitleProfile", "aggregate", "scene_profile", "title_profile"]


@dataclass(frozen=True)
class SceneProfile:
    """Median and spread (1.4826 × MAD) of the member profiles' metrics. SceneProfile.1."""

    count: int
    median: dict[str, float]
    spread: dict[str, float]
    palette: Palette

    SCHEMA = "SceneProfile.1"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"schema": self.SCHEMA, "count": self.count, "median": dict(self.median),
                "spread": dict(self.spread), "palette": asdict(self.palette)}

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "profile") -> SceneProfile:
        """Inverse of :meth:`to_dict`; an older schema is upgraded, a newer one refused.

        ``where`` (the file it came from) is named in a :class:`ParameterError`.
        """
        data = upgrade(data, cls.SCHEMA, where)
        return cls(int(data["count"]), dict(data["median"]), dict(data["spread"]),
                   Palette.from_dict(data["palette"]))


@dataclass(frozen=True)
class TitleProfile(SceneProfile):
    """The same aggregate over a title's scene profiles. TitleProfile.1."""

    SCHEMA = "TitleProfile.1"


def aggregate(metrics: list[dict[str, float]]) -> tuple[dict[str, float], dict[str, float]]:
    """Per metric name: the median and the robust spread (1.4826 × MAD) over ``metrics``."""
    names = sorted({k for m in metrics for k in m})
    median, spread = {}, {}
    for k in names:
        vals = np.asarray([m[k] for m in metrics if k in m], dtype=np.float64)
        med = float(np.median(vals))
        median[k] = med
        spread[k] = float(1.4826 * np.median(np.abs(vals - med)))
    return median, spread


def scene_profile(profiles: Sequence[ShotProfile]) -> SceneProfile:
    """Median and robust spread of the shots' metrics, and their merged palette."""
    if not profiles:
        raise ShapeError("scene_profile needs at least one shot profile, got none")
    median, spread = aggregate([p.metrics() for p in profiles])
    return SceneProfile(len(profiles), median, spread,
                        merge_palettes([p.palette for p in profiles]))


def title_profile(scenes: Sequence[SceneProfile]) -> TitleProfile:
    """The same aggregate over scene profiles (each scene counts once, whatever its size)."""
    if not scenes:
        raise ShapeError("title_profile needs at least one scene profile, got none")
    median, spread = aggregate([s.median for s in scenes])
    return TitleProfile(len(scenes), median, spread, merge_palettes([s.palette for s in scenes]))
