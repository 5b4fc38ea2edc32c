"""What the catalog holds, as values: clips (source files), shots (runs of frames), scenes."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

__all__ = ["Clip", "Scene", "Shot"]


@dataclass(frozen=True)
class Clip:
    """A source file (movie, image sequence or still) as catalogued at ingest."""

    id: int
    name: str
    path: Path
    sha256: str
    size_bytes: int
    kind: str
    width: int
    height: int
    fps: Fraction
    frame_count: int
    first_frame: int
    timecode: str | None
    input_space: str
    scene_id: int
    day: str | None
    metadata: dict[str, Any]
    proxy: Path | None = None  # a smaller copy for analysis and previews, when one was made


@dataclass(frozen=True)
class Shot:
    """A continuous run of frames ``[start_frame, end_frame)`` of one clip."""

    id: int
    name: str
    clip: Clip
    scene: str
    start_frame: int
    end_frame: int
    source: str

    @property
    def frame_count(self) -> int:
        """Number of frames in the shot."""
        return self.end_frame - self.start_frame


@dataclass(frozen=True)
class Scene:
    """Shots that should look like one another; the anchor is the one the others match."""

    id: int
    name: str
    anchor_shot_id: int | None
